//! The read API for scripts (`/api/v1/books`, `/api/v1/annotations`) on the real server syncing
//! from a real S3 server, with login off (tests/it/http_security/ has it with login on and the
//! bearer token).

use crate::support::{client, generated_library, s3_env, App};
use kobo_shelf::{
    model::{encode_url_component, SyncPhase},
    server::demo::{CURATED_ITEMS, WAR_AND_PEACE_ID},
};
use kobo_shelf_testkit::{Testkit, DATABASE_KEY};
use serde_json::Value;

struct Api {
    app: App,
    _kit: Testkit,
    _dir: tempfile::TempDir,
}

impl Api {
    async fn start() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
        let library = generated_library(&dir.path().join("library.sqlite"), 1, CURATED_ITEMS);
        kit.upload(DATABASE_KEY, &library).await.unwrap();
        let app = App::start(&dir.path().join("data"), &s3_env(&kit));
        app.wait_for_end(SyncPhase::Completed).await;
        Api { app, _kit: kit, _dir: dir }
    }

    /// Status and JSON of a GET, after checking it is private JSON.
    async fn get(&self, path: &str) -> (u16, Value) {
        let response = client().get(self.app.url(path)).send().await.unwrap();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        assert_eq!(header("content-type"), "application/json", "{path}");
        assert_eq!(header("cache-control"), "no-store", "{path}");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    async fn titles(&self, query: &str) -> Vec<String> {
        let (status, listing) = self.get(&format!("/api/v1/books{query}")).await;
        assert_eq!(status, 200, "{listing}");
        let books = listing["books"].as_array().unwrap();
        assert_eq!(listing["matching"], books.len());
        books.iter().map(|book| book["title"].as_str().unwrap().to_string()).collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn books_are_listed_and_filtered_like_the_library_page() {
    let api = Api::start().await;
    let (status, listing) = api.get("/api/v1/books?sort=title").await;
    assert_eq!(status, 200);
    assert_eq!((listing["total"].as_u64(), listing["matching"].as_u64()), (Some(19), Some(19)));
    let books = listing["books"].as_array().unwrap();
    let war_and_peace = books.iter().find(|book| book["id"] == WAR_AND_PEACE_ID).unwrap();
    let expected = serde_json::json!({
        "id": WAR_AND_PEACE_ID, "title": "War and Peace", "author": "Leo Tolstoy", "kind": "book",
        "percent_read": 63, "status": "reading", "last_read": "2026-11-20T21:14:03", "highlights": 7,
        "deleted_on_device": 0, "removed_from_device": false, "collections": ["Russian Classics", "To Reread"],
    });
    assert_eq!(war_and_peace, &expected);
    assert_eq!(api.titles("?shelf=Russian%20Classics&sort=title").await, ["Budala", "War and Peace", "罪と罰"]);
    assert_eq!(api.titles("?kind=article&sort=title").await, ["The Slow Reading Movement", "Why We Underline"]);
    assert_eq!(api.titles("?q=austen").await, ["Pride and Prejudice"]);
    assert_eq!(api.titles("?q=tolstoy&shelf=To%20Reread").await, ["War and Peace"]);
    assert!(api.titles("?shelf=No%20such%20collection").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_books_annotations_come_in_reading_order_and_bad_requests_get_json_errors() {
    let api = Api::start().await;
    let (status, answer) =
        api.get(&format!("/api/v1/annotations?book={}", encode_url_component(WAR_AND_PEACE_ID))).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["book"]["title"], "War and Peace");
    let annotations = answer["annotations"].as_array().unwrap();
    assert_eq!(annotations.len(), 8, "7 highlights and notes, 1 markup; no bookmark, nothing deleted");
    let first = &annotations[0];
    assert_eq!(first["text"], "Well, Prince, so Genoa and Lucca are now just family estates of the Buonapartes.");
    assert_eq!(
        (&first["chapter"], &first["color"], &first["kind"]),
        (&"Book One: 1805".into(), &"yellow".into(), &"highlight".into())
    );
    assert_eq!(first["created"], "2025-01-06T20:01:00");
    let note = &annotations[1];
    assert_eq!((&note["kind"], &note["color"]), (&"note".into(), &"pink".into()));
    assert!(note["note"].as_str().unwrap().starts_with("Compare with Socrates"));
    assert_eq!(annotations.iter().filter(|a| a["kind"] == "markup").count(), 1);

    let (status, answer) = api.get("/api/v1/annotations").await;
    assert_eq!((status, answer["error"].is_string()), (400, true), "{answer}");
    let (status, answer) = api.get("/api/v1/annotations?book=file%3A%2F%2F%2Fnope.epub").await;
    assert_eq!((status, answer["error"].as_str()), (404, Some("No such book in this library.")));
    // Login is off: a token is neither needed nor checked.
    let response = client().get(api.app.url("/api/v1/books")).bearer_auth("anything").send().await.unwrap();
    assert_eq!(response.status(), 200);
}
