//! `GET /theme?set=light|dark|system&back=/path`: remembers the reader's colour theme in a
//! cookie and goes back. A plain link, so it works without JavaScript; the server renders the
//! chosen theme, so no page flashes the other one first.

use super::{redirect, AppState};
use crate::model::Theme;
use axum::{
    extract::Query,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

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
    let theme = Theme::from_slug(&query.set);
    let cookie = match theme {
        Theme::System => format!("{}=; Path=/; SameSite=Lax; Max-Age=0", Theme::COOKIE),
        chosen => format!("{}={}; Path=/; SameSite=Lax; Max-Age=31536000", Theme::COOKIE, chosen.slug()),
    };
    let mut response = redirect::to_local(&query.back).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
