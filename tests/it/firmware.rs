//! Current firmware (4.37 and later): annotations whose section id matches no `content` row —
//! bare paths, anchors no row has, unresolved `..`, a store id's single `!` against its `!!`
//! twin, ids of DbVersion 175 — each under its chapter, in reading order, in every generated
//! file layout (current, old firmware, without collections). See `docs/kobo-formats.md`.

use crate::support::{generated_library, ShelfUnderTest};
use kobo_shelf::server::demo::{
    write_library, DemoOptions, AGE_OF_INNOCENCE_ID, CURATED_ITEMS, MEDITATIONS_ID, ODYSSEY_ID,
};
use std::path::Path;

/// `(chapter heading, first three words of each highlight)` of a book page, in order.
fn chapters(store: &ShelfUnderTest, id: &str) -> Vec<(String, Vec<String>)> {
    let book = store.view().book(id).unwrap();
    let words = |text: &str| text.split(' ').take(3).collect::<Vec<_>>().join(" ");
    book.chapters
        .iter()
        .map(|c| {
            (
                c.heading(&book.chapters).to_string(),
                c.highlights.iter().filter_map(|h| h.text.as_deref()).map(words).collect(),
            )
        })
        .collect()
}

fn expect(shape: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
    shape.iter().map(|(title, marks)| (title.to_string(), marks.iter().map(|m| m.to_string()).collect())).collect()
}

fn demo(dir: &Path) -> ShelfUnderTest {
    ShelfUnderTest::new(generated_library(&dir.join("KoboReader.sqlite"), 1, CURATED_ITEMS))
}

/// Store kepub, one file holding chapters I–III: the exact id takes the file's own entry (I);
/// `…#pgepubid00005`, an anchor no `9` row has, takes the `899` row `…#pgepubid00005-2` (II);
/// the server's `!!` form with an anchor finds the device's single-`!` file and III; a bare
/// path finds the second file (IV).
#[test]
fn a_store_books_anchors_and_server_form_ids_pick_the_chapter_of_a_shared_file() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        chapters(&demo(dir.path()), AGE_OF_INNOCENCE_ID),
        expect(&[
            ("I", &["On a January"]),
            ("II", &["It was generally"]),
            ("III", &["Each time you"]),
            ("IV", &["We can't behave"]),
        ])
    );
}

/// Sideloaded kepub: `!!OEBPS/../OEBPS/Text/…` (dot segments), a bare lower-case path (book
/// prefix) and a path relative to the package folder (`Text/part0004.xhtml`, path suffix).
#[test]
fn a_sideloaded_kepubs_bare_dotted_and_partial_paths_find_their_chapters() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        chapters(&demo(dir.path()), MEDITATIONS_ID),
        expect(&[
            ("The First Book", &["From my grandfather"]),
            ("The Second Book", &["Begin the morning"]),
            ("The Third Book", &["Short then is"]),
            ("The Fourth Book", &["The universe is"]),
        ])
    );
}

/// Sideloaded epub whose `books.xhtml` holds Books I and II: a bare path without anchor is
/// placed by its position (Book I, not simply the file's first because it is first); the exact
/// id by its anchor; `..` resolved; a DbVersion-175 id by its `#(2)`; an id sharing nothing
/// with the book falls in "Other highlights", kept.
#[test]
fn a_sideloaded_epubs_shapes_sit_under_their_chapters_and_the_unplaceable_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        chapters(&demo(dir.path()), ODYSSEY_ID),
        expect(&[
            ("Book I", &["Tell me, O"]),
            ("Book II", &["Now when the"]),
            ("Book III", &["But as the", "There is a"]),
            ("Other highlights", &["See now, how"]),
        ])
    );
}

/// The old-firmware file and the file without collections hold the same shapes, placed alike.
#[test]
fn every_generated_layout_places_the_shapes_alike() {
    let dir = tempfile::tempdir().unwrap();
    let current = demo(dir.path());
    for (name, options) in [
        ("old.sqlite", DemoOptions { old_firmware: true, ..DemoOptions::default() }),
        ("bare.sqlite", DemoOptions { without_collections: true, ..DemoOptions::default() }),
    ] {
        let path = dir.path().join(name);
        write_library(&path, &options).unwrap();
        let other = ShelfUnderTest::new(path);
        for id in [AGE_OF_INNOCENCE_ID, MEDITATIONS_ID, ODYSSEY_ID] {
            assert_eq!(chapters(&other, id), chapters(&current, id), "{name}: {id}");
        }
    }
}

/// The account of the demo library: its DbVersion, every annotation counted once under the
/// rule that placed it, and every annotation without a chapter listed with its ids.
#[test]
fn the_placement_report_counts_every_rule_and_lists_what_has_no_chapter() {
    use kobo_reader::{ChapterRule, SectionRule, Unplaced};
    let dir = tempfile::tempdir().unwrap();
    let report = demo(dir.path()).store.current().unwrap().placement_report().unwrap();
    assert_eq!(report.db_version.as_deref(), Some("175"));
    let sections: Vec<(SectionRule, usize)> = report.by_section_rule.clone();
    let chapters: Vec<(ChapterRule, usize)> = report.by_chapter_rule.clone();
    let unplaced: Vec<(Unplaced, &str, &str)> =
        report.unplaced.iter().map(|u| (u.reason, u.volume_id.as_str(), u.section_id.as_str())).collect();
    use SectionRule::*;
    assert_eq!(
        sections,
        [(Exact, 27), (WithoutAnchor, 1), (DotSegments, 2), (BookPrefix, 5), (PathSuffix, 1), (VolumeIndex, 1)]
    );
    use ChapterRule::*;
    assert_eq!(chapters, [(Anchor, 8), (OnlyEntry, 20), (FileEntry, 1), (Position, 1), (Continued, 3)]);
    let (article, pdf) = (
        "https://example.org/essays/the-slow-reading-movement",
        "file:///mnt/onboard/Guides/Field Guide to Mushrooms.pdf",
    );
    let war_and_peace = "file:///mnt/onboard/Tolstoy, Leo/War and Peace - Leo Tolstoy.kepub.epub";
    let vanished = "file:///mnt/onboard/Removed/The Vanished Chapter - A. Nonymous.kepub.epub";
    let at = |volume: &str, file: &str| format!("{}!!OEBPS/Text/{file}", volume.trim_start_matches("file://"));
    let expected = [
        (Unplaced::NoChapter, war_and_peace, at(war_and_peace, "part0003.xhtml")),
        (Unplaced::NoBookRow, vanished, at(vanished, "part0002.xhtml")),
        (Unplaced::NoChapter, article, format!("{article}!!OEBPS/Text/part0001.xhtml")),
        (Unplaced::NoChapter, article, format!("{article}!!OEBPS/Text/part0001.xhtml")),
        (Unplaced::NoChapter, pdf, at(pdf, "part0001.xhtml")),
        (Unplaced::NoSection, ODYSSEY_ID, "a7c3e1f0-9b2d-4e5f-8a6b-000000000175".to_string()),
    ];
    let expected: Vec<(Unplaced, &str, &str)> = expected.iter().map(|(r, v, s)| (*r, *v, s.as_str())).collect();
    assert_eq!(unplaced, expected);
    let counted: usize = sections.iter().map(|(_, n)| n).sum();
    assert_eq!(report.annotations, counted + 2, "the orphan and the id sharing nothing have no section");
    assert!(report.unplaced.iter().all(|u| !u.bookmark_id.is_empty()), "each listed with its BookmarkID");
}

/// The library health page of the real server tells the same account: the firmware's
/// `DbVersion`, the count of each rule, and each annotation without a chapter by its ids.
#[tokio::test(flavor = "multi_thread")]
async fn the_health_page_shows_the_placement_account() {
    use crate::support::App;
    use kobo_reader::SectionRule;
    use kobo_shelf::model::SyncPhase;
    let dir = tempfile::tempdir().unwrap();
    let library = generated_library(&dir.path().join("library.sqlite"), 1, CURATED_ITEMS);
    let source = format!("file://{}", library.display());
    let app = App::start(&dir.path().join("data"), &[("KOBO_SHELF_SOURCE", source)]);
    app.wait_for_end(SyncPhase::Completed).await;
    let report = ShelfUnderTest::new(library).store.current().unwrap().placement_report().unwrap();
    let (status, page) = app.page("/health").await;
    assert_eq!(status, 200, "{page}");
    let page = page.replace("<!>", ""); // Leptos' hydration markers between nodes
    assert!(page.contains("<dd>175</dd>"), "the DbVersion: {page}");
    let exact = report.by_section_rule.iter().find(|(rule, _)| *rule == SectionRule::Exact).unwrap().1;
    assert!(page.contains(&format!("<td>{}</td><td>{exact}</td>", SectionRule::Exact.label())), "{page}");
    for unplaced in &report.unplaced {
        assert!(page.contains(&format!("<code>{}</code>", unplaced.bookmark_id)), "{}", unplaced.bookmark_id);
    }
    let (_, settings) = app.page("/settings").await;
    assert!(settings.contains("href=\"/health\""), "the settings page links to it");
}
