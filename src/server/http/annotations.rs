//! `POST /annotation/edit`: the book page's forms (see `components::annotation_edit`) for what
//! the reader adds to an annotation: any of `favourite` (true or false), `tags` (separated by
//! commas) and `note` (empty clears it); then back at the annotation, on the page `back`, else
//! the page the form was on (its `Referer`), else the annotation's book page.
//! Behind the login and same-origin like every write; scripts use `PATCH /api/v1/annotations/`.

use super::{error::text_answer, redirect, AppState};
use crate::{
    model::{book_href, encode_url_component},
    server::{
        dates::unix_now,
        edits::{EditChange, EditError},
        request::blocking,
    },
};
use axum::{
    extract::State,
    http::{header::REFERER, HeaderMap},
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

async fn edit(State(state): State<AppState>, headers: HeaderMap, Form(form): Form<EditForm>) -> Response {
    let change = EditChange {
        favourite: form.favourite.as_deref().map(|favourite| favourite == "true"),
        tags: form.tags.as_deref().map(|tags| tags.split(',').map(str::to_string).collect()),
        note: form.note.map(Some),
    };
    let now = unix_now();
    let edits = state.edits.clone();
    let referer = headers.get(REFERER).and_then(|value| value.to_str().ok()).and_then(path_of);
    let answer = blocking(move || {
        edits.apply(&form.highlight, change, now)?;
        let page = match (form.back, referer) {
            (back, _) if !back.is_empty() => back,
            (_, Some(referer)) => referer,
            _ => edits.book_of(&form.highlight)?.map(|book| book_href(&book)).unwrap_or_default(),
        };
        Ok::<_, EditError>(redirect::local_target(&format!("{page}#h-{}", encode_url_component(&form.highlight))))
    });
    match answer.await {
        Ok(back) => Redirect::to(&back).into_response(),
        Err(err) => text_answer(err),
    }
}

/// The path and query of an absolute URL (a `Referer`); where it points is checked after.
fn path_of(url: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    Some(url[url::Position::BeforePath..url::Position::AfterQuery].to_string())
}
