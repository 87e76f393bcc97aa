//! The archive keeps every annotation ever synced: against the real server syncing from a real
//! S3 server, through deletions, hidden rows, a restart and a restored older backup.

use crate::support::{edited_copy, generated_library, s3_env, stats_figure, sync_version, tagged_library, App};
use kobo_reader::LibraryStore;
use kobo_shelf::{
    model::{encode_url_component, BookDetail, SyncPhase},
    server::{
        archive::{Archive, SINGLE_DEVICE},
        demo::{CURATED_ITEMS, WAR_AND_PEACE_ID},
    },
};
use kobo_shelf_testkit::{seconds_ago, Testkit, DATABASE_KEY};
use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// Two War and Peace highlights of `library`: (id, text) of the first two by text.
fn two_highlights(library: &Path) -> Vec<(String, String)> {
    let conn = Connection::open(library).unwrap();
    let mut statement = conn
        .prepare(
            "SELECT BookmarkID, Text FROM Bookmark
             WHERE VolumeID = ?1 AND Hidden = 'false' AND Type = 'highlight' ORDER BY Text LIMIT 2",
        )
        .unwrap();
    let rows = statement.query_map([WAR_AND_PEACE_ID], |row| Ok((row.get(0)?, row.get(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

/// `v1` with `deleted` removed, `hidden` hidden on the device, and a new highlight added.
fn next_version(v1: &Path, v2: &Path, deleted: &str, hidden: &str) -> PathBuf {
    edited_copy(
        v1,
        v2,
        &format!(
            "CREATE TEMP TABLE copied AS SELECT * FROM Bookmark WHERE BookmarkID = '{deleted}';
         UPDATE copied SET BookmarkID = 'new-highlight', Text = 'A highlight made after the first sync.';
         DELETE FROM Bookmark WHERE BookmarkID = '{deleted}';
         INSERT INTO Bookmark SELECT * FROM copied;
         UPDATE Bookmark SET Hidden = 'true' WHERE BookmarkID = '{hidden}';"
        ),
    )
}

/// The ids of the book page's annotations marked deleted on the device.
pub async fn deleted_on_device(app: &App) -> Vec<String> {
    let (status, page) = app.page(&format!("/book?id={}", encode_url_component(WAR_AND_PEACE_ID))).await;
    assert_eq!(status, 200);
    let mut ids: Vec<String> = page
        .split("<li")
        .filter(|item| item.split('>').next().is_some_and(|tag| tag.contains("data-deleted-on-device=")))
        .filter_map(|item| item.split("id=\"h-").nth(1)?.split('"').next().map(str::to_string))
        .collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn deleted_and_hidden_annotations_stay_and_a_restored_backup_brings_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    let v1 = generated_library(&dir.path().join("v1.sqlite"), 1, CURATED_ITEMS);
    let [(deleted, deleted_text), (hidden, _)]: [(String, String); 2] = two_highlights(&v1).try_into().unwrap();
    let v2 = next_version(&v1, &dir.path().join("v2.sqlite"), &deleted, &hidden);
    let data = dir.path().join("data");
    kit.upload(DATABASE_KEY, &v1).await.unwrap();
    kit.set_object_time(DATABASE_KEY, seconds_ago(3_000)).unwrap();
    let mut app = App::start(&data, &s3_env(&kit));
    app.wait_for_end(SyncPhase::Completed).await;
    assert_eq!(deleted_on_device(&app).await, Vec::<String>::new());
    let highlights_v1 = stats_figure(&app, "Highlights").await;

    sync_version(&kit, &app, &v2, 2_000).await;
    let mut expected = vec![deleted.clone(), hidden.clone()];
    expected.sort();
    assert_eq!(deleted_on_device(&app).await, expected, "deleted and hidden ones are kept, marked");
    let (_, page) = app.page(&format!("/book?id={}", encode_url_component(WAR_AND_PEACE_ID))).await;
    assert!(page.contains("A highlight made after the first sync."));
    assert!(page.contains("deleted on device"));
    let (_, hidden_page) = app.page(&format!("/book?id={}&deleted=hide", encode_url_component(WAR_AND_PEACE_ID))).await;
    assert!(!hidden_page.contains("data-deleted-on-device="), "the filter hides them");
    assert!(app.log().contains("archive: ingested"));
    // Search finds it too, marked.
    let phrase: Vec<&str> = deleted_text.split_whitespace().take(4).collect();
    let query = encode_url_component(&format!("\"{}\"", phrase.join(" ")));
    let (status, results) = app.page(&format!("/search?q={query}")).await;
    assert_eq!(status, 200);
    assert!(results.contains(&format!("#h-{deleted}")), "the deleted highlight is found:\n{results}");
    assert!(results.contains("deleted on device"));
    // v2 lost two and gained one; the statistics count the two the archive keeps.
    assert_eq!(stats_figure(&app, "Highlights").await, highlights_v1 + 1);

    app.kill();
    let app = App::start(&data, &s3_env(&kit));
    app.wait_for_end(SyncPhase::UpToDate).await;
    assert_eq!(deleted_on_device(&app).await, expected, "kept across a restart");

    // An older backup restored to the bucket is another version: installed, not ignored.
    sync_version(&kit, &app, &v1, 5_000).await;
    assert_eq!(deleted_on_device(&app).await, ["new-highlight"], "the restored ones are live again");
}

/// Kobo's cloud sync answered with no annotations and the device deleted all its own (calibre-web
/// #2610): the badge's status and the library page say so and link to them, search lists them,
/// and the next version that deletes nothing is told no more.
#[tokio::test(flavor = "multi_thread")]
async fn a_device_that_deletes_its_annotations_at_once_is_told_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    let v1 = generated_library(&dir.path().join("v1.sqlite"), 1, CURATED_ITEMS);
    let emptied = edited_copy(&v1, &dir.path().join("emptied.sqlite"), "DELETE FROM Bookmark");
    kit.upload(DATABASE_KEY, &v1).await.unwrap();
    kit.set_object_time(DATABASE_KEY, seconds_ago(3_000)).unwrap();
    let app = App::start(&dir.path().join("data"), &s3_env(&kit));
    let first = app.wait_for_end(SyncPhase::Completed).await;
    assert_eq!(first.deletion_wave, None);
    let (_, page) = app.page("/").await;
    assert!(!page.contains("deletion-wave"));

    sync_version(&kit, &app, &emptied, 2_000).await;
    let status = app.status().await;
    let wave = status.deletion_wave.expect("the wave is told");
    assert!(wave.deleted >= 20 && wave.deleted == wave.live_before, "{wave:?}");
    let told = format!("The device deleted {} annotations in its last sync; kobo-shelf kept them.", wave.deleted);
    assert_eq!(status.message, format!("Library updated · {told}"));
    let (_, page) = app.page("/").await;
    assert!(page.contains(&told), "the library page says it:\n{page}");
    assert!(page.contains("href=\"/search?deleted=1\""));
    let (status, listed) = app.page("/search?deleted=1").await;
    assert_eq!(status, 200);
    let hits = listed.matches("class=\"highlight hit ").count() as u64;
    // Markups have no text to list; every highlight and note is there.
    assert!(hits > 0 && hits <= wave.deleted, "search lists those deleted on the device:\n{listed}");
    assert_eq!(listed.matches("deleted on device").count() as u64, hits);
    let (_, one_word) = app.page("/search?q=the&deleted=1").await;
    assert!(one_word.matches("deleted on device").count() > 0);

    sync_version(&kit, &app, &v1, 1_000).await;
    assert_eq!(app.status().await.deletion_wave, None, "a version that deletes nothing is not a wave");
    let (_, page) = app.page("/").await;
    assert!(!page.contains("deletion-wave"));
    let (_, listed) = app.page("/search?deleted=1").await;
    assert!(!listed.contains("class=\"highlight hit "), "restored, none is deleted any more");
}

/// `(ingested versions, archived annotations)` in the app database of `data`.
fn archive_rows(data: &Path) -> (i64, i64) {
    let conn = Connection::open(data.join("shelf.sqlite")).unwrap();
    let count = |table: &str| conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get(0)).unwrap();
    (count("archive_ingest"), count("archive_annotation"))
}

/// SIGKILL while the archive takes in a large library leaves the last committed state (nothing
/// half-written); the next start finishes the job.
#[tokio::test(flavor = "multi_thread")]
async fn a_crash_during_ingest_loses_nothing_and_the_next_start_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    let library = generated_library(&dir.path().join("big.sqlite"), 5, 1_500);
    kit.upload(DATABASE_KEY, &library).await.unwrap();
    let data = dir.path().join("data");
    let mut app = App::start(&data, &s3_env(&kit));
    let status = app
        .wait_for(std::time::Duration::from_secs(60), |s| s.step == kobo_shelf::model::SyncStep::UpdatingArchive)
        .await;
    app.kill();
    let (versions, annotations) = archive_rows(&data);
    assert!(
        (versions, annotations) == (0, 0) || versions == 1,
        "a half-written ingest: {versions} versions, {annotations} annotations ({status:?})"
    );
    let app = App::start(&data, &s3_env(&kit));
    if versions == 0 {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !app.log().contains("archive: ingested") {
            assert!(std::time::Instant::now() < deadline, "the ingest was not finished:\n{}", app.log());
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    let (versions, annotations) = archive_rows(&data);
    assert_eq!(versions, 1);
    assert!(annotations > 10_000, "{annotations}");
}

/// Reading time survives the device emptying its events: v2 has no `AnalyticsEvents` left but
/// one new session and a larger running total; the statistics add only what is new.
#[tokio::test(flavor = "multi_thread")]
async fn reading_time_accumulates_across_syncs_without_double_counting() {
    let dir = tempfile::tempdir().unwrap();
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    let v1 = generated_library(&dir.path().join("v1.sqlite"), 1, CURATED_ITEMS);
    let v2 = edited_copy(
        &v1,
        &dir.path().join("v2.sqlite"),
        &format!(
            "DELETE FROM AnalyticsEvents;
             INSERT INTO AnalyticsEvents (Id, Type, Timestamp, Attributes, Metrics) VALUES ('after-v1', 'LeaveContent',
               '2026-11-22T20:00:00Z', json_object('volumeid', '{WAR_AND_PEACE_ID}'), '{{\"SecondsRead\":600}}');
             UPDATE content SET TimeSpentReading = 100000 WHERE ContentID = '{WAR_AND_PEACE_ID}';"
        ),
    );
    kit.upload(DATABASE_KEY, &v1).await.unwrap();
    kit.set_object_time(DATABASE_KEY, seconds_ago(3_000)).unwrap();
    let app = App::start(&dir.path().join("data"), &s3_env(&kit));
    app.wait_for_end(SyncPhase::Completed).await;
    let (_, before) = app.page("/stats").await;
    assert!(before.contains("Reading per day") && before.contains("27 h 20 min"), "{before}");

    sync_version(&kit, &app, &v2, 2_000).await;
    let (_, after) = app.page("/stats").await;
    assert!(after.contains("27 h 46 min"), "War and Peace: 98,400 s + 1,600 s:\n{after}");
    assert!(after.contains("Longest streak: 3 days"), "{after}");
    sync_version(&kit, &app, &v1, 5_000).await;
    let (_, restored) = app.page("/stats").await;
    assert!(restored.contains("27 h 46 min"), "a restored backup adds nothing and loses nothing");
}

/// The book page read from the archive's tables is the page read from the device's file, for
/// every item of the demo and of a generated library (after a version with deletions).
#[test]
fn book_pages_from_the_archive_equal_those_from_the_device() {
    let dir = tempfile::tempdir().unwrap();
    let v1 = generated_library(&dir.path().join("v1.sqlite"), 3, 120);
    let [(deleted, _), (hidden, _)]: [(String, String); 2] = two_highlights(&v1).try_into().unwrap();
    let v2 = next_version(&v1, &dir.path().join("v2.sqlite"), &deleted, &hidden);
    let archive = Archive::open(dir.path()).unwrap();
    let mut compared = 0;
    for file in [v1, v2] {
        let snapshot = LibraryStore::new(file).current().unwrap();
        archive.ingest(SINGLE_DEVICE, &snapshot).unwrap();
        for entry in snapshot.entries() {
            let mut from_device = BookDetail::from(snapshot.book(entry).unwrap());
            archive.add_deleted(&mut from_device, &entry.copies).unwrap();
            let mut from_archive = BookDetail::from(snapshot.book_facts(entry).unwrap());
            assert!(from_archive.chapters.is_empty());
            archive.add_annotations(&mut from_archive, &entry.copies).unwrap();
            assert_eq!(from_archive, from_device, "{}", entry.item.title);
            compared += 1;
        }
    }
    assert!(compared >= 230, "{compared}");
}

/// A book removed from the device entirely stays listed (marked), with its page, its
/// annotations and search: nothing the reader highlighted is lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_book_removed_from_the_device_keeps_its_page_and_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    let v1 = generated_library(&dir.path().join("v1.sqlite"), 1, CURATED_ITEMS);
    let [(_, text), _]: [(String, String); 2] = two_highlights(&v1).try_into().unwrap();
    let v2 = edited_copy(
        &v1,
        &dir.path().join("v2.sqlite"),
        &format!(
            "DELETE FROM content WHERE ContentID = '{WAR_AND_PEACE_ID}' OR BookID = '{WAR_AND_PEACE_ID}';
             DELETE FROM Bookmark WHERE VolumeID = '{WAR_AND_PEACE_ID}';"
        ),
    );
    kit.upload(DATABASE_KEY, &v1).await.unwrap();
    kit.set_object_time(DATABASE_KEY, seconds_ago(3_000)).unwrap();
    let data = dir.path().join("data");
    let mut app = App::start(&data, &s3_env(&kit));
    app.wait_for_end(SyncPhase::Completed).await;
    let on_device = deleted_on_device(&app).await.len();
    assert_eq!(on_device, 0);

    sync_version(&kit, &app, &v2, 2_000).await;
    let (_, library) = app.page("/?q=war").await;
    assert!(library.contains("War and Peace") && library.contains("Removed from device"), "{library}");
    let (status, page) = app.page(&format!("/book?id={}", encode_url_component(WAR_AND_PEACE_ID))).await;
    assert_eq!(status, 200);
    assert!(page.contains("No longer on your device") && page.contains(&text), "{page}");
    assert!(deleted_on_device(&app).await.len() >= 7, "every annotation, marked deleted on the device");
    let phrase: Vec<&str> = text.split_whitespace().take(4).collect();
    let (_, results) =
        app.page(&format!("/search?q={}", encode_url_component(&format!("\"{}\"", phrase.join(" "))))).await;
    assert!(results.contains("War and Peace") && results.contains("deleted on device"), "{results}");
    let (status, json) = app.page("/export/library.json").await;
    assert_eq!(status, 200);
    let rows: serde_json::Value = serde_json::from_str(&json).unwrap();
    let kept = rows.as_array().unwrap().iter().find(|row| row["text"] == text.as_str()).expect("exported too");
    assert_eq!(kept["book_title"], "War and Peace");
    assert!(kept["deleted_on_device"].is_string(), "{kept}");

    app.kill();
    let app = App::start(&data, &s3_env(&kit));
    app.wait_for_end(SyncPhase::UpToDate).await;
    let (_, library) = app.page("/?q=war").await;
    assert!(library.contains("Removed from device"), "kept across a restart");
}

/// An ingest that fails (another process holds the app database) leaves the version served and
/// is retried after the next check; the archive then has it.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_ingest_is_retried_after_the_next_check() {
    let dir = tempfile::tempdir().unwrap();
    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    let v1 = generated_library(&dir.path().join("v1.sqlite"), 1, CURATED_ITEMS);
    kit.upload(DATABASE_KEY, &v1).await.unwrap();
    kit.set_object_time(DATABASE_KEY, seconds_ago(3_000)).unwrap();
    let data = dir.path().join("data");
    let mut env = s3_env(&kit);
    env.push(("KOBO_SHELF_CHECK_INTERVAL_SECS", "0".to_string()));
    let app = App::start(&data, &env);
    app.wait_for_end(SyncPhase::Completed).await;
    let v2 = tagged_library(&dir.path().join("v2.sqlite"), "Second", CURATED_ITEMS);
    let lock = Connection::open(data.join("shelf.sqlite")).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    sync_version(&kit, &app, &v2, 2_000).await;
    assert!(app.log().contains("archive: not updated"), "{}", app.log());
    let (_, library) = app.page("/").await;
    assert!(library.contains("Second "), "the new version is served all the same");
    lock.execute_batch("COMMIT").unwrap();
    drop(lock);

    app.check_and_sync().await;
    app.wait_for_end(SyncPhase::UpToDate).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while archive_rows(&data).0 < 2 {
        assert!(std::time::Instant::now() < deadline, "not retried:\n{}", app.log());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
