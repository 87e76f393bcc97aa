//! The one mapping from the services' errors to what a client gets: the `ShelfError` pages
//! and server functions see over the wire, and for plain routes an HTTP status with the same
//! words (JSON for the read API, text elsewhere).

use crate::{
    model::ShelfError,
    server::{auth::AuthError, kobo::KoboError, shelf::LibraryError},
};
use axum::{
    http::{header::RETRY_AFTER, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};

impl From<LibraryError> for ShelfError {
    fn from(err: LibraryError) -> ShelfError {
        match err {
            LibraryError::NotFound => ShelfError::NotFound,
            LibraryError::Device(KoboError::Missing) => ShelfError::NotYetFetched,
            LibraryError::Device(KoboError::Remembered(inner)) if matches!(*inner, KoboError::Missing) => {
                ShelfError::NotYetFetched
            }
            LibraryError::Write(err) => ShelfError::Request(format!("the download could not be written ({err})")),
            other => ShelfError::Unreadable(other.to_string()),
        }
    }
}

impl From<AuthError> for ShelfError {
    fn from(err: AuthError) -> ShelfError {
        ShelfError::Request(err.to_string())
    }
}

/// The status a plain route answers `err` with.
pub fn status_of(err: &ShelfError) -> StatusCode {
    match err {
        ShelfError::NotFound => StatusCode::NOT_FOUND,
        ShelfError::NotYetFetched | ShelfError::Unreadable(_) => StatusCode::SERVICE_UNAVAILABLE,
        ShelfError::LoginRequired => StatusCode::UNAUTHORIZED,
        ShelfError::Request(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// How soon a client may ask again for what is not there yet (the first library, a copy that
/// the next sync may replace): a 503 says so with `Retry-After`.
const RETRY_AFTER_SECS: &str = "5";

/// The `Retry-After` a status carries, if any.
fn retry_after(status: StatusCode) -> Option<[(axum::http::HeaderName, HeaderValue); 1]> {
    (status == StatusCode::SERVICE_UNAVAILABLE).then(|| [(RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER_SECS))])
}

/// An error as plain text with its status (pages' downloads, covers).
pub fn text_answer(err: impl Into<ShelfError>) -> Response {
    let err = err.into();
    let status = status_of(&err);
    (status, retry_after(status), err.to_string()).into_response()
}

/// An error as the read API's JSON `{ "error": … }` with its status.
pub fn json_answer(err: impl Into<ShelfError>) -> Response {
    let err = err.into();
    let status = status_of(&err);
    (retry_after(status), json_error(status, &err.to_string())).into_response()
}

/// Sets the status (and `Retry-After`) of the page being rendered to what `err` means, as
/// for every other route.
pub fn answer_page_with(err: &ShelfError) {
    let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else { return };
    let status = status_of(err);
    response.set_status(status);
    for (name, value) in retry_after(status).into_iter().flatten() {
        response.insert_header(name, value);
    }
}

/// A JSON error a script can read.
pub fn json_error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
}
