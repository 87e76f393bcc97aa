//! Everything that runs only on the server: `http` (the only code that knows axum), what a
//! page's server function asks of its request (`request`), the pages rendered per library view
//! and the command line, over the domain crate `kobo-shelf-domain` (the library, sync, archive,
//! search, login, settings: no HTTP, no Leptos), whose modules are reached here by name.

pub mod cli;
pub mod http;
pub mod precompressed;
pub mod rendered;
pub mod request;

pub use kobo_shelf_domain::{
    appdb, archive, auth, cards, covers, dates, demo, edits, export, markups, memory, push, replica, review, search,
    services, settings, shelf, sibling_cache, sync,
};
