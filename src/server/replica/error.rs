//! Why a copy of the archive could not be made, stored or restored.

use crate::server::{archive::ArchiveError, sync::SyncError};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    /// The bucket (or folder) holding the copies could not be read or written.
    #[error("the copies' store: {0}")]
    Store(#[from] SyncError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error("cannot write the copy in {}: {source}", dir.display())]
    Local {
        dir: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the copy cannot be encrypted: {0}")]
    Encrypt(#[from] age::EncryptError),
    #[error("no copy {seq} in {folder}")]
    NoSuchCopy { seq: u64, folder: String },
    /// Every copy there is was refused; each reason is kept.
    #[error("no copy in {folder} can be restored: {}", refused.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    NoneRestorable { folder: String, refused: Vec<Refused> },
    #[error("a blocking task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A copy that is not restored, and why.
#[derive(Debug, thiserror::Error)]
#[error("copy {seq} refused: {reason}")]
pub struct Refused {
    pub seq: u64,
    #[source]
    pub reason: Refusal,
}

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("its manifest cannot be read ({0})")]
    Manifest(#[from] serde_json::Error),
    #[error("its manifest is of format {0}, newer than this kobo-shelf reads")]
    ManifestFormat(u32),
    #[error("its manifest names another object ({0})")]
    ForeignObject(String),
    #[error("it cannot be fetched ({0})")]
    Fetch(#[from] SyncError),
    #[error("it has {found} bytes, its manifest says {expected} (truncated?)")]
    Size { expected: u64, found: u64 },
    #[error("its SHA-256 is {found}, its manifest says {expected}")]
    Checksum { expected: String, found: String },
    #[error("it is encrypted: set KOBO_SHELF_ARCHIVE_KEY to the identity it was made with")]
    NoKey,
    #[error("it cannot be decrypted with KOBO_SHELF_ARCHIVE_KEY ({0})")]
    Decrypt(#[from] age::DecryptError),
    #[error("it cannot be unpacked ({0})")]
    Unpack(#[source] std::io::Error),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
}
