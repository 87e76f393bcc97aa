//! The app's own database, `<data dir>/shelf.sqlite`: what kobo-shelf itself must remember
//! (sessions today), kept apart from the downloaded `KoboReader.sqlite`, which is never written.
//! WAL with `synchronous = FULL`; the schema is migrated in code, one step per version
//! (`PRAGMA user_version`), each step in its own transaction.

use rusqlite::Connection;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "shelf.sqlite";

/// Schema steps; step `i` takes the database from version `i` to `i + 1`. Append only.
pub(crate) const MIGRATIONS: &[&str] = &[
    "CREATE TABLE session (
        id TEXT PRIMARY KEY,
        user TEXT NOT NULL,
        -- Which password the session was opened with (changing the password ends sessions).
        password_tag TEXT NOT NULL,
        expires INTEGER NOT NULL
    ) STRICT",
    // The archive (see `archive`): every annotation ever synced, by BookmarkID.
    "CREATE TABLE archive_annotation (
        bookmark_id TEXT PRIMARY KEY,
        -- The library entry (shown copy's ContentID) it belonged to when last seen.
        book_id TEXT NOT NULL,
        chapter TEXT,
        chapter_order INTEGER NOT NULL,
        position INTEGER NOT NULL,
        text TEXT,
        note TEXT,
        color TEXT NOT NULL,
        is_markup INTEGER NOT NULL,
        created TEXT,
        first_seen TEXT NOT NULL,
        -- The ingest that last saw it on the device.
        seen_in INTEGER NOT NULL,
        -- When the device first no longer had it (deleted or hidden); NULL while it does.
        deleted_on_device TEXT
    ) STRICT;
    CREATE INDEX archive_annotation_by_book ON archive_annotation (book_id, chapter_order, position);
    CREATE TABLE archive_ingest (
        seq INTEGER PRIMARY KEY,
        version TEXT NOT NULL UNIQUE,
        ingested_at TEXT NOT NULL,
        annotations INTEGER NOT NULL
    ) STRICT;",
    // The library list's counts of annotations deleted on the device, per book.
    "CREATE INDEX archive_deleted_by_book ON archive_annotation (book_id) WHERE deleted_on_device IS NOT NULL",
    // Reading time across versions (see `archive::reading`).
    "CREATE TABLE archive_reading (
        -- `event:<AnalyticsEvents.Id>`, or `total:<ingest seq>:<ContentID>` for time only the
        -- running total shows.
        id TEXT PRIMARY KEY,
        book_id TEXT NOT NULL,
        -- YYYY-MM-DD; NULL for reading before the first ingest.
        day TEXT,
        seconds INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE archive_reading_total (
        book_id TEXT PRIMARY KEY,
        -- `content.TimeSpentReading` as last ingested.
        seconds INTEGER NOT NULL
    ) STRICT;",
    // The list entry of every book the archive holds annotations of, as last seen, so a book
    // removed from the device stays listed with them.
    "CREATE TABLE archive_book (
        book_id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        author TEXT,
        kind TEXT NOT NULL,
        percent_read INTEGER NOT NULL,
        read_status INTEGER NOT NULL,
        last_read TEXT
    ) STRICT",
    // What each ingest found: a version that drops many live annotations at once is told.
    "ALTER TABLE archive_ingest ADD COLUMN live_before INTEGER NOT NULL DEFAULT 0;
     ALTER TABLE archive_ingest ADD COLUMN newly_deleted INTEGER NOT NULL DEFAULT 0;",
    // An ingest skips the books whose annotations are as the last ingest saw them (see
    // `archive::ingest`): the hash of what it wrote, and the ingest that last saw the book.
    "ALTER TABLE archive_book ADD COLUMN annotations_hash BLOB;
     ALTER TABLE archive_book ADD COLUMN seen_in INTEGER NOT NULL DEFAULT 0;",
    // The daily review (see `review`): each card's FSRS state (times in UTC seconds), the
    // cards of each day, every answer; and "on this day" by the month and day of `created`.
    "CREATE TABLE review_card (
        bookmark_id TEXT PRIMARY KEY,
        state INTEGER NOT NULL,
        due INTEGER NOT NULL,
        stability REAL NOT NULL,
        difficulty REAL NOT NULL,
        elapsed_days INTEGER NOT NULL,
        scheduled_days INTEGER NOT NULL,
        reps INTEGER NOT NULL,
        lapses INTEGER NOT NULL,
        last_review INTEGER,
        -- YYYY-MM-DD it entered the review.
        introduced TEXT NOT NULL,
        -- 1: the reader asked never to see it again.
        suspended INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX review_card_by_due ON review_card (due) WHERE suspended = 0;
    CREATE TABLE review_day (
        day TEXT NOT NULL,
        position INTEGER NOT NULL,
        bookmark_id TEXT NOT NULL,
        PRIMARY KEY (day, position)
    ) STRICT;
    CREATE TABLE review_log (
        id INTEGER PRIMARY KEY,
        bookmark_id TEXT NOT NULL,
        day TEXT NOT NULL,
        answered_at INTEGER NOT NULL,
        -- again, hard, good, easy, skip or never.
        answer TEXT NOT NULL,
        -- Days until the next review, for a grade.
        scheduled_days INTEGER
    ) STRICT;
    CREATE INDEX review_log_by_day ON review_log (day, bookmark_id);
    CREATE INDEX archive_annotation_by_month_day ON archive_annotation (substr(created, 6, 5));",
    // The review feed's secret token (one row; see `review::feed`).
    "CREATE TABLE review_feed (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        token TEXT NOT NULL
    ) STRICT",
    // What the reader adds on the web (see `edits`): a favourite and a note per annotation, and
    // its tags in order (`folded` is how a tag is matched, `shown` as typed).
    "CREATE TABLE annotation_edit (
        bookmark_id TEXT PRIMARY KEY,
        favourite INTEGER NOT NULL,
        note TEXT,
        updated INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE annotation_tag (
        bookmark_id TEXT NOT NULL,
        folded TEXT NOT NULL,
        shown TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (bookmark_id, folded)
    ) STRICT;
    CREATE INDEX annotation_tag_by_tag ON annotation_tag (folded);",
    // The ingest tells an unchanged book by its rows' fingerprint alone (see `archive::ingest`):
    // a book it does not see loses its fingerprint instead of recording the ingest that last
    // saw it (an unchanged book's row is not rewritten), and the annotations live on the
    // device are counted on an index of only those.
    "ALTER TABLE archive_book DROP COLUMN seen_in;
     CREATE INDEX archive_live_by_book ON archive_annotation (book_id) WHERE deleted_on_device IS NULL;",
    // Several devices, one archive (see `archive`): what each device has is recorded per device
    // (which annotations it shows or showed, each book's fingerprint, its running totals), and
    // every ingest and reading session names its device. What came before belongs to the
    // device of a single-source setup, `kobo`.
    "CREATE TABLE archive_device_annotation (
        device TEXT NOT NULL,
        bookmark_id TEXT NOT NULL,
        -- The list entry it belongs to on that device.
        book_id TEXT NOT NULL,
        -- The ingest of that device that last saw it.
        seen_in INTEGER NOT NULL,
        -- When that device first no longer showed it; NULL while it does.
        missing_since TEXT,
        -- Kept in the order an ingest writes them (a book's together): cheap to write.
        PRIMARY KEY (device, book_id, bookmark_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX archive_device_annotation_by_id ON archive_device_annotation (bookmark_id);
    INSERT INTO archive_device_annotation (device, bookmark_id, book_id, seen_in, missing_since)
        SELECT 'kobo', bookmark_id, book_id, seen_in, deleted_on_device FROM archive_annotation;
    CREATE TABLE archive_device_book (
        device TEXT NOT NULL,
        book_id TEXT NOT NULL,
        fingerprint BLOB NOT NULL,
        PRIMARY KEY (device, book_id)
    ) STRICT;
    INSERT INTO archive_device_book (device, book_id, fingerprint)
        SELECT 'kobo', book_id, annotations_hash FROM archive_book WHERE annotations_hash IS NOT NULL;
    ALTER TABLE archive_book DROP COLUMN annotations_hash;
    CREATE TABLE archive_device_reading_total (
        device TEXT NOT NULL,
        book_id TEXT NOT NULL,
        seconds INTEGER NOT NULL,
        PRIMARY KEY (device, book_id)
    ) STRICT;
    INSERT INTO archive_device_reading_total (device, book_id, seconds)
        SELECT 'kobo', book_id, seconds FROM archive_reading_total;
    DROP TABLE archive_reading_total;
    ALTER TABLE archive_reading ADD COLUMN device TEXT NOT NULL DEFAULT 'kobo';
    CREATE TABLE archive_ingest_by_device (
        seq INTEGER PRIMARY KEY,
        device TEXT NOT NULL,
        version TEXT NOT NULL,
        ingested_at TEXT NOT NULL,
        annotations INTEGER NOT NULL,
        live_before INTEGER NOT NULL,
        newly_deleted INTEGER NOT NULL,
        UNIQUE (device, version)
    ) STRICT;
    INSERT INTO archive_ingest_by_device
        SELECT seq, 'kobo', version, ingested_at, annotations, live_before, newly_deleted FROM archive_ingest;
    DROP TABLE archive_ingest;
    ALTER TABLE archive_ingest_by_device RENAME TO archive_ingest;",
];

/// The schema version this kobo-shelf writes; a database of a newer one is not opened.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// `<data dir>/shelf.sqlite`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE_NAME)
}

/// The app database cannot be opened or migrated.
#[derive(Debug, thiserror::Error)]
#[error("the app database {} cannot be opened: {source}", path.display())]
pub struct AppDbError {
    pub path: PathBuf,
    #[source]
    pub source: rusqlite::Error,
}

/// Called after a write the archive's off-site copies must carry (an edit, a review answer):
/// services built with replication pass one that schedules a copy (see `replica`).
pub type OnWrite = std::sync::Arc<dyn Fn() + Send + Sync>;

/// Page cache of each connection, in KiB. The app opens five (archive reader and writer,
/// edits, review, login); at 64 MB each kept what it had read (a 5,000-book library's ingest
/// and statistics filled two) for the life of the process, and a sync grew by as much. The
/// ingest of those 5,000 books takes as long with 4 MB as with 64 (1.2 s: docs/performance.md).
const PAGE_CACHE_KIB: i64 = 4_096;

/// Opens (creating it if needed) and migrates the app database.
pub fn open(data_dir: &Path) -> Result<Connection, AppDbError> {
    let path = path(data_dir);
    let fail = |source: rusqlite::Error| AppDbError { path: path.clone(), source };
    let mut conn = Connection::open(&path).map_err(fail)?;
    conn.pragma_update(None, "journal_mode", "WAL").map_err(fail)?;
    conn.pragma_update(None, "synchronous", "FULL").map_err(fail)?;
    conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(fail)?;
    conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB).map_err(fail)?;
    migrate(&mut conn).map_err(fail)?;
    Ok(conn)
}

/// Brings the schema up to [`SCHEMA_VERSION`], one step per transaction.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let version: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    for (step, sql) in MIGRATIONS.iter().enumerate().skip(version) {
        let transaction = conn.transaction()?;
        transaction.execute_batch(sql)?;
        transaction.pragma_update(None, "user_version", step + 1)?;
        transaction.commit()?;
        tracing::info!(version = step + 1, "app database migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_twice_migrates_once_and_keeps_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let conn = open(dir.path()).unwrap();
        conn.execute("INSERT INTO session VALUES ('a', 'reader', 't', 1)", []).unwrap();
        drop(conn);
        let conn = open(dir.path()).unwrap();
        let version: usize = conn.pragma_query_value(None, "user_version", |row| row.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len());
        let count: i64 = conn.query_row("SELECT count(*) FROM session", [], |row| row.get(0)).unwrap();
        assert_eq!(count, 1);
    }
}
