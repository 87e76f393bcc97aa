//! The library page `/`: every item with its progress and highlights; search (`q`), kind and
//! Kobo collection and device filters (`kind`, `shelf`, `device`), sort (`sort`) and paging (`page`) through a plain
//! GET form: a server-rendered page, with or without JavaScript.

use crate::{
    components::{
        filter_select::{Choice, FilterSelect},
        loaded,
        query::use_query,
    },
    format,
    model::{DeletionWave, DeviceCount, ItemKind, LibraryListing, LibraryQuery, LibrarySort, PageError},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;

#[cfg(feature = "ssr")]
mod item;

/// A page of the library, its items as HTML: rendered once per library view, query and edits
/// (the ★ count), as book pages are (see `rendered`): the hundred items were most of the
/// page's time.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RenderedLibrary {
    /// The page without its items.
    listing: LibraryListing,
    items: std::sync::Arc<str>,
}

/// A page of the library with what the archive keeps: highlight counts (and the order by
/// them) include those the device deleted, and books removed from the device stay listed.
#[server]
pub async fn get_library(query: LibraryQuery) -> Result<RenderedLibrary, PageError> {
    use crate::server::request;
    let library = request::library()?;
    let mut listing = library.page(&query);
    let items = std::mem::take(&mut listing.items);
    let items = request::rendered_parts().get_or_render(&library, &format!("library {}", query.href()), || {
        let mut items = items;
        library.add_favourites(&mut items)?;
        Ok::<_, PageError>(items.into_iter().map(|item| view! { <item::Item item/> }).collect_view().to_html())
    })?;
    Ok(RenderedLibrary { listing, items })
}

#[component]
pub fn LibraryPage() -> impl IntoView {
    let params = use_query();
    let query = move || LibraryQuery::from_params(|name| params.get(name));
    let listing = Resource::new(query, get_library);
    view! {
        <Title text="Library"/>
        {loaded(listing, "Loading the library…", move |page| view! { <Library page query=query()/> })}
    }
}

#[component]
fn Library(page: RenderedLibrary, query: LibraryQuery) -> impl IntoView {
    let RenderedLibrary { listing, items } = page;
    let summary = if listing.matching == listing.total {
        format::count(listing.total, "item", "items")
    } else {
        format!(
            "{} of {}",
            format::count(listing.matching, "match", "matches"),
            format::count(listing.total, "item", "items")
        )
    };
    let empty = listing.matching == 0 || items.is_empty();
    let deletion_wave = listing.deletion_wave.map(|wave| {
        view! {
            <p class="deletion-wave" role="status">
                {wave.message()}" "<a href=DeletionWave::HREF>"See the annotations deleted on the device"</a>
            </p>
        }
    });
    view! {
        <section class="library">
            <div class="library-head">
                <h1>"Library"</h1>
                <p class="library-count">{summary}</p>
                <a class="export" href="/export/library.zip" download="" rel="external">"Export all highlights (.zip)"</a>
                <a class="export" href="/export/anki.txt" download="" rel="external">"Anki deck"</a>
            </div>
            {deletion_wave}
            <Controls
                query=query.clone()
                kind_counts=listing.kind_counts.clone()
                collection_counts=listing.collection_counts.clone()
                device_counts=listing.device_counts.clone()
            />
            {empty.then(|| view! { <p class="empty">"Nothing in the library matches this search."</p> })}
            <ol class="items" inner_html=items></ol>
            <Pager query page=listing.page page_count=listing.page_count/>
        </section>
    }
}

/// The search form: text, kind, collection (when the device has any), device (when the library
/// has several) and order. A GET form, so the URL says what is shown.
#[component]
fn Controls(
    query: LibraryQuery,
    kind_counts: Vec<(ItemKind, usize)>,
    collection_counts: Vec<(String, usize)>,
    device_counts: Vec<DeviceCount>,
) -> impl IntoView {
    let kinds = kind_counts
        .into_iter()
        .map(|(kind, count)| Choice {
            value: kind.slug().to_string(),
            label: format!("{} ({count})", kind.label()),
            selected: query.kind == Some(kind),
        })
        .collect();
    let collections = (!collection_counts.is_empty()).then(|| {
        let choices = collection_counts
            .into_iter()
            .map(|(name, count)| Choice {
                label: format!("{name} ({count})"),
                selected: query.shelf.as_ref() == Some(&name),
                value: name,
            })
            .collect();
        view! { <FilterSelect name="shelf" label="Collection" all="All collections" choices/> }
    });
    let devices = (!device_counts.is_empty()).then(|| {
        let choices = device_counts
            .into_iter()
            .map(|DeviceCount { name, entries, retired }| Choice {
                label: format!("{name}{} ({entries})", if retired { ", retired" } else { "" }),
                selected: query.device.as_ref() == Some(&name),
                value: name,
            })
            .collect();
        view! { <FilterSelect name="device" label="Device" all="All devices" choices/> }
    });
    let sort_options = LibrarySort::ALL
        .into_iter()
        .map(|sort| view! { <option value=sort.slug() selected=query.sort == sort>{sort.label()}</option> })
        .collect_view();
    view! {
        <Form method="GET" action="/" attr:class="library-controls" attr:role="search">
            <label class="search">
                <span class="visually-hidden">"Search title or author"</span>
                <input type="search" name="q" value=query.q.clone() placeholder="Search title or author"/>
            </label>
            <FilterSelect name="kind" label="Kind" all="All kinds" choices=kinds/>
            {collections}
            {devices}
            <label>
                <span class="visually-hidden">"Sort by"</span>
                <select name="sort">{sort_options}</select>
            </label>
            <button type="submit">"Search"</button>
        </Form>
    }
}

#[component]
fn Pager(query: LibraryQuery, page: usize, page_count: usize) -> impl IntoView {
    (page_count > 1).then(|| {
        let link = |page: usize| LibraryQuery { page, ..query.clone() }.href();
        view! {
            <nav class="pager" aria-label="Pages">
                {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev">"← Previous"</a> })}
                <span>{format!("Page {page} of {page_count}")}</span>
                {(page < page_count).then(|| view! { <a href=link(page + 1) rel="next">"Next →"</a> })}
            </nav>
        }
    })
}
