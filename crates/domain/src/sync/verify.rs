//! Checks a downloaded file before it may replace the database: a SQLite file, whole, passing
//! `PRAGMA quick_check`, with the Kobo tables.

use super::error::{Damage, SyncError};
use kobo_reader::{kobo_schema_problem, open_read_only, sqlite_header, KoboError};
use std::path::Path;

/// Verifies the file at `path` (opened read-only). Runs on a blocking thread.
pub fn verify_database(path: &Path) -> Result<(), SyncError> {
    let header = sqlite_header(path).map_err(SyncError::LocalIo)?.ok_or(SyncError::NotSqlite)?;
    let length = std::fs::metadata(path).map_err(SyncError::LocalIo)?.len();
    check_declared_size(&header, length)?;
    let damaged = |err| SyncError::Corrupt(Damage::Sqlite(err));
    let conn = open_read_only(path).map_err(damaged)?;
    let problems: Vec<String> = conn
        .prepare("PRAGMA quick_check(5)")
        .and_then(|mut statement| statement.query_map([], |row| row.get::<_, String>(0))?.collect())
        .map_err(damaged)?;
    if problems != ["ok"] {
        return Err(SyncError::Corrupt(Damage::QuickCheck(problems)));
    }
    match kobo_schema_problem(&conn) {
        Some(KoboError::NotKobo(problem)) => Err(SyncError::NotKobo(problem)),
        Some(other) => Err(SyncError::Corrupt(Damage::Kobo(other))),
        None => Ok(()),
    }
}

/// A file shorter than the page count its header declares was cut off.
fn check_declared_size(header: &[u8; 100], length: u64) -> Result<(), SyncError> {
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        size => u64::from(size),
    };
    let pages = u64::from(u32::from_be_bytes([header[28], header[29], header[30], header[31]]));
    let declared = page_size * pages;
    if declared > length {
        return Err(SyncError::Corrupt(Damage::Truncated { length, declared }));
    }
    Ok(())
}
