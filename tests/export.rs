//! Markdown export against golden files, and the library zip.

mod support;

use kobo_shelf::server::{
    demo::{CURATED_ITEMS, THE_IDIOT_ID, WAR_AND_PEACE_ID},
    export::{book_markdown, file_name, library_zip},
    kobo::LibraryStore,
};
use std::{io::Read, path::Path};
use support::generated_library;

/// Compares with `tests/golden/<name>`; `UPDATE_GOLDEN=1` rewrites the file instead.
fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    assert_eq!(actual, expected, "differs from {}", path.display());
}

fn demo(dir: &Path) -> LibraryStore {
    LibraryStore::new(generated_library(&dir.join("KoboReader.sqlite"), 1, CURATED_ITEMS))
}

#[test]
fn a_book_exports_as_the_golden_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo(dir.path());
    let book = store.book(store.current().unwrap(), WAR_AND_PEACE_ID).unwrap();
    assert_eq!(file_name(&book), "Leo Tolstoy - War and Peace.md");
    assert_golden("war-and-peace.md", &book_markdown(&book));
}

#[test]
fn a_sideloaded_epub_exports_with_its_chapters() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo(dir.path());
    let book = store.book(store.current().unwrap(), THE_IDIOT_ID).unwrap();
    assert_golden("budala-sideloaded-epub.md", &book_markdown(&book));
}

#[test]
fn hostile_text_exports_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let store = demo(dir.path());
    let id = "file:///mnt/onboard/Security/Escaping <Everything>.kepub.epub";
    let book = store.book(store.current().unwrap(), id).unwrap();
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
    let books = store.current().unwrap().all_books().unwrap();
    let zip = library_zip(&books).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut names: Vec<String> = archive.file_names().map(|name| name.unwrap().into_owned()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "Anonymous - A Book With an Odd Path.md",
            "Example Review - The Slow Reading Movement.md",
            "Field Guide to Mushrooms.md",
            "Fyodor Dostoyevski - Budala.md",
            "Herman Melville - Moby-Dick; or, The Whale.md",
            "Jane Austen - Pride and Prejudice.md",
            "Leo Tolstoy - War and Peace.md",
            "O'Brien script window.__kobo_pwned = 'author' script - Escaping Everything & Other Stories.md",
            "The Vanished Chapter - A. Nonymous.md",
            "Victor Hugo - Les Misérables – Tome I Fantine.md",
            "フョードル・ドストエフスキー - 罪と罰.md",
        ]
    );
    let mut war_and_peace = String::new();
    archive.by_name("Leo Tolstoy - War and Peace.md").unwrap().read_to_string(&mut war_and_peace).unwrap();
    let book = store.book(store.current().unwrap(), WAR_AND_PEACE_ID).unwrap();
    assert_eq!(war_and_peace, book_markdown(&book));
}
