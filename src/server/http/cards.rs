//! `/card.png?highlight=<BookmarkID>&format=story`: a highlight drawn as a PNG to share (see
//! `cards`), behind the login like every private answer.

use super::{error::text_answer, headers::IMAGE_POLICY, AppState};
use crate::server::{cards::CardFormat, request::blocking};
use axum::{
    extract::{Query, State},
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn routes() -> Router<AppState> {
    Router::new().route("/card.png", get(card))
}

#[derive(serde::Deserialize)]
struct CardQuery {
    highlight: String,
    format: Option<String>,
}

async fn card(State(state): State<AppState>, Query(query): Query<CardQuery>) -> Response {
    let shelf = state.shelf.clone();
    let library = match blocking(move || shelf.current()).await {
        Ok(library) => library,
        Err(err) => return text_answer(err),
    };
    let format = CardFormat::parse(query.format.as_deref());
    match state.cards.card(library, query.highlight, format).await {
        Ok(png) => {
            let headers = [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
                (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline; filename=\"quote.png\"")),
                (header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(IMAGE_POLICY)),
            ];
            (headers, png).into_response()
        }
        Err(err) => text_answer(err),
    }
}
