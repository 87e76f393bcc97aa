//! One library view: the device's file at one version merged with the archive at one
//! generation. Every way of reading the library (pages, read API, exports, search, statistics)
//! reads it through a view, so they agree on which books exist and on every count:
//! - a book's `highlight_count` is its highlights and notes (never markups), those the device
//!   deleted included; `deleted_on_device` is how many of them the device deleted;
//! - a book the device no longer has, whose annotations the archive keeps, is listed, marked
//!   `removed_from_device`, with all of them counted as deleted on the device.

use super::{
    listing::Listing,
    stats::{reading_stats, EarlierHistory},
    ShelfError,
};
use crate::{
    archive::{Archive, DeletedCount, SINGLE_DEVICE},
    edits::AnnotationEdits,
    model::{
        BookDetail, BookSummary, Chapter, DeletionWave, LibraryListing, LibraryQuery, LibrarySort, PlacementReport,
        ReadingStats,
    },
    search::{Passage, Passages},
};
use kobo_reader::{Books, Entry, Snapshot};
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, OnceLock},
};

pub struct LibraryView {
    device: Arc<Snapshot>,
    generation: i64,
    archive: Arc<Archive>,
    edits: Arc<AnnotationEdits>,
    /// Whether the archive had taken in `device`'s version when the view was made: then a
    /// book's annotations come from its indexed tables, else from the file.
    ingested: bool,
    listing: Listing,
    /// Any book id (a device copy's or a removed book's) → its entry's position in `listing`.
    by_id: HashMap<String, usize>,
    /// Book ids (as ingested) with annotations deleted on the device.
    with_deleted: HashSet<String>,
    /// Books only the archive still knows, by id.
    removed: Vec<String>,
    /// The last ingested version deleted many annotations at once.
    deletion_wave: Option<DeletionWave>,
    stats: OnceLock<ReadingStats>,
}

impl LibraryView {
    /// Merges `device` with what `archive` holds at `generation` (blocking: reads the archive).
    pub fn build(
        device: Arc<Snapshot>,
        (archive, edits): (Arc<Archive>, Arc<AnnotationEdits>),
        generation: i64,
    ) -> Result<LibraryView, ShelfError> {
        let ingested = archive.has_ingested(SINGLE_DEVICE, &device.version)?;
        let deleted = archive.deleted_counts()?;
        let mut summaries: Vec<BookSummary> = device.entries().map(|entry| merged_summary(entry, &deleted)).collect();
        let mut by_id: HashMap<String, usize> = HashMap::new();
        for (position, entry) in device.entries().enumerate() {
            by_id.extend(entry.copies.iter().map(|copy| (copy.clone(), position)));
        }
        let mut removed = Vec::new();
        for (id, count) in &deleted {
            if device.entry(id).is_some() {
                continue;
            }
            if let Some(mut summary) = archive.last_known(id)? {
                (summary.highlight_count, summary.deleted_on_device) = (count.highlights, count.highlights);
                summary.removed_from_device = true;
                by_id.insert(id.clone(), summaries.len());
                summaries.push(summary);
                removed.push(id.clone());
            }
        }
        removed.sort();
        let with_deleted = deleted.into_keys().collect();
        let listing = Listing::new(summaries);
        let deletion_wave = archive.last_deletion_wave()?;
        Ok(LibraryView {
            device,
            generation,
            archive,
            edits,
            ingested,
            listing,
            by_id,
            with_deleted,
            removed,
            deletion_wave,
            stats: OnceLock::new(),
        })
    }

    /// The device file's version this view shows (what the sync badge compares).
    pub fn device_version(&self) -> &str {
        &self.device.version
    }

    /// Changes whenever what the view shows can: the device version and archive generation.
    pub fn key(&self) -> String {
        format!("{}-g{}", self.device.version, self.generation)
    }

    /// Whether the view shows `device` and the archive at `generation` (the reader's edits are
    /// read as pages need them: an edit builds no new view).
    pub(super) fn is_for(&self, device: &Arc<Snapshot>, generation: i64) -> bool {
        Arc::ptr_eq(&self.device, device) && self.generation == generation
    }

    /// Entries in the library, books removed from the device included.
    pub fn item_count(&self) -> usize {
        self.listing.len()
    }

    /// One page of the list, with the deletion wave of the last ingest, if it was one.
    pub fn page(&self, query: &LibraryQuery) -> LibraryListing {
        LibraryListing { deletion_wave: self.deletion_wave, ..self.listing.page(query) }
    }

    /// Sets each of `items`' favourite count (★ N) from the reader's edits as they are now.
    pub fn add_favourites(&self, items: &mut [BookSummary]) -> Result<(), ShelfError> {
        let mut per_entry: HashMap<&str, u32> = HashMap::new();
        for (book, count) in self.edits.favourites_per_book()? {
            if let Some(summary) = self.summary(&book) {
                *per_entry.entry(summary.id.as_str()).or_default() += count;
            }
        }
        for item in items {
            item.favourites = per_entry.get(item.id.as_str()).copied().unwrap_or(0);
        }
        Ok(())
    }

    /// Every entry matching `query`, unpaged.
    pub fn matching(&self, query: &LibraryQuery) -> Vec<&BookSummary> {
        self.listing.matching(query)
    }

    /// The entry of any book id (any copy's ContentID, or a removed book's).
    pub fn summary(&self, id: &str) -> Option<&BookSummary> {
        self.by_id.get(id).map(|&position| self.listing.at(position))
    }

    /// The entry of `id` and its cover's `ImageId`, if the device has one.
    pub fn cover_of(&self, id: &str) -> Option<(&BookSummary, Option<&str>)> {
        let summary = self.summary(id)?;
        Some((summary, self.device.entry(id).and_then(|entry| entry.image_id.as_deref())))
    }

    /// A book's page: what the device says of it with every annotation the archive keeps.
    pub fn book(&self, id: &str) -> Result<BookDetail, ShelfError> {
        let summary = self.summary(id).ok_or(ShelfError::NotFound)?.clone();
        let mut book = match self.device.entry(id) {
            Some(entry) if self.ingested => {
                let mut book = BookDetail::from(self.device.book_facts(entry)?);
                self.archive.add_annotations(&mut book, &entry.copies)?;
                book
            }
            Some(entry) => {
                let mut book = BookDetail::from(self.device.book(entry)?);
                self.archive.add_deleted(&mut book, &entry.copies)?;
                book
            }
            None => {
                let mut book = BookDetail::from_summary(summary.clone());
                self.archive.add_deleted(&mut book, std::slice::from_ref(&summary.id))?;
                book
            }
        };
        book.summary = summary;
        self.edits.add_to(&mut book)?;
        Ok(book)
    }

    /// The annotation `bookmark_id` alone in its book: the book's entry and one chapter (its
    /// own) holding it, as the archive last took it in, with what the reader added on the web.
    /// Reads one annotation, not the book's thousands; [`ShelfError::NotFound`] for one the
    /// library does not have.
    pub fn annotation_in_book(&self, bookmark_id: &str) -> Result<BookDetail, ShelfError> {
        let found = self.archive.annotation(bookmark_id)?.ok_or(ShelfError::NotFound)?;
        let summary = self.summary(&found.book_id).ok_or(ShelfError::NotFound)?.clone();
        let mut book = BookDetail::from_summary(summary);
        book.chapters.push(Chapter { title: found.chapter, highlights: vec![found.highlight] });
        self.edits.add_to(&mut book)?;
        Ok(book)
    }

    /// Calls `each` with the page of every book that has annotations, live or deleted on the
    /// device, one at a time (memory holds one book), then the books removed from the device.
    pub fn for_each_book(&self, mut each: impl FnMut(&BookDetail) -> Result<(), ShelfError>) -> Result<(), ShelfError> {
        self.device.for_each_book(
            Books::WithAnnotationsAnd(&self.with_deleted),
            |book, copies| -> Result<(), ShelfError> {
                let mut book = BookDetail::from(book);
                // Only books the archive names are looked up: a query per book would read the
                // whole archive into its connection's cache.
                if copies.iter().any(|copy| self.with_deleted.contains(copy)) {
                    self.archive.add_deleted(&mut book, copies)?;
                }
                if let Some(summary) = self.summary(&book.summary.id) {
                    book.summary = summary.clone();
                }
                self.edits.add_to(&mut book)?;
                each(&book)
            },
        )?;
        self.removed.iter().try_for_each(|id| each(&self.book(id)?))
    }

    /// Every highlight and note (not markups) for the search index, under its list entry.
    pub fn for_each_passage(&self, each: Passages<'_, ShelfError>) -> Result<(), ShelfError> {
        let with_entry = |mut passage: Passage| {
            if let Some(summary) = self.summary(&passage.book_id) {
                passage.book_id.clone_from(&summary.id);
                passage.book_title.clone_from(&summary.title);
                passage.author.clone_from(&summary.author);
            }
            passage
        };
        self.device.for_each_book(Books::WithAnnotationsAnd(&HashSet::new()), |book, _| {
            passages_of(BookDetail::from(book)).try_for_each(|passage| each(with_entry(passage)))
        })?;
        for passage in self.deleted_passages()? {
            each(with_entry(passage))?;
        }
        Ok(())
    }

    /// The highlights and notes the device deleted, as passages of their entries.
    fn deleted_passages(&self) -> Result<Vec<Passage>, ShelfError> {
        let deleted = self.archive.deleted_annotations()?;
        let passages =
            deleted.into_iter().filter(|annotation| !annotation.highlight.is_markup).filter_map(|annotation| {
                let summary = self.summary(&annotation.book_id)?;
                Some(Passage {
                    book_id: summary.id.clone(),
                    book_title: summary.title.clone(),
                    author: summary.author.clone(),
                    chapter: annotation.chapter,
                    highlight: annotation.highlight,
                })
            });
        Ok(passages.collect())
    }

    /// How the device file's annotations were placed, and which have no chapter.
    pub fn placement_report(&self) -> Result<PlacementReport, ShelfError> {
        Ok(self.device.placement_report()?.into())
    }

    /// The statistics page's figures (computed once per view).
    pub fn stats(&self) -> Result<ReadingStats, ShelfError> {
        if let Some(stats) = self.stats.get() {
            return Ok(stats.clone());
        }
        let earlier = EarlierHistory { deleted: self.deleted_passages()?, reading: self.archive.reading_history()? };
        let entries: Vec<&BookSummary> = self.listing.in_order(LibrarySort::Title).collect();
        let stats = reading_stats(&self.device, &earlier, &entries)?;
        Ok(self.stats.get_or_init(|| stats).clone())
    }
}

/// A device entry with what the device deleted of it (over all its copies).
fn merged_summary(entry: &Entry, deleted: &HashMap<String, DeletedCount>) -> BookSummary {
    let gone: u32 = entry.copies.iter().filter_map(|copy| deleted.get(copy)).map(|count| count.highlights).sum();
    let mut summary = BookSummary::from(&entry.item);
    summary.highlight_count += gone;
    summary.deleted_on_device = gone;
    summary
}

/// The book's highlights and notes with their chapter (markups have no text and are left out).
fn passages_of(book: BookDetail) -> impl Iterator<Item = Passage> {
    let summary = book.summary;
    book.chapters.into_iter().flat_map(move |chapter| {
        let summary = summary.clone();
        chapter.highlights.into_iter().filter(|h| !h.is_markup).map(move |highlight| Passage {
            book_id: summary.id.clone(),
            book_title: summary.title.clone(),
            author: summary.author.clone(),
            chapter: chapter.title.clone(),
            highlight,
        })
    })
}
