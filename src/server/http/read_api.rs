//! The API for scripts, JSON under `/api/v1/`: `books` (the library list, filtered like the
//! library page by `q`, `kind`, `shelf` and ordered by `sort`, unpaged),
//! `annotations?book=<ContentID>` (a book's annotations with those the device deleted, and what
//! the reader added on the web), and `PATCH annotations/<BookmarkID>` (a favourite, tags, a web
//! note). Behind the login like every private route; with login on, `login::require_login` also
//! lets in a request that carries `Authorization: Bearer <KOBO_SHELF_API_TOKEN>`, here and
//! nowhere else; a write must also come from this site or carry no browser origin.

use super::{
    error::{json_answer, json_error},
    AppState,
};
use crate::{
    model::{query_value, BookSummary, LibraryQuery},
    server::{edits::EditChange, export::AnnotationRow, request::blocking, shelf::ShelfError},
};
use axum::{
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, patch},
    Json, Router,
};
use serde::Serialize;

/// Paths under this prefix are the read API (the only ones a bearer token opens).
pub const PREFIX: &str = "/api/v1/";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/books", get(books))
        .route("/api/v1/annotations", get(annotations))
        .route("/api/v1/annotations/{id}", patch(edit_annotation))
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
    /// The devices that have it, where the library has several (a retired one's too).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    devices: &'a [String],
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
            devices: &summary.devices,
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
            let annotations: Vec<serde_json::Value> =
                AnnotationRow::of_book(&book).map(|row| api_annotation(&row)).collect();
            Ok::<_, crate::model::PageError>(
                serde_json::json!({ "book": ApiBook::of(&book.summary), "annotations": annotations }),
            )
        })
        .await,
    )
}

/// An annotation row as the API gives it: the export's fields (`favourite`, `tags` and
/// `web_note` among them), with `note` the note shown (the web note, else the device's) and
/// `device_note` the device's.
fn api_annotation(row: &AnnotationRow) -> serde_json::Value {
    let mut value = serde_json::to_value(row).unwrap_or_default();
    value["device_note"] = serde_json::json!(row.note);
    value["note"] = serde_json::json!(row.web_note.or(row.note));
    value
}

/// `PATCH /api/v1/annotations/<BookmarkID>` with a JSON object of any of `favourite` (bool),
/// `tags` (an array of text) and `note` (text, or null to clear the web note): 200 with the
/// annotation; 400 for anything else in the body; 404 for an annotation the library does not
/// have.
async fn edit_annotation(State(state): State<AppState>, Path(id): Path<String>, body: String) -> Response {
    let change = match edit_change(&body) {
        Ok(change) => change,
        Err(problem) => return json_error(StatusCode::BAD_REQUEST, &problem.to_string()),
    };
    let now = crate::server::dates::unix_now();
    let edited = blocking(move || -> Result<serde_json::Value, crate::model::PageError> {
        state.edits.apply(&id, change, now)?;
        let book = state.shelf.current()?.annotation_in_book(&id)?;
        let row = AnnotationRow::of_book(&book).find(|row| row.highlight_id == id).map(|row| api_annotation(&row));
        row.ok_or(crate::model::PageError::NotFound)
    });
    answer(edited.await)
}

/// Why a PATCH body asks for no change an annotation can take (the 400's message).
#[derive(Debug, thiserror::Error)]
enum BodyProblem {
    #[error("Send a JSON object: {{\"favourite\", \"tags\", \"note\"}}.")]
    NotAnObject(#[source] serde_json::Error),
    #[error("Each tag is text.")]
    TagNotText,
    #[error("`{0}` is not something an annotation has, or not of its type.")]
    UnknownField(String),
}

/// The change a PATCH body asks for.
fn edit_change(body: &str) -> Result<EditChange, BodyProblem> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(body).map_err(BodyProblem::NotAnObject)?;
    let mut change = EditChange::default();
    for (key, value) in object {
        match (key.as_str(), value) {
            ("favourite", serde_json::Value::Bool(favourite)) => change.favourite = Some(favourite),
            ("tags", serde_json::Value::Array(tags)) => {
                let tags = tags.into_iter().map(|tag| match tag {
                    serde_json::Value::String(tag) => Ok(tag),
                    _ => Err(BodyProblem::TagNotText),
                });
                change.tags = Some(tags.collect::<Result<_, _>>()?);
            }
            ("note", serde_json::Value::String(note)) => change.note = Some(Some(note)),
            ("note", serde_json::Value::Null) => change.note = Some(None),
            (key, _) => return Err(BodyProblem::UnknownField(key.to_string())),
        }
    }
    Ok(change)
}

fn answer(result: Result<serde_json::Value, crate::model::PageError>) -> Response {
    match result {
        Ok(value) => Json(value).into_response(),
        Err(err) => json_answer(err),
    }
}
