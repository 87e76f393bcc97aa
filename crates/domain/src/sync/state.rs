//! The process's one sync state: what the badge and `/api/sync-status` report.
//!
//! Starting a sync is an atomic test-and-set, so any number of simultaneous requests start at
//! most one background task. Bytes received are an atomic counter updated per chunk without a
//! lock; everything else sits behind one short-held mutex.

use super::error::SyncError;
use crate::{
    dates::iso8601,
    model::{DeletionWave, SyncPhase, SyncStatus, SyncStep},
};
use parking_lot::{Mutex, MutexGuard};
use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant, SystemTime},
};

#[derive(Default)]
struct Fields {
    /// The step under way; the phase and message follow from it.
    step: SyncStep,
    error: Option<String>,
    /// What the last completed sync's version deleted at once, told until the next sync ends.
    deletion_wave: Option<DeletionWave>,
    bytes_total: Option<u64>,
    /// ISO-8601, formatted once when set (the status is polled far more often).
    last_sync_time: Option<String>,
    last_check_time: Option<String>,
    /// Until then the copy counts as current without asking the bucket.
    fresh_until: Option<Instant>,
}

#[derive(Default)]
pub struct SyncState {
    running: AtomicBool,
    bytes_received: AtomicU64,
    /// Counts changes of `fields`, so an encoded status can be reused until the next one.
    changes: AtomicU64,
    fields: Mutex<Fields>,
}

/// Held by the one running sync; lets the next one start when dropped, even after a panic.
pub struct RunningSync(Arc<SyncState>);

impl Drop for RunningSync {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::Release);
    }
}

/// Why no new sync started.
pub enum NotStarted {
    AlreadyRunning,
    /// A check within the interval found the copy current.
    RecentlyChecked,
}

impl SyncState {
    fn fields(&self) -> MutexGuard<'_, Fields> {
        self.fields.lock()
    }

    /// The fields, for a change.
    fn change(&self) -> MutexGuard<'_, Fields> {
        let fields = self.fields();
        self.changes.fetch_add(1, Ordering::Release);
        fields
    }

    /// What identifies the status now: field changes and bytes received.
    pub fn revision(&self) -> (u64, u64) {
        (self.changes.load(Ordering::Acquire), self.bytes_received.load(Ordering::Relaxed))
    }

    /// Claims the right to run a sync, unless one runs or the copy was found current recently.
    pub fn try_start(self: &Arc<Self>) -> Result<RunningSync, NotStarted> {
        if self.running.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return Err(NotStarted::AlreadyRunning);
        }
        let running = RunningSync(self.clone());
        let mut fields = self.change();
        if fields.fresh_until.is_some_and(|until| Instant::now() < until) {
            fields.step = SyncStep::UpToDate;
            return Err(NotStarted::RecentlyChecked);
        }
        fields.step = SyncStep::Checking;
        fields.error = None;
        fields.bytes_total = None;
        self.bytes_received.store(0, Ordering::Relaxed);
        drop(fields);
        Ok(running)
    }

    pub fn checked(&self) {
        self.change().last_check_time = Some(iso8601(SystemTime::now()));
    }

    pub fn downloading(&self, total: u64) {
        let mut fields = self.change();
        fields.step = SyncStep::Downloading;
        fields.bytes_total = Some(total);
    }

    pub fn add_bytes(&self, count: u64) -> u64 {
        self.bytes_received.fetch_add(count, Ordering::Relaxed) + count
    }

    pub fn verifying(&self) {
        self.change().step = SyncStep::Verifying;
    }

    /// The verified download is being renamed over the served database.
    pub fn installing(&self) {
        self.change().step = SyncStep::Installing;
    }

    /// The new version is in place; the archive takes in its annotations.
    pub fn archiving(&self) {
        self.change().step = SyncStep::UpdatingArchive;
    }

    /// The copy is current; further checks within `interval` need not ask the bucket.
    pub fn up_to_date(&self, interval: Duration) {
        let mut fields = self.change();
        fields.step = SyncStep::UpToDate;
        fields.fresh_until = Some(Instant::now() + interval);
    }

    /// A new database is in place (and its version deleted `deletion_wave` on the device).
    pub fn completed(&self, interval: Duration, deletion_wave: Option<DeletionWave>) {
        let mut fields = self.change();
        fields.step = SyncStep::Completed;
        fields.deletion_wave = deletion_wave;
        fields.last_sync_time = Some(iso8601(SystemTime::now()));
        fields.fresh_until = Some(Instant::now() + interval);
    }

    pub fn failed(&self, error: &SyncError) {
        let mut fields = self.change();
        fields.step = SyncStep::Failed;
        fields.error = Some(error.to_string());
        fields.fresh_until = None;
    }

    /// What `/api/sync-status` answers. `db_version` is the version now served.
    pub fn status(&self, db_version: Option<String>) -> SyncStatus {
        let fields = self.fields();
        let phase = fields.step.phase();
        let received = self.bytes_received.load(Ordering::Relaxed);
        let progress = match fields.bytes_total {
            Some(0) if phase == SyncPhase::Completed => 100.0,
            Some(total) if total > 0 => (received as f64 * 100.0 / total as f64).min(100.0),
            _ => 0.0,
        };
        let wave = fields.deletion_wave.clone().filter(|_| fields.step == SyncStep::Completed);
        let message = match &wave {
            Some(wave) => format!("{} · {}", fields.step.message(), wave.message()),
            None => fields.step.message().to_string(),
        };
        SyncStatus {
            status: phase,
            step: fields.step,
            message,
            deletion_wave: wave,
            progress: (progress * 10.0).round() / 10.0,
            is_syncing: phase.is_syncing(),
            needs_reload: phase == SyncPhase::Completed,
            file_size_mb: fields.bytes_total.map(|total| (total as f64 / 10_000.0).round() / 100.0),
            error: fields.error.clone(),
            last_sync_time: fields.last_sync_time.clone(),
            last_check_time: fields.last_check_time.clone(),
            bytes_received: received,
            bytes_total: fields.bytes_total,
            db_version,
            devices: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_sync_runs_at_a_time() {
        let state = Arc::new(SyncState::default());
        let first = state.try_start().ok().expect("first start");
        assert!(matches!(state.try_start(), Err(NotStarted::AlreadyRunning)));
        drop(first);
        assert!(state.try_start().is_ok());
    }

    #[test]
    fn a_recent_up_to_date_check_answers_without_a_new_sync() {
        let state = Arc::new(SyncState::default());
        let run = state.try_start().ok().unwrap();
        state.up_to_date(Duration::from_secs(60));
        drop(run);
        assert!(matches!(state.try_start(), Err(NotStarted::RecentlyChecked)));
        assert_eq!(state.status(None).status, SyncPhase::UpToDate);
        assert_eq!(state.status(None).step, SyncStep::UpToDate);
    }

    #[test]
    fn an_error_is_never_throttled() {
        let state = Arc::new(SyncState::default());
        let run = state.try_start().ok().unwrap();
        state.up_to_date(Duration::from_secs(60));
        state.failed(&SyncError::NotSqlite);
        drop(run);
        assert!(state.try_start().is_ok());
    }

    #[test]
    fn progress_is_the_share_of_bytes_received() {
        let state = Arc::new(SyncState::default());
        let _run = state.try_start().ok().unwrap();
        state.downloading(2_000_000);
        state.add_bytes(500_000);
        let status = state.status(Some("v1".into()));
        assert_eq!(status.progress, 25.0);
        assert_eq!(status.file_size_mb, Some(2.0));
        assert!(status.is_syncing);
        assert_eq!(status.step, SyncStep::Downloading);
        assert_eq!(status.bytes_received, 500_000);
    }

    #[test]
    fn the_steps_after_the_download_report_the_downloading_phase() {
        let state = Arc::new(SyncState::default());
        let _run = state.try_start().ok().unwrap();
        state.downloading(10);
        for (enter, step) in [
            (SyncState::verifying as fn(&SyncState), SyncStep::Verifying),
            (SyncState::installing, SyncStep::Installing),
            (SyncState::archiving, SyncStep::UpdatingArchive),
        ] {
            enter(&state);
            let status = state.status(None);
            assert_eq!((status.step, status.status, status.is_syncing), (step, SyncPhase::Downloading, true));
            assert_eq!(status.message, step.message());
        }
    }
}
