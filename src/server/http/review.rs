//! `POST /review/answer`: the review page's plain form (works without JavaScript). Records the
//! answer to the card and goes back to `/review`, which shows the next one. A form sent twice
//! answers once (the review takes only an answer to an open card of today).

use super::{error::text_answer, AppState};
use crate::{model::ReviewAnswer, server::request::blocking};
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::post,
    Form, Router,
};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/review/answer", post(answer))
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
    let now = crate::server::dates::unix_seconds(std::time::SystemTime::now()) as i64;
    match blocking(move || review.answer(&form.highlight, answer, now)).await {
        Ok(_) => Redirect::to("/review").into_response(),
        Err(err) => text_answer(err),
    }
}
