//! The sync API of the contract, as plain JSON endpoints under `/api`.

use super::AppState;
use crate::model::SyncStart;
use axum::{extract::State, http::header, response::IntoResponse, routing, Json, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/check-and-sync", routing::post(check_and_sync))
        .route("/api/sync-status", routing::get(sync_status))
        .route("/api/health", routing::get(health))
}

/// Liveness probe for operators (and the benchmarks' baseline route).
async fn health() -> &'static str {
    "ok"
}

/// Starts a sync check in the background and returns at once.
async fn check_and_sync(State(state): State<AppState>) -> Json<SyncStart> {
    Json(state.sync.start())
}

async fn sync_status(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], state.sync.status_json())
}
