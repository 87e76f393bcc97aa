//! kobo-shelf: a personal reading library for Kobo e-readers.
//!
//! One crate, two builds: `ssr` (the axum server, with everything server-only in `server`)
//! and `hydrate` (the WASM that brings the page's islands to life: Leptos islands mode, so
//! pages stay server-rendered and only `#[island]` components run in the browser).

// Leptos view types nest deeply; the default limit is too low for the book page.
#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub use kobo_shelf_model::format;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod server;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Readable panics in the browser console while developing; left out of release bundles.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
