//! The Kobo reader against generated and hand-made databases: what the library and book pages
//! get from a file, and the clear message for a file that is not a Kobo library.

use crate::support::generated_library;
use crate::support::ShelfUnderTest;
use kobo_shelf::{
    model::{BookDetail, HighlightColor, ItemKind, LibraryQuery, LibrarySort, PageError, ReadStatus},
    server::{
        demo::{CURATED_ITEMS, THE_IDIOT_ID, WAR_AND_PEACE_ID},
        shelf::ShelfError,
    },
};
use rusqlite::types::Value;
use std::{path::Path, sync::Arc};

fn demo_store(dir: &Path) -> ShelfUnderTest {
    ShelfUnderTest::new(generated_library(&dir.join("KoboReader.sqlite"), 1, CURATED_ITEMS))
}

/// What a page shows when the library cannot be read.
fn error_of(store: ShelfUnderTest) -> PageError {
    PageError::from(store.shelf.current().err().expect("an error"))
}

fn query(q: &str, kind: Option<ItemKind>, sort: LibrarySort) -> LibraryQuery {
    LibraryQuery { q: q.into(), kind, sort, page: 1, ..LibraryQuery::default() }
}

fn titles(store: &ShelfUnderTest, query: &LibraryQuery) -> Vec<String> {
    store.view().page(query).items.into_iter().map(|item| item.title).collect()
}

#[test]
fn duplicates_show_once_as_the_copy_with_most_progress() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let listing = store.view().page(&query("pride", None, LibrarySort::Title));
    assert_eq!(listing.items.len(), 1, "{:?}", listing.items);
    let pride = &listing.items[0];
    assert_eq!(pride.id, "8f3c2a4e-1d2b-4c5a-9e7f-0a1b2c3d4e5f", "the finished store copy wins");
    assert_eq!(pride.read_status, ReadStatus::Finished);
    assert_eq!(pride.percent_read, 100);
    assert_eq!(pride.highlight_count, 3, "highlights of both copies count");
    // Either copy's id opens the merged book page, with the highlights of both.
    let sideloaded = "file:///mnt/onboard/Austen, Jane/Pride and Prejudice.epub";
    let book = store.view().book(sideloaded).unwrap();
    let texts: Vec<_> = book.chapters.iter().flat_map(|c| &c.highlights).filter_map(|h| h.text.clone()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
}

#[test]
fn kinds_come_from_the_mime_type_and_filter_the_list() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let listing = store.view().page(&LibraryQuery::default());
    assert_eq!(listing.total, 19, "18 items with a row (two copies of one book merged) and one orphan");
    assert_eq!(
        listing.kind_counts,
        vec![
            (ItemKind::Book, 14),
            (ItemKind::Article, 2),
            (ItemKind::Pdf, 1),
            (ItemKind::Notebook, 1),
            (ItemKind::Other, 1)
        ]
    );
    assert_eq!(
        titles(&store, &query("", Some(ItemKind::Article), LibrarySort::Title)),
        ["The Slow Reading Movement", "Why We Underline"]
    );
    assert_eq!(titles(&store, &query("", Some(ItemKind::Notebook), LibrarySort::Title)), ["Ideas for the Garden"]);
}

#[test]
fn search_matches_title_and_author_ignoring_case_and_accents() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    assert_eq!(titles(&store, &query("TOLSTOY", None, LibrarySort::Title)), ["War and Peace"]);
    assert_eq!(
        titles(&store, &query("miserables hugo", None, LibrarySort::Title)),
        ["Les Misérables – Tome I : Fantine"]
    );
    assert_eq!(titles(&store, &query("罪", None, LibrarySort::Title)), ["罪と罰"]);
    assert!(titles(&store, &query("no such book anywhere", None, LibrarySort::Title)).is_empty());
}

#[test]
fn sorts_order_the_whole_library() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let recent = store.view().page(&query("", None, LibrarySort::Recent)).items;
    assert_eq!(recent[0].title, "War and Peace", "read on 20 Nov 2026, the latest");
    let dates: Vec<_> = recent.iter().map(|item| item.last_read.clone()).collect();
    let first_unread = dates.iter().position(Option::is_none).unwrap();
    assert!(dates[first_unread..].iter().all(Option::is_none), "never-read items come last: {dates:?}");
    assert!(dates[..first_unread].windows(2).all(|w| w[0] >= w[1]), "most recent first: {dates:?}");
    let by_title = titles(&store, &query("", None, LibrarySort::Title));
    let mut sorted = by_title.clone();
    sorted.sort_by_key(|t| t.to_lowercase());
    assert_eq!(by_title, sorted);
    let by_highlights = titles(&store, &query("", None, LibrarySort::Highlights));
    assert_eq!(by_highlights[0], "War and Peace");
    let by_author = store.view().page(&query("", None, LibrarySort::Author)).items;
    let authors: Vec<_> = by_author.iter().map(|i| i.author.clone()).collect();
    let first_unknown = authors.iter().position(Option::is_none).unwrap();
    assert!(authors[first_unknown..].iter().all(Option::is_none), "items without author come last: {authors:?}");
}

#[test]
fn book_page_groups_highlights_by_chapter_in_reading_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let book = store.view().book(WAR_AND_PEACE_ID).unwrap();
    let chapters: Vec<(Option<&str>, Vec<String>)> = book
        .chapters
        .iter()
        .map(|c| {
            let marks = c.highlights.iter().map(|h| h.text.clone().unwrap_or_else(|| "(markup)".into())).collect();
            (c.title.as_deref(), marks)
        })
        .collect();
    let first_words = |marks: &Vec<String>| {
        marks.iter().map(|m| m.split(' ').take(3).collect::<Vec<_>>().join(" ")).collect::<Vec<_>>()
    };
    let shape: Vec<_> = chapters.iter().map(|(title, marks)| (*title, first_words(marks))).collect();
    assert_eq!(
        shape,
        vec![
            (Some("Book One: 1805"), vec!["Well, Prince, so".to_string(), "We can know".into()]),
            (
                Some("Book Two: 1805"),
                vec!["If everyone fought".into(), "The strongest of".into(), "Nothing is so".into()]
            ),
            (Some("First Epilogue: 1813 – 20"), vec!["(markup)".into(), "Pure and complete".into()]),
            (None, vec!["Everything comes in".into()]),
        ],
        "split files join their chapter, the chapter without TOC entry falls in the last group; \
         the deleted highlight and the bookmark are not shown"
    );
    let all: Vec<_> = book.chapters.iter().flat_map(|c| &c.highlights).collect();
    let note = all.iter().find(|h| h.note.is_some()).unwrap();
    assert!(note.note.as_ref().unwrap().contains("Montaigne"));
    assert_eq!(note.color, HighlightColor::Pink);
    assert_eq!(note.created.as_deref(), Some("2025-01-09T21:40:12"));
    let old_firmware = all.iter().find(|h| h.text.as_deref().is_some_and(|t| t.starts_with("Nothing is so"))).unwrap();
    assert_eq!(old_firmware.color, HighlightColor::Yellow, "NULL colour shows yellow");
    let unknown_colour = all.iter().find(|h| h.text.as_deref().is_some_and(|t| t.starts_with("Pure and"))).unwrap();
    assert_eq!(unknown_colour.color, HighlightColor::Yellow, "colour 7 shows yellow");
    assert_eq!(
        book.description.as_deref(),
        Some("Tolstoy’s epic of Russia during the Napoleonic wars.\n\nTranslated by Louise and Aylmer Maude.")
    );
    assert_eq!(book.time_spent_reading_secs, Some(98_400));
}

/// A generated library in which `column` is NULL for every item but the last generated books,
/// which hold `values`, one each; and what the reader makes of those books, in that order.
fn read_back(dir: &Path, column: &str, values: Vec<Value>) -> (ShelfUnderTest, Vec<BookDetail>) {
    let path = generated_library(&dir.join("KoboReader.sqlite"), 5, 40);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(&format!("UPDATE content SET {column} = NULL"), []).unwrap();
    let ids: Vec<String> = conn
        .prepare(
            "SELECT ContentID FROM content WHERE ContentType = '6' AND BookID IS NULL ORDER BY rowid DESC LIMIT ?1",
        )
        .unwrap()
        .query_map([values.len()], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(ids.len(), values.len(), "enough generated books");
    for (id, value) in ids.iter().zip(values) {
        conn.execute(&format!("UPDATE content SET {column} = ?1 WHERE ContentID = ?2"), (value, id)).unwrap();
    }
    drop(conn);
    let store = ShelfUnderTest::new(path);
    let books = ids.iter().map(|id| store.view().book(id).unwrap()).collect();
    (store, books)
}

fn text(value: &str) -> Value {
    Value::Text(value.to_string())
}

#[test]
fn percent_read_is_clamped_into_0_to_100_whatever_the_file_holds() {
    let cases = [
        (Value::Integer(37), 37),
        (Value::Integer(-5), 0),
        (Value::Integer(250), 100),
        (Value::Null, 0),
        (Value::Real(42.6), 42),
        (Value::Real(1e300), 100),
        (text(" 64 "), 64),
        (text("12 %"), 0),
        (text("NaN"), 0),
    ];
    let (values, expected): (Vec<_>, Vec<_>) = cases.into_iter().unzip();
    let dir = tempfile::tempdir().unwrap();
    let (_, books) = read_back(dir.path(), "___PercentRead", values);
    assert_eq!(books.iter().map(|book| book.summary.percent_read).collect::<Vec<_>>(), expected);
}

#[test]
fn finished_means_read_status_2() {
    use ReadStatus::*;
    let cases = [
        (Value::Integer(2), Finished),
        (text("2"), Finished),
        (Value::Integer(1), Reading),
        (Value::Integer(0), Unread),
        (Value::Null, Unread),
        (Value::Integer(7), Unread),
        (text("done"), Unread),
    ];
    let (values, expected): (Vec<_>, Vec<_>) = cases.into_iter().unzip();
    let dir = tempfile::tempdir().unwrap();
    let (_, books) = read_back(dir.path(), "ReadStatus", values);
    assert_eq!(books.iter().map(|book| book.summary.read_status).collect::<Vec<_>>(), expected);
}

#[test]
fn last_read_comes_from_date_last_read() {
    let cases = [
        (text("2024-03-01 18:22:05.000+00:00"), Some("2024-03-01T18:22:05")),
        (text("2025-07-04T09:00:00Z"), Some("2025-07-04T09:00:00")),
        (text("0000-00-00T00:00:00.000"), None),
        (Value::Null, None),
    ];
    let (values, expected): (Vec<_>, Vec<_>) = cases.into_iter().unzip();
    let dir = tempfile::tempdir().unwrap();
    let (_, books) = read_back(dir.path(), "DateLastRead", values);
    assert_eq!(books.iter().map(|book| book.summary.last_read.as_deref()).collect::<Vec<_>>(), expected);
}

#[test]
fn time_spent_is_whole_seconds_and_junk_is_no_time() {
    let cases = [
        (Value::Integer(3_600), Some(3_600)),
        (text("5400"), Some(5_400)),
        (Value::Real(90.7), Some(90)),
        (Value::Integer(0), None),
        (Value::Integer(-60), None),
        (Value::Null, None),
        (text("long"), None),
        (Value::Real(1e300), None),
        (Value::Real(1e300), None),
    ];
    let (values, expected): (Vec<_>, Vec<_>) = cases.into_iter().unzip();
    let dir = tempfile::tempdir().unwrap();
    let (store, books) = read_back(dir.path(), "TimeSpentReading", values);
    assert_eq!(books.iter().map(|book| book.time_spent_reading_secs).collect::<Vec<_>>(), expected);
    let stats = store.view().stats().unwrap();
    assert_eq!(stats.reading_secs, 3_600 + 5_400 + 90, "the statistics add up the same seconds");
}

#[test]
fn isbn_is_shown_only_when_it_is_an_isbn() {
    let cases = [
        (text("978-0-14-044913-6"), Some("978-0-14-044913-6")),
        (Value::Integer(9_780_140_449_136), Some("9780140449136")),
        (text(" 0140449132 "), Some("0140449132")),
        (text("0-14-044913-6"), None),
        (text("8f3c2a4e-1d2b-4c5a-9e7f-0a1b2c3d4e5f"), None),
        (text("unknown"), None),
        (Value::Null, None),
    ];
    let (values, expected): (Vec<_>, Vec<_>) = cases.into_iter().unzip();
    let dir = tempfile::tempdir().unwrap();
    let (_, books) = read_back(dir.path(), "ISBN", values);
    assert_eq!(books.iter().map(|book| book.isbn.as_deref()).collect::<Vec<_>>(), expected);
}

#[test]
fn unknown_books_are_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let view = store.view();
    assert!(matches!(view.book("no such id"), Err(ShelfError::NotFound)));
    let chapter_id = format!("{WAR_AND_PEACE_ID}!OEBPS!Text/part0001.xhtml");
    assert!(matches!(view.book(&chapter_id), Err(ShelfError::NotFound)), "sections are not items");
}

/// A file from old firmware: no `Bookmark.Type`, no `Bookmark.Color`, few `content` columns,
/// and NULLs wherever a column allows them.
#[test]
fn old_firmware_files_without_type_and_color_columns_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("KoboReader.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE content (ContentID TEXT NOT NULL, ContentType TEXT NOT NULL, MimeType TEXT, BookID TEXT,
           Title TEXT, Attribution TEXT, ___PercentRead INTEGER, ReadStatus INTEGER, DateLastRead TEXT, VolumeIndex INTEGER);
         CREATE TABLE Bookmark (BookmarkID TEXT NOT NULL, VolumeID TEXT NOT NULL, ContentID TEXT NOT NULL,
           Text TEXT, Annotation TEXT, DateCreated TEXT, ChapterProgress REAL, Hidden BOOL);
         INSERT INTO content VALUES ('old-book', '6', 'application/epub+zip', NULL, 'Old Book', NULL, NULL, NULL, 'garbage', NULL);
         INSERT INTO content VALUES ('nulls', '6', NULL, '', NULL, NULL, '45', '1', NULL, NULL);
         INSERT INTO content VALUES ('old-book!OEBPS!ch1.xhtml', '9', 'application/xhtml+xml', 'old-book', NULL, NULL, NULL, NULL, NULL, 0);
         INSERT INTO Bookmark VALUES ('b1', 'old-book', 'old-book!OEBPS!ch1.xhtml', 'A highlight', NULL, '2019-01-01T00:00:00', 0.5, 0);
         INSERT INTO Bookmark VALUES ('b2', 'old-book', 'old-book!OEBPS!ch1.xhtml', 'With a note', 'My note', NULL, NULL, 'false');
         INSERT INTO Bookmark VALUES ('b3', 'old-book', 'old-book!OEBPS!ch1.xhtml', NULL, NULL, NULL, 0.1, 0);
         INSERT INTO Bookmark VALUES ('b4', 'old-book', 'old-book!OEBPS!ch1.xhtml', 'Deleted', NULL, NULL, 0.2, 'true');",
    )
    .unwrap();
    drop(conn);
    let store = ShelfUnderTest::new(path);
    let view = store.view();
    let listing = view.page(&query("", None, LibrarySort::Title));
    assert_eq!(listing.total, 2);
    let old = listing.items.iter().find(|i| i.id == "old-book").unwrap();
    assert_eq!(old.highlight_count, 2, "text means highlight; no text means bookmark; deleted not counted");
    assert_eq!(old.author, None);
    assert_eq!(old.last_read, None, "an unparseable date is no date");
    let untitled = listing.items.iter().find(|i| i.id == "nulls").unwrap();
    assert_eq!(untitled.title, "nulls", "an item without title is named after its id");
    assert_eq!(untitled.kind, ItemKind::Other);
    assert_eq!(untitled.percent_read, 45, "numbers stored as text are read");
    let book = view.book("old-book").unwrap();
    let marks: Vec<_> = book.chapters.iter().flat_map(|c| &c.highlights).collect();
    assert_eq!(marks.len(), 2);
    assert!(marks.iter().all(|h| h.color == HighlightColor::Yellow));
    assert_eq!(marks.iter().find(|h| h.id == "b2").unwrap().note.as_deref(), Some("My note"));
}

#[test]
fn a_sqlite_file_without_kobo_tables_gives_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("KoboReader.sqlite");
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE notes (id INTEGER, body TEXT);").unwrap();
    let err = error_of(ShelfUnderTest::new(path));
    assert_eq!(err, PageError::Unreadable("it is not a Kobo database (no `content` table)".into()));
    assert_eq!(err.to_string(), "The library file cannot be read: it is not a Kobo database (no `content` table)");
}

#[test]
fn a_file_that_is_not_sqlite_gives_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("KoboReader.sqlite");
    std::fs::write(&path, "<!DOCTYPE html><html><body>Not a database</body></html>".repeat(100)).unwrap();
    let err = error_of(ShelfUnderTest::new(path));
    assert_eq!(err, PageError::Unreadable("it is not a SQLite database".into()));
}

#[test]
fn a_missing_file_is_being_fetched() {
    let dir = tempfile::tempdir().unwrap();
    let err = error_of(ShelfUnderTest::new(dir.path().join("KoboReader.sqlite")));
    assert_eq!(err, PageError::NotYetFetched);
}

#[test]
fn a_swapped_file_is_picked_up_while_old_snapshots_keep_their_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("KoboReader.sqlite");
    crate::support::tagged_library(&path, "Old", 20);
    let store = ShelfUnderTest::new(path.clone());
    let old = store.view();
    let new_file = crate::support::tagged_library(&dir.path().join("next.sqlite"), "New", 20);
    std::fs::rename(&new_file, &path).unwrap();
    let new = store.view();
    assert!(!Arc::ptr_eq(&old, &new));
    assert_ne!(old.device_version(), new.device_version());
    let first = |view: &kobo_shelf::server::shelf::LibraryView| {
        view.page(&query("", None, LibrarySort::Title)).items[0].title.clone()
    };
    assert!(first(&old).starts_with("Old "));
    assert!(first(&new).starts_with("New "));
    // A book page asked of the old view still answers, from one file.
    let id = old.page(&query("", None, LibrarySort::Title)).items[0].id.clone();
    let book = old.book(&id).unwrap();
    assert!(book.summary.title.starts_with("Old "));
}

#[test]
fn generated_libraries_reach_thousands_of_books() {
    let dir = tempfile::tempdir().unwrap();
    let store = ShelfUnderTest::new(generated_library(&dir.path().join("KoboReader.sqlite"), 42, 2_000));
    let listing = store.view().page(&LibraryQuery::default());
    assert_eq!(listing.total, 2_000 - 1, "the two Pride and Prejudice copies are one item");
    assert_eq!(listing.items.len(), 100, "one page");
    assert_eq!(listing.page_count, 20);
    let highlights: u32 = (1..=20)
        .flat_map(|page| store.view().page(&LibraryQuery { page, ..LibraryQuery::default() }).items)
        .map(|item| item.highlight_count)
        .sum();
    assert!((30_000..=50_000).contains(&highlights), "about 20 highlights per generated book: {highlights}");
}

#[test]
fn reading_statistics_count_the_library() {
    use kobo_shelf::model::HighlightColor;
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let stats = store.view().stats().unwrap();
    assert_eq!((stats.items, stats.finished, stats.highlights, stats.notes), (19, 2, 37, 6));
    assert_eq!(stats.time_per_book[0], ("War and Peace".to_string(), 98_400));
    assert_eq!(stats.time_per_book[1], ("Pride and Prejudice".to_string(), 41_000));
    assert_eq!(stats.top_books[0], ("War and Peace".to_string(), 7));
    assert_eq!(stats.top_authors[0], ("Leo Tolstoy".to_string(), 7));
    let colours: u32 = stats.colours.iter().map(|(_, n)| n).sum();
    assert_eq!(colours as usize, stats.highlights);
    assert_eq!(
        stats.colours.iter().map(|(c, _)| *c).collect::<Vec<_>>(),
        HighlightColor::ALL,
        "grey (colour 4) is counted as its own, colourless share"
    );
    assert_eq!(stats.finished_per_year, [("2024".to_string(), 1), ("2025".to_string(), 0), ("2026".to_string(), 1)]);
    let months: u32 = stats.highlights_per_month.iter().map(|(_, n)| n).sum();
    assert!(months as usize <= stats.highlights && months > 15, "{months}");
    assert!(stats.highlights_per_month.len() <= 36);
}

/// `(chapter heading, highlight texts)` of a book page, in order.
fn chapter_shape(store: &ShelfUnderTest, id: &str) -> Vec<(String, Vec<String>)> {
    let book = store.view().book(id).unwrap();
    book.chapters
        .iter()
        .map(|c| (c.heading(&book.chapters).to_string(), c.highlights.iter().filter_map(|h| h.text.clone()).collect()))
        .collect()
}

/// Sideloaded epub (no `899` rows; titled `9` rows `#(N)…#toc-anchor-N`): every annotation under
/// its chapter, in `VolumeIndex` order; a split part under its chapter; an id from firmware 175
/// that matches no row under the chapter of its file; grey shows no colour; deleted stays hidden.
#[test]
fn a_sideloaded_epubs_annotations_sit_under_their_chapters() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let shape = chapter_shape(&store, THE_IDIOT_ID);
    let expected = [
        (
            "I",
            vec![
                "Prens Mışkin trende Rogojin ile tanışır.",
                "Merhamet, insan varlığının en önemli yasasıdır.",
                "Bir insanı öldürmek için öldürmek, cinayetten daha büyük bir cezadır.",
            ],
        ),
        ("II", vec!["Güzellik dünyayı kurtaracak."]),
    ];
    let expected: Vec<(String, Vec<String>)> =
        expected.iter().map(|(t, h)| (t.to_string(), h.iter().map(|x| x.to_string()).collect())).collect();
    assert_eq!(shape, expected);
    let book = store.view().book(THE_IDIOT_ID).unwrap();
    let grey = book.chapters[1].highlights[0].color;
    assert_eq!(grey, HighlightColor::Grey);
    assert!(!grey.is_shown(), "colour 4 from a greyscale device shows no colour");
}

/// Kepub (sections `/mnt/onboard/…!!…` without `file://`, titles on percent-encoded `899` rows
/// `<section>-1`, split chapters) and store books (UUID ids, `<uuid>!OEBPS!…`).
#[test]
fn kepub_and_store_annotations_sit_under_their_chapters() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let headings = |id: &str| chapter_shape(&store, id).into_iter().map(|(title, _)| title).collect::<Vec<_>>();
    assert_eq!(
        headings(WAR_AND_PEACE_ID),
        ["Book One: 1805", "Book Two: 1805", "First Epilogue: 1813 – 20", "Other highlights"],
        "the one section without a TOC entry is the only 'other' group"
    );
    assert_eq!(
        headings("8f3c2a4e-1d2b-4c5a-9e7f-0a1b2c3d4e5f"),
        ["Chapter 1", "Chapter 3", "Chapter 6"],
        "store + sideloaded copy"
    );
    assert_eq!(headings("a1b2c3d4-0000-4000-8000-0000000c4a1e"), ["第一部"]);
}

/// Annotations of a book whose row is gone are listed under the file's name; a PDF without
/// contents has one "Highlights" group, not "Other highlights".
#[test]
fn orphans_and_books_without_contents_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo_store(dir.path());
    let view = store.view();
    let listing = view.page(&query("vanished", None, LibrarySort::Title));
    let orphan = listing.items.first().expect("the orphan is listed");
    assert_eq!(orphan.title, "The Vanished Chapter - A. Nonymous");
    assert_eq!(orphan.kind, ItemKind::Book);
    assert_eq!(orphan.highlight_count, 1);
    let shape = chapter_shape(&store, &orphan.id);
    assert_eq!(
        shape,
        [("Highlights".to_string(), vec!["What is written in the margin outlives the book.".to_string()])]
    );
    let pdf = chapter_shape(&store, "file:///mnt/onboard/Guides/Field Guide to Mushrooms.pdf");
    assert_eq!(pdf.iter().map(|(title, _)| title.as_str()).collect::<Vec<_>>(), ["Highlights"]);
    // In the whole demo library, "Other highlights" holds only War and Peace's untitled section
    // and The Odyssey's annotation whose id shares nothing with its book.
    let mut others = 0;
    view.for_each_book(|book| {
        let chapters = &book.chapters;
        let other = chapters.iter().filter(|c| c.heading(chapters) == "Other highlights");
        others += other.map(|c| c.highlights.len()).sum::<usize>();
        Ok(())
    })
    .unwrap();
    assert_eq!(others, 2);
}

/// The generator's old-firmware file (no `Bookmark.Color`, `Type`, `ExtraAnnotationData`):
/// every annotation with text is read as a yellow highlight, under its chapter, none dropped.
#[test]
fn generated_old_firmware_files_are_read_whole() {
    use kobo_shelf::server::demo::{write_library, DemoOptions};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("KoboReader.sqlite");
    let options = DemoOptions { old_firmware: true, ..DemoOptions::default() };
    write_library(&path, &options).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('Bookmark')")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(!columns.iter().any(|c| c == "Color" || c == "Type" || c == "ExtraAnnotationData"), "{columns:?}");
    let store = ShelfUnderTest::new(path);
    let shape = chapter_shape(&store, THE_IDIOT_ID);
    assert_eq!(shape.iter().map(|(title, h)| (title.as_str(), h.len())).collect::<Vec<_>>(), [("I", 3), ("II", 1)]);
    let book = store.view().book(WAR_AND_PEACE_ID).unwrap();
    assert!(book.chapters.iter().flat_map(|c| &c.highlights).all(|h| h.color == HighlightColor::Yellow));
}

/// Annotations deleted on the device count in the list and in its order by highlights; a book
/// removed from the device is listed, marked, with all it had; one view per archive generation.
#[test]
fn the_list_counts_and_orders_with_what_the_archive_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let path = generated_library(&dir.path().join("KoboReader.sqlite"), 1, CURATED_ITEMS);
    let store = ShelfUnderTest::new(path.clone());
    store.shelf.ingest(kobo_shelf::server::archive::SINGLE_DEVICE, &store.store.current().unwrap()).unwrap();
    let before = store.view();
    assert!(Arc::ptr_eq(&before, &store.view()), "one view per version and generation");
    let by_highlights = LibraryQuery { sort: LibrarySort::Highlights, ..LibraryQuery::default() };
    let count_of = |listing: &kobo_shelf::model::LibraryListing, id: &str| {
        let item = listing.items.iter().find(|item| item.id == id).expect("listed").clone();
        (item.highlight_count, item.deleted_on_device, item.removed_from_device)
    };
    let listed = before.page(&by_highlights);
    let (war_and_peace, idiot) = (count_of(&listed, WAR_AND_PEACE_ID).0, count_of(&listed, THE_IDIOT_ID).0);
    assert_eq!(listed.items[0].id, WAR_AND_PEACE_ID);

    // The device deletes The Idiot's highlights and forgets War and Peace altogether.
    let next = dir.path().join("next.sqlite");
    std::fs::copy(&path, &next).unwrap();
    rusqlite::Connection::open(&next)
        .unwrap()
        .execute_batch(&format!(
            "DELETE FROM Bookmark WHERE VolumeID IN ('{THE_IDIOT_ID}', '{WAR_AND_PEACE_ID}');
             DELETE FROM content WHERE ContentID = '{WAR_AND_PEACE_ID}' OR BookID = '{WAR_AND_PEACE_ID}';"
        ))
        .unwrap();
    std::fs::rename(&next, &path).unwrap();
    store.shelf.ingest(kobo_shelf::server::archive::SINGLE_DEVICE, &store.store.current().unwrap()).unwrap();
    let after = store.view().page(&by_highlights);
    assert_eq!(after.total, listed.total, "nothing disappears from the list");
    assert_eq!(count_of(&after, WAR_AND_PEACE_ID), (war_and_peace, war_and_peace, true));
    assert_eq!(count_of(&after, THE_IDIOT_ID), (idiot, idiot, false));
    assert_eq!(after.items[0].id, WAR_AND_PEACE_ID, "the order by highlights counts what the archive keeps");
    let removed = store.view().book(WAR_AND_PEACE_ID).unwrap();
    let annotations = removed.chapters.iter().flat_map(|c| &c.highlights).filter(|h| !h.is_markup);
    assert_eq!(annotations.filter(|h| h.deleted_on_device.is_some()).count() as u32, war_and_peace);
}
