//! The archive's copies off the machine. The archive (`<data dir>/shelf.sqlite`) is the only
//! copy of every annotation the device deleted and of every reading session: a dead disk or a
//! server rebuilt from scratch would lose what kobo-shelf promises to keep. So after each change
//! a consistent copy is compressed (and, with a key, encrypted) and stored in a folder of the
//! bucket beside the device's database (`copy`); a server whose archive is new restores the
//! newest copy that verifies before its first ingest (`restore`).
//!
//! The bucket is the whole protocol, as in Litestream and restic: an S3 object appears whole or
//! not at all, so a copy is written first, then its manifest (`manifest`), then `current.json`,
//! and a crash at any point leaves no manifest naming half a copy. Uploads run in one background
//! task (`Replicator`), never in a request or a sync: a failed one is retried with backoff and
//! shown on the settings page.

mod copy;
mod error;
mod manifest;
mod restore;

pub use copy::{new_key, remove_leftovers};
pub use error::{Refusal, Refused, ReplicaError};
pub use manifest::Manifest;
pub use restore::{restore, RestoreChoice, Restored};

use super::{
    archive::{Archive, ArchiveError},
    settings::{ExposeSecret, ReplicaSettings, S3Settings, SourceLocation, SyncSettings},
    sync::{open_source, ObjectSource, OpenSourceError, SyncError},
};
use manifest::{Entry, CURRENT};
use parking_lot::{Condvar, Mutex};
use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

/// Changes that come close together (an ingest, then another) make one copy.
const BATCH: Duration = Duration::from_secs(2);
/// The longest wait before a failed upload is tried again.
const MAX_BACKOFF: Duration = Duration::from_secs(300);
/// The longest wait before a store that could not be asked for a copy to restore is asked
/// again: ingests wait for its answer.
const MAX_RESTORE_BACKOFF: Duration = Duration::from_secs(5);

/// What the settings page shows of the replication.
#[derive(Clone, Debug, Default)]
pub struct ReplicaStatus {
    /// The newest copy in the store, as this server made or found it.
    pub last_copy: Option<Manifest>,
    /// The last failure, while uploads fail (cleared by the next success).
    pub last_error: Option<String>,
    /// Why no copy is made: the store's copies could not be restored, and a new one would in
    /// time replace them.
    pub paused: Option<String>,
    /// The copy this archive was restored from when the server started.
    pub restored_from: Option<Manifest>,
}

/// Keeps the store's copies in step with the archive (one background task), and holds ingests
/// back until a new archive has been restored.
pub struct Replicator {
    store: Arc<dyn ObjectSource>,
    /// The same folder, for whole copies: bounded by the download timeout, not the answer's.
    bulk: Arc<dyn ObjectSource>,
    /// `s3://bucket/folder` or `file:///folder`, for logs and the settings page.
    pub folder: String,
    archive: Arc<Archive>,
    work_dir: PathBuf,
    keep: usize,
    /// Bounds the upload of one copy.
    upload_timeout: Duration,
    identity: Option<age::x25519::Identity>,
    /// Counts the archive's changes; a copy covers those counted when it began.
    changes: AtomicU64,
    changed: tokio::sync::Notify,
    status: Mutex<ReplicaStatus>,
    /// False until the archive is known to be the one to keep (restored, or nothing to restore).
    ready: Mutex<bool>,
    ready_changed: Condvar,
}

impl Replicator {
    /// The replicator the settings describe; its task starts with [`Replicator::start`].
    pub fn new(
        settings: &ReplicaSettings,
        s3: Option<&S3Settings>,
        limits: &SyncSettings,
        archive: Arc<Archive>,
        work_dir: PathBuf,
    ) -> Result<Replicator, OpenSourceError> {
        let store = open_store(&settings.folder, s3, limits.stall_timeout)?;
        let bulk = open_store(&settings.folder, s3, limits.download_timeout)?;
        let identity = settings.key.as_ref().map(|key| key.expose_secret().parse().expect("checked by settings"));
        Ok(Replicator {
            store,
            bulk,
            folder: settings.folder.to_string(),
            archive,
            work_dir,
            keep: settings.keep,
            upload_timeout: limits.download_timeout,
            identity,
            changes: AtomicU64::new(0),
            changed: tokio::sync::Notify::new(),
            status: Mutex::new(ReplicaStatus::default()),
            ready: Mutex::new(false),
            ready_changed: Condvar::new(),
        })
    }

    /// Copies are encrypted (a key is set).
    pub fn encrypts(&self) -> bool {
        self.identity.is_some()
    }

    pub fn status(&self) -> ReplicaStatus {
        self.status.lock().clone()
    }

    /// The archive changed: a copy follows (batched, in the background).
    pub fn archive_changed(&self) {
        self.changes.fetch_add(1, Ordering::AcqRel);
        self.changed.notify_one();
    }

    /// Blocks until the archive may take in a version (restored, or nothing to restore), at
    /// most `timeout`; whether it may. While the restore has failed (the store cannot be asked,
    /// or its copies cannot be judged here) it answers at once: no, and the settings page says
    /// why. An archive that never ingests stays new, so the next start restores.
    pub fn wait_until_ready(&self, timeout: Duration) -> bool {
        let mut ready = self.ready.lock();
        let deadline = Instant::now() + timeout;
        while !*ready {
            let status = self.status.lock();
            if status.paused.is_some() || status.last_error.is_some() {
                return false;
            }
            drop(status);
            if self.ready_changed.wait_until(&mut ready, deadline).timed_out() {
                return *ready;
            }
        }
        true
    }

    fn set_ready(&self) {
        *self.ready.lock() = true;
        self.ready_changed.notify_all();
    }

    /// Starts the background task: restore a new archive, bring the store up to date, then make
    /// a copy after each change.
    pub fn start(self: &Arc<Self>) {
        let replicator = self.clone();
        tokio::spawn(async move { replicator.run().await });
    }

    async fn run(self: Arc<Self>) {
        self.restore_if_new().await;
        if self.status.lock().paused.is_some() {
            return;
        }
        match self.store_is_behind().await {
            Ok(false) => {}
            Ok(true) | Err(_) => self.archive_changed(),
        }
        let mut copied = 0;
        loop {
            if self.changes.load(Ordering::Acquire) == copied {
                self.changed.notified().await;
                continue;
            }
            tokio::time::sleep(BATCH).await;
            let covered = self.changes.load(Ordering::Acquire);
            self.replicate_until_stored().await;
            copied = covered;
        }
    }

    /// Makes a copy, retrying with backoff until one is stored.
    async fn replicate_until_stored(&self) {
        let mut failures = 0u32;
        loop {
            let started = Instant::now();
            match self.replicate().await {
                Ok(manifest) => {
                    tracing::info!(
                        folder = %self.folder,
                        seq = manifest.seq,
                        bytes = manifest.size,
                        database_bytes = manifest.database_size,
                        ingest_seq = manifest.ingest_seq,
                        encrypted = manifest.encrypted,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "replica: archive copied"
                    );
                    let mut status = self.status.lock();
                    (status.last_copy, status.last_error) = (Some(manifest), None);
                    return;
                }
                Err(err) => {
                    failures += 1;
                    let wait = backoff(failures);
                    tracing::warn!(folder = %self.folder, error = %err, failures, retry_in_s = wait.as_secs_f32(), "replica: copy not stored");
                    self.status.lock().last_error = Some(err.to_string());
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// One copy: made, uploaded, its manifest written, made current, and the old ones pruned.
    async fn replicate(&self) -> Result<Manifest, ReplicaError> {
        let listed: Vec<(String, Entry)> = (self.store.list_siblings("").await?.into_keys())
            .filter_map(|name| Entry::parse(&name).map(|entry| (name, entry)))
            .collect();
        let seq = listed.iter().map(|(_, entry)| entry.seq()).max().unwrap_or(0) + 1;
        let (archive, work_dir) = (self.archive.clone(), self.work_dir.clone());
        let recipient = self.identity.as_ref().map(age::x25519::Identity::to_public);
        let prepared =
            tokio::task::spawn_blocking(move || copy::prepare(&archive, &work_dir, seq, recipient.as_ref())).await??;
        let manifest = prepared.manifest.clone();
        let upload = self.store.put_sibling_file(&manifest.object, &prepared.object);
        tokio::time::timeout(self.upload_timeout, upload)
            .await
            .map_err(|_| SyncError::TimedOut(self.upload_timeout))??;
        self.store.put_sibling(&manifest.name(), manifest.to_json().into()).await?;
        self.store.put_sibling(CURRENT, manifest.to_json().into()).await?;
        // A store that refuses deletes (an append-only policy) still keeps each copy.
        if let Err(err) = self.prune(&listed, seq).await {
            tracing::warn!(folder = %self.folder, error = %err, "replica: old copies not deleted");
        }
        Ok(manifest)
    }

    /// Deletes all but the newest `keep` copies (`newest` just made), and objects a crash left
    /// without a manifest; manifests go first, so none names a missing object.
    async fn prune(&self, listed: &[(String, Entry)], newest: u64) -> Result<(), ReplicaError> {
        let mut kept: Vec<u64> = listed
            .iter()
            .filter(|(_, entry)| matches!(entry, Entry::Manifest(_)))
            .map(|(_, entry)| entry.seq())
            .chain([newest])
            .collect();
        kept.sort_unstable_by(|a, b| b.cmp(a));
        kept.truncate(self.keep);
        for manifests in [true, false] {
            for (name, entry) in listed {
                if matches!(entry, Entry::Manifest(_)) == manifests && !kept.contains(&entry.seq()) {
                    self.store.delete_sibling(name).await?;
                }
            }
        }
        Ok(())
    }

    /// Whether the archive has ingested a version the current copy lacks (or there is none).
    async fn store_is_behind(&self) -> Result<bool, ReplicaError> {
        let current = match self.store.read_sibling(CURRENT).await {
            Ok(bytes) => serde_json::from_slice::<Manifest>(&bytes).ok(),
            Err(SyncError::MissingObject(_)) => None,
            Err(err) => return Err(err.into()),
        };
        let behind = current.as_ref().is_none_or(|current| current.ingest_seq != self.archive.generation());
        self.status.lock().last_copy = current;
        Ok(behind)
    }

    /// `kobo-shelf archive restore` and a new machine's start: the chosen copy replaces this
    /// archive, which must be new (nothing ever ingested) unless `force`.
    pub async fn restore(&self, choice: RestoreChoice, force: bool) -> Result<Option<Restored>, ReplicaError> {
        if !force && !self.archive.is_new()? {
            return Err(ArchiveError::NotNew.into());
        }
        let identity = self.identity.as_ref();
        restore(self.store.as_ref(), self.bulk.as_ref(), &self.folder, &self.archive, &self.work_dir, identity, choice)
            .await
    }

    /// On a new archive, restores the newest copy that verifies; waits out a store that cannot
    /// be asked or a failure of this machine (ingests are put off meanwhile). When the copies
    /// are refused or cannot be judged here, nothing is ingested and no copy is made (the
    /// archive stays new, so a restart with the cause fixed restores), and the reason is shown.
    async fn restore_if_new(&self) {
        let mut failures = 0;
        loop {
            match self.restore(RestoreChoice::Newest, false).await {
                Ok(restored) => {
                    let mut status = self.status.lock();
                    (status.restored_from, status.last_error) = (restored.map(|restored| restored.manifest), None);
                }
                Err(ReplicaError::Archive(ArchiveError::NotNew)) => {}
                Err(err @ (ReplicaError::Store(_) | ReplicaError::Unpacking(_))) => {
                    failures += 1;
                    tracing::warn!(folder = %self.folder, error = %err, "replica: no copy restored yet; ingests wait");
                    self.status.lock().last_error = Some(err.to_string());
                    self.ready_changed.notify_all();
                    tokio::time::sleep(backoff(failures).min(MAX_RESTORE_BACKOFF)).await;
                    continue;
                }
                Err(err) => {
                    tracing::error!(folder = %self.folder, error = %err, "replica: nothing restored; nothing is ingested and no copy is made, so the store's copies are kept");
                    self.status.lock().paused = Some(err.to_string());
                    self.ready_changed.notify_all();
                    return;
                }
            }
            break;
        }
        self.set_ready();
    }
}

/// The wait after `failures` failures in a row: 1 s, 2 s, 4 s… up to five minutes.
fn backoff(failures: u32) -> Duration {
    MAX_BACKOFF.min(Duration::from_millis(500 << failures.min(10)))
}

/// The store of the copies: the folder's `current.json` as its object, the copies beside it.
fn open_store(
    folder: &SourceLocation,
    s3: Option<&S3Settings>,
    answer_timeout: Duration,
) -> Result<Arc<dyn ObjectSource>, OpenSourceError> {
    open_source(&folder.child(CURRENT), s3, answer_timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        archive::SINGLE_DEVICE,
        demo::{write_library, DemoOptions},
    };
    use kobo_reader::LibraryStore;

    /// An archive that has ingested the demo library, and a replicator keeping `keep` copies of
    /// it in the folder `copies`.
    fn replicator(dir: &std::path::Path, keep: usize) -> Replicator {
        let library = dir.join("KoboReader.sqlite");
        write_library(&library, &DemoOptions::default()).unwrap();
        let archive = Arc::new(Archive::open(dir).unwrap());
        archive.ingest(SINGLE_DEVICE, &LibraryStore::new(library).current().unwrap()).unwrap();
        let settings = ReplicaSettings { folder: SourceLocation::File(dir.join("copies")), keep, key: None };
        Replicator::new(&settings, None, &limits(), archive, dir.to_path_buf()).unwrap()
    }

    /// A replicator of a new, empty archive in `dir` for the copies in `copies`.
    fn new_machine(dir: &std::path::Path, copies: &std::path::Path, key: Option<String>) -> Replicator {
        let archive = Arc::new(Archive::open(dir).unwrap());
        let settings = ReplicaSettings {
            folder: SourceLocation::File(copies.to_path_buf()),
            keep: 10,
            key: key.map(crate::settings::Secret::from),
        };
        Replicator::new(&settings, None, &limits(), archive, dir.to_path_buf()).unwrap()
    }

    #[tokio::test]
    async fn a_newer_copy_this_machine_cannot_judge_stops_the_restore_and_a_local_failure_is_retried() {
        let dir = tempfile::tempdir().unwrap();
        let plain = replicator(dir.path(), 10);
        assert_eq!(plain.replicate().await.unwrap().seq, 1);
        let key = age::x25519::Identity::generate().to_string().expose_secret().to_string();
        let copies = dir.path().join("copies");
        let encrypted = Replicator { identity: Some(key.parse().unwrap()), ..plain };
        assert!(encrypted.replicate().await.unwrap().encrypted);

        // Without the key, copy 2 cannot be judged: copy 1 is not restored in its place.
        let keyless_dir = tempfile::tempdir().unwrap();
        let keyless = new_machine(keyless_dir.path(), &copies, None);
        let refused = keyless.restore(RestoreChoice::Newest, false).await.unwrap_err();
        assert!(matches!(&refused, ReplicaError::Unjudged(Refused { seq: 2, reason: Refusal::NoKey })), "{refused}");
        assert!(refused.to_string().contains("set KOBO_SHELF_ARCHIVE_KEY"), "{refused}");
        assert!(keyless.archive.is_new().unwrap(), "nothing was restored");

        // This machine failing to write the copy is no verdict on it: tried again, not refused.
        let broken = Replicator {
            work_dir: keyless_dir.path().join("missing"),
            ..new_machine(keyless_dir.path(), &copies, Some(key.clone()))
        };
        let failed = broken.restore(RestoreChoice::Newest, false).await.unwrap_err();
        assert!(matches!(&failed, ReplicaError::Unpacking(Refused { seq: 2, reason: Refusal::Local(_) })), "{failed}");

        let with_key = new_machine(keyless_dir.path(), &copies, Some(key));
        assert_eq!(with_key.restore(RestoreChoice::Newest, false).await.unwrap().unwrap().manifest.seq, 2);
    }

    fn limits() -> SyncSettings {
        SyncSettings {
            check_interval: Duration::ZERO,
            stall_timeout: Duration::from_secs(5),
            download_timeout: Duration::from_secs(60),
        }
    }

    fn listing(dir: &std::path::Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[tokio::test]
    async fn a_folder_keeps_the_newest_copies_and_a_new_archive_restores_the_current_one() {
        let dir = tempfile::tempdir().unwrap();
        let replicator = replicator(dir.path(), 2);
        assert!(replicator.store_is_behind().await.unwrap(), "no copy yet");
        for seq in 1..=3 {
            assert_eq!(replicator.replicate().await.unwrap().seq, seq);
        }
        assert!(!replicator.store_is_behind().await.unwrap());
        let copies = dir.path().join("copies");
        let expected = ["current.json", "shelf-0000000002.json", "shelf-0000000002.sqlite.gz"];
        let expected: Vec<String> = expected
            .into_iter()
            .chain(["shelf-0000000003.json", "shelf-0000000003.sqlite.gz"])
            .map(String::from)
            .collect();
        assert_eq!(listing(&copies), expected);
        let leftovers = listing(dir.path()).into_iter().filter(|name| name.starts_with(copy::TEMP_PREFIX)).count();
        assert_eq!(leftovers, 0, "the temp copies are gone");

        let restored_dir = tempfile::tempdir().unwrap();
        let archive = Arc::new(Archive::open(restored_dir.path()).unwrap());
        let settings = ReplicaSettings { folder: SourceLocation::File(copies), keep: 2, key: None };
        let new =
            Replicator::new(&settings, None, &limits(), archive.clone(), restored_dir.path().to_path_buf()).unwrap();
        let restored = new.restore(RestoreChoice::Newest, false).await.unwrap().unwrap();
        assert_eq!((restored.manifest.seq, restored.refused.len()), (3, 0));
        assert_eq!(archive.counts().unwrap(), replicator.archive.counts().unwrap());
        assert!(matches!(
            new.restore(RestoreChoice::Newest, false).await,
            Err(ReplicaError::Archive(ArchiveError::NotNew))
        ));
        assert_eq!(new.restore(RestoreChoice::Copy(2), true).await.unwrap().unwrap().manifest.seq, 2);
        assert!(matches!(
            new.restore(RestoreChoice::Copy(1), true).await,
            Err(ReplicaError::NoSuchCopy { seq: 1, .. })
        ));
    }

    #[tokio::test]
    async fn an_empty_folder_restores_nothing_and_a_temp_copy_that_cannot_be_written_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let replicator = replicator(dir.path(), 2);
        let fresh = tempfile::tempdir().unwrap();
        let archive = Arc::new(Archive::open(fresh.path()).unwrap());
        let store = replicator.store.as_ref();
        let restored = restore(store, store, "copies", &archive, fresh.path(), None, RestoreChoice::Newest);
        assert!(restored.await.unwrap().is_none());

        let blocked = Replicator { work_dir: dir.path().join("no-such-folder"), ..replicator };
        assert!(matches!(blocked.replicate().await, Err(ReplicaError::Local { .. })));
        assert!(!dir.path().join("copies").join(CURRENT).exists());
    }
}
