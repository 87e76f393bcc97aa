//! Checks a downloaded file before it may replace the database: a SQLite file, whole, passing
//! `PRAGMA quick_check`, with the Kobo tables.

use super::error::SyncError;
use crate::server::kobo::{describe_sqlite_error, kobo_schema_problem, open_read_only, sqlite_header, KoboError};
use std::path::Path;

/// Verifies the file at `path` (opened read-only). Runs on a blocking thread.
pub fn verify_database(path: &Path) -> Result<(), SyncError> {
    let io_error = |err: std::io::Error| SyncError::LocalIo(err.to_string());
    let header = sqlite_header(path).map_err(io_error)?.ok_or(SyncError::NotSqlite)?;
    let length = std::fs::metadata(path).map_err(io_error)?.len();
    check_declared_size(&header, length)?;
    let conn = open_read_only(path).map_err(|err| SyncError::Corrupt(describe_sqlite_error(&err)))?;
    let problems: Vec<String> = conn
        .prepare("PRAGMA quick_check(5)")
        .and_then(|mut statement| statement.query_map([], |row| row.get::<_, String>(0))?.collect())
        .map_err(|err| SyncError::Corrupt(describe_sqlite_error(&err)))?;
    if problems != ["ok"] {
        return Err(SyncError::Corrupt(format!("quick_check found: {}", problems.join("; "))));
    }
    match kobo_schema_problem(&conn) {
        Some(KoboError::NotKobo(problem)) => Err(SyncError::NotKobo(problem)),
        Some(other) => Err(SyncError::Corrupt(other.to_string())),
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
        return Err(SyncError::Corrupt(format!("the file is truncated ({length} of {declared} bytes)")));
    }
    Ok(())
}
