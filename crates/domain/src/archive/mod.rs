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
pub use reading::ReadingHistory;

use super::appdb;
use crate::model::DeletionWave;
use kobo_reader::Snapshot;
use parking_lot::{Mutex, MutexGuard};
use rusqlite::{Connection, OptionalExtension};
use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicI64, Ordering},
    time::Instant,
};

/// Sizes the settings page shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ArchiveCounts {
    pub annotations: u64,
    pub deleted_on_device: u64,
    pub versions: u64,
}

/// What a copy of the archive holds, for its manifest.
#[derive(Debug, PartialEq, Eq)]
pub struct CopyFacts {
    pub schema_version: u32,
    /// The last ingest the copy has.
    pub ingest_seq: i64,
    pub counts: ArchiveCounts,
}

/// Two connections: an ingest holds the writer for its whole transaction (seconds for a very
/// large library) while pages read the last committed state through the reader (WAL).
pub struct Archive {
    path: PathBuf,
    writer: Mutex<Connection>,
    reader: Mutex<Connection>,
    /// The last ingest's sequence number: what views built from the archive are cached for.
    generation: AtomicI64,
}

impl Archive {
    /// The archive in the app database of `data_dir` (see `appdb::open`).
    pub fn open(data_dir: &Path) -> Result<Archive, ArchiveError> {
        let reader = appdb::open(data_dir)?;
        let generation = last_ingest(&reader)?;
        Ok(Archive {
            path: appdb::path(data_dir),
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
            written = report.written,
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
        Ok(counts(&self.reader())?)
    }

    /// The archive's file and its size on disk (0 when it cannot be read).
    pub fn file(&self) -> (&Path, u64) {
        (&self.path, std::fs::metadata(&self.path).map_or(0, |meta| meta.len()))
    }

    /// Nothing was ever ingested: a new machine's archive, which a restore may replace.
    pub fn is_new(&self) -> Result<bool, ArchiveError> {
        let conn = self.reader();
        let sql = "SELECT NOT EXISTS (SELECT 1 FROM archive_ingest) AND NOT EXISTS (SELECT 1 FROM archive_annotation)";
        Ok(conn.query_row(sql, [], |row| row.get(0))?)
    }

    /// A consistent copy of the whole app database at `path` (which must not exist), made on a
    /// connection of its own so pages keep reading meanwhile.
    pub fn export_to(&self, path: &Path) -> Result<(), ArchiveError> {
        let conn = Connection::open_with_flags(&self.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        let copied = conn.execute("VACUUM INTO ?1", [path.to_string_lossy()]);
        copied.map(drop).map_err(|source| ArchiveError::Copy { path: path.to_path_buf(), source })
    }

    /// [`Archive::export_to`] without the login sessions (their rows zeroed, not just
    /// unlinked): a copy for off the machine, and what it holds.
    pub fn copy_without_sessions(&self, path: &Path) -> Result<CopyFacts, ArchiveError> {
        self.export_to(path)?;
        let copy = Connection::open(path)?;
        copy.pragma_update(None, "secure_delete", true)?;
        copy.execute("DELETE FROM session", [])?;
        Ok(CopyFacts {
            schema_version: copy.pragma_query_value(None, "user_version", |row| row.get(0))?,
            ingest_seq: last_ingest(&copy)?,
            counts: counts(&copy)?,
        })
    }

    /// Replaces the whole app database with the archive at `copy` once it proves sound (an
    /// SQLite file that passes `quick_check`, holding the archive's tables, of a schema this
    /// kobo-shelf knows, migrated up if older). SQLite's backup API writes it through this
    /// archive's own connection, so every other connection sees the new content at once.
    pub fn restore_from(&self, copy: &Path) -> Result<ArchiveCounts, ArchiveError> {
        check_copy(copy)?;
        let mut writer = self.writer.lock();
        writer.restore(rusqlite::MAIN_DB, copy, None::<fn(rusqlite::backup::Progress)>)?;
        appdb::migrate(&mut writer)?;
        self.generation.store(last_ingest(&writer)?, Ordering::Release);
        Ok(counts(&writer)?)
    }
}

/// The sequence number of the last ingest (0 for none): what views of the archive are cached for.
fn last_ingest(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT coalesce(max(seq), 0) FROM archive_ingest", [], |row| row.get(0))
}

fn counts(conn: &Connection) -> rusqlite::Result<ArchiveCounts> {
    conn.query_row(
        "SELECT (SELECT count(*) FROM archive_annotation),
                (SELECT count(*) FROM archive_annotation WHERE deleted_on_device IS NOT NULL),
                (SELECT count(*) FROM archive_ingest)",
        [],
        |row| Ok(ArchiveCounts { annotations: row.get(0)?, deleted_on_device: row.get(1)?, versions: row.get(2)? }),
    )
}

/// Whether the file at `path` is a sound archive this kobo-shelf can take.
fn check_copy(path: &Path) -> Result<(), ArchiveError> {
    let not_archive = |source| ArchiveError::NotAnArchive { path: path.to_path_buf(), source };
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(not_archive)?;
    let problems: Vec<String> = conn
        .prepare("PRAGMA quick_check")
        .and_then(|mut check| check.query_map([], |row| row.get(0))?.collect())
        .map_err(not_archive)?;
    if problems != ["ok"] {
        return Err(ArchiveError::Damaged { path: path.to_path_buf(), problem: problems.join("; ") });
    }
    let found: u32 = conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(not_archive)?;
    if found > appdb::SCHEMA_VERSION {
        return Err(ArchiveError::NewerSchema { path: path.to_path_buf(), found, known: appdb::SCHEMA_VERSION });
    }
    counts(&conn).map_err(not_archive).map(drop)
}

/// Replaces the app database in `data_dir` with the archive exported to `backup` (with the
/// server stopped), once it proves sound (see [`Archive::restore_from`]).
pub fn import(backup: &Path, data_dir: &Path) -> Result<ArchiveCounts, ArchiveError> {
    Archive::open(data_dir)?.restore_from(backup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::demo::{write_library, DemoOptions};
    use kobo_reader::LibraryStore;

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
        (reading.per_book[crate::demo::WAR_AND_PEACE_ID], days)
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
        assert!(first.books > 10 && first.unchanged_books == 0 && first.written == first.live, "{first:?}");
        let again = ingest_version(&archive, dir.path(), "UPDATE content SET Title = Title");
        assert_eq!(
            (again.books, again.unchanged_books, again.live, again.newly_deleted, again.written),
            (first.books, first.books, first.live, 0, 0),
            "no annotation read"
        );

        let war_and_peace = format!("VolumeID = '{}'", crate::demo::WAR_AND_PEACE_ID);
        let edited: String = archive
            .reader()
            .query_row(
                "SELECT bookmark_id FROM archive_annotation WHERE book_id = ?1 AND text IS NOT NULL ORDER BY bookmark_id LIMIT 1",
                [crate::demo::WAR_AND_PEACE_ID],
                |row| row.get(0),
            )
            .unwrap();
        let edit = ingest_version(
            &archive,
            dir.path(),
            &format!("UPDATE Bookmark SET Text = 'Edited <on> the device' WHERE BookmarkID = '{edited}'"),
        );
        assert_eq!((edit.unchanged_books, edit.newly_deleted), (first.books - 1, 0), "one book rewritten");
        let in_war_and_peace: usize = archive
            .reader()
            .query_row(
                "SELECT count(*) FROM archive_annotation WHERE book_id = ?1",
                [crate::demo::WAR_AND_PEACE_ID],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(edit.written, in_war_and_peace, "only its annotations read");
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

    #[test]
    fn a_version_that_only_moved_a_reading_position_leaves_every_annotation_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let first = ingest_version(&archive, dir.path(), "");
        let read_on = format!(
            "UPDATE content SET ___PercentRead = 77, DateLastRead = '2026-12-01T21:00:00.000'
               WHERE ContentID = '{book}';
             INSERT INTO AnalyticsEvents (Id, Type, Timestamp, Attributes, Metrics) VALUES ('moved', 'LeaveContent',
               '2026-12-01T21:00:00.000', '{{\"volumeid\":\"{book}\"}}', '{{\"SecondsRead\":\"420\"}}')",
            book = crate::demo::WAR_AND_PEACE_ID
        );
        let moved = ingest_version(&archive, dir.path(), &read_on);
        assert_eq!(
            (moved.unchanged_books, moved.written, moved.newly_deleted, moved.live),
            (first.books, 0, 0, first.live),
            "no annotation read or written: {moved:?}"
        );
        assert_eq!((moved.new_sessions, moved.added_reading_secs), (1, 420));
        let reader = archive.reader();
        let (percent, last_read): (i64, String) = reader
            .query_row(
                "SELECT percent_read, last_read FROM archive_book WHERE book_id = ?1",
                [crate::demo::WAR_AND_PEACE_ID],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        assert_eq!((percent, last_read.as_str()), (77, "2026-12-01T21:00:00"));
        let touched: i64 = reader
            .query_row("SELECT count(*) FROM archive_annotation WHERE seen_in > 1", [], |row| row.get(0))
            .unwrap();
        assert_eq!(touched, 0, "every annotation as the first ingest wrote it");
    }

    #[test]
    fn a_renamed_chapter_or_an_annotation_hidden_on_the_device_is_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let first = ingest_version(&archive, dir.path(), "");
        let chapter_of = |id: &str| -> String {
            archive
                .reader()
                .query_row("SELECT chapter FROM archive_annotation WHERE bookmark_id = ?1", [id], |row| row.get(0))
                .unwrap()
        };
        let id: String = archive
            .reader()
            .query_row(
                "SELECT bookmark_id FROM archive_annotation WHERE book_id = ?1 AND chapter IS NOT NULL
                 ORDER BY bookmark_id LIMIT 1",
                [crate::demo::WAR_AND_PEACE_ID],
                |row| row.get(0),
            )
            .unwrap();

        // Only the table of contents changed: the book's rows did, so it is read again.
        let rename = format!(
            "UPDATE content SET Title = 'Renamed <chapter> ''1''' WHERE ContentType = 899 AND Title = '{}'",
            chapter_of(&id).replace('\'', "''")
        );
        let renamed = ingest_version(&archive, dir.path(), &rename);
        assert_eq!((renamed.unchanged_books, renamed.newly_deleted), (first.books - 1, 0), "{renamed:?}");
        assert_eq!(chapter_of(&id), "Renamed <chapter> '1'");

        let hide = format!("{rename}; UPDATE Bookmark SET Hidden = 'true' WHERE BookmarkID = '{id}'");
        let hidden = ingest_version(&archive, dir.path(), &hide);
        assert_eq!((hidden.unchanged_books, hidden.newly_deleted), (first.books - 1, 1), "{hidden:?}");
        assert!(archived(&archive, &id).1, "marked deleted on the device");
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
    fn a_copy_leaves_the_sessions_out_and_restores_under_open_connections() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        ingest_version(&archive, dir.path(), "");
        ingest_version(
            &archive,
            dir.path(),
            "DELETE FROM Bookmark WHERE rowid IN (SELECT rowid FROM Bookmark LIMIT 2)",
        );
        archive.writer.lock().execute("INSERT INTO session VALUES ('secret-id', 'reader', 't', 1)", []).unwrap();
        let copy = dir.path().join("copy.sqlite");
        let facts = archive.copy_without_sessions(&copy).unwrap();
        let counts = archive.counts().unwrap();
        assert_eq!(facts, CopyFacts { schema_version: appdb::SCHEMA_VERSION, ingest_seq: 2, counts });
        assert_eq!(counts.deleted_on_device, 2);
        let bytes = std::fs::read(&copy).unwrap();
        assert!(!bytes.windows(9).any(|window| window == b"secret-id"), "the session is gone, bytes too");

        // A new machine: another connection is open (as the login's is) while it restores.
        let new = tempfile::tempdir().unwrap();
        let restored = Archive::open(new.path()).unwrap();
        let login = appdb::open(new.path()).unwrap();
        assert!(restored.is_new().unwrap());
        assert_eq!(restored.restore_from(&copy).unwrap(), counts);
        assert_eq!((restored.is_new().unwrap(), restored.generation()), (false, 2));
        assert_eq!(restored.counts().unwrap(), counts, "its reader sees the copy");
        let seen: u64 = login.query_row("SELECT count(*) FROM archive_annotation", [], |row| row.get(0)).unwrap();
        assert_eq!(seen, counts.annotations, "and so does every other connection");
        let mode: String =
            appdb::open(new.path()).unwrap().pragma_query_value(None, "journal_mode", |row| row.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_restore_refuses_a_damaged_foreign_or_newer_copy_and_migrates_an_older_one() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let counts = ingest_version(&archive, dir.path(), "").live as u64;
        let copy = dir.path().join("copy.sqlite");
        archive.copy_without_sessions(&copy).unwrap();
        let newer = dir.path().join("newer.sqlite");
        std::fs::copy(&copy, &newer).unwrap();
        Connection::open(&newer).unwrap().pragma_update(None, "user_version", appdb::SCHEMA_VERSION + 1).unwrap();
        let foreign = dir.path().join("foreign.sqlite");
        Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE notes (text TEXT)").unwrap();
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(&junk, b"not a database at all, but long enough to have a header of some sort .....").unwrap();
        // A copy of the schema before step 7 (no annotations_hash on archive_book, none of the
        // review tables of steps 8 and 9, nor step 10's edits, nor step 12's index).
        let older = dir.path().join("older.sqlite");
        std::fs::copy(&copy, &older).unwrap();
        Connection::open(&older)
            .unwrap()
            .execute_batch(
                "ALTER TABLE archive_book DROP COLUMN annotations_hash; DROP INDEX archive_live_by_book;
                 DROP TABLE review_card; DROP TABLE review_day; DROP TABLE review_log; DROP TABLE review_feed;
                 DROP TABLE annotation_edit; DROP TABLE annotation_tag;
                 DROP INDEX archive_annotation_by_month_day;
                 PRAGMA user_version = 6;",
            )
            .unwrap();
        let damaged = dir.path().join("damaged.sqlite");
        let mut bytes = std::fs::read(&copy).unwrap();
        let half = bytes.len() / 2;
        bytes[half..].iter_mut().for_each(|byte| *byte = 0x5a);
        std::fs::write(&damaged, bytes).unwrap();

        let target_dir = tempfile::tempdir().unwrap();
        let target = Archive::open(target_dir.path()).unwrap();
        assert!(matches!(target.restore_from(&newer), Err(ArchiveError::NewerSchema { .. })));
        assert!(matches!(target.restore_from(&foreign), Err(ArchiveError::NotAnArchive { .. })));
        assert!(matches!(target.restore_from(&junk), Err(ArchiveError::NotAnArchive { .. })));
        let refused = target.restore_from(&damaged).unwrap_err();
        assert!(matches!(refused, ArchiveError::Damaged { .. } | ArchiveError::NotAnArchive { .. }), "{refused}");
        assert!(target.is_new().unwrap(), "nothing was written");
        assert_eq!(target.restore_from(&older).unwrap().annotations, counts, "an older copy is migrated up");
        let version: u32 = target.reader().pragma_query_value(None, "user_version", |row| row.get(0)).unwrap();
        assert_eq!(version, appdb::SCHEMA_VERSION);
        target.reader().query_row("SELECT annotations_hash FROM archive_book", [], |_| Ok(())).unwrap();
        assert_eq!(target.restore_from(&copy).unwrap().annotations, counts);
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
