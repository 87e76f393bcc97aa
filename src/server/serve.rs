//! Starting the web server: data directory, library, sync engine, routes.

use super::{
    api,
    app_state::{AppState, RequestLibrary},
    auth::{self, Auth},
    demo::{self, DemoOptions},
    kobo::{LibraryStore, Snapshot},
    markups::MarkupStore,
    search::SearchIndex,
    settings::Settings,
    sync::{open_source, remove_leftover_temp_files, SyncService},
};
use crate::app::{shell, App};
use axum::{http::HeaderValue, response::Response, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;

/// Runs the server until SIGINT or SIGTERM. Errors are one line for the operator.
pub async fn serve(settings: Settings) -> Result<(), String> {
    ignore_file_size_signal();
    let settings = Arc::new(settings);
    prepare_data_dir(&settings)?;
    let library = Arc::new(LibraryStore::new(settings.database_path()));
    let source = open_source(&settings.source, settings.s3.as_ref(), settings.sync.stall_timeout)?;
    let search = Arc::new(SearchIndex::new(&settings.data_dir));
    let build_index = {
        let search = search.clone();
        // In the background: the page reload after a sync must not wait for the index.
        move |snapshot: Arc<Snapshot>| {
            let search = search.clone();
            tokio::task::spawn_blocking(move || {
                if let Err(err) = search.prepare(&snapshot) {
                    tracing::warn!(error = %err, "search index not built");
                }
            });
        }
    };
    let markups = Arc::new(MarkupStore::new(source.clone(), &settings.data_dir, settings.sync.check_interval));
    let sync = SyncService::new(source, settings.source.to_string(), library.clone(), settings.sync.clone())
        .with_after_swap(Arc::new(build_index));
    let sync = Arc::new(sync);
    let mut leptos_options = get_configuration(None)
        .map_err(|err| format!("invalid Leptos setting: {err}"))?
        .leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = env!("CARGO_PKG_NAME").into();
    }
    if let Some(site) = site_beside_binary() {
        leptos_options.site_root = site.into();
    }
    let address = leptos_options.site_addr;
    let auth = settings.login.as_ref().map(|login| Arc::new(Auth::new(login)));
    let state = AppState { leptos_options, settings: settings.clone(), library, sync: sync.clone(), auth, search, markups };
    let app = router(state);
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|err| format!("invalid setting LEPTOS_SITE_ADDR: cannot listen on {address}: {err}"))?;
    let local = listener.local_addr().map_err(|err| err.to_string())?;
    match &settings.login {
        Some(login) => tracing::info!(user = %login.username, "login is on"),
        None => tracing::warn!("login is off: anyone who reaches this address sees the library (set KOBO_SHELF_USERNAME, KOBO_SHELF_PASSWORD_HASH and KOBO_SHELF_SESSION_SECRET)"),
    }
    tracing::info!(
        source = %settings.source,
        database = %settings.database_path().display(),
        "kobo-shelf listening on http://{local}"
    );
    // The first check runs at once, so a fresh start fetches the library without a visitor.
    sync.start();
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|err| format!("the server stopped: {err}"))
}

fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let options = state.leptos_options.clone();
    let per_request = || provide_context(RequestLibrary::default());
    api::routes()
        .merge(auth::routes())
        .merge(super::export::routes())
        .merge(super::theme::routes())
        .merge(super::markups::routes())
        .leptos_routes_with_context(&state, routes, per_request, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(per_request, shell))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_login))
        .layer(axum::middleware::from_fn(auth::reject_cross_site))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers every response carries: no MIME sniffing, no framing, no referrer leaks.
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    response
}

/// A release build keeps its site in `site/` beside the binary (`scripts/build.sh --release`),
/// so `target/release/kobo-shelf` serves its own bundle from any working directory. An explicit
/// `LEPTOS_SITE_ROOT` (as `cargo leptos watch` sets) wins.
fn site_beside_binary() -> Option<String> {
    if std::env::var_os("LEPTOS_SITE_ROOT").is_some() {
        return None;
    }
    let site = std::env::current_exe().ok()?.parent()?.join("site");
    site.join("pkg").is_dir().then(|| site.to_string_lossy().into_owned())
}

/// Creates the data directory, removes temp files a crash left, and writes the demo library
/// where the embedded default source expects it.
fn prepare_data_dir(settings: &Settings) -> Result<(), String> {
    let dir = &settings.data_dir;
    std::fs::create_dir_all(dir)
        .map_err(|err| format!("invalid setting KOBO_SHELF_DATA_DIR: cannot create {}: {err}", dir.display()))?;
    let removed = remove_leftover_temp_files(dir);
    if removed > 0 {
        tracing::info!(count = removed, dir = %dir.display(), "removed temp files left by an interrupted sync");
    }
    if let (true, super::settings::SourceLocation::File(path)) = (settings.source_is_default, &settings.source) {
        if !path.exists() {
            let stats = demo::write_library(path, &DemoOptions::default()).map_err(|err| err.to_string())?;
            tracing::info!(path = %path.display(), items = stats.items, bookmarks = stats.bookmarks, "wrote the demo library (no source configured)");
        }
    }
    Ok(())
}

/// A file-size limit (RLIMIT_FSIZE) must make a write fail with EFBIG, which the sync reports
/// as a full disk, instead of killing the server.
fn ignore_file_size_signal() {
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("install the SIGTERM handler");
    tokio::select! {
        _ = interrupt => {},
        _ = terminate.recv() => {},
    }
    tracing::info!("shutting down");
}
