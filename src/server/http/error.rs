//! The one mapping from the services' errors to what a client gets: the `PageError` pages
//! and server functions see over the wire, and for plain routes an HTTP status with the same
//! words (JSON for the read API, text elsewhere).

use crate::{
    model::PageError,
    server::{auth::AuthError, cards::CardError, edits::EditError, review::ReviewError, shelf::ShelfError},
};
use axum::{
    http::{header::RETRY_AFTER, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use kobo_reader::KoboError;

impl From<ShelfError> for PageError {
    fn from(err: ShelfError) -> PageError {
        match err {
            ShelfError::NotFound => PageError::NotFound,
            ShelfError::Device(KoboError::Missing) => PageError::NotYetFetched,
            ShelfError::Device(KoboError::Remembered(inner)) if matches!(*inner, KoboError::Missing) => {
                PageError::NotYetFetched
            }
            ShelfError::Write(err) => internal("the download could not be written", &err),
            other => PageError::Unreadable(other.to_string()),
        }
    }
}

impl From<ReviewError> for PageError {
    fn from(err: ReviewError) -> PageError {
        internal("the review failed", &err)
    }
}

impl From<EditError> for PageError {
    fn from(err: EditError) -> PageError {
        match err {
            EditError::UnknownAnnotation => PageError::NotFound,
            EditError::TooManyTags | EditError::TagTooLong | EditError::NoteTooLong => {
                PageError::Refused(err.to_string())
            }
            other => internal("an annotation's edit failed", &other),
        }
    }
}

impl From<CardError> for PageError {
    fn from(err: CardError) -> PageError {
        match err {
            CardError::UnknownHighlight => PageError::NotFound,
            CardError::NoText => PageError::Refused(err.to_string()),
            CardError::Shelf(err) => err.into(),
            other => internal("a quote card could not be drawn", &other),
        }
    }
}

impl From<AuthError> for PageError {
    fn from(err: AuthError) -> PageError {
        internal("the login failed", &err)
    }
}

/// A server-side failure: its cause logged here, a plain message for the client.
fn internal(what: &str, cause: &dyn std::error::Error) -> PageError {
    tracing::error!(error = %cause, "{what}");
    PageError::Internal
}

/// The status a plain route answers `err` with.
pub fn status_of(err: &PageError) -> StatusCode {
    match err {
        PageError::NotFound => StatusCode::NOT_FOUND,
        PageError::NotYetFetched | PageError::Unreadable(_) => StatusCode::SERVICE_UNAVAILABLE,
        PageError::LoginRequired => StatusCode::UNAUTHORIZED,
        PageError::Refused(_) => StatusCode::BAD_REQUEST,
        PageError::Request(_) | PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
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
pub fn text_answer(err: impl Into<PageError>) -> Response {
    let err = err.into();
    let status = status_of(&err);
    (status, retry_after(status), err.to_string()).into_response()
}

/// An error as the read API's JSON `{ "error": … }` with its status.
pub fn json_answer(err: impl Into<PageError>) -> Response {
    let err = err.into();
    let status = status_of(&err);
    (retry_after(status), json_error(status, &err.to_string())).into_response()
}

/// Sets the status (and `Retry-After`) of the page being rendered to what `err` means, as
/// for every other route.
pub fn answer_page_with(err: &PageError) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_has_one_status_and_a_server_failure_tells_no_cause() {
        let failed = PageError::from(AuthError::Sessions(rusqlite::Error::InvalidQuery));
        assert_eq!((status_of(&failed), &failed), (StatusCode::INTERNAL_SERVER_ERROR, &PageError::Internal));
        assert!(!failed.to_string().contains("Query"), "{failed}");
        let missing = PageError::from(ShelfError::Device(KoboError::Missing));
        assert_eq!(status_of(&missing), StatusCode::SERVICE_UNAVAILABLE);
        assert!(retry_after(status_of(&missing)).is_some());
        assert_eq!(status_of(&PageError::from(ShelfError::NotFound)), StatusCode::NOT_FOUND);
        assert!(retry_after(StatusCode::NOT_FOUND).is_none());
    }
}
