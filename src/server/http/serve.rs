//! Starting the web server: the services (`Services::start`), the routes, and the connection
//! loop (hyper, with a header-read timeout so clients that never finish a request are closed).

use super::{assets, login::PASSWORD_CHECKS_AT_ONCE, router, AppState};
use crate::server::{
    services::{Services, StartError},
    settings::Settings,
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

/// Why the server does not start; each is one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("invalid Leptos setting: {0}")]
    Leptos(#[from] leptos::config::errors::LeptosConfigError),
    #[error("invalid setting LEPTOS_SITE_ADDR: cannot listen on {address}: {source}")]
    Listen { address: SocketAddr, source: std::io::Error },
}

/// Runs the server until SIGINT or SIGTERM.
pub async fn serve(settings: Settings) -> Result<(), ServeError> {
    ignore_file_size_signal();
    let services = Arc::new(Services::start(settings)?);
    let settings = services.settings.clone();
    let devices = services.devices.clone();
    let mut leptos_options = get_configuration(None)?.leptos_options;
    if leptos_options.output_name.is_empty() {
        leptos_options.output_name = env!("CARGO_PKG_NAME").into();
    }
    let site = assets::site(&leptos_options);
    leptos_options.output_name = site.bundle_name.into();
    let address = leptos_options.site_addr;
    let password_checks = Arc::new(tokio::sync::Semaphore::new(PASSWORD_CHECKS_AT_ONCE));
    let state =
        AppState { leptos_options, services, password_checks, sync_status: Arc::default(), rendered: Arc::default() };
    let app = router(state, site.routes);
    let listen_error = |source| ServeError::Listen { address, source };
    let listener = tokio::net::TcpListener::bind(address).await.map_err(listen_error)?;
    let local = listener.local_addr().map_err(listen_error)?;
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
    devices.start();
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
