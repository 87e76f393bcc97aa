//! Markdown export against golden files (front matter, the built-in layout, a reader's
//! template), templates that cannot be used, and the library zip.

use crate::support::generated_library;
use crate::support::ShelfUnderTest;
use kobo_shelf::server::{
    demo::{CURATED_ITEMS, HOSTILE_TEXT_ID, THE_IDIOT_ID, WAR_AND_PEACE_ID},
    export::{book_markdown, file_name, LibraryExport, LibraryFormat, MarkdownExport},
};
use std::{io::Read, path::Path};

/// Compares with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites the file instead.
fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    assert_eq!(actual, expected, "differs from {}", path.display());
}

fn demo(dir: &Path) -> ShelfUnderTest {
    ShelfUnderTest::new(generated_library(&dir.join("KoboReader.sqlite"), 1, CURATED_ITEMS))
}

#[test]
fn a_book_exports_as_the_golden_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo(dir.path());
    let book = store.view().book(WAR_AND_PEACE_ID).unwrap();
    assert_eq!(file_name(&book), "Leo Tolstoy - War and Peace.md");
    assert_golden("war-and-peace.md", &book_markdown(&book));
}

#[test]
fn a_sideloaded_epub_exports_with_its_chapters() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo(dir.path());
    let book = store.view().book(THE_IDIOT_ID).unwrap();
    assert_golden("budala-sideloaded-epub.md", &book_markdown(&book));
}

#[test]
fn hostile_text_exports_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo(dir.path());
    let book = store.view().book(HOSTILE_TEXT_ID).unwrap();
    assert_eq!(
        file_name(&book),
        "O'Brien script window.__kobo_pwned = 'author' script - Escaping Everything & Other Stories.md"
    );
    assert_golden("escaping-everything.md", &book_markdown(&book));
}

#[test]
fn the_library_zip_holds_every_book_with_highlights() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo(dir.path());
    let markdown = MarkdownExport::built_in();
    let mut zip = Vec::new();
    let mut export = LibraryExport::start(LibraryFormat::Zip, &mut zip, &markdown).unwrap();
    store.view().for_each_book(|book| Ok(export.add(book)?)).unwrap();
    export.finish().unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut names: Vec<String> = archive.file_names().map(|name| name.unwrap().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Anonymous - A Book With an Odd Path.md",
            "Edith Wharton - The Age of Innocence.md",
            "Example Review - The Slow Reading Movement.md",
            "Field Guide to Mushrooms.md",
            "Fyodor Dostoyevski - Budala.md",
            "Herman Melville - Moby-Dick; or, The Whale.md",
            "Homer - The Odyssey.md",
            "Jane Austen - Pride and Prejudice.md",
            "Leo Tolstoy - War and Peace.md",
            "Marcus Aurelius - Meditations.md",
            "O'Brien script window.__kobo_pwned = 'author' script - Escaping Everything & Other Stories.md",
            "The Vanished Chapter - A. Nonymous.md",
            "Victor Hugo - Les Misérables – Tome I Fantine.md",
            "フョードル・ドストエフスキー - 罪と罰.md",
        ]
    );
    let mut war_and_peace = String::new();
    archive.by_name("Leo Tolstoy - War and Peace.md").unwrap().read_to_string(&mut war_and_peace).unwrap();
    let book = store.view().book(WAR_AND_PEACE_ID).unwrap();
    assert_eq!(war_and_peace, book_markdown(&book));
}

fn template(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/templates").join(name)
}

#[test]
fn a_readers_template_replaces_the_layout() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo(dir.path());
    let export = MarkdownExport::from_template(&template("obsidian.md.j2")).unwrap();
    let book = store.view().book(WAR_AND_PEACE_ID).unwrap();
    assert_golden("war-and-peace-template.md", &export.render(&book));
    let hostile = store.view().book(HOSTILE_TEXT_ID).unwrap();
    assert_golden("escaping-everything-template.md", &export.render(&hostile));
    // The README's example.
    let readme = MarkdownExport::from_template(&template("readme.md.j2")).unwrap().render(&book);
    assert!(readme.starts_with("---\ntitle: \"War and Peace\"\n"), "{readme}");
    let note = "> We can know only that we know nothing. And that is the highest degree of human wisdom.\n\
                - colour:: Pink, note:: Compare with Socrates";
    assert!(readme.contains(note), "{readme}");
    assert!(!readme.contains("markup"), "{readme}");
}

#[test]
fn a_template_that_cannot_be_used_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("syntax.md", "# {{ book.title }}\n\n{{ book.author }\n", "line 3: syntax error"),
        ("unknown-variable.md", "# {{ book.title }}\n{{ boook.title }}\n", "line 2: undefined value"),
        (
            "unknown-filter.md",
            "{% for c in book.chapters %}\n\n{{ c.title | shout }}\n{% endfor %}\n",
            "line 3: unknown filter",
        ),
        ("unclosed.md", "{% for c in book.chapters %}\n{{ c.title }}\n", "syntax error: unexpected end of input"),
    ];
    for (name, source, expected) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, source).unwrap();
        let problem =
            MarkdownExport::from_template(&path).err().unwrap_or_else(|| panic!("{name} was accepted")).to_string();
        assert!(problem.starts_with(&path.display().to_string()), "{problem}");
        assert!(problem.contains(expected), "{name}: {problem}");
    }
    let missing = MarkdownExport::from_template(&dir.path().join("missing.md")).err().unwrap().to_string();
    assert!(missing.starts_with("cannot read the template"), "{missing}");
}
