//! `/markup/<BookmarkID>.jpg|svg`: a markup's page image or strokes, behind the login.
//!
//! The SVG comes from outside, so it is only ever served as an image with a
//! `Content-Security-Policy` that forbids scripts: opening it directly runs nothing.

use super::{headers::IMAGE_POLICY, AppState};
use crate::server::markups::{parse_file_name, Kind};
use axum::{
    extract::{Path as UrlPath, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use bytes::Bytes;

/// Shown where a markup file is missing or cannot be fetched.
const PLACEHOLDER: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800" viewBox="0 0 600 800"><rect width="600" height="800" fill="#eee9df"/><text x="300" y="400" font-family="sans-serif" font-size="26" fill="#6b655c" text-anchor="middle">Markup image not available</text></svg>"##;

pub fn routes() -> Router<AppState> {
    Router::new().route("/markup/{file}", get(markup_file))
}

async fn markup_file(State(state): State<AppState>, UrlPath(file): UrlPath<String>) -> Response {
    let found = match parse_file_name(&file) {
        Some((id, kind)) => state.markups.get(id, kind).await.map(|bytes| (bytes, kind)),
        None => None,
    };
    let (status, body, kind) = match found {
        Some((bytes, kind)) => (StatusCode::OK, bytes, kind),
        None => (StatusCode::NOT_FOUND, Bytes::from_static(PLACEHOLDER.as_bytes()), Kind::Strokes),
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind.content_type()));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(IMAGE_POLICY));
    response
}
