//! One highlight, note or handwritten markup as the book page and the review show it: the
//! passage (or the page the reader wrote on), the note, the colour, when it was made and when
//! the device deleted it, and which devices have it (a library of several).

use super::{annotation_edit::EditForms, share_card::ShareCardLink};
use crate::{
    format,
    model::{encode_url_component, tag_href, Highlight, WebEdits},
};
use leptos::prelude::*;

/// An annotation's tags, each a link to the others with it; nothing when there are none.
#[component]
pub fn TagList(tags: Vec<String>) -> impl IntoView {
    (!tags.is_empty()).then(|| {
        let links =
            tags.into_iter().map(|tag| view! { <li><a href=tag_href(&tag)>{tag.clone()}</a></li> }).collect_view();
        view! { <ul class="tags" aria-label="Tags">{links}</ul> }
    })
}

/// `editable`: with the edit forms and the share link (the book page; not the review, search).
#[component]
pub fn HighlightItem(highlight: Highlight, #[prop(optional)] editable: bool) -> impl IntoView {
    let Highlight { id, text, note, color, is_markup, created, deleted_on_device, web, devices } = highlight;
    let share = (editable && !is_markup).then(|| view! { <ShareCardLink id=id.clone()/> });
    let forms = editable.then(|| view! { <EditForms id=id.clone() edits=web.clone()/> });
    let WebEdits { favourite, tags, note: web_note } = web;
    let device_note_label = if web_note.is_some() { "Note on the device: " } else { "Note: " };
    let body = if is_markup {
        let file = |extension: &str| format!("/markup/{}.{extension}", encode_url_component(&id));
        view! {
            <figure class="markup-page">
                <div class="markup-images">
                    <img src=file("jpg") loading="lazy" width="600" height="800" alt="The page you wrote on"/>
                    <img class="strokes" src=file("svg") loading="lazy" width="600" height="800" alt=""/>
                </div>
                <figcaption class="markup">"✍ Handwritten markup"</figcaption>
            </figure>
        }
        .into_any()
    } else {
        view! { <blockquote>{text.unwrap_or_default()}</blockquote> }.into_any()
    };
    let dates = (created.as_deref().map(format::date), deleted_on_device.as_deref().map(format::date));
    view! {
        <li class=format!("highlight color-{}", color.slug()) id=format!("h-{id}") data-deleted-on-device=deleted_on_device>
            {body}
            {web_note.map(|note| view! {
                <p class="note web-note"><span class="note-label">"Your note: "</span>{note}</p>
            })}
            {note.map(|note| view! {
                <p class="note"><span class="note-label">{device_note_label}</span>{note}</p>
            })}
            <TagList tags/>
            <p class="highlight-meta">
                {favourite.then(|| view! { <span class="favourite">"★ Favourite · "</span> })}
                {color.is_shown().then(|| view! { <span class="swatch" aria-hidden="true"></span> {color.label()} })}
                {dates.0.map(|date| if color.is_shown() { format!(" · {date}") } else { date })}
                {(!devices.is_empty()).then(|| view! { <span class="device-mark">{format!(" · {}", devices.join(", "))}</span> })}
                {dates.1.map(|date| view! { <span class="deleted-mark">{format!(" · deleted on device {date}")}</span> })}
            </p>
            {share}
            {forms}
        </li>
    }
}
