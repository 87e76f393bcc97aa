//! Errors that travel from server functions to pages.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// Why the library cannot be shown; travels from server functions to pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ShelfError {
    #[error("The library is being fetched. This page reloads when it is ready.")]
    NotYetFetched,
    #[error("The library file cannot be read: {0}")]
    Unreadable(String),
    #[error("No such book in this library.")]
    NotFound,
    #[error("Your session has ended. Please log in again.")]
    LoginRequired,
    #[error("The server could not be reached: {0}")]
    Request(String),
}

impl FromServerFnError for ShelfError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ShelfError::Request(value.to_string())
    }
}
