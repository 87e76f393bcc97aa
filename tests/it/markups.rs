//! Handwritten markup files served from the bucket through the app: cached per ETag, refreshed
//! when the bucket's copy changes, answered from the cache when the bucket is down, a
//! placeholder when missing, and SVG that can never run a script.

use crate::support::{client, generated_library, s3_env, App};
use kobo_shelf::{model::SyncPhase, server::demo::CURATED_ITEMS};
use kobo_shelf_testkit::{Faults, Testkit, DATABASE_KEY};

const ID: &str = "0f7c2b9e-5d2a-4e61-9a0b-1c2d3e4f5a6b";

async fn fetch(app: &App, path: &str) -> (u16, String, String, Vec<u8>) {
    let response = client().get(app.url(path)).send().await.unwrap();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (status, content_type, policy) =
        (response.status().as_u16(), header("content-type"), header("content-security-policy"));
    (status, content_type, policy, response.bytes().await.unwrap().to_vec())
}

async fn put(kit: &Testkit, dir: &std::path::Path, key: &str, bytes: &[u8]) {
    let file = dir.join("upload");
    std::fs::write(&file, bytes).unwrap();
    kit.upload(key, &file).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn markups_come_from_beside_the_database_and_are_cached() {
    let dir = tempfile::tempdir().unwrap();
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    kit.upload(DATABASE_KEY, &generated_library(&dir.path().join("lib.sqlite"), 1, CURATED_ITEMS)).await.unwrap();
    put(&kit, dir.path(), &format!("kobo/markups/{ID}.jpg"), b"\xff\xd8\xff first page").await;
    put(
        &kit,
        dir.path(),
        &format!("kobo/markups/{ID}.svg"),
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
    )
    .await;
    let app = App::start(&dir.path().join("data"), &s3_env(&kit));
    app.wait_for_end(SyncPhase::Completed).await;

    let (status, content_type, _, body) = fetch(&app, &format!("/markup/{ID}.jpg")).await;
    assert_eq!((status, content_type.as_str(), body.as_slice()), (200, "image/jpeg", &b"\xff\xd8\xff first page"[..]));
    let (status, content_type, policy, _) = fetch(&app, &format!("/markup/{ID}.svg")).await;
    assert_eq!((status, content_type.as_str()), (200, "image/svg+xml"));
    assert!(policy.contains("default-src 'none'") && policy.contains("sandbox"), "{policy}");
    assert!(app.data_dir.join(format!("markups/{ID}.jpg")).exists(), "cached in the data directory");

    // A new copy in the bucket is served (the check interval is 0 here).
    put(&kit, dir.path(), &format!("kobo/markups/{ID}.jpg"), b"\xff\xd8\xff second page").await;
    assert_eq!(fetch(&app, &format!("/markup/{ID}.jpg")).await.3, b"\xff\xd8\xff second page");
    // The bucket is down: the cached copy is still served.
    kit.proxy.set_faults(Faults { status: Some(503), ..Faults::default() });
    let (status, _, _, body) = fetch(&app, &format!("/markup/{ID}.jpg")).await;
    assert_eq!((status, body.as_slice()), (200, &b"\xff\xd8\xff second page"[..]));
    kit.proxy.set_faults(Faults::default());

    let (status, _, _, body) = fetch(&app, "/markup/..%2F..%2FKoboReader.sqlite").await;
    assert_eq!(status, 400, "a path trick is refused before any route sees it");
    assert!(!body.starts_with(b"SQLite format 3"));
    for missing in ["/markup/no-such-id.jpg", "/markup/a.b.jpg", &format!("/markup/{ID}.png")] {
        let (status, content_type, policy, body) = fetch(&app, missing).await;
        assert_eq!(status, 404, "{missing}");
        assert_eq!(content_type, "image/svg+xml", "{missing}: a placeholder image");
        assert!(policy.contains("default-src 'none'"));
        assert!(String::from_utf8_lossy(&body).contains("Markup image not available"));
    }
    app.assert_no_secrets_logged();
}
