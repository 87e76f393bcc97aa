//! The public files: exactly those in the built site (the `pkg/` bundle, the CSS, the public
//! assets) when the server starts, each by a route of its own. Nothing else is read from disk
//! for a request, so no path can reach a file, or slip past the login, by looking like one.

use super::AppState;
use axum::{
    http::{header, HeaderValue},
    Router,
};
use std::path::{Path, PathBuf};
use tower_http::{services::ServeFile, set_header::SetResponseHeaderLayer};

/// One route per file under `site_root`.
pub fn routes(site_root: &str) -> Router<AppState> {
    let root = Path::new(site_root);
    let files = site_files(root);
    if files.is_empty() {
        tracing::warn!(site = %root.display(), "no site files found: pages work, but the browser bundle is missing (build it with scripts/build.sh)");
        return Router::new();
    }
    let revalidate = SetResponseHeaderLayer::overriding(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    let router =
        files.into_iter().fold(Router::new(), |router, (url, file)| router.route_service(&url, ServeFile::new(file)));
    router.route_layer(revalidate)
}

/// `(url path, file)` for every regular file below `root` whose relative path is plain
/// (letters, digits, `.`, `-`, `_` in each segment, none starting with `.`).
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
        let segment = segment.to_str()?;
        let plain = !segment.starts_with('.')
            && segment.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !plain {
            return None;
        }
        url.push('/');
        url.push_str(segment);
    }
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
