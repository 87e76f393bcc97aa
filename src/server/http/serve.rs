//! Starting the web server: data directory, library, sync engine, routes, and the connection
//! loop (hyper, with a header-read timeout so clients that never finish a request are closed).

use super::{assets, login::PASSWORD_CHECKS_AT_ONCE, router, AppState};
use crate::server::{
    appdb,
    archive::Archive,
    auth::Auth,
    covers::CoverStore,
    demo::{self, DemoOptions},
    export::MarkdownExport,
    kobo::{LibraryStore, Snapshot},
    markups::MarkupStore,
    search::SearchIndex,
    settings::{Settings, SourceLocation},
    sync::{open_source, remove_leftover_temp_files, SyncService},
};
use axum::{extract::ConnectInfo, Router};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use leptos::prelude::*;
use std::{net::SocketAddr, sync::Arc, time::Duration};
use tower::ServiceExt;

/// A client must send a request's headers within this time (also between keep-alive requests).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs the server until SIGINT or SIGTERM. Errors are one line for the operator.
pub async fn serve(settings: Settings) -> Result<(), String> {
    ignore_file_size_signal();
    let settings = Arc::new(settings);
    let markdown = Arc::new(MarkdownExport::configured(&settings).map_err(|err| err.to_string())?);
    prepare_data_dir(&settings)?;
    let library = Arc::new(LibraryStore::new(settings.database_path()));
    let source = open_source(&settings.source, settings.s3.as_ref(), settings.sync.stall_timeout)?;
    let archive = Arc::new(Archive::open(&settings.data_dir)?);
    let search = Arc::new(SearchIndex::new(&settings.data_dir).with_archive(archive.clone()));
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
    let covers = Arc::new(CoverStore::new(source.clone(), &settings.data_dir, settings.sync.check_interval));
    let sync = SyncService::new(source, settings.source.to_string(), library.clone(), settings.sync.clone())
        .with_after_swap(Arc::new(build_index))
        .with_before_complete(Arc::new(ingest_into(archive.clone())));
    let sync = Arc::new(sync);
    catch_up_archive(&library, &archive);
    let mut leptos_options =
        get_configuration(None).map_err(|err| format!("invalid Leptos setting: {err}"))?.leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = env!("CARGO_PKG_NAME").into();
    }
    let site = assets::site(&leptos_options);
    leptos_options.output_name = site.bundle_name.into();
    let address = leptos_options.site_addr;
    let auth = match &settings.login {
        Some(login) => Some(Arc::new(Auth::new(login, appdb::open(&settings.data_dir)?)?)),
        None => None,
    };
    let password_checks = Arc::new(tokio::sync::Semaphore::new(PASSWORD_CHECKS_AT_ONCE));
    let state = AppState {
        leptos_options,
        settings: settings.clone(),
        library,
        sync: sync.clone(),
        auth,
        search,
        markups,
        covers,
        password_checks,
        archive,
        markdown,
    };
    let app = router(state, site.routes);
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
    serve_connections(listener, app).await;
    Ok(())
}

/// Accepts connections until SIGINT or SIGTERM, then lets open requests finish (up to 10 s).
async fn serve_connections(listener: tokio::net::TcpListener, app: Router) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
    let graceful = GracefulShutdown::new();
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let service = app.clone().map_request(move |mut request: axum::extract::Request<_>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            request.map(axum::body::Body::new)
        });
        let connection =
            builder.serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(err) = connection.await {
                tracing::debug!(error = %err, "connection ended with an error");
            }
        });
    }
    if tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still open after 10 s; stopping anyway");
    }
}

/// The archive's ingest of each new version (see `archive`); a failure is logged and the
/// version is ingested again after the next check (or start), the device's file stays as it is.
fn ingest_into(archive: Arc<Archive>) -> impl Fn(&Snapshot) + Send + Sync {
    move |snapshot: &Snapshot| {
        if let Err(err) = archive.ingest(snapshot) {
            tracing::warn!(error = %err, version = %snapshot.version, "archive: not updated");
        }
    }
}

/// Ingests the version served at start if the archive has not (first start, or a crash
/// during the last ingest), in the background.
fn catch_up_archive(library: &Arc<LibraryStore>, archive: &Arc<Archive>) {
    let (library, ingest) = (library.clone(), ingest_into(archive.clone()));
    tokio::task::spawn_blocking(move || {
        if let Ok(snapshot) = library.current() {
            ingest(&snapshot);
        }
    });
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
    if let (true, SourceLocation::File(path)) = (settings.source_is_default, &settings.source) {
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
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("install the SIGTERM handler");
    tokio::select! {
        _ = interrupt => {},
        _ = terminate.recv() => {},
    }
    tracing::info!("shutting down");
}
