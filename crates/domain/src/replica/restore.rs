//! Bringing the archive back from its copies: the current copy first, then older ones, newest
//! first, until one verifies (its manifest's size and SHA-256, the key, `PRAGMA quick_check`,
//! a schema this kobo-shelf knows); each refused one is logged with its reason.

use super::{
    copy,
    error::{Refusal, Refused, ReplicaError},
    manifest::{manifest_name, object_name, Entry, Manifest, CURRENT, FORMAT},
};
use crate::{
    archive::{Archive, ArchiveCounts, ArchiveError},
    sync::{ObjectSource, SyncError},
};
use std::{
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

/// Which copy to restore.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreChoice {
    /// The newest that verifies.
    Newest,
    /// This one, or none.
    Copy(u64),
}

/// What a restore brought back.
#[derive(Debug)]
pub struct Restored {
    pub manifest: Manifest,
    pub counts: ArchiveCounts,
    /// Newer copies passed over, with why.
    pub refused: Vec<Refused>,
    pub elapsed: Duration,
}

/// Replaces `archive` with the chosen copy from `store` (the caller decides whether it may be
/// replaced); `None` when the store holds no copy. `bulk` fetches the copies themselves (the
/// same store with a timeout for large transfers). A newer copy this machine cannot judge
/// stops the restore instead of an older one taking its place.
pub async fn restore(
    store: &dyn ObjectSource,
    bulk: &dyn ObjectSource,
    folder: &str,
    archive: &Arc<Archive>,
    work_dir: &Path,
    identity: Option<&age::x25519::Identity>,
    choice: RestoreChoice,
) -> Result<Option<Restored>, ReplicaError> {
    let started = Instant::now();
    let candidates = match choice {
        RestoreChoice::Newest => newest_first(store).await?,
        RestoreChoice::Copy(seq) => vec![seq],
    };
    if candidates.is_empty() {
        tracing::info!(folder, "replica: no copy to restore");
        return Ok(None);
    }
    let mut refused = Vec::new();
    for seq in candidates {
        match restore_copy((store, bulk), seq, archive, work_dir, identity).await {
            Ok((manifest, counts)) => {
                let elapsed = started.elapsed();
                tracing::info!(
                    folder,
                    seq,
                    bytes = manifest.size,
                    annotations = counts.annotations,
                    deleted_on_device = counts.deleted_on_device,
                    refused = refused.len(),
                    elapsed_ms = elapsed.as_millis() as u64,
                    "replica: archive restored"
                );
                return Ok(Some(Restored { manifest, counts, refused, elapsed }));
            }
            Err(Refusal::Fetch(SyncError::MissingObject(_))) if choice == RestoreChoice::Copy(seq) => {
                return Err(ReplicaError::NoSuchCopy { seq, folder: folder.to_string() });
            }
            // The store or this machine failing is no verdict on the copy: the restore is tried
            // again whole.
            Err(Refusal::Fetch(err)) if !matches!(err, SyncError::MissingObject(_)) => return Err(err.into()),
            Err(reason) if reason.is_local() => return Err(ReplicaError::Unpacking(Refused { seq, reason })),
            Err(reason) if reason.is_unjudged() && choice == RestoreChoice::Newest => {
                return Err(ReplicaError::Unjudged(Refused { seq, reason }));
            }
            Err(reason) => {
                tracing::warn!(folder, seq, reason = %reason, "replica: copy refused");
                refused.push(Refused { seq, reason });
            }
        }
    }
    Err(ReplicaError::NoneRestorable { folder: folder.to_string(), refused })
}

/// The copies in `store`, newest first: the current one, then the older ones; a copy newer
/// than the current one was never made current (a crash before `current.json`) and is left.
async fn newest_first(store: &dyn ObjectSource) -> Result<Vec<u64>, ReplicaError> {
    let current = match store.read_sibling(CURRENT).await {
        Ok(bytes) => serde_json::from_slice::<Manifest>(&bytes).ok().map(|manifest| manifest.seq),
        Err(SyncError::MissingObject(_)) => None,
        Err(err) => return Err(err.into()),
    };
    let names = store.list_siblings("").await?;
    let mut seqs: Vec<u64> = names
        .keys()
        .filter_map(|name| match Entry::parse(name) {
            Some(Entry::Manifest(seq)) if current.is_none_or(|current| seq <= current) => Some(seq),
            _ => None,
        })
        .collect();
    seqs.sort_unstable_by(|a, b| b.cmp(a));
    Ok(seqs)
}

/// Fetches copy `seq`, checks it and puts it in place of the archive.
async fn restore_copy(
    (store, bulk): (&dyn ObjectSource, &dyn ObjectSource),
    seq: u64,
    archive: &Arc<Archive>,
    work_dir: &Path,
    identity: Option<&age::x25519::Identity>,
) -> Result<(Manifest, ArchiveCounts), Refusal> {
    let manifest: Manifest = serde_json::from_slice(&store.read_sibling(&manifest_name(seq)).await?)?;
    if manifest.format > FORMAT {
        return Err(Refusal::ManifestFormat(manifest.format));
    }
    // A manifest names its own copy and nothing else (a forged one cannot point elsewhere).
    if manifest.seq != seq || manifest.object != object_name(seq, manifest.encrypted) {
        return Err(Refusal::ForeignObject(manifest.object));
    }
    let object = bulk.read_sibling(&manifest.object).await?;
    let (archive, work_dir, identity) = (archive.clone(), work_dir.to_path_buf(), identity.cloned());
    let checked = manifest.clone();
    let counts = tokio::task::spawn_blocking(move || -> Result<ArchiveCounts, Refusal> {
        let dir = tempfile::Builder::new().prefix(copy::TEMP_PREFIX).tempdir_in(&work_dir).map_err(Refusal::Local)?;
        let database = dir.path().join("shelf.sqlite");
        copy::unpack(&object, &checked, identity.as_ref(), &database)?;
        archive.restore_from(&database).map_err(|err| match err {
            ArchiveError::Damaged { .. } | ArchiveError::NotAnArchive { .. } | ArchiveError::NewerSchema { .. } => {
                Refusal::Archive(err)
            }
            other => Refusal::Installing(other),
        })
    })
    .await
    .map_err(|err| Refusal::Local(std::io::Error::other(err)))??;
    Ok((manifest, counts))
}
