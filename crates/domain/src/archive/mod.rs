//! The archive: every annotation and reading session ever synced, kept in the app's own
//! database (`appdb`) after the device forgets them. Each installed version of each device's
//! file is ingested once (`ingest`), and the archive records what each device shows, so an
//! annotation is deleted on the device only once no device shows it; pages ask it for what the
//! devices no longer have (`annotations`) and for reading time across versions (`reading`). It
//! stores and answers; what the reader sees of it merged with the device's file is `shelf`'s.

mod annotations;
mod error;
mod ingest;
mod reading;

pub use annotations::{ArchivedAnnotation, DeletedCount, HighlightCount};
pub use error::ArchiveError;
pub use ingest::IngestReport;
pub use reading::ReadingHistory;

use super::appdb;

/// The device of a single-source setup, and of everything archived before devices had names.
pub const SINGLE_DEVICE: &str = "kobo";
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

    /// Whether `device`'s `version` has been ingested.
    pub fn has_ingested(&self, device: &str, version: &str) -> Result<bool, ArchiveError> {
        let conn = self.reader();
        let found = conn
            .query_row("SELECT 1 FROM archive_ingest WHERE device = ?1 AND version = ?2", [device, version], |_| Ok(()))
            .optional()?;
        Ok(found.is_some())
    }

    /// Merges `snapshot`, a version of `device`'s file, into the archive (blocking; seconds for
    /// a very large library).
    pub fn ingest(&self, device: &str, snapshot: &Snapshot) -> Result<IngestReport, ArchiveError> {
        if self.has_ingested(device, &snapshot.version)? {
            return Ok(IngestReport { already_ingested: true, ..IngestReport::default() });
        }
        let started = Instant::now();
        let reading = snapshot.reading_record()?;
        let mut conn = self.writer.lock();
        let report = ingest::write_ingest(&mut conn, device, snapshot, &reading)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        tracing::info!(
            device,
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

    /// The latest deletion wave among the last ingested version of each of `devices` (see
    /// `ingest::deletion_wave`), naming its device: another device's ordinary sync does not
    /// hide it, and a device no longer synced (retired) tells none.
    pub fn last_deletion_wave(&self, devices: &[String]) -> Result<Option<DeletionWave>, ArchiveError> {
        let conn = self.reader();
        let mut statement = conn.prepare_cached(
            "SELECT device, newly_deleted, live_before FROM archive_ingest
             WHERE seq IN (SELECT max(seq) FROM archive_ingest GROUP BY device) ORDER BY seq DESC",
        )?;
        let last = statement.query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?)))?;
        for row in last {
            let (device, deleted, live_before): (String, _, _) = row?;
            let wave = ingest::deletion_wave(deleted as u64, live_before as u64).filter(|_| devices.contains(&device));
            if let Some(wave) = wave {
                return Ok(Some(DeletionWave { device: Some(device), ..wave }));
            }
        }
        Ok(None)
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
        let first = archive.ingest(SINGLE_DEVICE, &snapshot).unwrap();
        assert!(!first.already_ingested && first.live > 20 && first.newly_deleted == 0, "{first:?}");
        let counts = archive.counts().unwrap();
        assert_eq!(
            archive.ingest(SINGLE_DEVICE, &snapshot).unwrap(),
            IngestReport { already_ingested: true, ..IngestReport::default() }
        );
        assert_eq!(archive.counts().unwrap(), counts);
        assert_eq!(counts, ArchiveCounts { annotations: first.live as u64, deleted_on_device: 0, versions: 1 });
    }

    /// Writes the demo library to `dir/KoboReader.sqlite`, lets `change` edit it, and ingests it
    /// as a new version.
    fn ingest_version(archive: &Archive, dir: &Path, change: &str) -> IngestReport {
        ingest_version_of(archive, (dir, SINGLE_DEVICE), change)
    }

    /// As `ingest_version`, as a version of `device`'s file.
    fn ingest_version_of(archive: &Archive, (dir, device): (&Path, &str), change: &str) -> IngestReport {
        let library = dir.join(format!("{device}.sqlite"));
        let _ = std::fs::remove_file(&library);
        write_library(&library, &DemoOptions::default()).unwrap();
        Connection::open(&library).unwrap().execute_batch(change).unwrap();
        archive.ingest(device, &LibraryStore::new(library).current().unwrap()).unwrap()
    }

    #[test]
    fn two_devices_in_one_archive_keep_each_others_annotations_and_reading_time() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        let (kobo, clara) = ((dir.path(), "kobo"), (dir.path(), "clara"));
        let war_and_peace = format!("VolumeID = '{}'", crate::demo::WAR_AND_PEACE_ID);
        let in_war_and_peace: u64 = {
            let first = ingest_version_of(&archive, kobo, "");
            let after = ingest_version_of(&archive, kobo, &format!("DELETE FROM Bookmark WHERE {war_and_peace}"));
            let gone = (first.live - after.live) as u64;
            ingest_version_of(&archive, kobo, "UPDATE content SET Title = Title");
            gone
        };
        assert_eq!(archive.counts().unwrap().deleted_on_device, 0, "back on the device");

        // A second device shows the same annotations (synced through Kobo's cloud) but not War
        // and Peace's: they are still on the first, so not deleted.
        // (It has read nothing yet: its reading tables are its own.)
        let unread = "DELETE FROM AnalyticsEvents; UPDATE content SET TimeSpentReading = 0";
        let second =
            ingest_version_of(&archive, clara, &format!("{unread}; DELETE FROM Bookmark WHERE {war_and_peace}"));
        assert_eq!(second.newly_deleted, 0, "{second:?}");
        assert_eq!(archive.counts().unwrap().deleted_on_device, 0);
        // The second device drops every annotation: the first still shows them all.
        let emptied = ingest_version_of(&archive, clara, &format!("{unread}; DELETE FROM Bookmark"));
        assert_eq!((emptied.newly_deleted, emptied.live), (second.live, 0));
        assert_eq!(archive.counts().unwrap().deleted_on_device, 0, "the first device has them");
        // Now the first device deletes War and Peace's: no device shows them any more.
        let deleted = ingest_version_of(&archive, kobo, &format!("DELETE FROM Bookmark WHERE {war_and_peace}"));
        assert_eq!(deleted.newly_deleted as u64, in_war_and_peace);
        assert_eq!(archive.counts().unwrap().deleted_on_device, in_war_and_peace);
        // Each device's history stays: what it showed, and since when it no longer does.
        let missing = |device: &str| -> u64 {
            let sql = "SELECT count(*) FROM archive_device_annotation WHERE device = ?1 AND missing_since IS NOT NULL";
            archive.reader().query_row(sql, [device], |row| row.get(0)).unwrap()
        };
        assert_eq!((missing("kobo"), missing("clara")), (in_war_and_peace, second.live as u64));

        // Each device's running total is its own: the second device's smaller total of War and
        // Peace is not the first's going down and up again.
        let (total_before, _) = war_and_peace_reading(&archive);
        let little = format!(
            "{unread}; UPDATE content SET TimeSpentReading = 500 WHERE ContentID = '{}'",
            crate::demo::WAR_AND_PEACE_ID
        );
        assert_eq!(ingest_version_of(&archive, clara, &little).added_reading_secs, 500);
        let again = ingest_version_of(&archive, kobo, "UPDATE content SET Title = Title || ''");
        assert_eq!(again.added_reading_secs, 0, "the first device read nothing more");
        assert_eq!(war_and_peace_reading(&archive).0, total_before + 500);
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

    #[test]
    fn an_annotation_that_moved_to_another_book_is_not_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let archive = Archive::open(dir.path()).unwrap();
        ingest_version(&archive, dir.path(), "");
        let reader = archive.reader();
        let (id, other): (String, String) = reader
            .query_row(
                "SELECT a.bookmark_id, b.book_id FROM archive_annotation a, archive_book b
                 WHERE a.book_id = ?1 AND b.book_id <> ?1 ORDER BY a.bookmark_id, b.book_id LIMIT 1",
                [crate::demo::WAR_AND_PEACE_ID],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .unwrap();
        drop(reader);
        let moved = format!("UPDATE Bookmark SET VolumeID = '{other}' WHERE BookmarkID = '{id}'");
        let report = ingest_version(&archive, dir.path(), &moved);
        assert_eq!(report.newly_deleted, 0, "{report:?}");
        let book_of = |id: &str| -> String {
            archive
                .reader()
                .query_row("SELECT book_id FROM archive_annotation WHERE bookmark_id = ?1", [id], |row| row.get(0))
                .unwrap()
        };
        assert_eq!((book_of(&id), archived(&archive, &id).1), (other.clone(), false));
        let gone =
            ingest_version(&archive, dir.path(), &format!("{moved}; DELETE FROM Bookmark WHERE BookmarkID = '{id}'"));
        assert_eq!(gone.newly_deleted, 1, "deleted in the book it moved to");
        assert!(archived(&archive, &id).1);
    }

    /// The text of annotation `id` in the demo library as `ingest_version` wrote it.
    fn first_text(dir: &Path, id: &str) -> Option<String> {
        let library = dir.join(format!("{SINGLE_DEVICE}.sqlite"));
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
        let devices = [SINGLE_DEVICE.to_string(), "clara".to_string()];
        let first = ingest_version(&archive, dir.path(), "");
        assert_eq!((first.live_before, first.deletion_wave()), (0, None));
        let by_hand =
            "DELETE FROM Bookmark WHERE BookmarkID IN (SELECT BookmarkID FROM Bookmark ORDER BY BookmarkID LIMIT 3)";
        let tidied = ingest_version(&archive, dir.path(), by_hand);
        assert_eq!((tidied.live_before, tidied.newly_deleted, tidied.deletion_wave()), (first.live, 3, None));
        assert_eq!(archive.last_deletion_wave(&devices).unwrap(), None);

        // Kobo's cloud sync answered with no annotations: the device dropped every one.
        let emptied = ingest_version(&archive, dir.path(), "DELETE FROM Bookmark");
        assert_eq!(archive.last_deletion_wave(&["clara".into()]).unwrap(), None, "only the devices asked about");
        let told = DeletionWave { deleted: tidied.live as u64, live_before: tidied.live as u64, device: None };
        assert_eq!((emptied.live, emptied.deletion_wave()), (0, Some(told.clone())));
        let named = DeletionWave { device: Some(SINGLE_DEVICE.into()), ..told };
        assert_eq!(archive.last_deletion_wave(&devices).unwrap(), Some(named.clone()));
        assert_eq!(archive.counts().unwrap().deleted_on_device, first.live as u64, "all kept");

        // Another device's ordinary sync does not hide it: each device's last ingest counts.
        ingest_version_of(&archive, (dir.path(), "clara"), "");
        assert_eq!(archive.last_deletion_wave(&devices).unwrap(), Some(named));

        let next = ingest_version(&archive, dir.path(), "DELETE FROM Bookmark; UPDATE content SET Title = Title");
        assert_eq!((next.newly_deleted, archive.last_deletion_wave(&devices).unwrap()), (0, None));
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
        // A copy made before step 7: the first six steps' schema, with the copy's annotations,
        // ingests and books (none of the review, edit or device tables of later steps).
        let older = dir.path().join("older.sqlite");
        let conn = Connection::open(&older).unwrap();
        appdb::MIGRATIONS[..6].iter().for_each(|step| conn.execute_batch(step).unwrap());
        conn.execute("ATTACH ?1 AS current", [copy.display().to_string()]).unwrap();
        conn.execute_batch(
            "INSERT INTO archive_annotation SELECT bookmark_id, book_id, chapter, chapter_order, position, text,
               note, color, is_markup, created, first_seen, seen_in, deleted_on_device FROM current.archive_annotation;
             INSERT INTO archive_ingest (seq, version, ingested_at, annotations, live_before, newly_deleted)
               SELECT seq, version, ingested_at, annotations, live_before, newly_deleted FROM current.archive_ingest;
             INSERT INTO archive_book SELECT book_id, title, author, kind, percent_read, read_status, last_read
               FROM current.archive_book;
             DETACH current;
             PRAGMA user_version = 6;",
        )
        .unwrap();
        drop(conn);
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
        let shown_on_the_device: u64 = target
            .reader()
            .query_row(
                "SELECT count(*) FROM archive_device_annotation WHERE device = ?1 AND missing_since IS NULL",
                [SINGLE_DEVICE],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(shown_on_the_device, counts, "what came before is the single device's");
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
