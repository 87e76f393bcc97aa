//! Why the archive cannot be used: one error type for everything `archive` does.

use crate::server::{appdb::AppDbError, kobo::KoboError};
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
    #[error("cannot replace {}: {source}", path.display())]
    Replace {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
