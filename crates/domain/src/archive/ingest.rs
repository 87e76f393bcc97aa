//! Taking in one version of one device's file, in one transaction, at the cost of what
//! changed. A reader changes a few books between two syncs, so a book whose rows on the device
//! have the fingerprint that device's previous ingest recorded for it is not even read (see
//! `kobo_reader::Snapshot::book_fingerprints`); every annotation of any other book is upserted
//! by `BookmarkID` (text, note, colour, chapter and place, book) and recorded as shown by the
//! device. Those the version no longer shows (deleted, or `Hidden` on the device, or their book
//! gone) are no longer recorded as shown by it, and marked deleted on the device, with the date
//! they were first missed, once no device shows them; one that comes back is live again. Reading
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
    /// Annotations the device showed before this version, and shows in it.
    pub live_before: usize,
    pub live: usize,
    /// Books with annotations in this version…
    pub books: usize,
    /// …of which this many were as the device's previous ingest saw them, and not read.
    pub unchanged_books: usize,
    /// Annotations read from the version and written (those of the books that changed).
    pub written: usize,
    /// Annotations the device showed before and no longer does (deleted on it; marked deleted
    /// on the device in the archive once no other device shows them either).
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
    is_wave.then_some(DeletionWave { deleted, live_before, device: None })
}

impl IngestReport {
    pub fn deletion_wave(&self) -> Option<DeletionWave> {
        deletion_wave(self.newly_deleted as u64, self.live_before as u64)
    }
}

/// One transaction: record every book of `device`'s version, write the annotations of those
/// whose rows changed since that device's last ingest, mark what the device no longer shows as
/// deleted on it, and add the version's reading time.
///
/// What makes skipping safe: after every ingest, the annotations the archive records as shown
/// by the device in each book it holds a fingerprint for are exactly that book's annotations in
/// the version ingested. A book with the same fingerprint (the same rows) has them still; a book
/// the version lacks loses its fingerprint, so it is written whole when it comes back. An
/// annotation is deleted on the device once no device shows it any more.
pub fn write_ingest(
    conn: &mut Connection,
    device: &str,
    snapshot: &Snapshot,
    reading: &ReadingRecord,
) -> Result<IngestReport, ArchiveError> {
    let fingerprints = snapshot.book_fingerprints()?;
    let transaction = conn.transaction()?;
    let seq: i64 =
        transaction.query_row("SELECT coalesce(max(seq), 0) + 1 FROM archive_ingest", [], |row| row.get(0))?;
    let live_before = count_shown(&transaction, device)?;
    let mut report = IngestReport { live_before, books: fingerprints.len(), ..IngestReport::default() };
    let stored = device_fingerprints(&transaction, device)?;
    remember_books(&transaction, &fingerprints)?;
    let changed = remember_fingerprints(&transaction, device, &fingerprints, &stored)?;
    report.unchanged_books = fingerprints.len() - changed.len();
    {
        let mut writer = AnnotationWriter::new(&transaction, device, seq)?;
        // One book at a time: memory stays flat whatever the library's size.
        snapshot.for_each_book(Books::Only(&changed), |book, _copies| -> Result<(), ArchiveError> {
            report.written += writer.write(&book)?;
            Ok(())
        })?;
    }
    let seen: HashSet<&str> = fingerprints.iter().map(|(entry, _)| entry.item.id.as_str()).collect();
    let gone: Vec<&String> = stored.keys().filter(|id| !seen.contains(id.as_str())).collect();
    forget_fingerprints(&transaction, device, &gone)?;
    report.newly_deleted = mark_unseen(&transaction, device, changed.iter().chain(gone.iter().copied()), seq)?;
    report.live = count_shown(&transaction, device)?;
    let merged = reading::merge(&transaction, (device, seq), reading)?;
    (report.new_sessions, report.added_reading_secs) = (merged.new_sessions, merged.added_secs);
    transaction.execute(
        "INSERT INTO archive_ingest (seq, device, version, ingested_at, annotations, live_before, newly_deleted)
         VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%S', 'now'), ?4, ?5, ?6)",
        params![seq, device, snapshot.version, report.live as i64, live_before as i64, report.newly_deleted as i64],
    )?;
    transaction.commit()?;
    Ok(report)
}

/// Annotations `device` shows, as its last ingest recorded.
fn count_shown(transaction: &Transaction<'_>, device: &str) -> rusqlite::Result<usize> {
    let sql = "SELECT count(*) FROM archive_device_annotation WHERE device = ?1 AND missing_since IS NULL";
    transaction.query_row(sql, [device], |row| row.get::<_, i64>(0).map(|count| count as usize))
}

/// A book's row in `archive_book`: its list entry as last seen (on any device).
#[derive(PartialEq)]
struct RememberedBook {
    title: String,
    author: Option<String>,
    kind: String,
    percent_read: i64,
    read_status: i64,
    last_read: Option<String>,
}

impl RememberedBook {
    fn of(entry: &Entry) -> RememberedBook {
        let item = &entry.item;
        RememberedBook {
            title: item.title.clone(),
            author: item.author.clone(),
            kind: ItemKind::from(item.kind).slug().to_string(),
            percent_read: i64::from(item.percent_read),
            read_status: item.read_status.code(),
            last_read: item.last_read.clone(),
        }
    }
}

/// Every book the archive lists, by id.
fn remembered_books(transaction: &Transaction<'_>) -> rusqlite::Result<HashMap<String, RememberedBook>> {
    let mut statement = transaction
        .prepare("SELECT book_id, title, author, kind, percent_read, read_status, last_read FROM archive_book")?;
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
            },
        ))
    })?;
    rows.collect()
}

/// Keeps every book's list entry as this version shows it (a book as it was is not written).
fn remember_books(transaction: &Transaction<'_>, fingerprints: &[(&Entry, Fingerprint)]) -> rusqlite::Result<()> {
    let stored = remembered_books(transaction)?;
    let mut remember = transaction.prepare_cached(REMEMBER_BOOK)?;
    for (entry, _) in fingerprints {
        let now = RememberedBook::of(entry);
        if stored.get(&entry.item.id) != Some(&now) {
            let RememberedBook { title, author, kind, percent_read, read_status, last_read } = now;
            remember.execute(params![entry.item.id, title, author, kind, percent_read, read_status, last_read])?;
        }
    }
    Ok(())
}

/// The fingerprint of each book `device`'s last ingest saw.
fn device_fingerprints(transaction: &Transaction<'_>, device: &str) -> rusqlite::Result<HashMap<String, Vec<u8>>> {
    let mut statement =
        transaction.prepare("SELECT book_id, fingerprint FROM archive_device_book WHERE device = ?1")?;
    let rows = statement.query_map([device], |row| Ok((row.get(0)?, row.get(1)?)))?;
    rows.collect()
}

/// Records each book's fingerprint on `device`; the ids of the books whose fingerprint changed.
fn remember_fingerprints(
    transaction: &Transaction<'_>,
    device: &str,
    fingerprints: &[(&Entry, Fingerprint)],
    stored: &HashMap<String, Vec<u8>>,
) -> rusqlite::Result<HashSet<String>> {
    let mut remember = transaction.prepare_cached(
        "INSERT INTO archive_device_book (device, book_id, fingerprint) VALUES (?1, ?2, ?3)
         ON CONFLICT (device, book_id) DO UPDATE SET fingerprint = excluded.fingerprint",
    )?;
    let mut changed = HashSet::new();
    for (entry, fingerprint) in fingerprints {
        let id = &entry.item.id;
        if stored.get(id).map(Vec::as_slice) != Some(fingerprint.as_slice()) {
            remember.execute(params![device, id, fingerprint.as_slice()])?;
            changed.insert(id.clone());
        }
    }
    Ok(changed)
}

/// A book `device`'s version lacks is written whole when it comes back.
fn forget_fingerprints(transaction: &Transaction<'_>, device: &str, gone: &[&String]) -> rusqlite::Result<()> {
    let mut forget =
        transaction.prepare_cached("DELETE FROM archive_device_book WHERE device = ?1 AND book_id = ?2")?;
    gone.iter().try_for_each(|id| forget.execute(params![device, id]).map(drop))
}

/// Records that `device` no longer shows the annotations of `books` this ingest did not write
/// (from today), and marks deleted on the device, with today's date, those no device shows any
/// more; how many `device` no longer shows.
fn mark_unseen<'a>(
    transaction: &Transaction<'_>,
    device: &str,
    books: impl Iterator<Item = &'a String>,
    seq: i64,
) -> rusqlite::Result<usize> {
    let mut unseen = transaction.prepare_cached(
        "UPDATE archive_device_annotation SET missing_since = strftime('%Y-%m-%dT%H:%M:%S', 'now')
         WHERE device = ?1 AND book_id = ?2 AND seen_in < ?3 AND missing_since IS NULL
         RETURNING bookmark_id",
    )?;
    let mut mark = transaction.prepare_cached(
        "UPDATE archive_annotation SET deleted_on_device = strftime('%Y-%m-%dT%H:%M:%S', 'now')
         WHERE bookmark_id = ?1 AND deleted_on_device IS NULL
           AND NOT EXISTS (SELECT 1 FROM archive_device_annotation WHERE bookmark_id = ?1 AND missing_since IS NULL)",
    )?;
    // One that moved to another book of the device is still shown there.
    let mut shown_elsewhere = transaction.prepare_cached(
        "SELECT 1 FROM archive_device_annotation WHERE bookmark_id = ?1 AND device = ?2 AND missing_since IS NULL",
    )?;
    let mut no_longer_shown = 0;
    for book in books {
        let ids: Vec<String> =
            unseen.query_map(params![device, book, seq], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
        for id in &ids {
            if !shown_elsewhere.exists(params![id, device])? {
                no_longer_shown += 1;
                mark.execute([id])?;
            }
        }
    }
    Ok(no_longer_shown)
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

/// Records that `device` shows an annotation in a book as of ingest `seq` (one that moved to
/// another book is missing from its old one with that book's other unseen annotations).
const SHOWN_ON_DEVICE: &str = "INSERT INTO archive_device_annotation (device, bookmark_id, book_id, seen_in)
     VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (device, book_id, bookmark_id) DO UPDATE SET seen_in = excluded.seen_in, missing_since = NULL";

/// The statements that write one ingest's annotations.
struct AnnotationWriter<'t> {
    device: &'t str,
    seq: i64,
    upsert: CachedStatement<'t>,
    shown: CachedStatement<'t>,
}

impl<'t> AnnotationWriter<'t> {
    fn new(transaction: &'t Transaction<'_>, device: &'t str, seq: i64) -> rusqlite::Result<AnnotationWriter<'t>> {
        Ok(AnnotationWriter {
            device,
            seq,
            upsert: transaction.prepare_cached(UPSERT_ANNOTATION)?,
            shown: transaction.prepare_cached(SHOWN_ON_DEVICE)?,
        })
    }

    /// Upserts every annotation of `book`, in its chapters' order, as the device shows it; how
    /// many.
    fn write(&mut self, book: &Book) -> rusqlite::Result<usize> {
        let mut written = 0;
        for (chapter_order, chapter) in book.chapters.iter().enumerate() {
            for (position, annotation) in chapter.annotations.iter().enumerate() {
                self.upsert.execute(params![
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
                    self.seq,
                ])?;
                self.shown.execute(params![self.device, annotation.id, book.item.id, self.seq])?;
                written += 1;
            }
        }
        Ok(written)
    }
}
