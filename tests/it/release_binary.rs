//! The release binary is the whole app: copied alone into an empty folder, it serves the pages
//! and the browser bundle built into it. `scripts/build.sh --release` (which `scripts/test.sh`
//! runs first) builds it.

use kobo_shelf_testkit::ServerProcess;
use reqwest::{header, StatusCode};
use std::{collections::BTreeSet, path::Path};

const RELEASE_BINARY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/kobo-shelf");
const RELEASE_SITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/site");

/// The release binary, copied alone into an empty folder and started there (as its working
/// directory, with none of the developer's `LEPTOS_*` settings), with a data directory elsewhere.
fn start_copied_alone(folder: &Path, data: &Path) -> ServerProcess {
    let built = Path::new(RELEASE_BINARY);
    assert!(built.is_file(), "{RELEASE_BINARY} is missing: build it with `scripts/build.sh --release`");
    let copy = folder.join("kobo-shelf");
    std::fs::copy(built, &copy).expect("copy the release binary");
    let env = [("KOBO_SHELF_DATA_DIR", data.display().to_string())];
    ServerProcess::start(&copy, folder, &env, |command| {
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("LEPTOS_") && name != "LEPTOS_SITE_ADDR" {
                command.env_remove(name);
            }
        }
    })
    .unwrap_or_else(|err| panic!("{err}"))
}

/// Every `/pkg/...` address a page names.
fn bundle_urls(page: &str) -> BTreeSet<String> {
    page.match_indices("\"/pkg/").filter_map(|(at, _)| page[at + 1..].split('"').next()).map(str::to_owned).collect()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut plain).expect("valid gzip");
    plain
}

fn header_of(response: &reqwest::Response, name: header::HeaderName) -> &str {
    response.headers().get(name).and_then(|value| value.to_str().ok()).unwrap_or("")
}

#[tokio::test]
async fn the_release_binary_copied_alone_serves_the_app_and_its_bundle() {
    let (folder, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let app = start_copied_alone(folder.path(), data.path());
    let client = reqwest::Client::new();

    // The demo library arrives with the first sync, which a busy machine may not have ended
    // yet (the page answers 503 until then).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let page = loop {
        let page = client.get(app.url("/")).send().await.expect("GET /");
        if page.status() == StatusCode::OK {
            break page.text().await.unwrap();
        }
        assert!(std::time::Instant::now() < deadline, "no library after 30 s\n{}", app.log());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let urls = bundle_urls(&page);
    let extensions: Vec<&str> = urls.iter().filter_map(|url| url.rsplit('.').next()).collect();
    assert_eq!(extensions, ["css", "js", "wasm"], "the page names its bundle: {urls:?}\n{page}");

    for url in &urls {
        let (name, ext) = url.strip_prefix("/pkg/").and_then(|name| name.rsplit_once('.')).unwrap();
        let hash = name.strip_prefix("kobo-shelf.").unwrap_or_default();
        assert!(hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()), "hashed name: {url}");
        let response = client.get(app.url(url)).send().await.expect("GET a bundle file");
        assert_eq!(response.status(), StatusCode::OK, "{url}\n{}", app.log());
        let content_type = match ext {
            "js" => "text/javascript",
            "wasm" => "application/wasm",
            _ => "text/css",
        };
        assert_eq!(header_of(&response, header::CONTENT_TYPE), content_type, "{url}");
        assert_eq!(header_of(&response, header::CACHE_CONTROL), "public, max-age=31536000, immutable", "{url}");
        let etag = header_of(&response, header::ETAG).to_owned();
        let built = std::fs::read(format!("{RELEASE_SITE}/pkg/kobo-shelf.{ext}")).expect("the built bundle");
        assert!(response.bytes().await.unwrap() == built, "{url} is the file scripts/build.sh built");

        let again = client.get(app.url(url)).header(header::IF_NONE_MATCH, &etag).send().await.unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{url} with If-None-Match {etag}");

        let gzipped = client.get(app.url(url)).header(header::ACCEPT_ENCODING, "gzip").send().await.unwrap();
        assert_eq!(header_of(&gzipped, header::CONTENT_ENCODING), "gzip", "{url} compressed when asked");
        let compressed = gzipped.bytes().await.unwrap();
        assert!(compressed.len() * 10 < built.len() * 6, "{url}: {} of {} bytes", compressed.len(), built.len());
        assert!(gunzip(&compressed) == built, "{url} decompresses to the built file");
    }

    let gzipped_page = client.get(app.url("/")).header(header::ACCEPT_ENCODING, "gzip").send().await.unwrap();
    assert_eq!(header_of(&gzipped_page, header::CONTENT_ENCODING), "gzip", "pages are compressed too");
    let page = String::from_utf8(gunzip(&gzipped_page.bytes().await.unwrap())).unwrap();
    assert!(page.contains("War and Peace"), "{page}");

    let favicon = client.get(app.url("/favicon.svg")).send().await.expect("GET /favicon.svg");
    assert_eq!(favicon.status(), StatusCode::OK);
    assert_eq!(header_of(&favicon, header::CONTENT_TYPE), "image/svg+xml");
    assert_eq!(header_of(&favicon, header::CACHE_CONTROL), "no-cache");
    let public = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/public/favicon.svg")).unwrap();
    assert!(favicon.bytes().await.unwrap() == public);

    let unhashed = client.get(app.url("/pkg/kobo-shelf.wasm")).send().await.unwrap();
    assert_eq!(unhashed.status(), StatusCode::NOT_FOUND, "only the hashed names are served");
    let left: Vec<_> = std::fs::read_dir(folder.path()).unwrap().flatten().map(|entry| entry.file_name()).collect();
    assert_eq!(left, ["kobo-shelf"], "the binary needs nothing beside it and writes nothing there");
}
