//! The forms that edit what the reader adds to an annotation, on its book page: a favourite
//! button, then tags and a note of their own. Plain forms POSTed to `/annotation/edit`, which
//! comes back to the same annotation (they work without JavaScript and with the keyboard alone).

use crate::model::WebEdits;
use leptos::prelude::*;

/// The forms for the annotation `id`. They carry no page to come back to: the server takes
/// it from the request's `Referer` (the site sends it to itself), which keeps a book page of
/// thousands of highlights a megabyte lighter.
#[component]
pub fn EditForms(id: String, edits: WebEdits) -> impl IntoView {
    let WebEdits { favourite, tags, note } = edits;
    let (next, label) = if favourite { ("false", "☆ Unmark favourite") } else { ("true", "★ Mark as favourite") };
    view! {
        <form method="post" action="/annotation/edit" class="edit-favourite">
            <input type="hidden" name="highlight" value=id.clone()/>
            <input type="hidden" name="favourite" value=next/>
            <button type="submit">{label}</button>
        </form>
        <details class="edit-annotation">
            <summary>"Tags and your note"</summary>
            <form method="post" action="/annotation/edit">
                <input type="hidden" name="highlight" value=id/>
                <label>"Tags, separated by commas"<input type="text" name="tags" value=tags.join(", ")/></label>
                <label>"Your note (the device's stays as it is)"<textarea name="note" rows="3">{note.unwrap_or_default()}</textarea></label>
                <button type="submit">"Save"</button>
            </form>
        </details>
    }
}
