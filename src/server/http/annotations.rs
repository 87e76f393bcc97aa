//! `POST /annotation/edit`: the book page's forms (see `components::annotation_edit`) for what
//! the reader adds to an annotation: any of `favourite` (true or false), `tags` (separated by
//! commas) and `note` (empty clears it); then back to the page (`back`) at the annotation.
//! Behind the login and same-origin like every write; scripts use `PATCH /api/v1/annotations/`.

use super::{error::text_answer, redirect, AppState};
use crate::server::{dates::unix_now, edits::EditChange, request::blocking};
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
    routing::post,
    Form, Router,
};
use serde::Deserialize;

pub fn routes() -> Router<AppState> {
    Router::new().route("/annotation/edit", post(edit))
}

#[derive(Deserialize)]
struct EditForm {
    highlight: String,
    #[serde(default)]
    back: String,
    favourite: Option<String>,
    tags: Option<String>,
    note: Option<String>,
}

async fn edit(State(state): State<AppState>, Form(form): Form<EditForm>) -> Response {
    let change = EditChange {
        favourite: form.favourite.as_deref().map(|favourite| favourite == "true"),
        tags: form.tags.as_deref().map(|tags| tags.split(',').map(str::to_string).collect()),
        note: form.note.map(Some),
    };
    let back = redirect::local_target(&format!("{}#h-{}", form.back, form.highlight));
    let now = unix_now();
    let edits = state.edits.clone();
    match blocking(move || edits.apply(&form.highlight, change, now)).await {
        Ok(_) => Redirect::to(&back).into_response(),
        Err(err) => text_answer(err),
    }
}
