//! Handwritten markups: the page image (`markups/<BookmarkID>.jpg`) and its strokes
//! (`markups/<BookmarkID>.svg`) that the device uploads beside the database. They are fetched
//! from the same source, cached in `<data dir>/markups/` per ETag, and served at
//! `/markup/<id>.jpg|svg` behind the same login as the pages.
//!
//! The SVG comes from outside, so it is only ever served as an image with a
//! `Content-Security-Policy` that forbids scripts: opening it directly runs nothing.

use super::{app_state::AppState, sync::ObjectSource};
use axum::{
    extract::{Path as UrlPath, State},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use bytes::Bytes;
use std::{
    collections::HashMap,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

/// Scripts, plugins, frames, links out: all forbidden; inline styles (used by drawings) allowed.
const SVG_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

/// Shown where a markup file is missing or cannot be fetched.
const PLACEHOLDER: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="800" viewBox="0 0 600 800"><rect width="600" height="800" fill="#eee9df"/><text x="300" y="400" font-family="sans-serif" font-size="26" fill="#6b655c" text-anchor="middle">Markup image not available</text></svg>"##;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
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
    async fn get(&self, id: &str, kind: Kind) -> Option<Bytes> {
        let name = format!("{id}.{}", kind.extension());
        let cached = self.dir.join(&name);
        let etag_file = self.dir.join(format!("{name}.etag"));
        let recently_checked = self.checked.lock().expect("markup lock").get(&name).is_some_and(|at| at.elapsed() < self.revalidate);
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
        self.checked.lock().expect("markup lock").insert(name.clone(), Instant::now());
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

    async fn store(&self, cached: &Path, etag_file: &Path, bytes: &Bytes, etag: &str) {
        let written = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            tokio::fs::write(cached, bytes).await?;
            tokio::fs::write(etag_file, etag).await
        };
        if let Err(err) = written.await {
            tracing::warn!(path = %cached.display(), error = %err, "markup not cached");
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/markup/{file}", get(markup_file))
}

async fn markup_file(State(state): State<AppState>, UrlPath(file): UrlPath<String>) -> Response {
    let found = match parse_file_name(&file) {
        Some((id, kind)) => state.markups.get(id, kind).await.map(|bytes| (bytes, kind)),
        None => None,
    };
    let (status, body, kind) = match found {
        Some((bytes, kind)) => (StatusCode::OK, bytes, kind),
        None => (StatusCode::NOT_FOUND, Bytes::from_static(PLACEHOLDER.as_bytes()), Kind::Strokes),
    };
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    let content_type = if kind == Kind::Page { "image/jpeg" } else { "image/svg+xml" };
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(SVG_POLICY));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    response
}

/// `<BookmarkID>.jpg|svg` with an id of letters, digits, `-` and `_` only (no path tricks).
fn parse_file_name(file: &str) -> Option<(&str, Kind)> {
    let (id, extension) = file.rsplit_once('.')?;
    let kind = match extension {
        "jpg" => Kind::Page,
        "svg" => Kind::Strokes,
        _ => return None,
    };
    let valid = !id.is_empty() && id.len() <= 100 && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
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
