//! The archive: every annotation ever synced, kept in the app's own database
//! (`appdb`, tables `archive_annotation` and `archive_ingest`) after the device forgets it.
//!
//! Each installed library version is ingested once, in one transaction: annotations are
//! upserted by `BookmarkID` (text, note, colour, chapter and place, book), and those the new
//! version no longer shows (deleted, or `Hidden` on the device) are kept and marked deleted on
//! the device with the date they were first missed; one that comes back is live again. A crash
//! mid-ingest leaves the last committed state, and the version, not being recorded, is ingested
//! again at the next start.

use super::{
    appdb,
    kobo::{Passage, Snapshot},
};
use crate::model::{BookDetail, Chapter, Highlight, HighlightColor, ShelfError};
use rusqlite::{params, Connection, OptionalExtension};
use std::{
    collections::{HashMap, HashSet},
    path::{Path, PathBuf},
    sync::Mutex,
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
}

fn archive_error(err: rusqlite::Error) -> ShelfError {
    ShelfError::Unreadable(format!("the archive cannot be used ({err})"))
}

impl Archive {
    /// The archive in the app database of `data_dir` (see `appdb::open`).
    pub fn open(data_dir: &Path) -> Result<Archive, String> {
        Ok(Archive { writer: Mutex::new(appdb::open(data_dir)?), reader: Mutex::new(appdb::open(data_dir)?) })
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
        let books = snapshot.all_books()?;
        let read_ms = started.elapsed().as_millis() as u64;
        let mut conn = self.writer();
        let report = write_ingest(&mut conn, &snapshot.version, &books).map_err(archive_error)?;
        tracing::info!(
            version = %snapshot.version,
            live = report.live,
            newly_deleted = report.newly_deleted,
            read_ms,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "archive: ingested"
        );
        Ok(report)
    }

    /// Adds to `book` (an entry whose copies are `copies`) the annotations the device no longer
    /// has, each in its chapter at its place, marked with the date it was first missed.
    pub fn add_deleted(&self, book: &mut BookDetail, copies: &[String]) -> Result<(), ShelfError> {
        let conn = self.reader();
        let mut statement = conn
            .prepare_cached(
                "SELECT bookmark_id, chapter, position, text, note, color, is_markup, created, deleted_on_device
                 FROM archive_annotation
                 WHERE book_id = ?1 AND deleted_on_device IS NOT NULL
                 ORDER BY chapter_order, position",
            )
            .map_err(archive_error)?;
        for copy in copies {
            let rows = statement
                .query_map([copy], |row| {
                    let highlight = Highlight {
                        id: row.get(0)?,
                        text: row.get(3)?,
                        note: row.get(4)?,
                        color: HighlightColor::from_slug(&row.get::<_, String>(5)?),
                        is_markup: row.get::<_, i64>(6)? != 0,
                        created: row.get(7)?,
                        deleted_on_device: row.get(8)?,
                    };
                    Ok((row.get::<_, Option<String>>(1)?, row.get::<_, i64>(2)?, highlight))
                })
                .map_err(archive_error)?;
            for row in rows {
                let (chapter, position, highlight) = row.map_err(archive_error)?;
                place_in_chapter(&mut book.chapters, chapter, position, highlight);
            }
        }
        Ok(())
    }

    /// The highlights and notes deleted on the device whose book `snapshot` still lists, as
    /// search passages.
    pub fn deleted_passages(&self, snapshot: &Snapshot) -> Result<Vec<Passage>, ShelfError> {
        let conn = self.reader();
        let mut statement = conn
            .prepare_cached(
                "SELECT bookmark_id, book_id, chapter, text, note, color, created, deleted_on_device
                 FROM archive_annotation WHERE deleted_on_device IS NOT NULL AND is_markup = 0",
            )
            .map_err(archive_error)?;
        let rows = statement
            .query_map([], |row| {
                let highlight = Highlight {
                    id: row.get(0)?,
                    text: row.get(3)?,
                    note: row.get(4)?,
                    color: HighlightColor::from_slug(&row.get::<_, String>(5)?),
                    is_markup: false,
                    created: row.get(6)?,
                    deleted_on_device: row.get(7)?,
                };
                Ok((row.get::<_, String>(1)?, row.get::<_, Option<String>>(2)?, highlight))
            })
            .map_err(archive_error)?;
        let mut passages = Vec::new();
        for row in rows {
            let (book_id, chapter, highlight) = row.map_err(archive_error)?;
            if let Some(book) = snapshot.summary_of(&book_id) {
                let (book_title, author) = (book.title.clone(), book.author.clone());
                passages.push(Passage { book_id: book.id.clone(), book_title, author, chapter, highlight });
            }
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

/// One transaction: upsert every live annotation as seen by this ingest, then mark those not
/// seen as deleted on the device.
fn write_ingest(conn: &mut Connection, version: &str, books: &[BookDetail]) -> rusqlite::Result<IngestReport> {
    let transaction = conn.transaction()?;
    let seq: i64 =
        transaction.query_row("SELECT coalesce(max(seq), 0) + 1 FROM archive_ingest", [], |row| row.get(0))?;
    let mut report = IngestReport::default();
    {
        let mut upsert = transaction.prepare_cached(
            "INSERT INTO archive_annotation (bookmark_id, book_id, chapter, chapter_order, position, text, note, color,
                is_markup, created, first_seen, seen_in, deleted_on_device)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?11, NULL)
             ON CONFLICT (bookmark_id) DO UPDATE SET book_id = excluded.book_id, chapter = excluded.chapter,
                chapter_order = excluded.chapter_order, position = excluded.position, text = excluded.text,
                note = excluded.note, color = excluded.color, is_markup = excluded.is_markup,
                created = excluded.created, seen_in = excluded.seen_in, deleted_on_device = NULL",
        )?;
        for book in books {
            for (chapter_order, chapter) in book.chapters.iter().enumerate() {
                for (position, highlight) in chapter.highlights.iter().enumerate() {
                    upsert.execute(params![
                        highlight.id,
                        book.summary.id,
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
                    report.live += 1;
                }
            }
        }
    }
    report.newly_deleted = transaction.execute(
        "UPDATE archive_annotation SET deleted_on_device = strftime('%Y-%m-%dT%H:%M:%S', 'now')
         WHERE seen_in < ?1 AND deleted_on_device IS NULL",
        [seq],
    )?;
    transaction.execute(
        "INSERT INTO archive_ingest (seq, version, ingested_at, annotations)
         VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?3)",
        params![seq, version, report.live as i64],
    )?;
    transaction.commit()?;
    Ok(report)
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
