//! Handwritten markups: the page image (`markups/<BookmarkID>.jpg`) and its strokes
//! (`markups/<BookmarkID>.svg`) that the device uploads beside the database. They are fetched
//! from the same source and cached in `<data dir>/markups/` per ETag (served by
//! `http::markups`). A cached file is written to a temp file and renamed, its ETag after it,
//! so a crash never leaves a torn image under a matching ETag.

use super::sync::ObjectSource;
use bytes::Bytes;
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Markup files whose last check is remembered at most (bounds memory; a forgotten one is
/// simply checked again).
const MAX_REMEMBERED_CHECKS: usize = 10_000;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// The page snapshot, a JPEG.
    Page,
    /// The strokes, an SVG.
    Strokes,
}

impl Kind {
    fn extension(self) -> &'static str {
        match self {
            Kind::Page => "jpg",
            Kind::Strokes => "svg",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Page => "image/jpeg",
            Kind::Strokes => "image/svg+xml",
        }
    }
}

pub struct MarkupStore {
    source: Arc<dyn ObjectSource>,
    dir: PathBuf,
    /// A cached file is revalidated against the source at most this often.
    revalidate: Duration,
    checked: Mutex<HashMap<String, Instant>>,
}

impl MarkupStore {
    pub fn new(source: Arc<dyn ObjectSource>, data_dir: &Path, revalidate: Duration) -> MarkupStore {
        MarkupStore { source, dir: data_dir.join("markups"), revalidate, checked: Mutex::default() }
    }

    /// The file's bytes, from the cache while its ETag matches the source's; `None` if the
    /// source has no such file. A source that cannot be reached is answered from the cache.
    pub async fn get(&self, id: &str, kind: Kind) -> Option<Bytes> {
        let name = format!("{id}.{}", kind.extension());
        let cached = self.dir.join(&name);
        let etag_file = self.dir.join(format!("{name}.etag"));
        let recently_checked =
            self.checked.lock().expect("markup lock").get(&name).is_some_and(|at| at.elapsed() < self.revalidate);
        if recently_checked {
            if let Ok(bytes) = tokio::fs::read(&cached).await {
                return Some(bytes.into());
            }
        }
        let relative = format!("markups/{name}");
        let etag = match self.source.sibling_etag(&relative).await {
            Ok(etag) => etag,
            Err(err) => {
                tracing::warn!(file = %relative, error = %err, "markup not checked; serving the cached copy if any");
                return tokio::fs::read(&cached).await.ok().map(Bytes::from);
            }
        };
        self.remember_check(&name);
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
        match self.source.read_sibling(&relative).await {
            Ok(bytes) => {
                self.store(&cached, &etag_file, &bytes, &etag).await;
                Some(bytes)
            }
            Err(err) => {
                tracing::warn!(file = %relative, error = %err, "markup not fetched");
                tokio::fs::read(&cached).await.ok().map(Bytes::from)
            }
        }
    }

    fn remember_check(&self, name: &str) {
        let mut checked = self.checked.lock().expect("markup lock");
        if checked.len() >= MAX_REMEMBERED_CHECKS {
            checked.retain(|_, at| at.elapsed() < self.revalidate);
            if checked.len() >= MAX_REMEMBERED_CHECKS {
                checked.clear();
            }
        }
        checked.insert(name.to_string(), Instant::now());
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
            tracing::warn!(path = %cached.display(), error = %err, "markup not cached");
        }
    }
}

/// Writes `bytes` to a temp file beside `path`, syncs it and renames it over `path`.
async fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let (path, bytes) = (path.to_path_buf(), bytes.to_vec());
    tokio::task::spawn_blocking(move || {
        let dir = path.parent().unwrap_or(Path::new("."));
        let mut temp = tempfile::NamedTempFile::with_prefix_in(".tmp_markup_", dir)?;
        std::io::Write::write_all(&mut temp, &bytes)?;
        temp.as_file().sync_all()?;
        temp.persist(&path).map_err(|err| err.error)?;
        Ok(())
    })
    .await
    .map_err(std::io::Error::other)?
}

/// `<BookmarkID>.jpg|svg` with an id of letters, digits, `-` and `_` only (no path tricks).
pub fn parse_file_name(file: &str) -> Option<(&str, Kind)> {
    let (id, extension) = file.rsplit_once('.')?;
    let kind = match extension {
        "jpg" => Kind::Page,
        "svg" => Kind::Strokes,
        _ => return None,
    };
    let valid =
        !id.is_empty() && id.len() <= 100 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    valid.then_some((id, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_ids_name_a_markup_file() {
        assert!(matches!(parse_file_name("0a1b-C_9.jpg"), Some(("0a1b-C_9", Kind::Page))));
        assert!(matches!(parse_file_name("abc.svg"), Some(("abc", Kind::Strokes))));
        for bad in ["../secret.jpg", "a/b.jpg", ".jpg", "abc.png", "abc", "a.b.jpg", "%2e%2e.svg"] {
            assert!(parse_file_name(bad).is_none(), "{bad}");
        }
    }
}
