//! The public files: exactly those of the built site (the `pkg/` bundle, the CSS, the public
//! assets), each by a route of its own. Nothing else is served, so no path can reach a file, or
//! slip past the login, by looking like one.
//!
//! A release build carries its site inside the binary (`scripts/build.sh --release` builds
//! `target/release/site` before the server), so the binary alone is the whole app. The bundle
//! (JS, WASM, CSS) is served under a name with a hash of its content, which browsers keep for a
//! year; other files are revalidated by ETag. Debug builds, `cargo leptos watch` and an explicit
//! `LEPTOS_SITE_ROOT` serve the files found on disk at start instead, revalidated on every load.

use super::headers::accepts_gzip;
use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use bytes::Bytes;
use leptos::prelude::LeptosOptions;
use sha2::{Digest, Sha256};
use std::{
    borrow::Cow,
    path::{Path, PathBuf},
    sync::Arc,
};
use tower_http::{services::ServeFile, set_header::SetResponseHeaderLayer};

/// For names that change with their content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For names that stay: the browser asks again each time (and gets a 304 if unchanged).
const REVALIDATE: &str = "no-cache";
/// The service worker (public/sw.js) and its own policy: a worker's fetches follow the policy
/// of its script, not the page's, and the site's default (`default-src 'none'`) would forbid
/// every one.
const SERVICE_WORKER: &str = "/sw.js";
const WORKER_POLICY: &str = "default-src 'self'";
/// The bundle's files: `<pkg dir>/<output name>.<extension>`.
const BUNDLE_EXTENSIONS: [&str; 3] = ["js", "wasm", "css"];

/// The site as the server serves it.
pub struct Site<S> {
    pub routes: Router<S>,
    /// What the page loads the bundle by (`<pkg dir>/<bundle name>.js|wasm|css`): the output
    /// name, with the content hash when embedded.
    pub bundle_name: String,
}

/// The release build's site, built into the binary. (In a debug build rust-embed would read
/// this folder at run time instead, so debug builds never use it.)
#[derive(rust_embed::RustEmbed)]
#[folder = "target/release/site/"]
#[allow_missing = true]
struct EmbeddedSite;

/// The embedded site in a release build that has one, unless `LEPTOS_SITE_ROOT` names a folder;
/// otherwise the files in `site_root`.
pub fn site<S: Clone + Send + Sync + 'static>(options: &LeptosOptions) -> Site<S> {
    let explicit_root = std::env::var_os("LEPTOS_SITE_ROOT").is_some();
    let embedded = if cfg!(debug_assertions) || explicit_root { Vec::new() } else { embedded_assets() };
    if embedded.is_empty() {
        let root = Path::new(options.site_root.as_ref());
        tracing::info!(site = %root.display(), "serving the site from disk");
        return Site { routes: disk_routes(root), bundle_name: options.output_name.to_string() };
    }
    tracing::info!(files = embedded.len(), "serving the site built into this binary");
    embedded_site(embedded, &options.output_name, &options.site_pkg_dir)
}

/// One file of the embedded site, ready to send.
struct Asset {
    /// Relative to the site root, `/`-separated: `pkg/kobo-shelf.wasm`.
    path: String,
    body: Bytes,
    sha256: [u8; 32],
    content_type: HeaderValue,
    /// The body gzipped at the best level, for browsers that accept it (when it is smaller).
    gzipped: Option<Bytes>,
}

fn embedded_assets() -> Vec<Asset> {
    EmbeddedSite::iter()
        .filter_map(|path| {
            let file = EmbeddedSite::get(&path)?;
            let content_type = HeaderValue::from_str(file.metadata.mimetype()).ok()?;
            let body = match file.data {
                Cow::Borrowed(data) => Bytes::from_static(data),
                Cow::Owned(data) => Bytes::from(data),
            };
            let gzipped = gzip(&body, &content_type);
            Some(Asset { path: path.into_owned(), body, sha256: file.metadata.sha256_hash(), content_type, gzipped })
        })
        .collect()
}

/// Routes for `assets`: the bundle under `<output name>.<hash>.<extension>`, kept for a year;
/// every other plain path as it is, revalidated.
fn embedded_site<S: Clone + Send + Sync + 'static>(assets: Vec<Asset>, output_name: &str, pkg_dir: &str) -> Site<S> {
    let bundle_path = |asset: &Asset| {
        BUNDLE_EXTENSIONS.into_iter().find(|ext| asset.path == format!("{pkg_dir}/{output_name}.{ext}"))
    };
    let hash = bundle_hash(assets.iter().filter(|asset| bundle_path(asset).is_some()));
    let bundle_name = format!("{output_name}.{hash}");
    let routes = assets.into_iter().filter(|asset| asset.path.split('/').all(plain_segment)).fold(
        Router::new(),
        |routes, asset| {
            let (url, cache) = match bundle_path(&asset) {
                Some(ext) => (format!("/{pkg_dir}/{bundle_name}.{ext}"), IMMUTABLE),
                None => (format!("/{}", asset.path), REVALIDATE),
            };
            let asset = Arc::new(asset);
            let route =
                Router::new().route(&url, get(move |request: HeaderMap| async move { asset.respond(&request, cache) }));
            routes.merge(with_policy_of(&url, route))
        },
    );
    Site { routes, bundle_name }
}

/// A hash of the bundle's content: any change of its JS, WASM or CSS gives all three new names.
fn bundle_hash<'a>(bundle: impl Iterator<Item = &'a Asset>) -> String {
    let mut files: Vec<&Asset> = bundle.collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    let digest = files.iter().fold(Sha256::new(), |hasher, file| hasher.chain_update(file.sha256)).finalize();
    hex(&digest[..8])
}

/// `body` gzipped at the best level, unless it is an image other than SVG (compressed already)
/// or gzip would not make it smaller.
fn gzip(body: &[u8], content_type: &HeaderValue) -> Option<Bytes> {
    let kind = content_type.to_str().unwrap_or("");
    if kind.starts_with("image/") && kind != "image/svg+xml" {
        return None;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    std::io::Write::write_all(&mut encoder, body).ok()?;
    let gzipped = encoder.finish().ok()?;
    (gzipped.len() < body.len()).then(|| Bytes::from(gzipped))
}

impl Asset {
    /// The file (gzipped when the browser accepts it), or `304 Not Modified` when the
    /// browser's copy has its ETag (each encoding has its own).
    fn respond(&self, request: &HeaderMap, cache: &'static str) -> Response {
        let gzipped = self.gzipped.as_ref().filter(|_| accepts_gzip(request));
        let suffix = if gzipped.is_some() { "-gz" } else { "" };
        let etag = format!("\"{}{suffix}\"", hex(&self.sha256[..16]));
        let fresh = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(|tag| tag.trim().trim_start_matches("W/"))
            .any(|tag| tag == "*" || tag == etag);
        let mut response = match (fresh, gzipped) {
            (true, _) => StatusCode::NOT_MODIFIED.into_response(),
            (false, None) => ([(header::CONTENT_TYPE, self.content_type.clone())], self.body.clone()).into_response(),
            (false, Some(gzipped)) => {
                let headers = [(header::CONTENT_TYPE, self.content_type.clone()), gzip_encoding()];
                (headers, gzipped.clone()).into_response()
            }
        };
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        if self.gzipped.is_some() {
            headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        if let Ok(etag) = HeaderValue::from_str(&etag) {
            headers.insert(header::ETAG, etag);
        }
        response
    }
}

/// The route of the file at `url`, with the worker's policy if it is the worker.
fn with_policy_of<S: Clone + Send + Sync + 'static>(url: &str, route: Router<S>) -> Router<S> {
    if url != SERVICE_WORKER {
        return route;
    }
    let policy = HeaderValue::from_static(WORKER_POLICY);
    route.route_layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, policy))
}

fn gzip_encoding() -> (header::HeaderName, HeaderValue) {
    (header::CONTENT_ENCODING, HeaderValue::from_static("gzip"))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// One route per file under `root` (those present at start), revalidated on every load.
fn disk_routes<S: Clone + Send + Sync + 'static>(root: &Path) -> Router<S> {
    let files = site_files(root);
    if files.is_empty() {
        tracing::warn!(site = %root.display(), "no site files found: pages work, but the browser bundle is missing (build it with scripts/build.sh)");
        return Router::new();
    }
    let revalidate = SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static(REVALIDATE));
    let router = files.into_iter().fold(Router::new(), |router, (url, file)| {
        router.merge(with_policy_of(&url, Router::new().route_service(&url, ServeFile::new(file))))
    });
    router.route_layer(revalidate)
}

/// `(url path, file)` for every regular file below `root` whose relative path is plain.
fn site_files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                folders.push(path);
            } else if let Some(url) = kind.is_file().then(|| url_path(root, &path)).flatten() {
                files.push((url, path));
            }
        }
    }
    files.sort();
    files
}

fn url_path(root: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(root).ok()?;
    let mut url = String::new();
    for segment in relative.iter() {
        let segment = segment.to_str().filter(|segment| plain_segment(segment))?;
        url.push('/');
        url.push_str(segment);
    }
    Some(url)
}

/// Letters, digits, `.`, `-`, `_`, not starting with `.`: nothing a browser or a router reads
/// another way.
fn plain_segment(segment: &str) -> bool {
    !segment.is_empty()
        && !segment.starts_with('.')
        && segment.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    use axum::body::Body;
    use tower::ServiceExt;

    #[test]
    fn every_plain_file_of_the_site_and_nothing_else_is_listed() {
        let site = tempfile::tempdir().unwrap();
        let root = site.path();
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        for file in ["favicon.svg", "pkg/kobo-shelf.js", "pkg/kobo-shelf.wasm", ".hidden", "pkg/odd name.js"] {
            std::fs::write(root.join(file), "x").unwrap();
        }
        let urls: Vec<String> = site_files(root).into_iter().map(|(url, _)| url).collect();
        assert_eq!(urls, ["/favicon.svg", "/pkg/kobo-shelf.js", "/pkg/kobo-shelf.wasm"]);
    }

    fn asset(path: &str, content: &str, content_type: &'static str) -> Asset {
        Asset {
            path: path.into(),
            body: Bytes::from(content.to_owned()),
            sha256: Sha256::digest(content).into(),
            content_type: HeaderValue::from_static(content_type),
            gzipped: None,
        }
    }

    fn embedded(wasm: &str) -> Site<()> {
        let assets = vec![
            asset("pkg/kobo-shelf.js", "js", "text/javascript"),
            asset("pkg/kobo-shelf.wasm", wasm, "application/wasm"),
            asset("pkg/kobo-shelf.css", "css", "text/css"),
            asset("favicon.svg", "<svg/>", "image/svg+xml"),
            asset("pkg/odd name.js", "x", "text/javascript"),
        ];
        embedded_site(assets, "kobo-shelf", "pkg")
    }

    async fn get(site: &Site<()>, path: &str, if_none_match: Option<&str>) -> Response {
        let mut request = axum::http::Request::get(path);
        if let Some(etag) = if_none_match {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        site.routes.clone().oneshot(request.body(Body::empty()).unwrap()).await.unwrap()
    }

    fn header_of(response: &Response, name: header::HeaderName) -> &str {
        response.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or("")
    }

    #[tokio::test]
    async fn the_embedded_bundle_has_hashed_names_kept_for_a_year_and_other_files_are_revalidated() {
        let site = embedded("wasm v1");
        let hash = site.bundle_name.strip_prefix("kobo-shelf.").expect("the output name, then the hash");
        assert_eq!(hash.len(), 16);
        assert_ne!(embedded("wasm v2").bundle_name, site.bundle_name, "new content, new names");

        for (ext, content_type) in [("js", "text/javascript"), ("wasm", "application/wasm"), ("css", "text/css")] {
            let response = get(&site, &format!("/pkg/{}.{ext}", site.bundle_name), None).await;
            assert_eq!(response.status(), StatusCode::OK, "{ext}");
            assert_eq!(header_of(&response, header::CONTENT_TYPE), content_type);
            assert_eq!(header_of(&response, header::CACHE_CONTROL), IMMUTABLE);
        }
        let favicon = get(&site, "/favicon.svg", None).await;
        assert_eq!(favicon.status(), StatusCode::OK);
        assert_eq!(header_of(&favicon, header::CACHE_CONTROL), REVALIDATE);

        for missing in ["/pkg/kobo-shelf.wasm", "/pkg/odd%20name.js", "/pkg/"] {
            assert_eq!(get(&site, missing, None).await.status(), StatusCode::NOT_FOUND, "{missing}");
        }
    }

    #[tokio::test]
    async fn an_unchanged_embedded_file_is_answered_304_by_its_etag() {
        let site = embedded("wasm v1");
        let first = get(&site, "/favicon.svg", None).await;
        let etag = header_of(&first, header::ETAG).to_owned();
        assert!(etag.starts_with('"') && etag.len() == 34, "{etag}");

        let again = get(&site, "/favicon.svg", Some(&format!("\"other\", {etag}"))).await;
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header_of(&again, header::ETAG), etag);
        let body = axum::body::to_bytes(again.into_body(), 1024).await.unwrap();
        assert!(body.is_empty());

        let stale = get(&site, "/favicon.svg", Some("\"other\"")).await;
        assert_eq!(stale.status(), StatusCode::OK);
        let body = axum::body::to_bytes(stale.into_body(), 1024).await.unwrap();
        assert_eq!(&body[..], b"<svg/>");
    }
}
