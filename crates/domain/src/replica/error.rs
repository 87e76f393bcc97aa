//! Why a copy of the archive could not be made, stored or restored.

use crate::{archive::ArchiveError, sync::SyncError};
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
    /// This machine failed while it unpacked or installed a copy that checked out whole: worth
    /// trying again, no verdict on the copy.
    #[error("copy {} could not be restored here: {}", .0.seq, .0.reason)]
    Unpacking(Refused),
    /// A newer copy this machine cannot judge (it is encrypted and no key is set, or it is of
    /// a newer kobo-shelf): an older one is not restored in its place, so none is replaced.
    #[error("{} {}", .0, .0.reason.remedy())]
    Unjudged(Refused),
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
    Archive(ArchiveError),
    /// Writing the unpacked copy on this machine failed.
    #[error("it cannot be written here ({0})")]
    Local(#[source] std::io::Error),
    /// Putting a sound copy in place failed (the archive busy, the disk).
    #[error("it cannot be installed ({0})")]
    Installing(#[source] ArchiveError),
}

impl Refusal {
    /// A failure of this machine, not of the copy.
    pub fn is_local(&self) -> bool {
        matches!(self, Refusal::Local(_) | Refusal::Installing(_))
    }

    /// A copy this machine cannot judge, rather than one that is damaged.
    pub fn is_unjudged(&self) -> bool {
        matches!(
            self,
            Refusal::NoKey
                | Refusal::Decrypt(_)
                | Refusal::ManifestFormat(_)
                | Refusal::Archive(ArchiveError::NewerSchema { .. })
        )
    }

    /// What the operator does about an unjudged copy.
    fn remedy(&self) -> &'static str {
        match self {
            Refusal::NoKey | Refusal::Decrypt(_) => {
                "(set KOBO_SHELF_ARCHIVE_KEY to the identity the copies were made with and restart)"
            }
            _ => "(run the kobo-shelf that made it, or a newer one)",
        }
    }
}
