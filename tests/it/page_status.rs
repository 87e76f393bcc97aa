//! Pages answer with the status they mean, as every other route does, in each state of the
//! library: none yet (503 with `Retry-After`), served (200; an unknown book 404), a corrupt
//! download refused while the copy before it serves on (200), and a local copy that cannot be
//! read (503).

use crate::support::{client, generated_library, s3_env, App};
use kobo_shelf::{
    model::{encode_url_component, SyncPhase},
    server::demo::{CURATED_ITEMS, WAR_AND_PEACE_ID},
};
use kobo_shelf_testkit::{seconds_ago, Faults, Testkit, DATABASE_KEY};

/// The pages that show the library.
fn library_pages() -> [String; 5] {
    [
        "/".into(),
        "/stats".into(),
        "/search?q=war".into(),
        "/health".into(),
        format!("/book?id={}", encode_url_component(WAR_AND_PEACE_ID)),
    ]
}

/// Each page's status, and its `Retry-After`.
async fn statuses(app: &App, pages: &[String]) -> Vec<(String, u16, Option<String>)> {
    let mut found = Vec::new();
    for page in pages {
        let response = client().get(app.url(page)).send().await.expect("GET a page");
        let retry = response.headers().get("retry-after").map(|value| value.to_str().unwrap().to_string());
        found.push((page.clone(), response.status().as_u16(), retry));
    }
    found
}

/// `pages`, each with `status` (and `Retry-After: 5` with a 503).
fn all(pages: &[String], status: u16) -> Vec<(String, u16, Option<String>)> {
    let retry = (status == 503).then(|| "5".to_string());
    pages.iter().map(|page| (page.clone(), status, retry.clone())).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_answer_with_the_status_they_mean_in_each_state_of_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    let data = dir.path().join("data");
    let pages = library_pages();
    let settings = ["/settings".to_string()];

    // None yet: the bucket has no database.
    let mut app = App::start(&data, &s3_env(&kit));
    app.wait_for_end(SyncPhase::Error).await;
    assert_eq!(statuses(&app, &pages).await, all(&pages, 503));
    assert_eq!(statuses(&app, &settings).await, all(&settings, 200), "the settings page says what is wrong");
    let api = client().get(app.url("/api/v1/books")).send().await.unwrap();
    assert_eq!((api.status().as_u16(), api.headers().get("retry-after").is_some()), (503, true), "as the read API");

    // Served; an unknown book and an unknown address are not found.
    let library = generated_library(&dir.path().join("v1.sqlite"), 1, CURATED_ITEMS);
    kit.upload(DATABASE_KEY, &library).await.unwrap();
    kit.set_object_time(DATABASE_KEY, seconds_ago(3_000)).unwrap();
    app.check_and_sync().await;
    app.wait_for_end(SyncPhase::Completed).await;
    assert_eq!(statuses(&app, &pages).await, all(&pages, 200));
    let missing = ["/book?id=no-such-book".to_string(), "/no/such/page".to_string()];
    assert_eq!(statuses(&app, &missing).await, all(&missing, 404));

    // A corrupt download is refused; the copy before it serves on.
    let garbage = dir.path().join("garbage.sqlite");
    std::fs::write(&garbage, b"<html>not a database</html>".repeat(100)).unwrap();
    kit.upload(DATABASE_KEY, &garbage).await.unwrap();
    app.check_and_sync().await;
    app.wait_for_end(SyncPhase::Error).await;
    assert_eq!(statuses(&app, &pages).await, all(&pages, 200));

    // A local copy that cannot be read (a disk error), with no bucket to replace it.
    app.kill();
    std::fs::write(data.join("KoboReader.sqlite"), b"SQLite format 3\0 but nothing after the header").unwrap();
    kit.proxy.set_faults(Faults { refuse: true, ..Faults::default() });
    let app = App::start(&data, &s3_env(&kit));
    app.wait_for_end(SyncPhase::Error).await;
    assert_eq!(statuses(&app, &pages).await, all(&pages, 503));
    let (_, page) = app.page("/").await;
    assert!(page.contains("The library cannot be shown"), "{page}");
}
