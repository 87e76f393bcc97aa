//! The reader on its own, as another tool would use it: a small `KoboReader.sqlite` written
//! row by row with the schema a current firmware creates (the one kobo-shelf's demo library
//! uses), read back through the crate's public API only.

use kobo_reader::{
    Annotation, Books, ChapterRule, HighlightColor, ItemKind, KoboError, LibraryStore, ReadStatus, SectionRule,
    Snapshot,
};
use rusqlite::{params, Connection};
use std::{collections::HashSet, path::Path, sync::Arc};

const SCHEMA: &str = include_str!("../../domain/src/demo/kobo-schema.sql");
const STORE_COPY: &str = "3c9a2f10-5b7e-4d21-9f0a-1e2d3c4b5a69";
const SIDELOADED: &str = "file:///mnt/onboard/Austen, Jane/Emma.kepub.epub";
const ARTICLE: &str = "https://example.org/essays/on-reading";

/// Emma twice (a store copy read to the end, a sideloaded copy started), an article, a
/// collection, annotations of every kind in both copies, and two reading sessions.
fn write_library(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(SCHEMA).unwrap();
    let item = |id: &str, mime: &str, title: &str, status: i64, percent: i64, last_read: &str| {
        conn.execute(
            "INSERT INTO content (ContentID, ContentType, MimeType, Title, Attribution, ReadStatus,
               ___PercentRead, DateLastRead, TimeSpentReading, ___UserID, ISBN, Description)
             VALUES (?1, '6', ?2, ?3, ' Jane Austen ', ?4, ?5, ?6, 3600, 'user', '9780141439587',
               '<p>Handsome, clever &amp; rich.</p>')",
            params![id, mime, title, status, percent, last_read],
        )
        .unwrap();
    };
    item(STORE_COPY, "application/x-kobo-epub+zip", "Emma", 2, 100, "2025-03-01T18:22:05.000");
    item(SIDELOADED, "application/x-kobo-epub+zip", "Emma ", 1, 12, "2025-01-02 08:00:00.000+00:00");
    item(ARTICLE, "application/x-kobo-html+pocket", "On Reading", 0, 0, "0000-00-00T00:00:00.000");
    let section = |book: &str, id: &str, kind: &str, title: &str, index: i64| {
        conn.execute(
            "INSERT INTO content (ContentID, ContentType, MimeType, BookID, Title, VolumeIndex, ___UserID)
             VALUES (?1, ?2, 'application/xhtml+xml', ?3, ?4, ?5, 'user')",
            params![id, kind, book, title, index],
        )
        .unwrap();
    };
    for (index, (file, title)) in [("part0001.xhtml", "Volume I"), ("part0002.xhtml", "Volume II")].iter().enumerate() {
        let id = format!("{STORE_COPY}!OEBPS!Text/{file}");
        section(STORE_COPY, &id, "9", "", index as i64 * 2);
        section(STORE_COPY, &format!("{id}-1"), "899", title, index as i64 * 2 + 1);
    }
    let mark =
        |id: &str, book: &str, section: &str, (kind, text, note): (&str, &str, &str), color: i64, hidden: bool| {
            conn.execute(
                "INSERT INTO Bookmark (BookmarkID, VolumeID, ContentID, StartContainerPath, StartContainerChildIndex,
               StartOffset, EndContainerPath, EndContainerChildIndex, EndOffset, Text, Annotation, DateCreated,
               ChapterProgress, Hidden, Type, Color)
             VALUES (?1, ?2, ?3, 'span#kobo\\.1\\.1', 0, 0, 'span#kobo\\.1\\.1', 0, 9, NULLIF(?4, ''),
               NULLIF(?5, ''), '2025-02-03T10:00:00Z', 0.5, ?6, ?7, ?8)",
                params![id, book, section, text, note, if hidden { "true" } else { "false" }, kind, color],
            )
            .unwrap();
        };
    let in_volume = |n: u8| format!("{STORE_COPY}!OEBPS!Text/part000{n}.xhtml");
    mark("second", STORE_COPY, &in_volume(2), ("highlight", " Badly done, Emma! ", ""), 1, false);
    mark("first", STORE_COPY, &in_volume(1), ("note", "Emma Woodhouse", "the heroine"), 0, false);
    mark("drawn", STORE_COPY, &in_volume(1), ("markup", "", ""), 0, false);
    mark("hidden", STORE_COPY, &in_volume(1), ("highlight", "deleted on the device", ""), 0, true);
    mark("dogear", STORE_COPY, &in_volume(1), ("dogear", "", ""), 0, false);
    mark("sideloaded", SIDELOADED, "nowhere.xhtml", ("highlight", "a copy's highlight", ""), 4, false);
    conn.execute_batch(
        "INSERT INTO Shelf (Id, Name, InternalName, Type, _IsDeleted) VALUES ('s1', 'Classics', 'Classics', 'UserTag', 'false');
         INSERT INTO ShelfContent (ShelfName, ContentId, _IsDeleted) VALUES ('Classics', 'file:///mnt/onboard/Austen, Jane/Emma.kepub.epub', 'false');",
    )
    .unwrap();
    let session = |id: &str, seconds: &str| {
        conn.execute(
            "INSERT INTO AnalyticsEvents (Id, Type, Timestamp, Attributes, Metrics)
             VALUES (?1, 'LeaveContent', '2025-03-01T18:22:05.000', ?2, ?3)",
            params![id, format!("{{\"volumeid\":\"{STORE_COPY}\"}}"), format!("{{\"SecondsRead\":{seconds}}}")],
        )
        .unwrap();
    };
    session("event-1", "600");
    session("event-2", "\"120\"");
    session("junk", "\"never\"");
}

fn library() -> (tempfile::TempDir, Arc<Snapshot>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("KoboReader.sqlite");
    write_library(&path);
    let snapshot = LibraryStore::new(path).current().unwrap();
    (dir, snapshot)
}

fn ids(annotations: &[Annotation]) -> Vec<&str> {
    annotations.iter().map(|annotation| annotation.id.as_str()).collect()
}

#[test]
fn copies_of_one_item_are_one_entry_shown_as_the_copy_read_furthest() {
    let (_dir, library) = library();
    let titles: Vec<&str> = library.entries().map(|entry| entry.item.title.as_str()).collect();
    assert_eq!(titles, ["Emma", "On Reading"]);
    let emma = library.entry(SIDELOADED).expect("any copy's id finds the entry");
    assert_eq!(emma.copies, [STORE_COPY, SIDELOADED]);
    let item = &emma.item;
    assert_eq!((item.id.as_str(), item.read_status, item.percent_read), (STORE_COPY, ReadStatus::Finished, 100));
    assert_eq!((item.kind, item.author.as_deref()), (ItemKind::Book, Some("Jane Austen")));
    assert_eq!(item.highlight_count, 3, "highlights and notes of both copies; no markup, dogear or hidden one");
    assert_eq!(item.last_read.as_deref(), Some("2025-03-01T18:22:05"));
    assert_eq!(item.collections, ["Classics"], "a copy's collection is the item's");
    let article = &library.entry(ARTICLE).unwrap().item;
    assert_eq!((article.kind, article.last_read.as_deref()), (ItemKind::Article, None), "a placeholder date is none");
}

#[test]
fn a_book_has_the_annotations_of_every_copy_under_their_chapters_in_reading_order() {
    let (_dir, library) = library();
    let book = library.book(library.entry(STORE_COPY).unwrap()).unwrap();
    let chapters: Vec<(Option<&str>, Vec<&str>)> =
        book.chapters.iter().map(|chapter| (chapter.title.as_deref(), ids(&chapter.annotations))).collect();
    assert_eq!(
        chapters,
        [(Some("Volume I"), vec!["first", "drawn"]), (Some("Volume II"), vec!["second"]), (None, vec!["sideloaded"])]
    );
    let first = &book.chapters[0].annotations[0];
    assert_eq!((first.note.as_deref(), first.created.as_deref()), (Some("the heroine"), Some("2025-02-03T10:00:00")));
    let second = &book.chapters[1].annotations[0];
    assert_eq!((second.text.as_deref(), second.color), (Some("Badly done, Emma!"), HighlightColor::Pink));
    assert!(book.chapters[0].annotations[1].is_markup);
    assert_eq!(book.chapters[2].annotations[0].color, HighlightColor::Grey);
    assert_eq!(book.isbn.as_deref(), Some("9780141439587"));
    assert_eq!(book.description.as_deref(), Some("Handsome, clever & rich."));
    let facts = library.book_facts(library.entry(STORE_COPY).unwrap()).unwrap();
    assert!(facts.chapters.is_empty() && facts.isbn == book.isbn, "facts without annotations");
}

#[test]
fn a_walk_gives_each_book_with_annotations_once_and_the_books_asked_for() {
    let (_dir, library) = library();
    let mut given = Vec::new();
    library
        .for_each_book(
            Books::WithAnnotationsAnd(&HashSet::from([ARTICLE.to_string()])),
            |book, copies| -> Result<(), KoboError> {
                given.push((book.item.title.clone(), copies.len(), book.chapters.len()));
                Ok(())
            },
        )
        .unwrap();
    given.sort();
    assert_eq!(given, [("Emma".to_string(), 2, 3), ("On Reading".to_string(), 1, 0)]);
}

#[test]
fn the_placement_report_says_which_rule_placed_each_annotation() {
    let (_dir, library) = library();
    let report = library.placement_report().unwrap();
    assert_eq!(report.db_version.as_deref(), Some("175"));
    assert_eq!(report.annotations, 4, "every highlight, note and markup");
    assert!(report.by_section_rule.contains(&(SectionRule::Exact, 3)), "{:?}", report.by_section_rule);
    assert!(report.by_chapter_rule.contains(&(ChapterRule::OnlyEntry, 3)), "{:?}", report.by_chapter_rule);
    let unplaced: Vec<&str> = report.unplaced.iter().map(|u| u.bookmark_id.as_str()).collect();
    assert_eq!(unplaced, ["sideloaded"]);
}

#[test]
fn reading_time_and_what_statistics_count_are_read_as_recorded() {
    let (_dir, library) = library();
    let record = library.reading_record().unwrap();
    let sessions: Vec<(&str, &str, u64)> =
        record.sessions.iter().map(|s| (s.event_id.as_str(), s.day.as_str(), s.seconds)).collect();
    assert_eq!(sessions, [("event-1", "2025-03-01", 600), ("event-2", "2025-03-01", 120)]);
    assert_eq!(record.unreadable_events, 1);
    let mut counted = Vec::new();
    library.for_each_counted_annotation(|annotation| counted.push((annotation.color, annotation.is_note))).unwrap();
    counted.sort_by_key(|(_, is_note)| *is_note);
    assert_eq!(counted.len(), 3);
    assert!(counted.contains(&(HighlightColor::Yellow, true)));
    let readings = library.item_readings().unwrap();
    let finished: Vec<&str> = readings.iter().filter(|r| r.finished).map(|r| r.id.as_str()).collect();
    assert_eq!(finished, [STORE_COPY]);
}

#[test]
fn files_that_are_not_a_kobo_library_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let missing = LibraryStore::new(dir.path().join("absent.sqlite"));
    assert!(matches!(missing.current(), Err(KoboError::Missing)));
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database at all, but long enough to have a header of sorts").unwrap();
    let err = LibraryStore::new(text).current().err().expect("a text file is refused");
    assert_eq!(err.to_string(), "it is not a SQLite database");
    let foreign = dir.path().join("foreign.sqlite");
    Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE notes (body TEXT);").unwrap();
    let err = LibraryStore::new(foreign).current().err().expect("a foreign database is refused");
    assert!(err.to_string().starts_with("it is not a Kobo database ("), "{err}");
}

/// The library written again with `change` applied, read as a new version.
fn changed_library(change: &str) -> (tempfile::TempDir, Arc<Snapshot>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("KoboReader.sqlite");
    write_library(&path);
    Connection::open(&path).unwrap().execute_batch(change).unwrap();
    let snapshot = LibraryStore::new(path).current().unwrap();
    (dir, snapshot)
}

/// Each entry's title with its fingerprint.
fn fingerprints(library: &Snapshot) -> Vec<(String, kobo_reader::Fingerprint)> {
    let fingerprints = library.book_fingerprints().unwrap();
    fingerprints.into_iter().map(|(entry, fingerprint)| (entry.item.title.clone(), fingerprint)).collect()
}

#[test]
fn a_book_fingerprint_changes_with_what_its_page_shows_and_only_then() {
    let (_dir, library) = library();
    let before = fingerprints(&library);
    assert_eq!(before.len(), 1, "Emma, both copies in one: {before:?}");
    let same = |change: &str| fingerprints(&changed_library(change).1) == before;
    assert!(same(""), "the same rows, written again");
    assert!(same("UPDATE content SET ___PercentRead = 50, DateLastRead = '2026-01-01' WHERE ContentType = 6"));
    assert!(same("UPDATE Bookmark SET DateModified = '2026-01-01' WHERE BookmarkID = 'dogear'"), "no page shows it");
    assert!(same("UPDATE Bookmark SET Text = 'still hidden' WHERE BookmarkID = 'hidden'"));
    for change in [
        "UPDATE Bookmark SET Annotation = 'the Heroine' WHERE BookmarkID = 'first'",
        "UPDATE Bookmark SET Color = 2 WHERE BookmarkID = 'second'",
        "UPDATE Bookmark SET Hidden = 'false' WHERE BookmarkID = 'hidden'",
        "DELETE FROM Bookmark WHERE BookmarkID = 'drawn'",
        "UPDATE Bookmark SET Text = 'in the other copy' WHERE BookmarkID = 'sideloaded'",
        "UPDATE content SET Title = 'Volume One' WHERE ContentType = 899 AND Title = 'Volume I'",
        "UPDATE content SET VolumeIndex = 9 WHERE ContentType = 9 AND VolumeIndex = 0",
    ] {
        assert!(!same(change), "{change}");
    }
}

#[test]
fn a_walk_of_only_some_books_reads_no_other() {
    let (_dir, library) = library();
    let mut given = Vec::new();
    let only = |ids: HashSet<String>, given: &mut Vec<String>| {
        library
            .for_each_book(Books::Only(&ids), |book, _| -> Result<(), KoboError> {
                given.push(book.item.id.clone());
                Ok(())
            })
            .unwrap();
    };
    only(HashSet::new(), &mut given);
    only(HashSet::from([ARTICLE.to_string()]), &mut given);
    assert!(given.is_empty(), "the article has no annotations: {given:?}");
    only(HashSet::from([STORE_COPY.to_string()]), &mut given);
    assert_eq!(given, [STORE_COPY]);
}
