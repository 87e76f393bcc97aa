//! Searching every highlight and note through the FTS5 sidecar index: ranking, Unicode
//! (diacritics, CJK), phrases and prefixes, hostile input, and a rebuild for a new version.

use crate::support::{generated_library, tagged_library, ShelfUnderTest};
use kobo_shelf::{
    model::{HighlightColor, Marked, SearchResults, SEARCH_COUNT_LIMIT},
    server::demo::CURATED_ITEMS,
};

struct Fixture {
    _dir: tempfile::TempDir,
    library: ShelfUnderTest,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let library = ShelfUnderTest::new(generated_library(&dir.path().join("KoboReader.sqlite"), 1, CURATED_ITEMS));
    Fixture { _dir: dir, library }
}

impl Fixture {
    fn search(&self, query: &str) -> SearchResults {
        self.library.search(query, None)
    }
}

fn marked(runs: &[Marked]) -> Vec<&str> {
    runs.iter().filter(|run| run.hit).map(|run| run.text.as_str()).collect()
}

fn plain(runs: &[Marked]) -> String {
    runs.iter().map(|run| run.text.as_str()).collect()
}

#[test]
fn a_word_finds_its_passage_with_book_chapter_and_mark() {
    let f = fixture();
    let results = f.search("patience");
    assert_eq!(results.total, 1, "{results:?}");
    let hit = &results.hits[0];
    assert_eq!(hit.book_title, "War and Peace");
    assert_eq!(hit.author.as_deref(), Some("Leo Tolstoy"));
    assert_eq!(hit.chapter.as_deref(), Some("Book Two: 1805"));
    assert_eq!(plain(&hit.text), "The strongest of all warriors are these two — Time and Patience.");
    assert_eq!(marked(&hit.text), ["Patience"]);
    assert!(results.problem.is_none());
}

#[test]
fn notes_are_searched_too() {
    let f = fixture();
    let hit = &f.search("montaigne").hits[0];
    assert_eq!(marked(&hit.note), ["Montaigne"]);
    assert!(marked(&hit.text).is_empty());
}

#[test]
fn diacritics_and_case_do_not_matter() {
    let f = fixture();
    let results = f.search("MEME nuit");
    assert_eq!(results.total, 1);
    assert_eq!(marked(&results.hits[0].text), ["Même", "nuit"]);
}

#[test]
fn chinese_and_japanese_text_is_found_without_spaces() {
    let f = fixture();
    let results = f.search("偉大な");
    assert_eq!(results.total, 1, "{results:?}");
    assert_eq!(results.hits[0].book_title, "罪と罰");
    assert_eq!(
        plain(&results.hits[0].text),
        "苦しみと悩みは、偉大な自覚と深い心情の持ち主にとって、常に必然的なものである。"
    );
    assert_eq!(marked(&results.hits[0].text).concat(), "偉大な");
}

#[test]
fn phrases_and_prefixes() {
    let f = fixture();
    assert_eq!(f.search("\"time and patience\"").total, 1);
    assert_eq!(f.search("\"patience and time\"").total, 0);
    let prefix = f.search("warr*");
    assert_eq!(prefix.total, 1);
    assert_eq!(marked(&prefix.hits[0].text), ["warriors"]);
    assert_eq!(f.search("warr").total, 0, "without * a word matches whole words only");
}

#[test]
fn deleted_highlights_and_markups_are_not_found() {
    let f = fixture();
    assert_eq!(f.search("deleted").total, 0);
}

#[test]
fn hostile_and_empty_queries_get_a_clear_message_not_an_error() {
    let f = fixture();
    for query in ["", "   ", "\"", "*", "((", "NEAR(", "AND OR NOT", "col:umn", "\u{0}"] {
        let results = f.search(query);
        assert!(results.hits.is_empty() || query == "AND OR NOT", "{query:?}: {results:?}");
        if results.total == 0 && query.trim().chars().all(|c| !c.is_alphanumeric()) {
            assert!(results.problem.as_deref().unwrap_or("").starts_with("Type a word"), "{query:?}: {results:?}");
        }
    }
    let injected = f.search("<script>window");
    assert!(injected.problem.is_none());
    assert_eq!(injected.total, 1, "the hostile highlight is found as text");
    assert_eq!(plain(&injected.hits[0].text), "<script>window.__kobo_pwned = 'highlight'</script>");
}

#[test]
fn ranking_prefers_more_matches_shorter_passages_and_passages_over_notes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("KoboReader.sqlite");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "CREATE TABLE content (ContentID TEXT NOT NULL, ContentType TEXT NOT NULL, MimeType TEXT, BookID TEXT, Title TEXT);
         CREATE TABLE Bookmark (BookmarkID TEXT NOT NULL, VolumeID TEXT NOT NULL, ContentID TEXT, Text TEXT, Annotation TEXT, Type TEXT);
         INSERT INTO content VALUES ('book', '6', 'application/epub+zip', NULL, 'Lights');
         INSERT INTO Bookmark VALUES ('in-note', 'book', 'book!a.xhtml', 'Nothing here but words and more words to read.', 'the lantern', 'note');
         INSERT INTO Bookmark VALUES ('once-long', 'book', 'book!a.xhtml', 'A lantern hung by the door while the evening went on and on without end or rest.', NULL, 'highlight');
         INSERT INTO Bookmark VALUES ('twice', 'book', 'book!a.xhtml', 'Lantern after lantern.', NULL, 'highlight');",
    )
    .unwrap();
    drop(conn);
    let results = ShelfUnderTest::new(path).search("lantern", None);
    let order: Vec<&str> = results.hits.iter().map(|hit| hit.highlight_id.as_str()).collect();
    assert_eq!(order, ["twice", "once-long", "in-note"]);
}

#[test]
fn a_new_version_gets_its_own_index_and_the_old_one_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("KoboReader.sqlite");
    tagged_library(&path, "Old", 20);
    let library = ShelfUnderTest::new(path.clone());
    assert!(library.search("patience", None).hits[0].book_title.starts_with("Old "));
    let next = dir.path().join("next.sqlite");
    tagged_library(&next, "New", 20);
    std::fs::rename(&next, &path).unwrap();
    assert!(library.search("patience", None).hits[0].book_title.starts_with("New "));
    let files: Vec<_> =
        std::fs::read_dir(library.data_dir().join("search")).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0].to_string_lossy(), format!("{}.sqlite", library.view().key()));
}

#[test]
fn a_colour_narrows_a_search_and_alone_lists_that_colour_newest_first() {
    let f = fixture();
    let search = |query: &str, color| f.library.search(query, color);
    let all = search("the", None);
    let pink = search("the", Some(HighlightColor::Pink));
    assert!(0 < pink.total && pink.total < all.total, "{} of {}", pink.total, all.total);
    assert!(pink.hits.iter().all(|hit| hit.color == HighlightColor::Pink));
    // A colour alone: every pink highlight and note (not the one deleted on the device), newest first.
    let pink = search("", Some(HighlightColor::Pink));
    assert_eq!(pink.problem, None);
    let texts: Vec<String> = pink.hits.iter().map(|hit| plain(&hit.text)).collect();
    assert_eq!(
        texts,
        [
            "<script>window.__kobo_pwned = 'highlight'</script>",
            "Never eat a mushroom you cannot identify with certainty.",
            "We can know only that we know nothing. And that is the highest degree of human wisdom.",
            "She is tolerable; but not handsome enough to tempt me.",
        ]
    );
    assert_eq!(pink.total, 4);
    assert!(pink.hits.iter().all(|hit| hit.text.iter().all(|run| !run.hit)), "nothing is marked without words");
    let grey = search("", Some(HighlightColor::Grey));
    assert_eq!(grey.hits.iter().map(|hit| plain(&hit.text)).collect::<Vec<_>>(), ["Güzellik dünyayı kurtaracak."]);
    assert!(search("  ", None).problem.is_some(), "neither words nor a colour: the hint");
}

#[test]
fn a_word_in_more_passages_than_are_counted_lists_the_newest_without_ranking_them_all() {
    let dir = tempfile::tempdir().unwrap();
    let library = ShelfUnderTest::new(generated_library(&dir.path().join("KoboReader.sqlite"), 3, 240));
    let common = library.search("the", None);
    assert_eq!((common.total, common.newest_first, common.hits.len()), (SEARCH_COUNT_LIMIT + 1, true, 50));
    let dates: Vec<&str> = common.hits.iter().map(|hit| hit.created.as_deref().unwrap_or("")).collect();
    let mut newest_first = dates.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, newest_first);
    let the = |runs: &[Marked]| marked(runs).iter().any(|word| word.eq_ignore_ascii_case("the"));
    assert!(common.hits.iter().all(|hit| the(&hit.text) || the(&hit.note)), "each marked");
    let pink = library.search("the", Some(HighlightColor::Pink));
    assert!(pink.hits.iter().all(|hit| hit.color == HighlightColor::Pink));
    // Within the count, the best come first.
    let f = fixture();
    assert!(!f.search("patience").newest_first);
}
