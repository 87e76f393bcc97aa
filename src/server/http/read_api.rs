//! The read API for scripts, JSON under `/api/v1/`: `books` (the library list, filtered like
//! the library page by `q`, `kind`, `shelf` and ordered by `sort`, unpaged) and
//! `annotations?book=<ContentID>` (a book's annotations with those the device deleted). Behind
//! the login like every private route; with login on, `login::require_login` also lets in a
//! request that carries `Authorization: Bearer <KOBO_SHELF_API_TOKEN>`, here and nowhere else.

use super::{
    error::{json_answer, json_error},
    AppState,
};
use crate::{
    model::{query_value, BookSummary, LibraryQuery},
    server::{export::AnnotationRow, request::blocking, shelf::ShelfError},
};
use axum::{
    extract::{RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
    Json, Router,
};
use serde::Serialize;

/// Paths under this prefix are the read API (the only ones a bearer token opens).
pub const PREFIX: &str = "/api/v1/";

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/books", get(books)).route("/api/v1/annotations", get(annotations))
}

/// A book as the API lists it (the counts are the library view's, see `shelf::LibraryView`).
#[derive(Serialize)]
struct ApiBook<'a> {
    id: &'a str,
    title: &'a str,
    author: Option<&'a str>,
    kind: &'static str,
    percent_read: u8,
    status: String,
    last_read: Option<&'a str>,
    /// Highlights and notes, those deleted on the device included.
    highlights: u32,
    /// Of those, deleted on the device (kept by the archive).
    deleted_on_device: u32,
    /// No longer on the device: only the archive keeps it.
    removed_from_device: bool,
    collections: &'a [String],
}

impl<'a> ApiBook<'a> {
    fn of(summary: &'a BookSummary) -> ApiBook<'a> {
        ApiBook {
            id: &summary.id,
            title: &summary.title,
            author: summary.author.as_deref(),
            kind: summary.kind.slug(),
            percent_read: summary.percent_read,
            status: summary.read_status.label().to_lowercase(),
            last_read: summary.last_read.as_deref(),
            highlights: summary.highlight_count,
            deleted_on_device: summary.deleted_on_device,
            removed_from_device: summary.removed_from_device,
            collections: &summary.collections,
        }
    }
}

/// `GET /api/v1/books`: `{ total, matching, books: [...] }`.
async fn books(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let query = LibraryQuery::from_params(|name| query_value(raw.as_deref().unwrap_or_default(), name));
    answer(
        blocking(move || {
            let library = state.shelf.current()?;
            let books: Vec<ApiBook> = library.matching(&query).into_iter().map(ApiBook::of).collect();
            let listing = serde_json::json!({ "total": library.item_count(), "matching": books.len(), "books": books });
            Ok::<_, ShelfError>(listing)
        })
        .await,
    )
}

/// `GET /api/v1/annotations?book=<ContentID>`: `{ book, annotations: [...] }`, the annotations
/// in reading order with the fields of the JSON export.
async fn annotations(State(state): State<AppState>, RawQuery(raw): RawQuery) -> Response {
    let Some(id) = query_value(raw.as_deref().unwrap_or_default(), "book").filter(|id| !id.is_empty()) else {
        return json_error(StatusCode::BAD_REQUEST, "Name a book: /api/v1/annotations?book=<ContentID>.");
    };
    answer(
        blocking(move || {
            let book = state.shelf.current()?.book(&id)?;
            let answer = serde_json::json!({
                "book": ApiBook::of(&book.summary),
                "annotations": AnnotationRow::of_book(&book).collect::<Vec<_>>(),
            });
            Ok::<_, ShelfError>(answer)
        })
        .await,
    )
}

fn answer(result: Result<serde_json::Value, crate::model::PageError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(err) => json_answer(err),
    }
}
