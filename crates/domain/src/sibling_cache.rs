//! Small files stored beside the database in the source (markups, covers), fetched on demand
//! and cached in a folder of the data directory per ETag. A cached file is written to a temp
//! file and renamed, its ETag after it, so a crash never leaves a torn file under a matching
//! ETag. Used by `markups` and `covers`, over every device's source (`DeviceSiblings`).

use super::sync::ObjectSource;
use bytes::Bytes;
use quick_cache::sync::Cache;
use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

/// One device's source and the folder of its local files (each cache is a sub-folder of it).
#[derive(Clone)]
pub struct DeviceFolder {
    pub source: Arc<dyn ObjectSource>,
    pub folder: PathBuf,
}

/// The same kind of file beside each device's database (a library of several Kobos): asked of
/// each device in the settings' order, the first that has it answers (a store book's cover may
/// be beside several: any is the book's); one that lacks it is asked again only after the
/// revalidation interval. A retired device (no longer in the settings, so without a source)
/// still answers from what its cache kept.
pub struct DeviceSiblings {
    synced: Vec<SiblingCache>,
    /// The cache folders of retired devices.
    kept: Vec<PathBuf>,
}

impl DeviceSiblings {
    /// Caches of `devices`' files, each in `<its folder>/<cache_folder>`, and what the retired
    /// devices' folders `retired` kept there.
    pub fn new(
        (devices, retired): (&[DeviceFolder], &[PathBuf]),
        cache_folder: &str,
        revalidate: Duration,
    ) -> DeviceSiblings {
        let synced = devices
            .iter()
            .map(|device| SiblingCache::new(device.source.clone(), device.folder.join(cache_folder), revalidate));
        DeviceSiblings {
            synced: synced.collect(),
            kept: retired.iter().map(|folder| folder.join(cache_folder)).collect(),
        }
    }

    /// See [`SiblingCache::get`]: the first device's that has the file, else a retired
    /// device's cached copy (`name` is a plain file name the caller checked).
    pub async fn get(&self, relative: &str, name: &str) -> Option<Bytes> {
        for cache in &self.synced {
            if let Some(bytes) = cache.get(relative, name).await {
                return Some(bytes);
            }
        }
        for folder in &self.kept {
            if let Ok(bytes) = tokio::fs::read(folder.join(name)).await {
                return Some(bytes.into());
            }
        }
        None
    }
}

/// Files whose last check is remembered at most (bounds memory; past it the cache forgets the
/// least used, which are simply checked again).
const MAX_REMEMBERED_CHECKS: usize = 10_000;

pub struct SiblingCache {
    source: Arc<dyn ObjectSource>,
    dir: PathBuf,
    /// A cached file is revalidated against the source at most this often.
    revalidate: Duration,
    /// When each file was last checked, and whether the source had it.
    checked: Cache<String, (Instant, bool)>,
}

impl SiblingCache {
    /// A cache of files from `source` in `dir`.
    pub fn new(source: Arc<dyn ObjectSource>, dir: PathBuf, revalidate: Duration) -> SiblingCache {
        SiblingCache { source, dir, revalidate, checked: Cache::new(MAX_REMEMBERED_CHECKS) }
    }

    /// The bytes of `relative` (a path beside the database, e.g. `markups/<id>.jpg`), cached as
    /// `name` (a plain file name the caller checked), from the cache while its ETag matches the
    /// source's; `None` if the source has no such file. A source that cannot be reached is
    /// answered from the cache.
    pub async fn get(&self, relative: &str, name: &str) -> Option<Bytes> {
        let cached = self.dir.join(name);
        let etag_file = self.dir.join(format!("{name}.etag"));
        let recent_check = self.checked.get(name).filter(|(at, _)| at.elapsed() < self.revalidate);
        match recent_check {
            // Missing a moment ago (a book without a cover): not asked again within the interval.
            Some((_, false)) => return None,
            Some((_, true)) => {
                if let Ok(bytes) = tokio::fs::read(&cached).await {
                    return Some(bytes.into());
                }
            }
            None => {}
        }
        let etag = match self.source.sibling_etag(relative).await {
            Ok(etag) => etag,
            Err(err) => {
                tracing::warn!(file = %relative, error = %err, "file not checked; serving the cached copy if any");
                return tokio::fs::read(&cached).await.ok().map(Bytes::from);
            }
        };
        self.checked.insert(name.to_string(), (Instant::now(), etag.is_some()));
        let Some(etag) = etag else {
            let _ = tokio::fs::remove_file(&cached).await;
            let _ = tokio::fs::remove_file(&etag_file).await;
            return None;
        };
        if tokio::fs::read_to_string(&etag_file).await.ok().as_deref() == Some(etag.as_str()) {
            if let Ok(bytes) = tokio::fs::read(&cached).await {
                return Some(bytes.into());
            }
        }
        match self.source.read_sibling(relative).await {
            Ok(bytes) => {
                self.store(&cached, &etag_file, &bytes, &etag).await;
                Some(bytes)
            }
            Err(err) => {
                tracing::warn!(file = %relative, error = %err, "file not fetched");
                tokio::fs::read(&cached).await.ok().map(Bytes::from)
            }
        }
    }

    /// The file first (through a temp file and a rename), then its ETag the same way: an ETag
    /// on disk always belongs to the complete file beside it.
    async fn store(&self, cached: &Path, etag_file: &Path, bytes: &Bytes, etag: &str) {
        let written = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            let _ = tokio::fs::remove_file(etag_file).await;
            write_atomically(cached, bytes).await?;
            write_atomically(etag_file, etag.as_bytes()).await
        };
        if let Err(err) = written.await {
            tracing::warn!(path = %cached.display(), error = %err, "file not cached");
        }
    }
}

/// Writes `bytes` to a temp file beside `path`, syncs it and renames it over `path`.
async fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let (path, bytes) = (path.to_path_buf(), bytes.to_vec());
    tokio::task::spawn_blocking(move || {
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut temp = tempfile::NamedTempFile::with_prefix_in(".tmp_cache_", dir)?;
        std::io::Write::write_all(&mut temp, &bytes)?;
        temp.as_file().sync_all()?;
        temp.persist(&path).map_err(|err| err.error)?;
        Ok(())
    })
    .await
    .map_err(std::io::Error::other)?
}
