//! The library as the reader knows it: the devices' current files merged with the archive.
//!
//! One service owns that merge and its caches, so the library page, book pages, search,
//! statistics, the read API, the exports and the CLI cannot disagree: each asks [`Shelf`] for
//! the [`LibraryView`] of the current (device version, archive generation) and reads it. A view
//! is built once per pair (the archive changes only when it ingests, the device file only when
//! a sync swaps it) and shared by every request until the next.

mod listing;
mod merge;
mod stats;
mod view;

pub use listing::PAGE_SIZE;
pub use view::{DeviceFile, LibraryView};

use crate::{
    archive::{Archive, ArchiveCounts, ArchiveError, IngestReport},
    edits::{AnnotationEdits, EditError},
    model::SearchResults,
    search::{Passages, SearchError, SearchFilter, SearchIndex},
};
use kobo_reader::{KoboError, LibraryStore, Snapshot};
use parking_lot::Mutex;
use std::{path::PathBuf, sync::Arc};

/// Why the library cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum ShelfError {
    #[error("No such book in this library.")]
    NotFound,
    #[error(transparent)]
    Device(#[from] KoboError),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    #[error(transparent)]
    Search(#[from] SearchError),
    #[error(transparent)]
    Edits(#[from] EditError),
    /// Whoever was given the books (a download, a file) could not take them.
    #[error("the library could not be written out ({0})")]
    Write(#[from] std::io::Error),
}

pub struct Shelf {
    /// Every configured device's local copy, by name, in the settings' order.
    devices: Vec<(String, Arc<LibraryStore>)>,
    archive: Arc<Archive>,
    /// What the reader adds on the web, put into every book the views give.
    edits: Arc<AnnotationEdits>,
    search: SearchIndex,
    /// The view of the last (device version, archive generation) asked for.
    view: Mutex<Option<Arc<LibraryView>>>,
}

impl Shelf {
    /// `devices`: at least one, by name, in the settings' order.
    pub fn new(
        devices: Vec<(String, Arc<LibraryStore>)>,
        archive: Arc<Archive>,
        edits: Arc<AnnotationEdits>,
        search: SearchIndex,
    ) -> Shelf {
        Shelf { devices, archive, edits, search, view: Mutex::new(None) }
    }

    /// The view of the devices' current files and the archive now (blocking: the first request
    /// after a sync or an ingest builds it). A device without a file yet (its first download
    /// has not landed) is left out; without any, the first device's error.
    pub fn current(&self) -> Result<Arc<LibraryView>, ShelfError> {
        let mut files = Vec::new();
        let mut first_error = None;
        for (name, store) in &self.devices {
            match store.current() {
                Ok(snapshot) => files.push(DeviceFile { name: name.clone(), snapshot }),
                Err(error) => {
                    if !matches!(error, KoboError::Missing) {
                        tracing::warn!(device = %name, %error, "a device's copy is left out of the library");
                    }
                    first_error = first_error.or(Some(error));
                }
            }
        }
        if let (true, Some(error)) = (files.is_empty(), first_error) {
            return Err(error.into());
        }
        let generation = self.archive.generation();
        let mut view = self.view.lock();
        if let Some(current) = view.as_ref().filter(|view| view.is_for(&files, generation)) {
            return Ok(current.clone());
        }
        // The view being replaced goes first (unless a request still reads it): it is tens of MB
        // for a large library, and building the next needs nothing of it.
        drop(view.take());
        let names: Vec<String> = self.devices.iter().map(|(name, _)| name.clone()).collect();
        let started = std::time::Instant::now();
        let built =
            Arc::new(LibraryView::build((files, &names), (self.archive.clone(), self.edits.clone()), generation)?);
        let elapsed_ms = started.elapsed().as_millis() as u64;
        tracing::info!(key = %built.key(), entries = built.item_count(), elapsed_ms, "library view built");
        *view = Some(built.clone());
        Ok(built)
    }

    /// Takes `snapshot` (a version just installed, or the one served at start) into the
    /// archive (blocking).
    pub fn ingest(&self, device: &str, snapshot: &Snapshot) -> Result<IngestReport, ShelfError> {
        if !self.archive.has_ingested(device, &snapshot.version)? {
            // Any view is stale once the archive changes: freed now (with the previous version
            // of the file it holds, once no request reads it), not after the ingest's peak.
            drop(self.view.lock().take());
        }
        let report = self.archive.ingest(device, snapshot);
        crate::memory::release_freed();
        Ok(report?)
    }

    /// Builds the current view's search index if it has none yet (blocking; run after an
    /// ingest so the first search does not wait).
    pub fn prepare_search(&self) -> Result<(), ShelfError> {
        let view = self.current()?;
        if !view.is_whole() {
            // Another device's version is still to come or to be taken in: its ingest builds
            // the index of the view that follows (this one's would be thrown away, and reading
            // books from a file not ingested is slow in bulk). A device that never syncs leaves
            // the index to the first search.
            return Ok(());
        }
        let prepared = self.search.prepare(&view.key(), |add| view.for_each_passage(add)).map(drop);
        crate::memory::release_freed();
        prepared
    }

    /// Every highlight and note of `view` matching what the reader typed (see `search`), with
    /// what the reader added on the web.
    pub fn search(&self, view: &LibraryView, input: &str, filter: &SearchFilter) -> Result<SearchResults, ShelfError> {
        let marked = if filter.by_edits() { Some(self.edits.marked(filter)?) } else { None };
        let key = view.key();
        let passages = |add: Passages<'_, ShelfError>| view.for_each_passage(add);
        let mut results = self.search.search((&key, passages), input, filter, marked.as_deref())?;
        self.edits.add_to_hits(&mut results.hits)?;
        Ok(results)
    }

    /// What the archive holds, its file and the file's size in bytes.
    pub fn archive_counts(&self) -> Result<(ArchiveCounts, PathBuf, u64), ShelfError> {
        let (path, bytes) = self.archive.file();
        Ok((self.archive.counts()?, path.to_path_buf(), bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        archive::SINGLE_DEVICE,
        demo::{write_library, DemoOptions},
        export::AnnotationRow,
    };

    /// The shelf of the demo library in `dir` (its file `dir/KoboReader.sqlite`), with its
    /// device's file and the reader's edits.
    fn demo_shelf(dir: &std::path::Path) -> (Shelf, Arc<LibraryStore>, Arc<AnnotationEdits>) {
        write_library(&dir.join("KoboReader.sqlite"), &DemoOptions::default()).unwrap();
        let device = Arc::new(LibraryStore::new(dir.join("KoboReader.sqlite")));
        let archive = Arc::new(Archive::open(dir).unwrap());
        let edits = Arc::new(AnnotationEdits::open(dir, None).unwrap());
        let devices = vec![(SINGLE_DEVICE.to_string(), device.clone())];
        (Shelf::new(devices, archive, edits.clone(), SearchIndex::new(dir)), device, edits)
    }

    #[test]
    fn an_edit_builds_no_new_view_and_the_page_counts_it() {
        let dir = tempfile::tempdir().unwrap();
        let (shelf, device, edits) = demo_shelf(dir.path());
        shelf.ingest(SINGLE_DEVICE, &device.current().unwrap()).unwrap();
        let view = shelf.current().unwrap();
        let book = view.book(crate::demo::WAR_AND_PEACE_ID).unwrap();
        let starred = &book.chapters[0].highlights[0].id;
        edits.apply(starred, crate::edits::EditChange { favourite: Some(true), ..Default::default() }, 1).unwrap();

        assert!(Arc::ptr_eq(&view, &shelf.current().unwrap()), "the same view after an edit");
        let mut page = view.page(&crate::model::LibraryQuery::default()).items;
        view.add_favourites(&mut page).unwrap();
        let counted: Vec<(&str, u32)> =
            page.iter().filter(|item| item.favourites > 0).map(|item| (item.id.as_str(), item.favourites)).collect();
        assert_eq!(counted, [(book.summary.id.as_str(), 1)]);

        // One annotation read alone is as the whole book's page has it.
        let book = view.book(crate::demo::WAR_AND_PEACE_ID).unwrap();
        for row in AnnotationRow::of_book(&book) {
            let alone = view.annotation_in_book(row.highlight_id).unwrap();
            assert_eq!(AnnotationRow::of_book(&alone).collect::<Vec<_>>(), [row]);
        }
        assert!(matches!(view.annotation_in_book("no-such-annotation"), Err(ShelfError::NotFound)));
    }

    #[test]
    fn the_previous_view_and_its_file_are_dropped_after_their_last_reader() {
        let dir = tempfile::tempdir().unwrap();
        let (shelf, device, _) = demo_shelf(dir.path());
        let reading = shelf.current().unwrap();
        let (first_view, first_file) = (Arc::downgrade(&reading), Arc::downgrade(&device.current().unwrap()));

        // A sync installs a new version while a request still reads the first view.
        let downloaded = dir.path().join(".tmp_kobo_next.sqlite");
        write_library(&downloaded, &DemoOptions { books: 3, ..DemoOptions::default() }).unwrap();
        let next = device.load_before_swap(&downloaded).unwrap();
        std::fs::rename(&downloaded, device.path()).unwrap();
        device.install(next);
        let now = shelf.current().unwrap();
        assert!(!Arc::ptr_eq(&now, &reading), "a view of the new version");
        assert!(first_view.upgrade().is_some() && first_file.upgrade().is_some(), "kept for its reader");
        drop(reading);
        assert!(first_view.upgrade().is_none(), "the first view is freed with its last reader");
        assert!(first_file.upgrade().is_none(), "and so is its version of the file");
    }
}

#[cfg(test)]
mod several_kobos_tests;
