//! What the sync API and the header badge exchange.

use super::DeletionWave;
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

/// What the sync is doing, finer than the contract's `status`: the badge shows it and tests
/// wait for it, so nobody has to read the start of a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncStep {
    #[default]
    Idle,
    Checking,
    Downloading,
    Verifying,
    /// Renaming the verified download over the served database.
    Installing,
    /// The new version is served; the archive takes in its annotations.
    UpdatingArchive,
    UpToDate,
    Completed,
    Failed,
}

impl SyncStep {
    /// The contract's status for this step: the steps after the download still report
    /// `downloading`, as the original did until the new file was in place.
    pub fn phase(self) -> SyncPhase {
        match self {
            SyncStep::Idle => SyncPhase::Idle,
            SyncStep::Checking => SyncPhase::Checking,
            SyncStep::Downloading | SyncStep::Verifying | SyncStep::Installing | SyncStep::UpdatingArchive => {
                SyncPhase::Downloading
            }
            SyncStep::UpToDate => SyncPhase::UpToDate,
            SyncStep::Completed => SyncPhase::Completed,
            SyncStep::Failed => SyncPhase::Error,
        }
    }

    /// The status message of the step.
    pub fn message(self) -> &'static str {
        match self {
            SyncStep::Idle => "",
            SyncStep::Checking => "Checking for a newer library…",
            SyncStep::Downloading => "Downloading database…",
            SyncStep::Verifying => "Verifying the download…",
            SyncStep::Installing => "Installing the new library…",
            SyncStep::UpdatingArchive => "Updating archive…",
            SyncStep::UpToDate => "Library is up to date",
            SyncStep::Completed => "Library updated",
            SyncStep::Failed => "Sync failed",
        }
    }
}

/// `GET /api/sync-status`: the contract's fields plus bytes and the served database version.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub status: SyncPhase,
    /// The step under way; `status` is its phase.
    pub step: SyncStep,
    pub message: String,
    /// With `completed`: the new version deleted many annotations on the device at once (the
    /// message says so too).
    #[serde(default)]
    pub deletion_wave: Option<DeletionWave>,
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
    /// Each device's own sync (one entry for a single source).
    #[serde(default)]
    pub devices: Vec<super::DeviceSyncStatus>,
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

/// What each browser keeps for reading offline (the service worker's bounds); set on the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineSettings {
    /// Pages kept at most; 0: no offline reading.
    pub pages: u32,
    /// Megabytes of pages kept at most.
    pub megabytes: u32,
}

impl Default for BadgeSettings {
    fn default() -> Self {
        BadgeSettings { poll_interval_ms: 1000, max_attempts: 120 }
    }
}
