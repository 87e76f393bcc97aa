//! One item of the library's list, rendered on the server only: the page shows the HTML kept
//! for its view and query (see `get_library`).

use crate::{
    components::cover::{Cover, CoverSize},
    format,
    model::{book_href, BookSummary},
};
use leptos::prelude::*;

/// One item of the list.
#[component]
pub fn Item(item: BookSummary) -> impl IntoView {
    let percent = item.percent_read;
    let author = item.author.clone().unwrap_or_else(|| "Unknown author".to_string());
    let highlights = format::count(item.highlight_count as usize, "highlight", "highlights");
    view! {
        <li class="item">
            <Cover id=item.id.clone() title=item.title.clone() size=CoverSize::List/>
            <div class="item-text">
            <div class="item-main">
                <a class="item-title" href=book_href(&item.id)>{item.title.clone()}</a>
                <span class="item-author">{author}</span>
            </div>
            <div class="item-meta">
                <span class=format!("kind kind-{}", item.kind.slug())>{item.kind.label()}</span>
                <span class="progress" title=item.read_status.label()>
                    <span class="bar" role="progressbar" aria-label="Reading progress" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                        <span class="fill" style=format!("width: {percent}%")></span>
                    </span>
                    <span class="percent">{format!("{percent} %")}</span>
                </span>
                <span class="highlight-count">{highlights}</span>
                {(item.favourites > 0).then(|| view! {
                    <span class="favourite" title="Favourites">{format!("★ {}", item.favourites)}</span>
                })}
                <span class="last-read">
                    {item.last_read.as_deref().map(|date| format!("Read {}", format::date(date)))}
                </span>
                {item.removed_from_device.then(|| view! { <span class="removed">"Removed from device"</span> })}
                {(!item.devices.is_empty()).then(|| view! { <span class="devices">{item.devices.join(", ")}</span> })}
            </div>
            </div>
        </li>
    }
}
