//! `/export/book.md?id=…` and `/export/library.zip`: downloads of the Markdown export.

use super::{blocking, AppState};
use crate::{
    model::{encode_url_component, ShelfError},
    server::export::{file_name, library_zip},
};
use axum::{
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/export/book.md", get(book_file)).route("/export/library.zip", get(library_file))
}

#[derive(serde::Deserialize)]
struct BookQuery {
    id: String,
}

async fn book_file(State(state): State<AppState>, Query(query): Query<BookQuery>) -> Response {
    let markdown = blocking(move || {
        let book = state.book_with_history(state.library.current()?, &query.id)?;
        Ok((state.markdown.render(&book), file_name(&book)))
    });
    match markdown.await {
        Ok((markdown, name)) => attachment(markdown.into_bytes(), "text/markdown; charset=utf-8", &name),
        Err(ShelfError::NotFound) => (StatusCode::NOT_FOUND, "No such book in this library.").into_response(),
        Err(err) => (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response(),
    }
}

async fn library_file(State(state): State<AppState>) -> Response {
    let zip = blocking(move || {
        let snapshot = state.library.current()?;
        let mut books = snapshot.all_books()?;
        for book in &mut books {
            state.archive.add_deleted(book, &snapshot.copies_of(&book.summary.id))?;
        }
        library_zip(&books, &state.markdown)
            .map_err(|err| ShelfError::Unreadable(format!("the archive cannot be written ({err})")))
    });
    match zip.await {
        Ok(zip) => attachment(zip, "application/zip", "kobo-highlights.zip"),
        Err(err) => (StatusCode::SERVICE_UNAVAILABLE, err.to_string()).into_response(),
    }
}

/// A download: `filename` for every browser (ASCII) and `filename*` for the real name (RFC 6266).
fn attachment(body: Vec<u8>, content_type: &'static str, name: &str) -> Response {
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    let ascii = ascii.replace(['"', '\\'], "_");
    let disposition = format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{}", encode_url_component(name));
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
