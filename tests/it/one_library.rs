//! One library, whichever way it is read: after the device deleted two highlights of one book
//! and removed another book entirely, the library page, the book pages, the read API, the
//! JSON, CSV and Markdown exports, search and the statistics agree on which books exist and on
//! every count (highlights and notes, those deleted on the device, markups). The real server
//! syncs from a real S3 server.

use crate::support::{client, generated_library, s3_env, stats_figure, sync_version, App};
use kobo_shelf::{
    model::{book_href, encode_url_component, SyncPhase},
    server::demo::{CURATED_ITEMS, THE_IDIOT_ID, WAR_AND_PEACE_ID},
};
use kobo_shelf_testkit::{seconds_ago, Testkit, DATABASE_KEY};
use rusqlite::Connection;
use serde_json::Value;
use std::collections::BTreeMap;

/// Per book: (highlights and notes, of those deleted on the device, markups).
type Counts = BTreeMap<String, (u64, u64, u64)>;

/// `library` with two of The Idiot's highlights deleted and War and Peace removed (its rows
/// and annotations gone), as Kobo's own cloud sync leaves a device.
fn device_after_deletions(library: &std::path::Path, next: &std::path::Path) {
    std::fs::copy(library, next).unwrap();
    Connection::open(next)
        .unwrap()
        .execute_batch(&format!(
            "DELETE FROM Bookmark WHERE BookmarkID IN (SELECT BookmarkID FROM Bookmark
               WHERE VolumeID = '{THE_IDIOT_ID}' AND Type = 'highlight' AND Hidden = 'false' ORDER BY BookmarkID LIMIT 2);
             DELETE FROM Bookmark WHERE VolumeID = '{WAR_AND_PEACE_ID}';
             DELETE FROM content WHERE ContentID = '{WAR_AND_PEACE_ID}' OR BookID = '{WAR_AND_PEACE_ID}';"
        ))
        .unwrap();
}

async fn json(app: &App, path: &str) -> Value {
    let response = client().get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

/// Counts of annotation rows (the JSON export and `/api/v1/annotations` give them).
fn counts_of_rows(rows: &[Value]) -> Counts {
    let mut counts = Counts::new();
    for row in rows {
        let entry = counts.entry(row["book_id"].as_str().unwrap().to_string()).or_default();
        match (row["kind"].as_str().unwrap(), row["deleted_on_device"].is_null()) {
            ("markup", _) => entry.2 += 1,
            (_, true) => entry.0 += 1,
            (_, false) => (entry.0, entry.1) = (entry.0 + 1, entry.1 + 1),
        }
    }
    counts
}

/// The number before `label` in the first element of `class` after `from` in `page`.
fn number_in(page: &str, from: &str, class: &str) -> u64 {
    let at = page.find(from).unwrap_or_else(|| panic!("{from} not in the page"));
    let rest = &page[at..];
    let text = &rest[rest.find(&format!("class=\"{class}\"")).expect(class)..];
    let digits: String = text
        .chars()
        .skip_while(|c| *c != '>')
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_way_of_reading_the_library_agrees_after_the_device_deleted_things() {
    let dir = tempfile::tempdir().unwrap();
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    let v1 = generated_library(&dir.path().join("v1.sqlite"), 1, CURATED_ITEMS);
    kit.upload(DATABASE_KEY, &v1).await.unwrap();
    kit.set_object_time(DATABASE_KEY, seconds_ago(120)).unwrap();
    let app = App::start(&dir.path().join("data"), &s3_env(&kit));
    app.wait_for_end(SyncPhase::Completed).await;
    // Rendered (and kept) before the deletions: the new version must replace it.
    let (_, idiot_before) = app.page(&book_href(THE_IDIOT_ID)).await;
    assert_eq!(idiot_before.matches("data-deleted-on-device=").count(), 0);
    let before = counts_of_rows(json(&app, "/export/library.json").await.as_array().unwrap());

    let v2 = dir.path().join("v2.sqlite");
    device_after_deletions(&v1, &v2);
    sync_version(&kit, &app, &v2, 60).await;

    // The JSON export: nothing lost, the deletions marked.
    let exported = counts_of_rows(json(&app, "/export/library.json").await.as_array().unwrap());
    let totals = |counts: &Counts, id: &str| counts.get(id).map(|c| (c.0, c.2)).unwrap();
    for id in [WAR_AND_PEACE_ID, THE_IDIOT_ID] {
        assert_eq!(totals(&exported, id), totals(&before, id), "{id}: nothing lost");
    }
    let war_and_peace = exported[WAR_AND_PEACE_ID];
    assert_eq!(war_and_peace.1, war_and_peace.0, "every annotation of the removed book is deleted on the device");
    assert_eq!(exported[THE_IDIOT_ID].1, 2);

    // The read API lists every book with the export's counts, the removed one included.
    let listed = json(&app, "/api/v1/books?sort=title").await;
    let books = listed["books"].as_array().unwrap();
    assert_eq!(listed["total"].as_u64(), Some(books.len() as u64));
    for book in books {
        let id = book["id"].as_str().unwrap();
        let (highlights, deleted, _) = exported.get(id).copied().unwrap_or_default();
        assert_eq!(
            (book["highlights"].as_u64(), book["deleted_on_device"].as_u64()),
            (Some(highlights), Some(deleted)),
            "{id}"
        );
    }
    let removed = books.iter().find(|book| book["id"] == WAR_AND_PEACE_ID).expect("the removed book is listed");
    assert_eq!(removed["removed_from_device"], true);
    for id in [WAR_AND_PEACE_ID, THE_IDIOT_ID] {
        let answer = json(&app, &format!("/api/v1/annotations?book={}", encode_url_component(id))).await;
        let (highlights, deleted, markups) = exported[id];
        assert_eq!(counts_of_rows(answer["annotations"].as_array().unwrap())[id], (highlights, deleted, markups));
        assert_eq!(
            (answer["book"]["highlights"].as_u64(), answer["book"]["deleted_on_device"].as_u64()),
            (Some(highlights), Some(deleted))
        );
    }

    // The library page, the book pages and the Markdown export show the same numbers.
    let (_, library) = app.page("/?sort=title").await;
    let (_, book_page) = app.page(&book_href(WAR_AND_PEACE_ID)).await;
    for id in [WAR_AND_PEACE_ID, THE_IDIOT_ID] {
        let (highlights, deleted, markups) = exported[id];
        assert_eq!(number_in(&library, &format!("href=\"{}\"", book_href(id)), "highlight-count"), highlights, "{id}");
        let (_, page) = app.page(&book_href(id)).await;
        assert_eq!(
            page.matches("data-deleted-on-device=").count() as u64,
            deleted + if id == WAR_AND_PEACE_ID { markups } else { 0 }
        );
        assert!(page.contains(&format!("{highlights} Highlight")), "{id}: the book page's heading");
        let (_, markdown) = app.page(&format!("/export/book.md?id={}", encode_url_component(id))).await;
        assert!(markdown.contains(&format!("\nhighlights: {highlights}\n")), "{id}: {markdown}");
    }
    assert!(book_page.contains("No longer on your device"));
    assert!(library.contains("Removed from device"));

    // The CSV export has one row per annotation of the JSON export.
    let (_, csv) = app.page("/export/library.csv").await;
    let rows: u64 = exported.values().map(|(highlights, _, markups)| highlights + markups).sum();
    assert_eq!(csv.trim_end().lines().count() as u64, rows + 1, "a header and one row each");

    // Search finds what the device deleted, under its book; the statistics count it.
    let (_, found) = app.page("/search?q=Buonapartes").await;
    assert!(found.contains("War and Peace") && found.contains("deleted on device"), "{found}");
    let all_highlights: u64 = exported.values().map(|counts| counts.0).sum();
    assert_eq!(stats_figure(&app, "Highlights").await, all_highlights);
    assert_eq!(stats_figure(&app, "Items").await, books.len() as u64);
}
