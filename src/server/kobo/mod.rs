//! Reading a Kobo `KoboReader.sqlite`: the library list and book pages, tolerant of old
//! firmwares, odd values and foreign files (see `shared/reference/kobo-format.md`).

mod book;
mod chapters;
mod collections;
mod health;
mod library;
mod passages;
mod reading;
mod schema;
mod stats;
mod store;
mod text;
mod walk;

pub use library::{ArchivedEntries, PAGE_SIZE};
pub use passages::Passage;
pub use reading::{ReadingHistory, ReadingRecord, ReadingSession, RunningTotal};
pub use stats::ArchivedHistory;
pub use store::{
    describe_sqlite_error, open_read_only, open_shared_read_only, sqlite_header, FileIdentity, LibraryStore, Snapshot,
};

use crate::model::{BookDetail, BookSummary, LibraryListing, LibraryQuery, PlacementReport, ReadingStats, ShelfError};
use std::{collections::HashSet, sync::Arc};
use walk::Locations;

/// What makes an open database no Kobo library (a missing table or column), if anything.
pub fn kobo_schema_problem(conn: &rusqlite::Connection) -> Option<String> {
    schema::Columns::detect(conn).err()
}

/// The `ImageId`s of the library's items (books, articles…), which name their covers.
pub fn item_image_ids(conn: &rusqlite::Connection) -> Result<Vec<String>, String> {
    let columns = schema::Columns::detect(conn)?;
    let sql = format!(
        "SELECT DISTINCT {image_id} FROM content WHERE {top_level} AND {image_id} IS NOT NULL",
        image_id = columns.content("ImageId"),
        top_level = columns.top_level_item(),
    );
    let read = || -> rusqlite::Result<Vec<String>> {
        let mut statement = conn.prepare(&sql)?;
        let ids = statement.query_map([], |row| schema::text_at(row, 0))?;
        Ok(ids.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().flatten().collect())
    };
    read().map_err(|err| format!("its covers cannot be listed ({err})"))
}

impl Snapshot {
    /// Items in the library (duplicates counted once).
    pub fn item_count(&self) -> usize {
        self.index.len()
    }

    /// Calls `each` with every highlight and note, with book and chapter (for the search index).
    pub fn for_each_passage(&self, mut each: impl FnMut(Passage) -> rusqlite::Result<()>) -> Result<(), ShelfError> {
        self.for_each_book(&HashSet::new(), |book, _| {
            passages::of_book(book)
                .try_for_each(&mut each)
                .map_err(|err| ShelfError::Unreadable(format!("the search index cannot be written ({err})")))
        })
    }

    /// Calls `each` with the page of every book that has annotations, and of every book `also`
    /// names, one at a time with the ContentIDs of its copies (see `walk::for_each_book`).
    pub fn for_each_book(
        &self,
        also: &HashSet<String>,
        each: impl FnMut(BookDetail, &[String]) -> Result<(), ShelfError>,
    ) -> Result<(), ShelfError> {
        self.with_connection(|conn| {
            let locations = self.locations(conn)?;
            walk::for_each_book(conn, (&self.columns, &self.index, locations), also, each)
        })
        .ok_or_else(|| ShelfError::Unreadable("the library file changed while it was read".into()))?
    }

    /// Where each book's rows are, found once per version.
    fn locations(&self, conn: &rusqlite::Connection) -> Result<&Locations, ShelfError> {
        match self.locations.get() {
            Some(locations) => Ok(locations),
            None => {
                let read = Locations::read(conn)?;
                Ok(self.locations.get_or_init(|| read))
            }
        }
    }

    /// How this version's annotations were placed, and which have no chapter (see `health`).
    pub fn placement_report(&self) -> Result<PlacementReport, ShelfError> {
        self.with_connection(|conn| {
            let locations = self.locations(conn)?;
            health::placement_report(conn, &self.columns, locations)
                .map_err(|err| ShelfError::Unreadable(format!("its annotations cannot be read ({err})")))
        })
        .ok_or_else(|| ShelfError::Unreadable("the library file changed while it was read".into()))?
    }

    /// The list entry of any copy's ContentID.
    pub fn summary_of(&self, id: &str) -> Option<&BookSummary> {
        self.index.entry(id).map(|(summary, _)| summary)
    }

    /// The list entry of any copy's ContentID with its cover's `ImageId`, if it has one.
    pub fn cover_of(&self, id: &str) -> Option<(&BookSummary, Option<&str>)> {
        self.index.entry(id).map(|(summary, _)| (summary, self.index.image_id(id)))
    }

    /// The ContentIDs of every copy of the item `id` names (none if it names no item).
    pub fn copies_of(&self, id: &str) -> Vec<String> {
        self.index.entry(id).map(|(_, copies)| copies.to_vec()).unwrap_or_default()
    }

    /// The reading sessions and running totals this version records (the archive's ingest).
    pub fn reading_record(&self) -> Result<ReadingRecord, ShelfError> {
        self.read("its reading time", |conn| reading::reading_record(conn, &self.columns))
    }

    /// Reading statistics of this version with what the archive kept (computed, and `archived`
    /// read, once per version: the archive takes in a version before the sync reports it).
    pub fn reading_stats(
        &self,
        archived: impl FnOnce() -> Result<ArchivedHistory, ShelfError>,
    ) -> Result<ReadingStats, ShelfError> {
        if let Some(stats) = self.stats.get() {
            return Ok(stats.clone());
        }
        let archived = archived()?;
        let stats =
            self.read("its statistics", |conn| stats::reading_stats(conn, &self.columns, &self.index, &archived))?;
        Ok(self.stats.get_or_init(|| stats).clone())
    }

    /// One page of the library list.
    pub fn library_listing(&self, query: &LibraryQuery) -> LibraryListing {
        self.index.query(query)
    }

    /// One page of the library list with what the archive adds (`archived`, read and merged
    /// once per archive `generation`: the archive changes only when it ingests).
    pub fn archived_listing(
        &self,
        query: &LibraryQuery,
        generation: i64,
        archived: impl FnOnce() -> Result<ArchivedEntries, ShelfError>,
    ) -> Result<LibraryListing, ShelfError> {
        let cached = self.archived_index.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
        let index = match cached {
            Some((built_for, index)) if built_for == generation => index,
            _ => {
                let index = Arc::new(self.index.with_archived(&archived()?));
                *self.archived_index.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) =
                    Some((generation, index.clone()));
                index
            }
        };
        Ok(index.query(query))
    }

    /// Every list entry matching `query`, unpaged (the read API).
    pub fn matching_books(&self, query: &LibraryQuery) -> Vec<&BookSummary> {
        self.index.matching(query)
    }

    /// The book page of any copy's ContentID (`Part::FactsOnly`: without its annotations):
    /// `None` if this file has no such item, `Some(None)` if the file was swapped and no
    /// connection to this version is left.
    fn book(&self, id: &str, part: Part) -> Option<Option<Result<BookDetail, ShelfError>>> {
        let (summary, copies) = self.index.entry(id)?;
        let detail = self.with_connection(|conn| {
            let detail = match part {
                Part::Whole => book::book_detail(conn, &self.columns, summary, copies),
                Part::FactsOnly => book::book_facts(conn, &self.columns, summary),
            };
            detail.map_err(|err| ShelfError::Unreadable(format!("this book cannot be read ({err})")))
        });
        Some(detail)
    }

    /// Runs `work` on this version's file; `what` names what it reads in the error.
    fn read<T>(
        &self,
        what: &str,
        work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, ShelfError> {
        self.with_connection(work)
            .ok_or_else(|| ShelfError::Unreadable("the library file changed while it was read".into()))?
            .map_err(|err| ShelfError::Unreadable(format!("{what} cannot be read ({err})")))
    }
}

/// How much of a book page to read from the device's file.
#[derive(Clone, Copy)]
enum Part {
    Whole,
    /// Metadata only: the annotations come from the archive.
    FactsOnly,
}

impl LibraryStore {
    /// The book page for a ContentID, read from `snapshot` (the request's file version) or, if
    /// that file has been swapped meanwhile, from the current one.
    pub fn book(&self, snapshot: Arc<Snapshot>, id: &str) -> Result<BookDetail, ShelfError> {
        self.book_part(snapshot, id, Part::Whole)
    }

    /// The book page without annotations (for pages that take them from the archive).
    pub fn book_facts(&self, snapshot: Arc<Snapshot>, id: &str) -> Result<BookDetail, ShelfError> {
        self.book_part(snapshot, id, Part::FactsOnly)
    }

    fn book_part(&self, snapshot: Arc<Snapshot>, id: &str, part: Part) -> Result<BookDetail, ShelfError> {
        match snapshot.book(id, part).ok_or(ShelfError::NotFound)? {
            Some(detail) => detail,
            None => {
                let current = self.current()?;
                current.book(id, part).ok_or(ShelfError::NotFound)?.unwrap_or_else(|| {
                    Err(ShelfError::Unreadable("the library file changed while it was read; reload the page".into()))
                })
            }
        }
    }
}
