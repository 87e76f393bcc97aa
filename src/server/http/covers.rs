//! `/cover?id=<ContentID>`: an item's cover, behind the login: the device's image from the
//! source (cached per ETag), or a cover drawn from its title (SVG, served like markups with a
//! script-forbidding policy).

use super::{error::text_answer, headers::IMAGE_POLICY, AppState};
use crate::server::{covers::Cover, request::blocking};
use axum::{
    extract::{Query, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/cover", get(cover))
}

#[derive(serde::Deserialize)]
struct CoverQuery {
    id: String,
}

async fn cover(State(state): State<AppState>, Query(query): Query<CoverQuery>) -> Response {
    let shelf = state.shelf.clone();
    let library = match blocking(move || shelf.current()).await {
        Ok(library) => library,
        Err(err) => return text_answer(err),
    };
    let Some((summary, image_id)) = library.cover_of(&query.id) else {
        return (StatusCode::NOT_FOUND, "No such book in this library.").into_response();
    };
    let (body, content_type) = match state.covers.cover(&summary.title, summary.author.as_deref(), image_id).await {
        Cover::Jpeg(bytes) => (bytes, "image/jpeg"),
        Cover::Drawn(svg) => (svg.into(), "image/svg+xml"),
    };
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(IMAGE_POLICY));
    response
}
