//! The library downloads (`/export/library.zip`, `.json`, `.csv`) from the real server syncing
//! from a real S3 server: streamed, read back whole (hostile text with commas, quotes, newlines,
//! a formula and Unicode), with the annotations the device deleted marked.

use crate::support::{client, generated_library, s3_env, App};
use kobo_shelf::{
    model::SyncPhase,
    server::{
        demo::{CURATED_ITEMS, WAR_AND_PEACE_ID},
        export::{spreadsheet_text, AnnotationRow},
    },
};
use kobo_shelf_testkit::{seconds_ago, Testkit, DATABASE_KEY};
use rusqlite::Connection;
use serde_json::Value;
use std::io::Read;

const HOSTILE_TEXT: &str =
    "=HYPERLINK(\"http://evil.example\",\"click\"), a \"quoted\" word;\nsecond line\r\nthird, with 罪と罰 ✓ and a\ttab";
const HOSTILE_NOTE: &str = "-1+2, \"note\"\n<script>alert(1)</script>";

/// The server, having synced the demo library with a hostile War and Peace note, then a version
/// without two highlights (one of War and Peace; the only one of Les Misérables). Returns the
/// app, the hostile note's id and the two deleted ids.
struct Synced {
    app: App,
    hostile_id: String,
    deleted: Vec<String>,
    /// Annotations (highlights, notes, markups) the second version shows.
    live: usize,
    _kit: Testkit,
    _dir: tempfile::TempDir,
}

fn id_of(conn: &Connection, text_start: &str) -> String {
    let pattern = format!("{text_start}%");
    conn.query_row("SELECT BookmarkID FROM Bookmark WHERE Text LIKE ?1", [pattern], |row| row.get(0)).unwrap()
}

async fn synced() -> Synced {
    let dir = tempfile::tempdir().unwrap();
    let v1 = generated_library(&dir.path().join("v1.sqlite"), 1, CURATED_ITEMS);
    let conn = Connection::open(&v1).unwrap();
    let hostile_id = id_of(&conn, "Well, Prince");
    conn.execute(
        "UPDATE Bookmark SET Text = ?1, Annotation = ?2, Type = 'note' WHERE BookmarkID = ?3",
        [HOSTILE_TEXT, HOSTILE_NOTE, &hostile_id],
    )
    .unwrap();
    let deleted = vec![id_of(&conn, "Everything comes in time"), id_of(&conn, "Même la nuit")];
    drop(conn);
    let v2 = dir.path().join("v2.sqlite");
    std::fs::copy(&v1, &v2).unwrap();
    let conn = Connection::open(&v2).unwrap();
    for id in &deleted {
        conn.execute("DELETE FROM Bookmark WHERE BookmarkID = ?1", [id]).unwrap();
    }
    let live: usize = conn
        .query_row(
            "SELECT count(*) FROM Bookmark WHERE Hidden <> 'true'
               AND COALESCE(Type, CASE WHEN Text <> '' THEN 'highlight' END) IN ('highlight', 'note', 'markup')",
            [],
            |row| row.get(0),
        )
        .unwrap();
    drop(conn);

    let kit = Testkit::start(&dir.path().join("bucket")).await.unwrap();
    let app = App::start(&dir.path().join("data"), &s3_env(&kit));
    for (file, age) in [(&v1, 3_000), (&v2, 2_000)] {
        kit.upload(DATABASE_KEY, file).await.unwrap();
        kit.set_object_time(DATABASE_KEY, seconds_ago(age)).unwrap();
        app.check_and_sync().await;
        app.wait_for_end(SyncPhase::Completed).await;
    }
    Synced { app, hostile_id, deleted, live, _kit: kit, _dir: dir }
}

/// A download: its `Content-Type`, whether it came without a length (streamed), and its bytes.
async fn download(app: &App, path: &str) -> (String, bool, Vec<u8>) {
    let response = client().get(app.url(path)).send().await.unwrap();
    assert_eq!(response.status(), 200, "{path}\n{}", app.log());
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let content_type = header("content-type").unwrap_or_default();
    let streamed = header("content-length").is_none() && header("transfer-encoding").as_deref() == Some("chunked");
    let disposition = header("content-disposition").unwrap_or_default();
    assert!(disposition.starts_with("attachment; filename=\"kobo-highlights."), "{disposition}");
    (content_type, streamed, response.bytes().await.unwrap().to_vec())
}

fn text(row: &Value, field: &str) -> Option<String> {
    row[field].as_str().map(str::to_string)
}

#[tokio::test(flavor = "multi_thread")]
async fn json_and_csv_rows_read_back_whole_with_deleted_ones_marked() {
    let synced = synced().await;
    let (content_type, streamed, json) = download(&synced.app, "/export/library.json").await;
    assert_eq!((content_type.as_str(), streamed), ("application/json", true));
    let rows: Vec<Value> = serde_json::from_slice(&json).unwrap();
    assert_eq!(rows.len(), synced.live + synced.deleted.len(), "every annotation, live and deleted, once");
    for row in &rows {
        let keys: Vec<&str> = row.as_object().unwrap().keys().map(String::as_str).collect();
        let mut columns = AnnotationRow::COLUMNS.to_vec();
        columns.sort();
        assert_eq!(keys, columns);
    }
    let by_id = |id: &str| rows.iter().find(|row| row["highlight_id"] == id).unwrap_or_else(|| panic!("no row {id}"));
    let hostile = by_id(&synced.hostile_id);
    assert_eq!(text(hostile, "text").as_deref(), Some(HOSTILE_TEXT));
    assert_eq!(text(hostile, "note").as_deref(), Some(HOSTILE_NOTE));
    assert_eq!(text(hostile, "kind").as_deref(), Some("note"));
    assert_eq!(text(hostile, "book_id").as_deref(), Some(WAR_AND_PEACE_ID));
    assert_eq!(text(hostile, "book_title").as_deref(), Some("War and Peace"));
    assert_eq!(text(hostile, "chapter").as_deref(), Some("Book One: 1805"));
    assert_eq!(text(hostile, "created").as_deref(), Some("2025-01-06T20:01:00"));
    assert_eq!(hostile["deleted_on_device"], Value::Null);
    let mut deleted: Vec<String> = rows
        .iter()
        .filter(|row| row["deleted_on_device"].is_string())
        .filter_map(|row| text(row, "highlight_id"))
        .collect();
    deleted.sort();
    let mut expected = synced.deleted.clone();
    expected.sort();
    assert_eq!(deleted, expected);
    assert_eq!(text(by_id(&synced.deleted[1]), "book_title").as_deref(), Some("Les Misérables – Tome I : Fantine"));
    assert!(rows.iter().any(|row| row["book_title"] == "罪と罰" && row["color"] == "yellow"));
    assert!(rows.iter().any(|row| row["kind"] == "markup" && row["text"].is_null()));

    let (content_type, streamed, csv) = download(&synced.app, "/export/library.csv").await;
    assert_eq!((content_type.as_str(), streamed), ("text/csv; charset=utf-8", true));
    let body = csv.strip_prefix("\u{FEFF}".as_bytes()).expect("a UTF-8 byte-order mark first");
    assert!(body.starts_with(
        b"book_id,book_title,author,chapter,highlight_id,kind,text,note,color,created,deleted_on_device\r\n"
    ));
    let mut reader = csv::Reader::from_reader(body);
    assert_eq!(reader.headers().unwrap(), &csv::StringRecord::from(AnnotationRow::COLUMNS.to_vec()));
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(&rows) {
        let expected: Vec<String> = AnnotationRow::COLUMNS
            .iter()
            .map(|column| spreadsheet_text(row[*column].as_str().unwrap_or_default()))
            .collect();
        assert_eq!(record.iter().collect::<Vec<_>>(), expected, "the CSV row says what the JSON row says");
    }
    let hostile = records.iter().find(|record| record.get(4) == Some(synced.hostile_id.as_str())).unwrap();
    assert_eq!(hostile.get(6), Some(format!("'{HOSTILE_TEXT}").as_str()), "a formula is kept as text");
    assert_eq!(hostile.get(7), Some(format!("'{HOSTILE_NOTE}").as_str()));
    assert!(body.ends_with(b"\r\n"), "RFC 4180 lines end with CR LF");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_library_zip_streams_every_book_with_its_deleted_annotations() {
    let synced = synced().await;
    let (content_type, streamed, zip) = download(&synced.app, "/export/library.zip").await;
    assert_eq!((content_type.as_str(), streamed), ("application/zip", true));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), 14, "{:?}", archive.file_names().collect::<Vec<_>>());
    let mut read = |name: &str| {
        let mut text = String::new();
        archive.by_name(name).unwrap().read_to_string(&mut text).unwrap();
        text
    };
    // Its only highlight was deleted on the device: the book is still exported, marked.
    let hugo = read("Victor Hugo - Les Misérables – Tome I Fantine.md");
    assert!(hugo.contains("> Même la nuit la plus sombre prendra fin") && hugo.contains("deleted on device"), "{hugo}");
    let tolstoy = read("Leo Tolstoy - War and Peace.md");
    assert!(tolstoy.starts_with("---\ntitle: \"War and Peace\"\n"), "{tolstoy}");
    assert!(tolstoy
        .contains("Everything comes in time to him who knows how to wait.\n\nYellow · 2025-03-11 · deleted on device"));
    assert!(tolstoy.contains("> =HYPERLINK(\"http://evil.example\",\"click\"), a \"quoted\" word;"), "{tolstoy}");
}
