//! "Save for offline": a button that asks the service worker (public/sw.js, through
//! public/offline.js) to keep pages and their images now, instead of as they are visited. It is
//! hidden until offline.js runs: without it there is nothing to keep them with.

use leptos::prelude::*;

/// What a button keeps.
pub enum ToSave {
    /// These addresses (a book page, its cover, its markups' images).
    Addresses(Vec<String>),
    /// The library and every book's page and cover (listed by the read API when pressed).
    WholeLibrary,
}

#[component]
pub fn SaveOffline(label: &'static str, what: ToSave) -> impl IntoView {
    let (addresses, whole_library) = match what {
        // Percent-encoded addresses: no character needs escaping inside a JSON string.
        ToSave::Addresses(addresses) => {
            let quoted: Vec<String> = addresses.iter().map(|address| format!("\"{address}\"")).collect();
            (Some(format!("[{}]", quoted.join(","))), None)
        }
        ToSave::WholeLibrary => (None, Some("")),
    };
    view! {
        <p class="save-offline">
            <button type="button" hidden data-save=addresses data-save-books=whole_library>{label}</button>
            <span class="save-status" role="status"></span>
        </p>
    }
}
