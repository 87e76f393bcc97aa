//! The archive: every annotation and reading session ever synced, kept in the app's own
//! database (`appdb`) after the device forgets them. Each installed library version is
//! ingested once (`ingest`); pages ask it for what the device no longer has (`annotations`)
//! and for reading time across versions (`reading`). It stores and answers; what the reader
//! sees of it merged with the device's file is `shelf`'s.

mod annotations;
mod error;
mod ingest;
mod reading;

pub use annotations::{DeletedAnnotation, DeletedCount};
pub use error::ArchiveError;
pub use ingest::IngestReport;

use super::{
    appdb,
    kobo::{ReadingHistory, Snapshot},
};
use crate::model::DeletionWave;
use parking_lot::{Mutex, MutexGuard};
use rusqlite::{Connection, OptionalExtension};
use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicI64, Ordering},
    time::Instant,
};

/// Sizes the settings page shows.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ArchiveCounts {
    pub annotations: u64,
    pub deleted_on_device: u64,
    pub versions: u64,
}

/// Two connections: an ingest holds the writer for its whole transaction (seconds for a very
/// large library) while pages read the last committed state through the reader (WAL).
pub struct Archive {
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// The last ingest's sequence number: what views built from the archive are cached for.
    generation: AtomicI64,
}

impl Archive {
    /// The archive in the app database of `data_dir` (see `appdb::open`).
    pub fn open(data_dir: &Path) -> Result<Archive, ArchiveError> {
        let reader = appdb::open(data_dir)?;
        let generation = reader.query_row("SELECT coalesce(max(seq), 0) FROM archive_ingest", [], |row| row.get(0))?;
        Ok(Archive {
            writer: Mutex::new(appdb::open(data_dir)?),
            reader: Mutex::new(reader),
            generation: AtomicI64::new(generation),
        })
    }

    /// Changes with every ingest.
    pub fn generation(&self) -> i64 {
        self.generation.load(Ordering::Acquire)
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        self.reader.lock()
    }

    /// Whether `version` has been ingested.
    pub fn has_ingested(&self, version: &str) -> Result<bool, ArchiveError> {
        let conn = self.reader();
        let found =
            conn.query_row("SELECT 1 FROM archive_ingest WHERE version = ?1", [version], |_| Ok(())).optional()?;
        Ok(found.is_some())
    }

    /// Merges `snapshot` into the archive (blocking; seconds for a very large library).
    pub fn ingest(&self, snapshot: &Snapshot) -> Result<IngestReport, ArchiveError> {
        if self.has_ingested(&snapshot.version)? {
            return Ok(IngestReport { already_ingested: true, ..IngestReport::default() });
        }
        let started = Instant::now();
        let reading = snapshot.reading_record()?;
        let mut conn = self.writer.lock();
        let report = ingest::write_ingest(&mut conn, snapshot, &reading)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        tracing::info!(
            version = %snapshot.version,
            live_before = report.live_before,
            live = report.live,
            books = report.books,
            unchanged_books = report.unchanged_books,
            newly_deleted = report.newly_deleted,
            new_sessions = report.new_sessions,
            added_reading_secs = report.added_reading_secs,
            unreadable_events = reading.unreadable_events,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "archive: ingested"
        );
        Ok(report)
    }

    /// The wave of deletions the last ingested version brought, if it was one (see
    /// `ingest::deletion_wave`).
    pub fn last_deletion_wave(&self) -> Result<Option<DeletionWave>, ArchiveError> {
        let conn = self.reader();
        let last = conn
            .query_row("SELECT newly_deleted, live_before FROM archive_ingest ORDER BY seq DESC LIMIT 1", [], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))
            })
            .optional()?;
        Ok(last.and_then(|(deleted, live_before)| ingest::deletion_wave(deleted as u64, live_before as u64)))
    }

    /// Reading time over every ingested version.
    pub fn reading_history(&self) -> Result<ReadingHistory, ArchiveError> {
        Ok(reading::history(&self.reader())?)
    }

    pub fn counts(&self) -> Result<ArchiveCounts, ArchiveError> {
        let conn = self.reader();
        let counts = conn.query_row(
            "SELECT (SELECT count(*) FROM archive_annotation),
                    (SELECT count(*) FROM archive_annotation WHERE deleted_on_device IS NOT NULL),
                    (SELECT count(*) FROM archive_ingest)",
            [],
            |row| Ok(ArchiveCounts { annotations: row.get(0)?, deleted_on_device: row.get(1)?, versions: row.get(2)? }),
        )?;
        Ok(counts)
    }

    /// A consistent copy of the whole app database at `path` (which must not exist).
    pub fn export_to(&self, path: &Path) -> Result<(), ArchiveError> {
        self.reader().execute("VACUUM INTO ?1", [path.to_string_lossy()])?;
        Ok(())
    }
}

/// Replaces the app database in `data_dir` with the archive exported to `backup` (with the
/// server stopped). The backup is checked first: an SQLite file holding the archive tables.
pub fn import(backup: &Path, data_dir: &Path) -> Result<(), ArchiveError> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let problem = |source: rusqlite::Error| ArchiveError::NotAnArchive { path: backup.to_path_buf(), source };
    let conn = Connection::open_with_flags(backup, flags).map_err(problem)?;
    conn.query_row("SELECT count(*) FROM archive_annotation", [], |row| row.get::<_, i64>(0)).map_err(problem)?;
    let target = appdb::path(data_dir);
    let staged = data_dir.join(".importing_shelf.sqlite");
    let _ = std::fs::remove_file(&staged);
    conn.execute("VACUUM INTO ?1", [staged.to_string_lossy()]).map_err(problem)?;
    for stale in ["-wal", "-shm"] {
        let mut name = target.as_os_str().to_owned();
        name.push(stale);
        let _ = std::fs::remove_file(PathBuf::from(name));
    }
    std::fs::rename(&staged, &target).map_err(|source| ArchiveError::Replace { path: target.clone(), source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::{
        demo::{write_library, DemoOptions},
        kobo::LibraryStore,
    };

    #[test]
    fn ingesting_a_version_twice_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let library = dir.path().join("KoboReader.sqlite");
        write_library(&library, &DemoOptions::default()).unwrap();
        let snapshot = LibraryStore::new(library).current().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let first = archive.ingest(&snapshot).unwrap();
        assert!(!first.already_ingested && first.live > 20 && first.newly_deleted == 0, "{first:?}");
        let counts = archive.counts().unwrap();
        assert_eq!(
            archive.ingest(&snapshot).unwrap(),
            IngestReport { already_ingested: true, ..IngestReport::default() }
        );
        assert_eq!(archive.counts().unwrap(), counts);
        assert_eq!(counts, ArchiveCounts { annotations: first.live as u64, deleted_on_device: 0, versions: 1 });
    }

    /// Writes the demo library to `dir/KoboReader.sqlite`, lets `change` edit it, and ingests it
    /// as a new version.
    fn ingest_version(archive: &Archive, dir: &Path, change: &str) -> IngestReport {
        let library = dir.join("KoboReader.sqlite");
        let _ = std::fs::remove_file(&library);
        write_library(&library, &DemoOptions::default()).unwrap();
        Connection::open(&library).unwrap().execute_batch(change).unwrap();
        archive.ingest(&LibraryStore::new(library).current().unwrap()).unwrap()
    }

    fn war_and_peace_reading(archive: &Archive) -> (u64, Vec<(String, u64)>) {
        let reading = reading::history(&archive.reader()).unwrap();
        let days = reading.per_day.into_iter().map(|(day, _, secs)| (day, secs)).collect();
        (reading.per_book[crate::server::demo::WAR_AND_PEACE_ID], days)
    }

    #[test]
    fn reading_time_is_counted_once_across_versions() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let first = ingest_version(&archive, dir.path(), "");
        assert_eq!((first.new_sessions, first.added_reading_secs), (6, 98_400 + 41_000));
        let (total, days) = war_and_peace_reading(&archive);
        assert_eq!(total, 98_400, "the running total, sessions included once");
        assert_eq!(days.len(), 6);
        assert_eq!(days[0], ("2026-11-14".to_string(), 1_800));

        // The device sent its events to the cloud (table emptied), then logged one session and
        // 1,000 s no event explains.
        let newer = "DELETE FROM AnalyticsEvents;
            INSERT INTO AnalyticsEvents (Id, Type, Timestamp, Attributes, Metrics) VALUES ('new', 'LeaveContent',
              '2026-11-22T20:00:00.000', '{\"volumeid\":\"file:///mnt/onboard/Tolstoy, Leo/War and Peace - Leo Tolstoy.kepub.epub\"}',
              '{\"SecondsRead\":\"600\"}');
            UPDATE content SET TimeSpentReading = 100000, DateLastRead = '2026-11-23T22:00:00.000'
              WHERE ContentID LIKE '%War and Peace - Leo Tolstoy.kepub.epub'";
        let second = ingest_version(&archive, dir.path(), newer);
        assert_eq!((second.new_sessions, second.added_reading_secs), (1, 1_600));
        let (total, days) = war_and_peace_reading(&archive);
        assert_eq!(total, 100_000);
        assert_eq!(days[6..], [("2026-11-22".to_string(), 600), ("2026-11-23".to_string(), 1_000)]);

        // The same file as another version, then an older backup restored: nothing is added.
        let again = ingest_version(&archive, dir.path(), &format!("{newer}; UPDATE content SET Title = Title"));
        assert_eq!((again.new_sessions, again.added_reading_secs), (0, 0));
        let restored = ingest_version(&archive, dir.path(), "UPDATE content SET Title = Title");
        assert_eq!((restored.new_sessions, restored.added_reading_secs), (0, 0));
        assert_eq!(war_and_peace_reading(&archive).0, 100_000);
        // Read on from the restored total: only the growth counts.
        let on = ingest_version(
            &archive,
            dir.path(),
            "UPDATE content SET TimeSpentReading = 98700 WHERE ContentID LIKE '%War and Peace - Leo Tolstoy.kepub.epub'",
        );
        assert_eq!(on.added_reading_secs, 300);
    }

    /// The archive's copy of one annotation: (text, deleted on device).
    fn archived(archive: &Archive, id: &str) -> (Option<String>, bool) {
        archive
            .reader()
            .query_row(
                "SELECT text, deleted_on_device IS NOT NULL FROM archive_annotation WHERE bookmark_id = ?1",
                [id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap()
    }

    #[test]
    fn an_ingest_rewrites_only_the_books_that_changed() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let first = ingest_version(&archive, dir.path(), "");
        assert!(first.books > 10 && first.unchanged_books == 0, "{first:?}");
        let again = ingest_version(&archive, dir.path(), "UPDATE content SET Title = Title");
        assert_eq!(
            (again.books, again.unchanged_books, again.live, again.newly_deleted),
            (first.books, first.books, first.live, 0)
        );

        let war_and_peace = format!("VolumeID = '{}'", crate::server::demo::WAR_AND_PEACE_ID);
        let edited: String = archive
            .reader()
            .query_row(
                "SELECT bookmark_id FROM archive_annotation WHERE book_id = ?1 AND text IS NOT NULL ORDER BY bookmark_id LIMIT 1",
                [crate::server::demo::WAR_AND_PEACE_ID],
                |row| row.get(0),
            )
            .unwrap();
        let edit = ingest_version(
            &archive,
            dir.path(),
            &format!("UPDATE Bookmark SET Text = 'Edited <on> the device' WHERE BookmarkID = '{edited}'"),
        );
        assert_eq!((edit.unchanged_books, edit.newly_deleted), (first.books - 1, 0), "one book rewritten");
        assert_eq!(archived(&archive, &edited), (Some("Edited <on> the device".into()), false));

        // The book's annotations all gone from the device, then back in the next version: the
        // archive marks them deleted, then live again (its hash is older than the last ingest).
        let gone = ingest_version(&archive, dir.path(), &format!("DELETE FROM Bookmark WHERE {war_and_peace}"));
        assert_eq!(gone.books, first.books - 1);
        assert!(gone.newly_deleted > 2 && gone.live == first.live - gone.newly_deleted, "{gone:?}");
        assert!(archived(&archive, &edited).1, "marked deleted");
        let back = ingest_version(&archive, dir.path(), "");
        assert_eq!((back.books, back.unchanged_books, back.live), (first.books, first.books - 1, first.live));
        assert_eq!(archived(&archive, &edited), (first_text(dir.path(), &edited), false));
        assert_eq!(archive.counts().unwrap().deleted_on_device, 0);
    }

    /// The text of annotation `id` in the demo library as written.
    fn first_text(dir: &Path, id: &str) -> Option<String> {
        let library = dir.join("KoboReader.sqlite");
        Connection::open(&library)
            .unwrap()
            .query_row("SELECT Text FROM Bookmark WHERE BookmarkID = ?1", [id], |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn a_deletion_wave_is_many_at_once_and_a_large_share() {
        let wave = |deleted, live_before| ingest::deletion_wave(deleted, live_before).is_some();
        assert!(!wave(19, 19), "fewer than 20 is never a wave");
        assert!(!wave(29, 100), "under 30 % of those live is a reader's tidying");
        assert!(wave(30, 100) && wave(20, 20) && wave(88, 88));
    }

    #[test]
    fn a_version_that_drops_most_annotations_is_told_until_the_next() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let first = ingest_version(&archive, dir.path(), "");
        assert_eq!((first.live_before, first.deletion_wave()), (0, None));
        let by_hand =
            "DELETE FROM Bookmark WHERE BookmarkID IN (SELECT BookmarkID FROM Bookmark ORDER BY BookmarkID LIMIT 3)";
        let tidied = ingest_version(&archive, dir.path(), by_hand);
        assert_eq!((tidied.live_before, tidied.newly_deleted, tidied.deletion_wave()), (first.live, 3, None));
        assert_eq!(archive.last_deletion_wave().unwrap(), None);

        // Kobo's cloud sync answered with no annotations: the device dropped every one.
        let emptied = ingest_version(&archive, dir.path(), "DELETE FROM Bookmark");
        let told = DeletionWave { deleted: tidied.live as u64, live_before: tidied.live as u64 };
        assert_eq!((emptied.live, emptied.deletion_wave()), (0, Some(told)));
        assert_eq!(archive.last_deletion_wave().unwrap(), Some(told));
        assert_eq!(archive.counts().unwrap().deleted_on_device, first.live as u64, "all kept");

        let next = ingest_version(&archive, dir.path(), "DELETE FROM Bookmark; UPDATE content SET Title = Title");
        assert_eq!((next.newly_deleted, archive.last_deletion_wave().unwrap()), (0, None));
    }

    #[test]
    fn an_export_is_a_consistent_copy_that_imports_back() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let copy = dir.path().join("backup.sqlite");
        archive.export_to(&copy).unwrap();
        let restored = tempfile::tempdir().unwrap();
        import(&copy, restored.path()).unwrap();
        assert_eq!(Archive::open(restored.path()).unwrap().counts().unwrap(), ArchiveCounts::default());
        std::fs::write(dir.path().join("junk.sqlite"), b"not a database").unwrap();
        assert!(import(&dir.path().join("junk.sqlite"), restored.path()).is_err());
    }
}
