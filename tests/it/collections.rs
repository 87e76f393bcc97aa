//! Kobo collections (`Shelf`, `ShelfContent`) read from generated libraries: the library's
//! collection filter, what the device deleted, and files without the tables.

use crate::support::ShelfUnderTest;
use kobo_shelf::{
    model::{LibraryQuery, LibrarySort},
    server::demo::{write_library, DemoOptions, CURATED_ITEMS},
};
use std::path::Path;

fn store(dir: &Path, options: DemoOptions) -> ShelfUnderTest {
    let path = dir.join("KoboReader.sqlite");
    write_library(&path, &options).expect("generate a library");
    ShelfUnderTest::new(path)
}

fn shelf(name: &str) -> LibraryQuery {
    LibraryQuery { shelf: Some(name.into()), sort: LibrarySort::Title, ..LibraryQuery::default() }
}

fn titles(store: &ShelfUnderTest, query: &LibraryQuery) -> Vec<String> {
    store.view().page(query).items.into_iter().map(|item| item.title).collect()
}

#[test]
fn collections_filter_the_library_and_skip_what_the_device_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), DemoOptions::default());
    let listing = store.view().page(&LibraryQuery::default());
    let counts: Vec<(&str, usize)> = listing.collection_counts.iter().map(|(n, c)| (n.as_str(), *c)).collect();
    // No "Old Shelf" (deleted on the device), no system "ReadingList"; the two copies of Pride
    // and Prejudice count once; Les Misérables was taken out of "To Reread".
    assert_eq!(
        counts,
        [("<b>Tags</b> & \"Quotes\"", 1), ("Russian Classics", 3), ("Summer 2024", 1), ("To Reread", 2)]
    );
    assert_eq!(titles(&store, &shelf("Russian Classics")), ["Budala", "War and Peace", "罪と罰"]);
    assert_eq!(titles(&store, &shelf("To Reread")), ["Moby-Dick; or, The Whale", "War and Peace"]);
    assert_eq!(titles(&store, &shelf("Old Shelf")), Vec::<String>::new());
    assert_eq!(titles(&store, &shelf("ReadingList")), Vec::<String>::new());
    let filtered = store.view().page(&shelf("Summer 2024"));
    assert_eq!((filtered.matching, filtered.total), (1, 19));
    assert_eq!(filtered.items[0].collections, ["Summer 2024"], "both copies' collections, once");
    let listing = store.view().page(&LibraryQuery { q: "tolstoy".into(), ..shelf("To Reread") });
    assert_eq!(listing.items[0].collections, ["Russian Classics", "To Reread"]);
}

#[test]
fn a_library_without_collection_tables_has_no_collection_filter() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), DemoOptions { without_collections: true, ..DemoOptions::default() });
    let listing = store.view().page(&LibraryQuery::default());
    assert_eq!(listing.total, 19, "the library reads whole");
    assert!(listing.collection_counts.is_empty(), "{:?}", listing.collection_counts);
    assert!(listing.items.iter().all(|item| item.collections.is_empty()));
    assert_eq!(titles(&store, &shelf("Russian Classics")), Vec::<String>::new());
}

#[test]
fn generated_books_are_in_collections() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(dir.path(), DemoOptions { books: 100, ..DemoOptions::default() });
    let counts = store.view().page(&LibraryQuery::default()).collection_counts;
    // Every 7th and every 50th generated book (numbers from CURATED_ITEMS to 99).
    let every = |n: usize| (CURATED_ITEMS..100).filter(|number| number.is_multiple_of(n)).count();
    assert!(counts.contains(&("Favourites".to_string(), every(7))), "{counts:?}");
    assert!(counts.contains(&("Book club".to_string(), every(50))), "{counts:?}");
    assert_eq!(titles(&store, &shelf("Book club")).len(), 1);
}
