//! The archive: every annotation ever synced, kept in the app's own database
//! (`appdb`, tables `archive_annotation` and `archive_ingest`) after the device forgets it.
//!
//! Each installed library version is ingested once, in one transaction: annotations are
//! upserted by `BookmarkID` (text, note, colour, chapter and place, book), and those the new
//! version no longer shows (deleted, or `Hidden` on the device) are kept and marked deleted on
//! the device with the date they were first missed; one that comes back is live again. A crash
//! mid-ingest leaves the last committed state, and the version, not being recorded, is ingested
//! again at the next start.

mod reading;

use super::{
    appdb,
    kobo::{ArchivedEntries, ArchivedHistory, Passage, ReadingRecord, Snapshot},
};
use crate::model::{BookDetail, BookSummary, Chapter, Highlight, HighlightColor, ItemKind, ReadStatus, ShelfError};
use rusqlite::{params, Connection, OptionalExtension};
use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    sync::{
        atomic::{AtomicI64, Ordering},
        Mutex,
    },
    time::Instant,
};

/// What an ingest did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// The version was ingested before: nothing changed.
    pub already_ingested: bool,
    pub live: usize,
    /// Annotations newly marked deleted on the device by this version.
    pub newly_deleted: usize,
    /// Reading sessions this version added (seen in no earlier version).
    pub new_sessions: usize,
    /// Seconds of reading this version added.
    pub added_reading_secs: u64,
}

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
    /// The last ingest's sequence number: what pages built from the archive are cached for.
    generation: AtomicI64,
}

/// The columns `highlight_at` reads, first in every SELECT of annotations.
const HIGHLIGHT_COLUMNS: &str = "bookmark_id, text, note, color, is_markup, created, deleted_on_device";

fn highlight_at(row: &rusqlite::Row<'_>) -> rusqlite::Result<Highlight> {
    Ok(Highlight {
        id: row.get(0)?,
        text: row.get(1)?,
        note: row.get(2)?,
        color: HighlightColor::from_slug(&row.get::<_, String>(3)?),
        is_markup: row.get::<_, i64>(4)? != 0,
        created: row.get(5)?,
        deleted_on_device: row.get(6)?,
    })
}

fn archive_error(err: rusqlite::Error) -> ShelfError {
    ShelfError::Unreadable(format!("the archive cannot be used ({err})"))
}

impl Archive {
    /// The archive in the app database of `data_dir` (see `appdb::open`).
    pub fn open(data_dir: &Path) -> Result<Archive, String> {
        let reader = appdb::open(data_dir)?;
        let generation = reader
            .query_row("SELECT coalesce(max(seq), 0) FROM archive_ingest", [], |row| row.get(0))
            .map_err(|err| format!("the archive cannot be read: {err}"))?;
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

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.reader.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether `version` has been ingested.
    pub fn has_ingested(&self, version: &str) -> Result<bool, ShelfError> {
        let conn = self.reader();
        let found = conn.query_row("SELECT 1 FROM archive_ingest WHERE version = ?1", [version], |_| Ok(()));
        found.optional().map(|found| found.is_some()).map_err(archive_error)
    }

    /// Merges `snapshot` into the archive (blocking; seconds for a very large library).
    pub fn ingest(&self, snapshot: &Snapshot) -> Result<IngestReport, ShelfError> {
        if self.has_ingested(&snapshot.version)? {
            return Ok(IngestReport { already_ingested: true, ..IngestReport::default() });
        }
        let started = Instant::now();
        let reading = snapshot.reading_record()?;
        let mut conn = self.writer();
        let report = write_ingest(&mut conn, snapshot, &reading)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        tracing::info!(
            version = %snapshot.version,
            live = report.live,
            newly_deleted = report.newly_deleted,
            new_sessions = report.new_sessions,
            added_reading_secs = report.added_reading_secs,
            unreadable_events = reading.unreadable_events,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "archive: ingested"
        );
        Ok(report)
    }

    /// Fills `book` (an entry whose copies are `copies`, read without annotations from a version
    /// the archive has ingested) with every annotation the archive holds for it: the live ones
    /// by chapter in reading order (one range of the `archive_annotation_by_book` index), then
    /// those deleted on the device.
    pub fn add_annotations(&self, book: &mut BookDetail, copies: &[String]) -> Result<(), ShelfError> {
        let conn = self.reader();
        let mut statement = conn
            .prepare_cached(&format!(
                "SELECT {HIGHLIGHT_COLUMNS}, chapter, chapter_order FROM archive_annotation
                     WHERE book_id = ?1 AND deleted_on_device IS NULL ORDER BY chapter_order, position"
            ))
            .map_err(archive_error)?;
        let rows = statement
            .query_map([&book.summary.id], |row| {
                Ok((row.get::<_, Option<String>>(7)?, row.get::<_, i64>(8)?, highlight_at(row)?))
            })
            .map_err(archive_error)?;
        let mut last_order = None;
        for row in rows {
            let (title, order, highlight) = row.map_err(archive_error)?;
            if last_order != Some(order) {
                book.chapters.push(Chapter { title, highlights: Vec::new() });
                last_order = Some(order);
            }
            book.chapters.last_mut().expect("pushed above").highlights.push(highlight);
        }
        add_deleted(&conn, book, copies)
    }

    /// Adds to `book` (an entry whose copies are `copies`) the annotations the device no longer
    /// has, each in its chapter at its place, marked with the date it was first missed.
    pub fn add_deleted(&self, book: &mut BookDetail, copies: &[String]) -> Result<(), ShelfError> {
        add_deleted(&self.reader(), book, copies)
    }
    /// The highlights and notes deleted on the device, as search passages: under the entry
    /// `snapshot` lists for their book, or under the book's last known title when it is no
    /// longer on the device.
    pub fn deleted_passages(&self, snapshot: &Snapshot) -> Result<Vec<Passage>, ShelfError> {
        let conn = self.reader();
        let mut statement = conn
            .prepare_cached(&format!(
                "SELECT {HIGHLIGHT_COLUMNS}, book_id, chapter, title, author
                 FROM archive_annotation LEFT JOIN archive_book USING (book_id)
                 WHERE deleted_on_device IS NOT NULL AND is_markup = 0"
            ))
            .map_err(archive_error)?;
        let rows = statement
            .query_map([], |row| {
                let (book_id, chapter): (String, Option<String>) = (row.get(7)?, row.get(8)?);
                let last_known: (Option<String>, Option<String>) = (row.get(9)?, row.get(10)?);
                Ok((book_id, chapter, last_known, highlight_at(row)?))
            })
            .map_err(archive_error)?;
        let mut passages = Vec::new();
        for row in rows {
            let (book_id, chapter, (title, author), highlight) = row.map_err(archive_error)?;
            let (book_id, book_title, author) = match snapshot.summary_of(&book_id) {
                Some(book) => (book.id.clone(), book.title.clone(), book.author.clone()),
                None => match title {
                    Some(title) => (book_id, title, author),
                    None => continue,
                },
            };
            passages.push(Passage { book_id, book_title, author, chapter, highlight });
        }
        Ok(passages)
    }

    /// The books (entries' ContentIDs when ingested) with any annotation deleted on the device.
    pub fn books_with_deleted(&self) -> Result<HashSet<String>, ShelfError> {
        let conn = self.reader();
        let mut statement = conn
            .prepare_cached("SELECT DISTINCT book_id FROM archive_annotation WHERE deleted_on_device IS NOT NULL")
            .map_err(archive_error)?;
        let rows = statement.query_map([], |row| row.get(0)).map_err(archive_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(archive_error)
    }

    /// Highlights and notes (not markups) deleted on the device, per book.
    pub fn deleted_counts(&self) -> Result<HashMap<String, u32>, ShelfError> {
        let conn = self.reader();
        let mut statement = conn
            .prepare_cached(
                "SELECT book_id, count(*) FROM archive_annotation
                 WHERE deleted_on_device IS NOT NULL AND is_markup = 0 GROUP BY book_id",
            )
            .map_err(archive_error)?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).map_err(archive_error)?;
        rows.collect::<rusqlite::Result<_>>().map_err(archive_error)
    }

    /// What the archive adds to `snapshot`'s list: counts of highlights and notes (not
    /// markups) deleted on the device, and the books no longer on it whose annotations it keeps.
    pub fn archived_entries(&self, snapshot: &Snapshot) -> Result<ArchivedEntries, ShelfError> {
        let deleted_counts = self.deleted_counts()?;
        let conn = self.reader();
        let mut removed = Vec::new();
        for (book_id, count) in &deleted_counts {
            if snapshot.summary_of(book_id).is_none() {
                if let Some(summary) = removed_book_summary(&conn, book_id, *count).map_err(archive_error)? {
                    removed.push(summary);
                }
            }
        }
        Ok(ArchivedEntries { deleted_counts, removed })
    }

    /// The page of a book no longer on the device: its last known entry and every annotation
    /// the archive keeps of it (`None` if it has none).
    pub fn removed_book(&self, id: &str) -> Result<Option<BookDetail>, ShelfError> {
        let conn = self.reader();
        let count = conn
            .query_row(
                "SELECT count(*) FROM archive_annotation WHERE book_id = ?1 AND deleted_on_device IS NOT NULL AND is_markup = 0",
                [id],
                |row| row.get(0),
            )
            .map_err(archive_error)?;
        let Some(summary) = removed_book_summary(&conn, id, count).map_err(archive_error)? else { return Ok(None) };
        let mut book = BookDetail::from_summary(summary);
        add_deleted(&conn, &mut book, &[id.to_string()])?;
        Ok(Some(book))
    }

    /// What the statistics of `snapshot` take from the archive: the annotations deleted on the
    /// device and reading time over every ingested version.
    pub fn history_for(&self, snapshot: &Snapshot) -> Result<ArchivedHistory, ShelfError> {
        let deleted = self.deleted_passages(snapshot)?;
        Ok(ArchivedHistory { deleted, reading: reading::history(&self.reader()).map_err(archive_error)? })
    }

    pub fn counts(&self) -> Result<ArchiveCounts, ShelfError> {
        let conn = self.reader();
        conn.query_row(
            "SELECT (SELECT count(*) FROM archive_annotation),
                    (SELECT count(*) FROM archive_annotation WHERE deleted_on_device IS NOT NULL),
                    (SELECT count(*) FROM archive_ingest)",
            [],
            |row| Ok(ArchiveCounts { annotations: row.get(0)?, deleted_on_device: row.get(1)?, versions: row.get(2)? }),
        )
        .map_err(archive_error)
    }

    /// A consistent copy of the whole app database at `path` (which must not exist).
    pub fn export_to(&self, path: &Path) -> Result<(), ShelfError> {
        let conn = self.reader();
        conn.execute("VACUUM INTO ?1", [path.to_string_lossy()]).map(drop).map_err(archive_error)
    }
}

/// Replaces the app database in `data_dir` with the archive exported to `backup` (with the
/// server stopped). The backup is checked first: an SQLite file holding the archive tables.
pub fn import(backup: &Path, data_dir: &Path) -> Result<(), String> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let problem = |err: rusqlite::Error| format!("{} is not a kobo-shelf archive: {err}", backup.display());
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
    std::fs::rename(&staged, &target).map_err(|err| format!("cannot replace {}: {err}", target.display()))
}

/// One transaction: upsert every live annotation as seen by this ingest, mark those not seen
/// as deleted on the device, and add the version's reading time.
fn write_ingest(
    conn: &mut Connection,
    snapshot: &Snapshot,
    reading: &ReadingRecord,
) -> Result<IngestReport, ShelfError> {
    let transaction = conn.transaction().map_err(archive_error)?;
    let seq: i64 = transaction
        .query_row("SELECT coalesce(max(seq), 0) + 1 FROM archive_ingest", [], |row| row.get(0))
        .map_err(archive_error)?;
    let mut report = IngestReport::default();
    {
        let mut upsert = transaction.prepare_cached(UPSERT_ANNOTATION).map_err(archive_error)?;
        let mut remember = transaction.prepare_cached(REMEMBER_BOOK).map_err(archive_error)?;
        // One book at a time: memory stays flat whatever the library's size.
        snapshot.for_each_book(&HashSet::new(), |book, _copies| {
            report.live += upsert_book(&mut upsert, &mut remember, &book, seq).map_err(archive_error)?;
            Ok(())
        })?;
    }
    let finish = |transaction: rusqlite::Transaction| -> rusqlite::Result<IngestReport> {
        report.newly_deleted = transaction.execute(
            "UPDATE archive_annotation SET deleted_on_device = strftime('%Y-%m-%dT%H:%M:%S', 'now')
             WHERE seen_in < ?1 AND deleted_on_device IS NULL",
            [seq],
        )?;
        let merged = reading::merge(&transaction, seq, reading)?;
        (report.new_sessions, report.added_reading_secs) = (merged.new_sessions, merged.added_secs);
        transaction.execute(
            "INSERT INTO archive_ingest (seq, version, ingested_at, annotations)
             VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?3)",
            params![seq, snapshot.version, report.live as i64],
        )?;
        transaction.commit()?;
        Ok(report)
    };
    finish(transaction).map_err(archive_error)
}

const UPSERT_ANNOTATION: &str = "INSERT INTO archive_annotation (bookmark_id, book_id, chapter, chapter_order,
        position, text, note, color, is_markup, created, first_seen, seen_in, deleted_on_device)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?11, NULL)
     ON CONFLICT (bookmark_id) DO UPDATE SET book_id = excluded.book_id, chapter = excluded.chapter,
        chapter_order = excluded.chapter_order, position = excluded.position, text = excluded.text,
        note = excluded.note, color = excluded.color, is_markup = excluded.is_markup,
        created = excluded.created, seen_in = excluded.seen_in, deleted_on_device = NULL";

/// Keeps a book's list entry as this version shows it (so it stays listed once removed).
const REMEMBER_BOOK: &str =
    "INSERT INTO archive_book (book_id, title, author, kind, percent_read, read_status, last_read)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (book_id) DO UPDATE SET title = excluded.title, author = excluded.author, kind = excluded.kind,
        percent_read = excluded.percent_read, read_status = excluded.read_status, last_read = excluded.last_read";

/// Upserts `book`'s entry and every annotation as seen by ingest `seq`; returns how many.
fn upsert_book(
    upsert: &mut rusqlite::CachedStatement<'_>,
    remember: &mut rusqlite::CachedStatement<'_>,
    book: &BookDetail,
    seq: i64,
) -> rusqlite::Result<usize> {
    let summary = &book.summary;
    remember.execute(params![
        summary.id,
        summary.title,
        summary.author,
        summary.kind.slug(),
        summary.percent_read,
        summary.read_status.code(),
        summary.last_read,
    ])?;
    let mut count = 0;
    for (chapter_order, chapter) in book.chapters.iter().enumerate() {
        for (position, highlight) in chapter.highlights.iter().enumerate() {
            upsert.execute(params![
                highlight.id,
                summary.id,
                chapter.title,
                chapter_order as i64,
                position as i64,
                highlight.text,
                highlight.note,
                highlight.color.slug(),
                highlight.is_markup as i64,
                highlight.created,
                seq,
            ])?;
            count += 1;
        }
    }
    Ok(count)
}

/// The entry of a book removed from the device, as last seen, with `count` highlights.
fn removed_book_summary(conn: &Connection, id: &str, count: u32) -> rusqlite::Result<Option<BookSummary>> {
    let mut statement = conn.prepare_cached(
        "SELECT title, author, kind, percent_read, read_status, last_read FROM archive_book WHERE book_id = ?1",
    )?;
    statement
        .query_row([id], |row| {
            Ok(BookSummary {
                id: id.to_string(),
                title: row.get(0)?,
                author: row.get(1)?,
                kind: ItemKind::from_slug(&row.get::<_, String>(2)?).unwrap_or(ItemKind::Other),
                percent_read: row.get(3)?,
                read_status: ReadStatus::from_code(row.get(4)?),
                highlight_count: count,
                last_read: row.get(5)?,
                removed_from_device: true,
                collections: Vec::new(),
            })
        })
        .optional()
}

/// See `Archive::add_deleted`.
fn add_deleted(conn: &Connection, book: &mut BookDetail, copies: &[String]) -> Result<(), ShelfError> {
    let mut statement = conn
        .prepare_cached(&format!(
            "SELECT {HIGHLIGHT_COLUMNS}, chapter, position FROM archive_annotation
                 WHERE book_id = ?1 AND deleted_on_device IS NOT NULL ORDER BY chapter_order, position"
        ))
        .map_err(archive_error)?;
    for copy in copies {
        let rows = statement
            .query_map([copy], |row| Ok((row.get::<_, Option<String>>(7)?, row.get::<_, i64>(8)?, highlight_at(row)?)))
            .map_err(archive_error)?;
        for row in rows {
            let (chapter, position, highlight) = row.map_err(archive_error)?;
            place_in_chapter(&mut book.chapters, chapter, position, highlight);
        }
    }
    Ok(())
}

/// Puts `highlight` at `position` of the chapter titled `title` (appended at the end of the
/// book when the device's contents no longer have that chapter).
fn place_in_chapter(chapters: &mut Vec<Chapter>, title: Option<String>, position: i64, highlight: Highlight) {
    let index = match chapters.iter().position(|chapter| chapter.title == title) {
        Some(index) => index,
        None => {
            chapters.push(Chapter { title, highlights: Vec::new() });
            chapters.len() - 1
        }
    };
    let highlights = &mut chapters[index].highlights;
    let at = usize::try_from(position).unwrap_or(0).min(highlights.len());
    highlights.insert(at, highlight);
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

    #[test]
    fn a_deleted_annotation_goes_back_to_its_chapter_and_place() {
        let highlight = Highlight::sample;
        let mut chapters =
            vec![Chapter { title: Some("One".into()), highlights: vec![highlight("a"), highlight("c")] }];
        place_in_chapter(&mut chapters, Some("One".into()), 1, highlight("b"));
        place_in_chapter(&mut chapters, Some("Gone".into()), 5, highlight("z"));
        let ids: Vec<Vec<&str>> =
            chapters.iter().map(|c| c.highlights.iter().map(|h| h.id.as_str()).collect()).collect();
        assert_eq!(ids, [vec!["a", "b", "c"], vec!["z"]]);
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
