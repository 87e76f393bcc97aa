//! The sync API of the contract, as plain JSON endpoints under `/api`.

use super::AppState;
use crate::{
    model::SyncStart,
    server::sync::{Devices, StatusRevision},
};
use axum::{extract::State, http::header, response::IntoResponse, routing, Json, Router};
use bytes::Bytes;
use parking_lot::Mutex;

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
    Json(state.devices.start())
}

async fn sync_status(State(state): State<AppState>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], state.sync_status.json(&state.devices))
}

/// The sync status as the endpoint sends it, encoded again only after it changed: the endpoint
/// every open page polls costs about as much as a constant answer.
#[derive(Default)]
pub struct EncodedStatus(Mutex<Option<(Vec<StatusRevision>, Bytes)>>);

impl EncodedStatus {
    fn json(&self, devices: &Devices) -> Bytes {
        let revision = devices.status_revision();
        let mut encoded = self.0.lock();
        if let Some((_, json)) = encoded.as_ref().filter(|(encoded_at, _)| *encoded_at == revision) {
            return json.clone();
        }
        let json = Bytes::from(serde_json::to_vec(&devices.status()).unwrap_or_default());
        *encoded = Some((revision, json.clone()));
        json
    }
}
