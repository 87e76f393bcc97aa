//! Taking in one device version, in one transaction, at the cost of what changed. A reader
//! changes a few books between two syncs, so a book whose annotations hash to what the previous
//! ingest recorded for it is skipped; every annotation of any other book is upserted by
//! `BookmarkID` (text, note, colour, chapter and place, book). Those the version no longer shows
//! (deleted, or `Hidden` on the device, or their book gone) are marked deleted on the device with
//! the date they were first missed, and one that comes back is live again. A crash mid-ingest
//! leaves the last committed state, and the version, not being recorded, is ingested again at
//! the next start.

use super::{reading, ArchiveError};
use crate::model::{DeletionWave, HighlightColor, ItemKind};
use kobo_reader::{Book, ReadingRecord, Snapshot};
use rusqlite::{params, CachedStatement, Connection, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// What an ingest did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// The version was ingested before: nothing changed.
    pub already_ingested: bool,
    /// Annotations the archive held as live on the device before this version.
    pub live_before: usize,
    pub live: usize,
    /// Books with annotations in this version…
    pub books: usize,
    /// …of which this many were as the previous ingest saw them, and skipped.
    pub unchanged_books: usize,
    /// Annotations newly marked deleted on the device by this version.
    pub newly_deleted: usize,
    /// Reading sessions this version added (seen in no earlier version).
    pub new_sessions: usize,
    /// Seconds of reading this version added.
    pub added_reading_secs: u64,
}

/// A wave is at least this many annotations deleted at once…
const WAVE_MIN_DELETED: u64 = 20;
/// …and at least this share of those live before.
const WAVE_MIN_SHARE: f64 = 0.3;

/// The wave `deleted` of `live_before` is, if it is one: a reader deleting a few highlights by
/// hand is not told, a device that lost most of them is.
pub fn deletion_wave(deleted: u64, live_before: u64) -> Option<DeletionWave> {
    let is_wave = deleted >= WAVE_MIN_DELETED && deleted as f64 >= WAVE_MIN_SHARE * live_before as f64;
    is_wave.then_some(DeletionWave { deleted, live_before })
}

impl IngestReport {
    pub fn deletion_wave(&self) -> Option<DeletionWave> {
        deletion_wave(self.newly_deleted as u64, self.live_before as u64)
    }
}

/// One transaction: record every book of the version (skipping the annotations of those the
/// previous ingest saw as they are), mark the annotations not seen as deleted on the device, and
/// add the version's reading time.
pub fn write_ingest(
    conn: &mut Connection,
    snapshot: &Snapshot,
    reading: &ReadingRecord,
) -> Result<IngestReport, ArchiveError> {
    let transaction = conn.transaction()?;
    let seq: i64 =
        transaction.query_row("SELECT coalesce(max(seq), 0) + 1 FROM archive_ingest", [], |row| row.get(0))?;
    let live_before: i64 = transaction.query_row(
        "SELECT count(*) FROM archive_annotation WHERE deleted_on_device IS NULL",
        [],
        |row| row.get(0),
    )?;
    let mut report = IngestReport { live_before: live_before as usize, ..IngestReport::default() };
    transaction.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS ingest_skipped (book_id TEXT PRIMARY KEY); DELETE FROM ingest_skipped;",
    )?;
    {
        let mut books = BookWriter::new(&transaction, seq)?;
        // One book at a time: memory stays flat whatever the library's size.
        snapshot.for_each_book(&HashSet::new(), |book, _copies| -> Result<(), ArchiveError> {
            Ok(books.write(&book, &mut report)?)
        })?;
    }
    // An annotation's `seen_in` is the last ingest that wrote it: one older, of a book not
    // skipped, is one this version no longer has.
    report.newly_deleted = transaction.execute(
        "UPDATE archive_annotation SET deleted_on_device = strftime('%Y-%m-%dT%H:%M:%S', 'now')
         WHERE seen_in < ?1 AND deleted_on_device IS NULL
           AND book_id NOT IN (SELECT book_id FROM temp.ingest_skipped)",
        [seq],
    )?;
    let merged = reading::merge(&transaction, seq, reading)?;
    (report.new_sessions, report.added_reading_secs) = (merged.new_sessions, merged.added_secs);
    transaction.execute(
        "INSERT INTO archive_ingest (seq, version, ingested_at, annotations, live_before, newly_deleted)
         VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?3, ?4, ?5)",
        params![seq, snapshot.version, report.live as i64, live_before, report.newly_deleted as i64],
    )?;
    transaction.commit()?;
    Ok(report)
}

const UPSERT_ANNOTATION: &str = "INSERT INTO archive_annotation (bookmark_id, book_id, chapter, chapter_order,
        position, text, note, color, is_markup, created, first_seen, seen_in, deleted_on_device)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?11, NULL)
     ON CONFLICT (bookmark_id) DO UPDATE SET book_id = excluded.book_id, chapter = excluded.chapter,
        chapter_order = excluded.chapter_order, position = excluded.position, text = excluded.text,
        note = excluded.note, color = excluded.color, is_markup = excluded.is_markup,
        created = excluded.created, seen_in = excluded.seen_in, deleted_on_device = NULL";

/// Keeps a book's list entry as this version shows it (so it stays listed once removed), with
/// the hash of its annotations and this ingest as the last that saw it.
const REMEMBER_BOOK: &str = "INSERT INTO archive_book (book_id, title, author, kind, percent_read, read_status,
        last_read, annotations_hash, seen_in)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
     ON CONFLICT (book_id) DO UPDATE SET title = excluded.title, author = excluded.author, kind = excluded.kind,
        percent_read = excluded.percent_read, read_status = excluded.read_status, last_read = excluded.last_read,
        annotations_hash = excluded.annotations_hash, seen_in = excluded.seen_in";

/// The statements that record one ingest's books.
struct BookWriter<'t> {
    seq: i64,
    last_seen: CachedStatement<'t>,
    remember: CachedStatement<'t>,
    skip: CachedStatement<'t>,
    upsert: CachedStatement<'t>,
}

impl<'t> BookWriter<'t> {
    fn new(transaction: &'t Transaction<'_>, seq: i64) -> rusqlite::Result<BookWriter<'t>> {
        Ok(BookWriter {
            seq,
            last_seen: transaction
                .prepare_cached("SELECT annotations_hash, seen_in FROM archive_book WHERE book_id = ?1")?,
            remember: transaction.prepare_cached(REMEMBER_BOOK)?,
            skip: transaction.prepare_cached("INSERT INTO temp.ingest_skipped (book_id) VALUES (?1)")?,
            upsert: transaction.prepare_cached(UPSERT_ANNOTATION)?,
        })
    }

    /// Records `book` as seen by this ingest, and its annotations unless the previous ingest saw
    /// them as they are: then every one of them is live and as recorded (an ingest that sees a
    /// book leaves all its annotations live, and the hash covers all it wrote of them).
    fn write(&mut self, book: &Book, report: &mut IngestReport) -> rusqlite::Result<()> {
        let item = &book.item;
        let hash = annotations_hash(book);
        let last_seen = self
            .last_seen
            .query_row([&item.id], |row| Ok((row.get::<_, Option<Vec<u8>>>(0)?, row.get::<_, i64>(1)?)))
            .optional()?;
        let unchanged = matches!(last_seen, Some((Some(last), seen_in)) if last == hash && seen_in == self.seq - 1);
        self.remember.execute(params![
            item.id,
            item.title,
            item.author,
            ItemKind::from(item.kind).slug(),
            item.percent_read,
            item.read_status.code(),
            item.last_read,
            hash.as_slice(),
            self.seq,
        ])?;
        report.books += 1;
        report.live += book.chapters.iter().map(|chapter| chapter.annotations.len()).sum::<usize>();
        if unchanged {
            report.unchanged_books += 1;
            self.skip.execute([&item.id])?;
            return Ok(());
        }
        for (chapter_order, chapter) in book.chapters.iter().enumerate() {
            for (position, annotation) in chapter.annotations.iter().enumerate() {
                self.upsert.execute(params![
                    annotation.id,
                    item.id,
                    chapter.title,
                    chapter_order as i64,
                    position as i64,
                    annotation.text,
                    annotation.note,
                    HighlightColor::from(annotation.color).slug(),
                    annotation.is_markup as i64,
                    annotation.created,
                    self.seq,
                ])?;
            }
        }
        Ok(())
    }
}

/// Changes when anything the ingest writes of `book`'s annotations does (and with this
/// layout's version, so a new layout rewrites every book once): SHA-256, stable across builds,
/// of every field, each length-prefixed and each list counted, so no two books hash alike.
fn annotations_hash(book: &Book) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"kobo-shelf annotations 1");
    hash.update((book.chapters.len() as u64).to_le_bytes());
    for chapter in &book.chapters {
        hash_field(&mut hash, chapter.title.as_deref());
        hash.update((chapter.annotations.len() as u64).to_le_bytes());
        for annotation in &chapter.annotations {
            hash_field(&mut hash, Some(&annotation.id));
            hash_field(&mut hash, annotation.text.as_deref());
            hash_field(&mut hash, annotation.note.as_deref());
            hash_field(&mut hash, Some(HighlightColor::from(annotation.color).slug()));
            hash.update([annotation.is_markup as u8]);
            hash_field(&mut hash, annotation.created.as_deref());
        }
    }
    hash.finalize().into()
}

/// A text (its length + 1, then its bytes) or none (0).
fn hash_field(hash: &mut Sha256, value: Option<&str>) {
    match value {
        Some(text) => {
            hash.update((text.len() as u64 + 1).to_le_bytes());
            hash.update(text.as_bytes());
        }
        None => hash.update(0u64.to_le_bytes()),
    }
}
