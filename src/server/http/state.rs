//! What every route can reach: the services (built once by `Services::start`), the Leptos
//! options, the password-check turns, the encoded sync status and the rendered pages; and what the HTTP layer reads of a request for the
//! pages (the signed-in user, a cookie).

use crate::{
    model::Theme,
    server::{auth::SignedIn, rendered::RenderedPages, request::RequestUser, services::Services},
};
use axum::extract::FromRef;
use leptos::prelude::*;
use std::{ops::Deref, sync::Arc};

#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Arc<Services>,
    /// Turns to compute a password hash (see `login::PASSWORD_CHECKS_AT_ONCE`).
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// The polled sync status, kept encoded (see `api`).
    pub sync_status: Arc<super::api::EncodedStatus>,
    /// Pages rendered for the current library view (see `server::rendered`).
    pub rendered: Arc<RenderedPages>,
}

/// Handlers reach the services as `state.shelf`, `state.devices`…
impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.services
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The signed-in user of `parts` (set by `login::require_login`), for the pages' context.
pub fn request_user(parts: &axum::http::request::Parts) -> RequestUser {
    RequestUser(parts.extensions.get::<SignedIn>().map(|signed_in| signed_in.user.clone()))
}

/// The colour theme the reader chose, from the request's cookie, for the pages' context.
pub fn request_theme(parts: &axum::http::request::Parts) -> Theme {
    super::cookies::values(&parts.headers, Theme::COOKIE)
        .next()
        .map_or_else(Default::default, |slug| Theme::from_slug(&slug))
}
