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
        b"book_id,book_title,author,chapter,highlight_id,kind,text,note,color,created,deleted_on_device,favourite,tags,web_note,devices\r\n"
    ));
    let mut reader = csv::Reader::from_reader(body);
    assert_eq!(reader.headers().unwrap(), &csv::StringRecord::from(AnnotationRow::COLUMNS.to_vec()));
    let records: Vec<csv::StringRecord> = reader.records().collect::<Result<_, _>>().unwrap();
    assert_eq!(records.len(), rows.len());
    for (record, row) in records.iter().zip(&rows) {
        let expected: Vec<String> = AnnotationRow::COLUMNS
            .iter()
            .map(|column| match &row[*column] {
                Value::Bool(favourite) => favourite.to_string(),
                Value::Array(tags) => tags.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; "),
                cell => spreadsheet_text(cell.as_str().unwrap_or_default()),
            })
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

/// The Anki file: the header lines Anki reads, one note per highlight with text (deleted ones
/// included, tagged), every field decoded back to the device's text (HTML, tabs, newlines,
/// Unicode), and the same GUIDs in a second download, so Anki updates its notes.
#[tokio::test(flavor = "multi_thread")]
async fn the_anki_file_has_a_note_per_highlight_that_reads_back_and_keeps_its_id() {
    let synced = synced().await;
    let (content_type, _, bytes) = download(&synced.app, "/export/anki.txt").await;
    assert_eq!(content_type, "text/plain; charset=utf-8");
    let file = String::from_utf8(bytes).unwrap();
    let (header, notes): (Vec<&str>, Vec<&str>) = file.lines().partition(|line| line.starts_with('#'));
    assert_eq!(
        header,
        [
            "#separator:tab",
            "#html:true",
            "#notetype:Basic",
            "#deck:kobo-shelf",
            "#columns:GUID\tFront\tBack\tTags",
            "#guid column:1",
            "#tags column:4"
        ]
    );
    let decode = |field: &str| html_escape::decode_html_entities(&field.replace("<br>", "\n")).into_owned();
    let notes: Vec<Vec<&str>> = notes.iter().map(|line| line.split('\t').collect()).collect();
    assert!(notes.iter().all(|fields| fields.len() == 4), "four fields a line, no stray tab");
    let (_, _, json) = download(&synced.app, "/export/library.json").await;
    let rows: Vec<Value> = serde_json::from_slice(&json).unwrap();
    let with_text: Vec<&Value> = rows
        .iter()
        .filter(|row| row["kind"] != "markup" && text(row, "text").is_some_and(|t| !t.trim().is_empty()))
        .collect();
    assert_eq!(notes.len(), with_text.len(), "one note per highlight with text");
    // An HTML field has line breaks, not carriage returns.
    let lines = |text: &str| text.replace("\r\n", "\n").replace('\r', "\n");
    let fronts: Vec<String> = notes.iter().map(|fields| decode(fields[1])).collect();
    for row in &with_text {
        assert!(fronts.contains(&lines(&text(row, "text").unwrap())), "{row}");
    }
    let hostile = notes.iter().find(|fields| decode(fields[1]) == lines(HOSTILE_TEXT)).expect("the hostile highlight");
    assert!(
        decode(hostile[2]).starts_with(&format!("{}\n\n— <i>War and Peace</i>", lines(HOSTILE_NOTE))),
        "{}",
        hostile[2]
    );
    let deleted = notes.iter().filter(|fields| fields[3].contains("kobo::deleted-on-device")).count();
    assert_eq!(deleted, synced.deleted.len(), "the ones the device deleted, tagged");
    let (_, _, again) = download(&synced.app, "/export/anki.txt").await;
    let guids = |text: &str| {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let first = guids(&file);
    assert_eq!(guids(&String::from_utf8(again).unwrap()), first, "the same GUIDs: Anki updates, never duplicates");
    let mut unique = first.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), first.len());
}
