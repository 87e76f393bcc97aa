//! Taking in one device version, in one transaction: every live annotation is upserted by
//! `BookmarkID` (text, note, colour, chapter and place, book), those the version no longer shows
//! (deleted, or `Hidden` on the device) are marked deleted on the device with the date they were
//! first missed, and one that comes back is live again. A crash mid-ingest leaves the last
//! committed state, and the version, not being recorded, is ingested again at the next start.

use super::{reading, ArchiveError};
use crate::{
    model::{BookDetail, DeletionWave},
    server::kobo::{ReadingRecord, Snapshot},
};
use rusqlite::{params, Connection};
use std::collections::HashSet;

/// What an ingest did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// The version was ingested before: nothing changed.
    pub already_ingested: bool,
    /// Annotations the archive held as live on the device before this version.
    pub live_before: usize,
    pub live: usize,
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

/// One transaction: upsert every live annotation as seen by this ingest, mark those not seen
/// as deleted on the device, and add the version's reading time.
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
    {
        let mut upsert = transaction.prepare_cached(UPSERT_ANNOTATION)?;
        let mut remember = transaction.prepare_cached(REMEMBER_BOOK)?;
        // One book at a time: memory stays flat whatever the library's size.
        snapshot.for_each_book(&HashSet::new(), |book, _copies| -> Result<(), ArchiveError> {
            report.live += upsert_book(&mut upsert, &mut remember, &book, seq)?;
            Ok(())
        })?;
    }
    report.newly_deleted = transaction.execute(
        "UPDATE archive_annotation SET deleted_on_device = strftime('%Y-%m-%dT%H:%M:%S', 'now')
         WHERE seen_in < ?1 AND deleted_on_device IS NULL",
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
