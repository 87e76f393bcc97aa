//! Why the archive cannot be used: one error type for everything `archive` does.

use crate::appdb::AppDbError;
use kobo_reader::KoboError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("the archive cannot be used ({0})")]
    Database(#[from] rusqlite::Error),
    #[error(transparent)]
    AppDb(#[from] AppDbError),
    /// The version being ingested could not be read.
    #[error("the library version cannot be read: {0}")]
    Device(#[from] KoboError),
    #[error("{} is not a kobo-shelf archive: {source}", path.display())]
    NotAnArchive {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot write a copy of the archive to {}: {source}", path.display())]
    Copy {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// SQLite's `PRAGMA quick_check` found damage (its own words).
    #[error("{} is damaged: {problem}", path.display())]
    Damaged { path: PathBuf, problem: String },
    #[error("{} has schema version {found}, newer than this kobo-shelf's {known}: upgrade kobo-shelf to use it", path.display())]
    NewerSchema { path: PathBuf, found: u32, known: u32 },
    /// A restore would replace history this archive holds.
    #[error("the archive here is not new (it has ingested versions): stop the server and restore with --force to replace it")]
    NotNew,
}
