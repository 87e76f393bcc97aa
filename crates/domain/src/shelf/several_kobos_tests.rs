//! One library of several Kobos (#26), on real demo files and a real archive: the same book on
//! two devices is one entry with both devices' annotations, each marked; a retired device's
//! books stay, with their annotations.

use super::*;
use crate::{
    demo::{write_library, DemoOptions, PRIDE_SIDELOADED_ID, PRIDE_STORE_ID, WAR_AND_PEACE_ID},
    export::AnnotationRow,
    model::{BookDetail, LibraryQuery},
    search::SearchFilter,
};
use std::path::Path;

/// A device's file: the demo library written with `seed` (its own BookmarkIDs), without the
/// copy `without` (its item, sections and annotations), so that each device has one copy of
/// Pride and Prejudice: the store kepub on one, the sideloaded EPUB on the other.
fn device_file(dir: &Path, name: &str, seed: u64, without: &str) -> Arc<LibraryStore> {
    let path = dir.join(format!("{name}.sqlite"));
    write_library(&path, &DemoOptions { seed, ..DemoOptions::default() }).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute("DELETE FROM content WHERE ContentID = ?1 OR BookID = ?1", [without]).unwrap();
    conn.execute("DELETE FROM Bookmark WHERE VolumeID = ?1", [without]).unwrap();
    Arc::new(LibraryStore::new(path))
}

/// The shelf of `devices` (names and files) over the archive in `dir`, each device's current
/// version ingested.
fn shelf_of(dir: &Path, devices: &[(&str, &Arc<LibraryStore>)]) -> Shelf {
    let archive = Arc::new(Archive::open(dir).unwrap());
    let edits = Arc::new(AnnotationEdits::open(dir, None).unwrap());
    let named = devices.iter().map(|(name, store)| (name.to_string(), Arc::clone(store))).collect();
    let shelf = Shelf::new(named, archive, edits, SearchIndex::new(dir));
    for (name, store) in devices {
        shelf.ingest(name, &store.current().unwrap()).unwrap();
    }
    shelf
}

/// Each highlight's (text, devices), in the page's order.
fn marked(book: &BookDetail) -> Vec<(String, Vec<String>)> {
    let highlights = book.chapters.iter().flat_map(|chapter| &chapter.highlights).filter(|h| !h.is_markup);
    highlights.map(|h| (h.text.clone().unwrap_or_default(), h.devices.clone())).collect()
}

#[test]
fn the_same_book_on_two_devices_is_one_entry_with_both_devices_highlights() {
    let dir = tempfile::tempdir().unwrap();
    let libra = device_file(dir.path(), "libra", 1, PRIDE_SIDELOADED_ID);
    let clara = device_file(dir.path(), "clara", 2, PRIDE_STORE_ID);
    let alone = |store: &Arc<LibraryStore>| {
        let snapshot = store.current().unwrap();
        snapshot.entries().map(|entry| entry.item.highlight_count).sum::<u32>()
    };
    let shelf = shelf_of(dir.path(), &[("libra", &libra), ("clara", &clara)]);
    let view = shelf.current().unwrap();

    // The store kepub (libra) and the sideloaded EPUB (clara) are one entry, found by either id.
    let pride = view.summary(PRIDE_STORE_ID).unwrap().clone();
    assert_eq!(view.summary(PRIDE_SIDELOADED_ID).unwrap().id, pride.id);
    assert_eq!(pride.devices, ["libra", "clara"]);
    let book = view.book(PRIDE_SIDELOADED_ID).unwrap();
    let marks = marked(&book);
    assert_eq!(marks.len() as u32, pride.highlight_count);
    let on = |device: &str| marks.iter().filter(|(_, devices)| devices == &[device.to_string()]).count();
    assert!(on("libra") > 0 && on("clara") > 0, "{marks:?}");
    assert_eq!(on("libra") + on("clara"), marks.len(), "each highlight names its one device: {marks:?}");

    // One entry per book over both devices; every highlight of both counted once.
    let listed: u32 = view.matching(&LibraryQuery::default()).iter().map(|summary| summary.highlight_count).sum();
    assert_eq!(listed, alone(&libra) + alone(&clara));
    assert_eq!(view.item_count(), libra.current().unwrap().entries().count());
    let war = view.book(WAR_AND_PEACE_ID).unwrap();
    assert_eq!(war.summary.devices, ["libra", "clara"]);
    assert_eq!(marked(&war).len() as u32, war.summary.highlight_count);

    // Filters, exports and search read the merged library.
    let on_clara = view.page(&LibraryQuery { device: Some("clara".into()), ..LibraryQuery::default() });
    assert!(on_clara.items.iter().all(|item| item.devices.contains(&"clara".to_string())));
    let counts: Vec<(String, usize, bool)> =
        on_clara.device_counts.iter().map(|count| (count.name.clone(), count.entries, count.retired)).collect();
    assert_eq!(counts, [("libra".into(), view.item_count(), false), ("clara".into(), view.item_count(), false)]);
    let mut exported = 0;
    view.for_each_book(|book| {
        exported += marked(book).len() as u32;
        Ok(())
    })
    .unwrap();
    assert_eq!(exported, listed);
    let rows: Vec<AnnotationRow> = AnnotationRow::of_book(&book).collect();
    assert!(rows.iter().all(|row| row.devices == ["libra"] || row.devices == ["clara"]), "the export names the device");
    let markdown = crate::export::book_markdown(&book);
    assert!(markdown.contains("- On: libra, clara\n") && markdown.contains(" · clara"), "{markdown}");
    shelf.prepare_search().unwrap();
    let found = shelf.search(&view, "universally acknowledged", &SearchFilter::default()).unwrap();
    assert!(!found.hits.is_empty() && found.hits.iter().all(|hit| hit.book_id == pride.id), "{:?}", found.hits);
    let stats = view.stats().unwrap();
    assert_eq!(stats.highlights as u32, listed);
    let per_device: Vec<(&str, usize, bool)> =
        stats.per_device.iter().map(|device| (device.name.as_str(), device.highlights, device.retired)).collect();
    assert_eq!(per_device, [("libra", alone(&libra) as usize, false), ("clara", alone(&clara) as usize, false)]);
    assert!(stats.per_device.iter().all(|device| device.entries == view.item_count() && device.reading_secs > 0));
}

#[test]
fn a_retired_devices_books_and_annotations_stay_in_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let libra = device_file(dir.path(), "libra", 1, PRIDE_STORE_ID);
    let aura = device_file(dir.path(), "aura", 2, PRIDE_SIDELOADED_ID);
    let before = shelf_of(dir.path(), &[("libra", &libra), ("aura", &aura)]).current().unwrap();
    let pride_before = before.book(PRIDE_STORE_ID).unwrap();

    // aura leaves the settings: its history is kept and shown as a retired device's.
    let shelf = shelf_of(dir.path(), &[("libra", &libra)]);
    let view = shelf.current().unwrap();
    let pride = view.book(PRIDE_STORE_ID).unwrap();
    assert_eq!(pride.summary.devices, ["libra", "aura"]);
    assert!(!pride.summary.removed_from_device);
    assert_eq!(marked(&pride), marked(&pride_before));
    assert!(marked(&pride).iter().any(|(_, devices)| devices == &["aura".to_string()]));
    let listing = view.page(&LibraryQuery::default());
    let retired: Vec<(&str, bool)> =
        listing.device_counts.iter().map(|count| (count.name.as_str(), count.retired)).collect();
    assert_eq!(retired, [("libra", false), ("aura", true)]);

    // A book both had (the same file): the retired device's annotations stay on its page.
    let war = view.book(WAR_AND_PEACE_ID).unwrap();
    assert_eq!(war.summary.devices, ["libra", "aura"]);
    let war_before = before.book(WAR_AND_PEACE_ID).unwrap();
    assert_eq!(marked(&war), marked(&war_before));
    assert_eq!(marked(&war).len() as u32, war.summary.highlight_count);

    // Search and statistics count the retired device's annotations too.
    let (text, _) = marked(&pride).into_iter().find(|(_, devices)| devices == &["aura".to_string()]).unwrap();
    let word = text.split_whitespace().find(|word| word.len() > 6 && word.chars().all(char::is_alphabetic)).unwrap();
    shelf.prepare_search().unwrap();
    let found = shelf.search(&view, word, &SearchFilter::default()).unwrap();
    assert!(found.hits.iter().any(|hit| hit.book_id == pride.summary.id), "{word}: {:?}", found.hits);
    let aura = view.stats().unwrap().per_device.into_iter().find(|device| device.name == "aura").unwrap();
    assert!(aura.retired && aura.highlights > 0, "{aura:?}");
}
