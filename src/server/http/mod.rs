//! The HTTP layer: the only part of the server that knows axum, hyper and [`AppState`]. The
//! services below it (`kobo`, `sync`, `search`, `markups`, `auth`, `export`, `settings`) know
//! nothing of requests.
//!
//! The login boundary holds by construction, in this order:
//! 1. [`paths::refuse_odd_paths`]: a path that is not in canonical form (dot segments, raw or
//!    encoded; encoded slashes or backslashes; `//`; `;`; control characters) is answered 400
//!    before anything else looks at it.
//! 2. [`assets`]: exactly the files that exist in the built site are public, each by its own
//!    route; nothing else is served from disk.
//! 3. Every other route, including the fallback, sits behind [`login::require_login`], whose
//!    public exceptions are an exact list of paths; the one other way in is the read API's
//!    bearer token, which opens `/api/v1/…` only.

mod api;
mod assets;
mod export;
mod headers;
mod login;
mod markups;
mod paths;
mod read_api;
mod redirect;
mod serve;
mod state;
mod theme;

pub use redirect::local_target as local_redirect_target;
pub use serve::serve;
pub use state::{
    app_state, blocking, private_state, request_snapshot, request_theme, signed_in_user, AppState, RequestLibrary,
};

use crate::app::{shell, App};
use axum::{middleware, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};

pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let not_found_shell = options.clone();
    let not_found_context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            per_request_context();
        }
    };
    let private = api::routes()
        .merge(read_api::routes())
        .merge(login::routes())
        .merge(export::routes())
        .merge(theme::routes())
        .merge(markups::routes())
        .leptos_routes_with_context(&state, routes, per_request_context, move || shell(options.clone()))
        .fallback(leptos_axum::render_app_async_with_context(not_found_context, move || shell(not_found_shell.clone())))
        .layer(middleware::from_fn_with_state(state.clone(), login::require_login))
        .layer(middleware::map_response(headers::private_response));
    assets::routes(&state.leptos_options.site_root)
        .merge(private)
        .layer(middleware::from_fn_with_state(state.clone(), login::reject_cross_site))
        .layer(middleware::from_fn(paths::refuse_odd_paths))
        .layer(middleware::map_response(headers::every_response))
        .with_state(state)
}

/// Context every page and server function gets: its pinned library version and the page's
/// Content-Security-Policy (which names the nonce Leptos gives the page's inline scripts).
fn per_request_context() {
    provide_context(RequestLibrary::default());
    headers::provide_page_policy();
}
