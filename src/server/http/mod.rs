//! The HTTP layer: the only part of the server that knows axum, hyper and [`AppState`]. The
//! services below it (`kobo`, `sync`, `search`, `markups`, `covers`, `auth`, `export`, `settings`) know
//! nothing of requests.
//!
//! The login boundary holds by construction, in this order:
//! 1. [`paths::refuse_odd_paths`]: a path that is not in canonical form (dot segments, raw or
//!    encoded; encoded slashes or backslashes; `//`; `;`; control characters) is answered 400
//!    before anything else looks at it.
//! 2. [`assets`]: exactly the files of the built site (embedded in a release build, else found
//!    on disk at start) are public, each by its own route; nothing else is served from disk.
//! 3. Every other route, including the fallback, sits behind [`login::require_login`], whose
//!    public exceptions are an exact list of paths; the one other way in is the read API's
//!    bearer token, which opens `/api/v1/…` only.

mod annotations;
mod api;
mod assets;
mod cards;
mod cookies;
mod covers;
mod error;
mod export;
mod headers;
mod login;
mod markups;
mod paths;
mod precompressed;
mod read_api;
mod redirect;
mod review;
mod serve;
mod state;
mod theme;

pub use serve::serve;
pub use state::AppState;

use crate::{
    app::{shell, App},
    server::request::{LocalTarget, PageAnswer, RequestLibrary, SentPrecompressed},
};
use axum::{middleware, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::compression::{
    predicate::{NotForContentType, Predicate},
    CompressionLayer, CompressionLevel, DefaultPredicate,
};

/// The whole app: `assets` (see [`assets::site`]), then everything behind the login.
pub fn router(state: AppState, assets: Router<AppState>) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let not_found_shell = options.clone();
    let not_found_context = page_context(&state);
    let private = api::routes()
        .merge(read_api::routes())
        .merge(login::routes())
        .merge(export::routes())
        .merge(theme::routes())
        .merge(review::routes())
        .merge(annotations::routes())
        .merge(markups::routes())
        .merge(covers::routes())
        .merge(cards::routes())
        .leptos_routes_with_context(&state, routes, page_context(&state), move || shell(options.clone()))
        .fallback(leptos_axum::render_app_async_with_context(not_found_context, move || shell(not_found_shell.clone())))
        .layer(middleware::from_fn(precompressed::gzip_around_kept_parts))
        .layer(middleware::from_fn_with_state(state.clone(), login::require_login))
        .layer(middleware::map_response(headers::private_response));
    assets
        .merge(review::feed_routes())
        .merge(private)
        .layer(middleware::from_fn_with_state(state.clone(), login::reject_cross_site))
        .layer(middleware::from_fn(paths::refuse_odd_paths))
        .layer(middleware::map_response(headers::every_response))
        .layer(compression())
        .with_state(state)
}

/// Gzip for browsers that ask, at the fastest level (a few ms per MB); zips are compressed
/// already, and a rendered book page (1 MB of HTML for 3,000 highlights) is gzipped around its
/// kept blocks before it gets here (see `precompressed`).
fn compression() -> CompressionLayer<impl Predicate> {
    let predicate = DefaultPredicate::new().and(NotForContentType::const_new("application/zip"));
    CompressionLayer::new().quality(CompressionLevel::Fastest).compress_when(predicate)
}

/// What every page and server function finds in its context (see `server::request`): the
/// services, the rendered pages, the signed-in user and theme, its pinned library view, where it
/// tells what it sends kept compressed, how a page that shows an error answers, where a redirect
/// may go, and the page's Content-Security-Policy (which names the nonce Leptos gives the page's
/// inline scripts).
fn page_context(state: &AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    let (services, rendered) = (state.services.clone(), state.rendered.clone());
    move || {
        provide_context(services.clone());
        provide_context(rendered.clone());
        if let Some(parts) = use_context::<axum::http::request::Parts>() {
            provide_context(state::request_user(&parts));
            provide_context(state::request_theme(&parts));
            if let Some(sent) = parts.extensions.get::<SentPrecompressed>() {
                provide_context(sent.clone());
            }
        }
        provide_context(RequestLibrary::default());
        provide_context(PageAnswer(error::answer_page_with));
        provide_context(LocalTarget(redirect::local_target));
        headers::provide_page_policy();
    }
}

/// Every server function the server registers, as (method, path): the login boundary decodes
/// their errors as `PageError`, and `kobo-shelf routes` prints them.
pub fn server_function_routes() -> impl Iterator<Item = (axum::http::Method, &'static str)> {
    leptos::server_fn::axum::server_fn_paths().map(|(path, method)| (method, path))
}
