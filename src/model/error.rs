//! Errors that travel from server functions to pages.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// Why the library cannot be shown; travels from server functions to pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum PageError {
    #[error("The library is being fetched. This page reloads when it is ready.")]
    NotYetFetched,
    #[error("The library file cannot be read: {0}")]
    Unreadable(String),
    #[error("No such book in this library.")]
    NotFound,
    #[error("Your session has ended. Please log in again.")]
    LoginRequired,
    /// What the request asks the library to take is refused (too many tags…), in words.
    #[error("{0}")]
    Refused(String),
    /// The request did not get through (the network, or a request the server could not read).
    #[error("The server could not be reached: {0}")]
    Request(String),
    /// The server failed; the cause is in its log, not sent.
    #[error("Something went wrong on the server; its log says what.")]
    Internal,
}

impl FromServerFnError for PageError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        PageError::Request(value.to_string())
    }
}
