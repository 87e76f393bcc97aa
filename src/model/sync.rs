//! What the sync API and the header badge exchange.

use serde::{Deserialize, Serialize};

/// Phase of the database sync, as named by the sync API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    #[default]
    Idle,
    Checking,
    Downloading,
    Completed,
    UpToDate,
    Error,
}

impl SyncPhase {
    /// A sync task is running in this phase.
    pub fn is_syncing(self) -> bool {
        matches!(self, SyncPhase::Checking | SyncPhase::Downloading)
    }
}

/// `GET /api/sync-status`: the contract's fields plus bytes and the served database version.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub status: SyncPhase,
    pub message: String,
    /// Percent of the download received, 0–100.
    pub progress: f64,
    pub is_syncing: bool,
    pub needs_reload: bool,
    pub file_size_mb: Option<f64>,
    pub error: Option<String>,
    /// ISO-8601 (UTC) time of the last sync that replaced the database.
    pub last_sync_time: Option<String>,
    /// ISO-8601 (UTC) time the bucket was last asked.
    pub last_check_time: Option<String>,
    pub bytes_received: u64,
    pub bytes_total: Option<u64>,
    /// Version of the database now served; changes with every swap. `None` before the first.
    pub db_version: Option<String>,
}

/// `POST /api/check-and-sync`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncStart {
    pub initiated: bool,
    pub message: String,
    pub status: SyncPhase,
}

/// How the header badge polls; set on the server so tests can shorten it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadgeSettings {
    pub poll_interval_ms: u32,
    pub max_attempts: u32,
}

impl Default for BadgeSettings {
    fn default() -> Self {
        BadgeSettings { poll_interval_ms: 1000, max_attempts: 120 }
    }
}
