//! `GET /theme?set=light|dark|system&back=/path`: remembers the reader's colour theme in a
//! cookie and goes back. A plain link, so it works without JavaScript; the server renders the
//! chosen theme, so no page flashes the other one first.

use super::{cookies, redirect, AppState};
use crate::model::Theme;
use axum::{
    extract::Query,
    http::header,
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use std::time::Duration;

/// A chosen theme is remembered for a year.
const REMEMBERED: Duration = Duration::from_secs(365 * 86_400);

pub fn routes() -> Router<AppState> {
    Router::new().route("/theme", get(set_theme))
}

#[derive(serde::Deserialize)]
struct ThemeQuery {
    #[serde(default)]
    set: String,
    #[serde(default)]
    back: String,
}

async fn set_theme(Query(query): Query<ThemeQuery>) -> Response {
    let cookie = match Theme::from_slug(&query.set) {
        Theme::System => cookies::theme("", Duration::ZERO),
        chosen => cookies::theme(chosen.slug(), REMEMBERED),
    };
    let mut response = redirect::to_local(&query.back).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    response
}
