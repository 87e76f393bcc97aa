//! The sync engine: keeps the local copy of `KoboReader.sqlite` in step with its source without
//! ever blocking a request or losing the database being served.
//!
//! One background task at a time: check the source (`source`), download to a temp file
//! (`download`), verify it (`verify`), swap it in atomically (`swap`). Progress and outcome
//! live in the process's one `state`.

mod devices;
mod download;
mod error;
mod source;
mod state;
mod swap;
mod verify;

pub use devices::{Device, Devices};
pub use error::{Damage, SyncError};
pub use source::{file_sha256, open_source, ObjectSource, OpenSourceError, RemoteObject};
pub use swap::remove_leftover_temp_files;
pub use verify::verify_database;

use crate::dates::unix_seconds;
use crate::{
    model::{DeletionWave, SyncPhase, SyncStart, SyncStatus},
    settings::SyncSettings,
};
use kobo_reader::{LibraryStore, Snapshot};
use state::{NotStarted, RunningSync, SyncState};
use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

/// Slack allowed between the source's timestamp and the local mtime (S3 has 1 s resolution).
const FRESHNESS_SLACK: Duration = Duration::from_secs(1);

/// Blocking work on each new version that the sync waits for before it reports `completed`
/// (the archive's ingest), so the page that reloads then sees its result; the deletion wave it
/// found, if any, is told with `completed`. It must return at once for a version it has done:
/// it runs again after each check that finds the copy current, so work that failed (a locked
/// or full disk) is retried.
pub type BeforeComplete = Arc<dyn Fn(&Snapshot) -> Option<DeletionWave> + Send + Sync>;

pub struct SyncService {
    source: Arc<dyn ObjectSource>,
    /// `s3://bucket/key` or `file:///path`, for logs (never contains secrets).
    source_label: String,
    library: Arc<LibraryStore>,
    limits: SyncSettings,
    state: Arc<SyncState>,
    before_complete: Option<BeforeComplete>,
}

/// Changes whenever [`SyncService::status`] would answer otherwise: what a copy of the status
/// (the polled endpoint's encoded answer) is compared with. Read it before the status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusRevision {
    state: (u64, u64),
    db_version: Option<String>,
}

/// What a finished sync did.
enum Outcome {
    UpToDate,
    /// A new file is in place; `snapshot` is its preloaded library, when that worked.
    Replaced {
        bytes: u64,
        snapshot: Option<Arc<Snapshot>>,
    },
}

impl SyncService {
    pub fn new(
        source: Arc<dyn ObjectSource>,
        source_label: String,
        library: Arc<LibraryStore>,
        limits: SyncSettings,
    ) -> SyncService {
        SyncService { source, source_label, library, limits, state: Arc::default(), before_complete: None }
    }

    /// Runs `hook` (blocking) with every new version before the sync reports `completed` (the
    /// status says "Updating archive…" meanwhile), and in the background with the version
    /// served after each check that found it current.
    pub fn with_before_complete(mut self, hook: BeforeComplete) -> SyncService {
        self.before_complete = Some(hook);
        self
    }

    /// The status `/api/sync-status` reports, with the version of the database now served.
    pub fn status(&self) -> SyncStatus {
        self.state.status(self.library.served_version())
    }

    /// See [`StatusRevision`].
    pub fn status_revision(&self) -> StatusRevision {
        StatusRevision { state: self.state.revision(), db_version: self.library.served_version() }
    }

    /// Starts a check in the background and returns at once. At most one runs at a time, and
    /// within the check interval after a check that found the copy current, the answer comes
    /// from memory without asking the source.
    pub fn start(self: &Arc<Self>) -> SyncStart {
        match self.state.try_start() {
            Ok(running) => {
                tokio::spawn(self.clone().run(running));
                SyncStart {
                    initiated: true,
                    message: "Sync initiated in background".into(),
                    status: SyncPhase::Checking,
                }
            }
            Err(NotStarted::AlreadyRunning) => {
                let status = self.state.status(None);
                SyncStart { initiated: false, message: "A sync is already running".into(), status: status.status }
            }
            Err(NotStarted::RecentlyChecked) => {
                SyncStart { initiated: false, message: "Library is up to date".into(), status: SyncPhase::UpToDate }
            }
        }
    }

    async fn run(self: Arc<Self>, _running: RunningSync) {
        let started = Instant::now();
        let elapsed_ms = || started.elapsed().as_millis() as u64;
        match self.sync_once().await {
            Ok(Outcome::UpToDate) => {
                self.state.up_to_date(self.limits.check_interval);
                tracing::info!(source = %self.source_label, elapsed_ms = elapsed_ms(), "sync: library is up to date");
                if let (Some(hook), Ok(snapshot)) = (self.before_complete.clone(), self.library.current()) {
                    tokio::task::spawn_blocking(move || hook(&snapshot));
                }
            }
            Ok(Outcome::Replaced { bytes, snapshot }) => {
                let mut deletion_wave = None;
                if let (Some(snapshot), Some(hook)) = (snapshot, self.before_complete.clone()) {
                    self.state.archiving();
                    let started = Instant::now();
                    deletion_wave = tokio::task::spawn_blocking(move || hook(&snapshot)).await.ok().flatten();
                    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "sync: archive updated");
                }
                self.state.completed(self.limits.check_interval, deletion_wave);
                tracing::info!(source = %self.source_label, bytes, elapsed_ms = elapsed_ms(), "sync: library replaced");
            }
            Err(err) => {
                self.state.failed(&err);
                tracing::warn!(source = %self.source_label, kind = err.kind(), error = %err, elapsed_ms = elapsed_ms(), "sync failed");
            }
        }
    }

    async fn sync_once(&self) -> Result<Outcome, SyncError> {
        let started = Instant::now();
        let remote = self.source.stat().await?;
        self.state.checked();
        let local = self.servable_local_mtime().await;
        tracing::info!(
            source = %self.source_label,
            remote_bytes = remote.size,
            remote_modified = unix_seconds(remote.modified),
            local_modified = local.map(unix_seconds),
            etag = remote.etag.as_deref().unwrap_or("-"),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "sync: checked the source"
        );
        let identity = swap::SourceIdentity::of(&remote);
        let new_version = match (local, swap::SourceIdentity::installed(self.library.path())) {
            // Another object than the one installed, newer or not (a restored backup).
            (Some(_), Some(installed)) => installed != identity,
            (local, _) => is_newer(remote.modified, local),
        };
        if !new_version {
            return Ok(Outcome::UpToDate);
        }
        self.state.downloading(remote.size);
        let database = self.library.path().to_path_buf();
        let dir = database.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
        let temp = download::download(self.source.as_ref(), &remote, &dir, &self.state, &self.limits).await?;
        self.state.verifying();
        let library = self.library.clone();
        let state = self.state.clone();
        let modified = remote.modified;
        tokio::task::spawn_blocking(move || {
            swap::stamp(&temp, modified)?;
            // Verify and load the new library at once, on both cores: the page that reloads
            // after the swap then finds it ready.
            let started = Instant::now();
            let (verified, loaded) = std::thread::scope(|scope| {
                let loading = scope.spawn(|| library.load_before_swap(temp.path()));
                (verify_database(temp.path()), loading.join())
            });
            verified?;
            tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "sync: download verified and loaded");
            state.installing();
            let started = Instant::now();
            swap::swap_into_place(temp, &database)?;
            identity.record(&database);
            tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, path = %database.display(), "sync: swapped in");
            let snapshot = match loaded {
                Ok(Ok(snapshot)) => {
                    library.install(snapshot.clone());
                    Some(snapshot)
                }
                _ => {
                    tracing::warn!("the verified library could not be preloaded; the next page loads it");
                    None
                }
            };
            Ok(Outcome::Replaced { bytes: remote.size, snapshot })
        })
        .await
        .map_err(SyncError::Task)?
    }

    /// The local copy's mtime, or `None` when there is none or it cannot be served (then any
    /// source version replaces it).
    async fn servable_local_mtime(&self) -> Option<SystemTime> {
        let library = self.library.clone();
        tokio::task::spawn_blocking(move || {
            library.current().ok()?;
            std::fs::metadata(library.path()).and_then(|meta| meta.modified()).ok()
        })
        .await
        .ok()
        .flatten()
    }
}

/// The source is newer than the local copy by more than the slack, or there is no local copy.
fn is_newer(remote: SystemTime, local: Option<SystemTime>) -> bool {
    local.is_none_or(|local| remote > local + FRESHNESS_SLACK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn newer_means_more_than_one_second_newer() {
        let local = UNIX_EPOCH + Duration::from_secs(1_000);
        assert!(is_newer(local, None));
        assert!(!is_newer(local, Some(local)));
        assert!(!is_newer(local + Duration::from_millis(1_000), Some(local)));
        assert!(is_newer(local + Duration::from_millis(1_001), Some(local)));
        assert!(!is_newer(local - Duration::from_secs(60), Some(local)));
    }
}
