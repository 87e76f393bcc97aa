//! Taking in one device version, in one transaction, at the cost of what changed. A reader
//! changes a few books between two syncs, so a book whose rows on the device have the
//! fingerprint the previous ingest recorded for it is not even read (see
//! `kobo_reader::Snapshot::book_fingerprints`); every annotation of any other book is upserted
//! by `BookmarkID` (text, note, colour, chapter and place, book). Those the version no longer
//! shows (deleted, or `Hidden` on the device, or their book gone) are marked deleted on the
//! device with the date they were first missed, and one that comes back is live again. Reading
//! positions and sessions are taken from the list and the reading tables, whatever the
//! annotations did. A crash mid-ingest leaves the last committed state, and the version, not
//! being recorded, is ingested again at the next start.

use super::{reading, ArchiveError};
use crate::model::{DeletionWave, HighlightColor, ItemKind};
use kobo_reader::{Book, Books, Entry, Fingerprint, ReadingRecord, Snapshot};
use rusqlite::{params, CachedStatement, Connection, Transaction};
use std::collections::{HashMap, HashSet};

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
    /// …of which this many were as the previous ingest saw them, and not read.
    pub unchanged_books: usize,
    /// Annotations read from the version and written (those of the books that changed).
    pub written: usize,
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

/// One transaction: record every book of the version, write the annotations of those whose
/// rows changed since the last ingest, mark the annotations not seen as deleted on the device,
/// and add the version's reading time.
///
/// What makes skipping safe: after every ingest, the live annotations of each book the archive
/// holds a fingerprint for are exactly that book's annotations in the version ingested. A book
/// with the same fingerprint (the same rows) has them still; a book the version lacks loses its
/// fingerprint, so it is written whole when it comes back.
pub fn write_ingest(
    conn: &mut Connection,
    snapshot: &Snapshot,
    reading: &ReadingRecord,
) -> Result<IngestReport, ArchiveError> {
    let fingerprints = snapshot.book_fingerprints()?;
    let transaction = conn.transaction()?;
    let seq: i64 =
        transaction.query_row("SELECT coalesce(max(seq), 0) + 1 FROM archive_ingest", [], |row| row.get(0))?;
    let live_before = count_live(&transaction)?;
    let mut report = IngestReport { live_before, books: fingerprints.len(), ..IngestReport::default() };
    let stored = remembered_books(&transaction)?;
    let changed = remember_books(&transaction, &fingerprints, &stored)?;
    report.unchanged_books = fingerprints.len() - changed.len();
    {
        let mut upsert = transaction.prepare_cached(UPSERT_ANNOTATION)?;
        // One book at a time: memory stays flat whatever the library's size.
        snapshot.for_each_book(Books::Only(&changed), |book, _copies| -> Result<(), ArchiveError> {
            report.written += write_annotations(&mut upsert, &book, seq)?;
            Ok(())
        })?;
    }
    let seen: HashSet<&str> = fingerprints.iter().map(|(entry, _)| entry.item.id.as_str()).collect();
    let gone: Vec<&String> = stored.keys().filter(|id| !seen.contains(id.as_str())).collect();
    forget_fingerprints(&transaction, &gone)?;
    report.newly_deleted = mark_unseen(&transaction, changed.iter().chain(gone.iter().copied()), seq)?;
    report.live = count_live(&transaction)?;
    let merged = reading::merge(&transaction, seq, reading)?;
    (report.new_sessions, report.added_reading_secs) = (merged.new_sessions, merged.added_secs);
    transaction.execute(
        "INSERT INTO archive_ingest (seq, version, ingested_at, annotations, live_before, newly_deleted)
         VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?3, ?4, ?5)",
        params![seq, snapshot.version, report.live as i64, live_before as i64, report.newly_deleted as i64],
    )?;
    transaction.commit()?;
    Ok(report)
}

/// Annotations live on the device (an index holds only those).
fn count_live(transaction: &Transaction<'_>) -> rusqlite::Result<usize> {
    transaction.query_row("SELECT count(*) FROM archive_annotation WHERE deleted_on_device IS NULL", [], |row| {
        row.get::<_, i64>(0).map(|count| count as usize)
    })
}

/// A book's row in `archive_book`: its list entry as last seen, with its fingerprint (none
/// once a version lacked the book).
#[derive(PartialEq)]
struct RememberedBook {
    title: String,
    author: Option<String>,
    kind: String,
    percent_read: i64,
    read_status: i64,
    last_read: Option<String>,
    fingerprint: Option<Vec<u8>>,
}

impl RememberedBook {
    fn of(entry: &Entry, fingerprint: &Fingerprint) -> RememberedBook {
        let item = &entry.item;
        RememberedBook {
            title: item.title.clone(),
            author: item.author.clone(),
            kind: ItemKind::from(item.kind).slug().to_string(),
            percent_read: i64::from(item.percent_read),
            read_status: item.read_status.code(),
            last_read: item.last_read.clone(),
            fingerprint: Some(fingerprint.to_vec()),
        }
    }
}

/// Every book the archive lists, by id.
fn remembered_books(transaction: &Transaction<'_>) -> rusqlite::Result<HashMap<String, RememberedBook>> {
    let mut statement = transaction.prepare(
        "SELECT book_id, title, author, kind, percent_read, read_status, last_read, annotations_hash FROM archive_book",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get(0)?,
            RememberedBook {
                title: row.get(1)?,
                author: row.get(2)?,
                kind: row.get(3)?,
                percent_read: row.get(4)?,
                read_status: row.get(5)?,
                last_read: row.get(6)?,
                fingerprint: row.get(7)?,
            },
        ))
    })?;
    rows.collect()
}

/// Keeps every book's list entry and fingerprint as this version shows them (a book as it was
/// is not written); the ids of the books whose fingerprint changed.
fn remember_books(
    transaction: &Transaction<'_>,
    fingerprints: &[(&Entry, Fingerprint)],
    stored: &HashMap<String, RememberedBook>,
) -> rusqlite::Result<HashSet<String>> {
    let mut remember = transaction.prepare_cached(REMEMBER_BOOK)?;
    let mut changed = HashSet::new();
    for (entry, fingerprint) in fingerprints {
        let id = &entry.item.id;
        let now = RememberedBook::of(entry, fingerprint);
        let before = stored.get(id);
        if before.and_then(|book| book.fingerprint.as_ref()) != now.fingerprint.as_ref() {
            changed.insert(id.clone());
        }
        if before != Some(&now) {
            remember.execute(params![
                id,
                now.title,
                now.author,
                now.kind,
                now.percent_read,
                now.read_status,
                now.last_read,
                now.fingerprint,
            ])?;
        }
    }
    Ok(changed)
}

/// A book the version lacks is written whole when it comes back.
fn forget_fingerprints(transaction: &Transaction<'_>, gone: &[&String]) -> rusqlite::Result<()> {
    let mut forget = transaction.prepare_cached(
        "UPDATE archive_book SET annotations_hash = NULL WHERE book_id = ?1 AND annotations_hash IS NOT NULL",
    )?;
    gone.iter().try_for_each(|id| forget.execute([id]).map(drop))
}

/// Marks deleted on the device, with today's date, the live annotations of `books` this ingest
/// did not write (an annotation that moved to another book is that book's now); how many.
fn mark_unseen<'a>(
    transaction: &Transaction<'_>,
    books: impl Iterator<Item = &'a String>,
    seq: i64,
) -> rusqlite::Result<usize> {
    let mut mark = transaction.prepare_cached(
        "UPDATE archive_annotation SET deleted_on_device = strftime('%Y-%m-%dT%H:%M:%S', 'now')
         WHERE book_id = ?1 AND seen_in < ?2 AND deleted_on_device IS NULL",
    )?;
    books.map(|id| mark.execute(params![id, seq])).sum()
}

const UPSERT_ANNOTATION: &str = "INSERT INTO archive_annotation (bookmark_id, book_id, chapter, chapter_order,
        position, text, note, color, is_markup, created, first_seen, seen_in, deleted_on_device)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?11, NULL)
     ON CONFLICT (bookmark_id) DO UPDATE SET book_id = excluded.book_id, chapter = excluded.chapter,
        chapter_order = excluded.chapter_order, position = excluded.position, text = excluded.text,
        note = excluded.note, color = excluded.color, is_markup = excluded.is_markup,
        created = excluded.created, seen_in = excluded.seen_in, deleted_on_device = NULL";

/// Keeps a book's list entry as this version shows it (so it stays listed once removed), with
/// the fingerprint of its rows.
const REMEMBER_BOOK: &str = "INSERT INTO archive_book (book_id, title, author, kind, percent_read, read_status,
        last_read, annotations_hash)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
     ON CONFLICT (book_id) DO UPDATE SET title = excluded.title, author = excluded.author, kind = excluded.kind,
        percent_read = excluded.percent_read, read_status = excluded.read_status, last_read = excluded.last_read,
        annotations_hash = excluded.annotations_hash";

/// Upserts every annotation of `book`, in its chapters' order, as seen by ingest `seq`; how many.
fn write_annotations(upsert: &mut CachedStatement<'_>, book: &Book, seq: i64) -> rusqlite::Result<usize> {
    let mut written = 0;
    for (chapter_order, chapter) in book.chapters.iter().enumerate() {
        for (position, annotation) in chapter.annotations.iter().enumerate() {
            upsert.execute(params![
                annotation.id,
                book.item.id,
                chapter.title,
                chapter_order as i64,
                position as i64,
                annotation.text,
                annotation.note,
                HighlightColor::from(annotation.color).slug(),
                annotation.is_markup as i64,
                annotation.created,
                seq,
            ])?;
            written += 1;
        }
    }
    Ok(written)
}
