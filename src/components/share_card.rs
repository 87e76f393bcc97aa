//! "Share as image" on each highlight of a book page: a link that downloads the highlight's
//! quote card (`/card.png`), which works everywhere; and an island that, where the browser can
//! share files (the Web Share API, on phones), opens the share sheet with the card instead.

use crate::model::encode_url_component;
use leptos::prelude::*;

/// The link to the card of the highlight `id`.
#[component]
pub fn ShareCardLink(id: String) -> impl IntoView {
    let href = format!("/card.png?highlight={}", encode_url_component(&id));
    view! { <a class="share-card" href=href download="quote.png">"Share as image"</a> }
}

/// An island, once per page: a click on a `ShareCardLink` shares the card where the browser
/// can share files, else lets the link download it.
#[island]
pub fn ShareCards() -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        let handle = window_event_listener(leptos::ev::click, |event| {
            if let Some(href) = web_share::card_href(&event).filter(|_| web_share::can_share_files()) {
                event.prevent_default();
                leptos::task::spawn_local(web_share::share(href));
            }
        });
        on_cleanup(move || handle.remove());
    }
}

/// The Web Share API, called through `Reflect` (web-sys keeps `navigator.share` behind its
/// unstable flag).
#[cfg(feature = "hydrate")]
mod web_share {
    use leptos::wasm_bindgen::{JsCast, JsValue};
    use leptos::web_sys;

    /// The card address of the share link the click landed on, if it did.
    pub fn card_href(event: &web_sys::MouseEvent) -> Option<String> {
        let target = event.target()?.dyn_into::<web_sys::Element>().ok()?;
        let link = target.closest("a.share-card").ok()??.dyn_into::<web_sys::HtmlAnchorElement>().ok()?;
        Some(link.href())
    }

    /// `{ files: [file] }`, what `navigator.share` takes.
    fn share_data(file: &web_sys::File) -> JsValue {
        let data = js_sys::Object::new();
        let _ = js_sys::Reflect::set(&data, &"files".into(), &js_sys::Array::of1(file));
        data.into()
    }

    fn png_file(parts: &JsValue) -> Option<web_sys::File> {
        let options = web_sys::FilePropertyBag::new();
        options.set_type("image/png");
        web_sys::File::new_with_blob_sequence_and_options(parts, "quote.png", &options).ok()
    }

    /// Calls `navigator.<name>(data)` if the browser has it.
    fn call_navigator(name: &str, data: &JsValue) -> Option<JsValue> {
        let navigator: JsValue = web_sys::window()?.navigator().into();
        let method = js_sys::Reflect::get(&navigator, &name.into()).ok()?.dyn_into::<js_sys::Function>().ok()?;
        method.call1(&navigator, data).ok()
    }

    /// Whether the browser says it can share a PNG file.
    pub fn can_share_files() -> bool {
        png_file(&js_sys::Array::new().into())
            .and_then(|file| call_navigator("canShare", &share_data(&file)))
            .is_some_and(|answer| answer.as_bool() == Some(true))
    }

    /// Fetches the card and shares it; if that fails (not a cancel), opens it instead.
    pub async fn share(href: String) {
        if let Err(err) = fetch_and_share(&href).await {
            let cancelled = err.dyn_ref::<web_sys::DomException>().is_some_and(|err| err.name() == "AbortError");
            if !cancelled {
                let _ = web_sys::window().map(|window| window.location().set_href(&href));
            }
        }
    }

    async fn fetch_and_share(href: &str) -> Result<(), JsValue> {
        use wasm_bindgen_futures::JsFuture;
        let window = web_sys::window().ok_or(JsValue::NULL)?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str(href)).await?.dyn_into()?;
        if !response.ok() {
            return Err(JsValue::NULL);
        }
        let blob: web_sys::Blob = JsFuture::from(response.blob()?).await?.dyn_into()?;
        let file = png_file(&js_sys::Array::of1(&blob).into()).ok_or(JsValue::NULL)?;
        let shared = call_navigator("share", &share_data(&file)).ok_or(JsValue::NULL)?;
        JsFuture::from(shared.dyn_into::<js_sys::Promise>()?).await.map(drop)
    }
}
