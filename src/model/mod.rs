//! What pages and server functions exchange: the shared types of `kobo-shelf-model`, and
//! [`PageError`], the one error pages see (a Leptos server-function error, so it lives here).

mod error;

pub use error::*;
pub use kobo_shelf_model::*;
