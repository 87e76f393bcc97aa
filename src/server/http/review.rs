//! The review's routes besides its page:
//! - `POST /review/answer`: the review page's plain form (works without JavaScript). Records
//!   the answer to the card and goes back to `/review`, which shows the next one. A form sent
//!   twice answers once (the review takes only an answer to an open card of today).
//! - `GET /review/feed.atom?token=`: the private Atom feed, outside the login: its own secret
//!   token opens it (and nothing else); without it, 401 and no text of the library.
//! - `POST /review/feed/new-address`: the settings page's form that replaces the token.

use super::{error::text_answer, AppState};
use crate::{model::ReviewAnswer, server::request::blocking};
use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Form, Router,
};
use serde::Deserialize;

/// The routes behind the login.
pub fn routes() -> Router<AppState> {
    Router::new().route("/review/answer", post(answer)).route("/review/feed/new-address", post(new_feed_address))
}

/// The feed: public, opened by its token.
pub fn feed_routes() -> Router<AppState> {
    Router::new().route("/review/feed.atom", get(feed))
}

#[derive(Deserialize)]
struct AnswerForm {
    highlight: String,
    answer: String,
}

async fn answer(State(state): State<AppState>, Form(form): Form<AnswerForm>) -> Response {
    let Some(answer) = ReviewAnswer::from_slug(&form.answer) else {
        return (StatusCode::BAD_REQUEST, "unknown answer").into_response();
    };
    let review = state.review.clone();
    let now = crate::server::dates::unix_now();
    match blocking(move || review.answer(&form.highlight, answer, now)).await {
        Ok(_) => Redirect::to("/review").into_response(),
        Err(err) => text_answer(err),
    }
}

#[derive(Deserialize)]
struct FeedQuery {
    #[serde(default)]
    token: String,
}

async fn feed(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<FeedQuery>) -> Response {
    let site = site_origin(&state, &headers);
    let review = state.review.clone();
    let now = crate::server::dates::unix_now();
    let feed = blocking(move || match review.opens_feed(&query.token)? {
        true => review.feed(now, &site).map(Some),
        false => Ok(None),
    });
    match feed.await {
        Ok(Some(atom)) => ([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], atom).into_response(),
        Ok(None) => (StatusCode::UNAUTHORIZED, "this feed needs its address from the settings page").into_response(),
        Err(err) => text_answer(err),
    }
}

/// The site's origin for the feed's links: `KOBO_SHELF_PUBLIC_URL`, else the request's host.
fn site_origin(state: &AppState, headers: &HeaderMap) -> String {
    match &state.settings.public_origin {
        Some(origin) => origin.clone(),
        None => {
            let host = headers.get(header::HOST).and_then(|host| host.to_str().ok()).unwrap_or("localhost");
            format!("http://{host}")
        }
    }
}

async fn new_feed_address(State(state): State<AppState>) -> Response {
    let review = state.review.clone();
    match blocking(move || review.new_feed_token()).await {
        Ok(_) => Redirect::to("/settings#review-feed").into_response(),
        Err(err) => text_answer(err),
    }
}
