//! A consistent copy of the device's database: the SQLite backup API reads it page by page
//! under a read lock (never a file half-written by the device), into a temp file that is then
//! made a single self-contained file and verified like a download.

use super::{LocalCopy, PushError, Unpushable};
use crate::sync::{file_sha256, verify_database, SyncError};
use kobo_reader::{item_image_ids, open_read_only, open_shared_read_only};
use rusqlite::{backup::StepResult, Connection};
use std::{
    path::Path,
    time::{Duration, Instant},
};
use tempfile::NamedTempFile;

/// Pages copied per backup step (4 MB with Kobo's 4 KB pages).
const PAGES_PER_STEP: i32 = 1024;
/// Wait between tries while another program holds a lock on the database.
const BUSY_RETRY: Duration = Duration::from_millis(100);

/// The verified copy, with what the upload needs to know of it.
pub struct DatabaseCopy {
    pub file: NamedTempFile,
    pub bytes: u64,
    pub sha256: String,
    /// `content.ImageId` of every item: the covers to look for.
    pub image_ids: Vec<String>,
}

/// Copies `database` to a temp file, retrying for up to `busy_timeout` while another program
/// holds a lock on it. Blocking.
pub fn copy_database(database: &Path, busy_timeout: Duration) -> Result<DatabaseCopy, PushError> {
    let local = |err: LocalCopy| PushError::Local(err);
    let file = tempfile::Builder::new()
        .prefix("kobo-shelf-push-")
        .suffix(".sqlite")
        .tempfile()
        .map_err(|err| local(err.into()))?;
    let source = open_shared_read_only(database).map_err(unusable)?;
    {
        let mut copy = Connection::open(file.path()).map_err(|err| local(err.into()))?;
        backup(&source, &mut copy, busy_timeout)?;
        // The device may use WAL: the copy becomes one self-contained file, as the server expects.
        copy.execute_batch("PRAGMA journal_mode = DELETE;").map_err(|err| local(err.into()))?;
    }
    verify_database(file.path()).map_err(|err| match err {
        SyncError::NotSqlite => PushError::Database(Unpushable::NotSqlite),
        SyncError::Corrupt(damage) => PushError::Database(Unpushable::Corrupt(damage)),
        SyncError::NotKobo(detail) => PushError::Database(Unpushable::NotKobo(detail)),
        other => local(LocalCopy::Check(other)),
    })?;
    let image_ids = open_read_only(file.path())
        .map_err(|err| PushError::Database(Unpushable::Sqlite(err)))
        .and_then(|conn| item_image_ids(&conn).map_err(|err| PushError::Database(Unpushable::Unreadable(err))))?;
    let bytes = file.as_file().metadata().map_err(|err| local(err.into()))?.len();
    let sha256 = file_sha256(file.path()).map_err(|err| local(err.into()))?;
    Ok(DatabaseCopy { file, bytes, sha256, image_ids })
}

/// Runs the backup to the end; busy for longer than `busy_timeout` in a row is an error.
fn backup(source: &Connection, copy: &mut Connection, busy_timeout: Duration) -> Result<(), PushError> {
    let backup = rusqlite::backup::Backup::new(source, copy).map_err(unusable)?;
    let mut busy_since: Option<Instant> = None;
    loop {
        match backup.step(PAGES_PER_STEP).map_err(unusable)? {
            StepResult::Done => return Ok(()),
            StepResult::More => busy_since = None,
            _busy_or_locked => {
                let since = *busy_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= busy_timeout {
                    return Err(PushError::Database(Unpushable::Locked(busy_timeout)));
                }
                std::thread::sleep(BUSY_RETRY);
            }
        }
    }
}

/// Why the device's file cannot be read: an unfinished write and a file that is no database are
/// named as such.
fn unusable(err: rusqlite::Error) -> PushError {
    let reason = match &err {
        rusqlite::Error::SqliteFailure(failure, _)
            if failure.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK =>
        {
            Unpushable::HotJournal
        }
        rusqlite::Error::SqliteFailure(failure, _) if failure.code == rusqlite::ErrorCode::NotADatabase => {
            Unpushable::NotSqlite
        }
        _ => Unpushable::Sqlite(err),
    };
    PushError::Database(reason)
}
