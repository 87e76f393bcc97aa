//! Reading a Kobo `KoboReader.sqlite`: the library list and book pages, tolerant of old
//! firmwares, odd values and foreign files (see `shared/reference/kobo-format.md`).

mod book;
mod chapters;
mod collections;
mod library;
mod passages;
mod schema;
mod stats;
mod store;
mod text;
mod walk;

pub use library::PAGE_SIZE;
pub use passages::Passage;
use walk::Locations;

pub use store::{describe_sqlite_error, open_read_only, sqlite_header, FileIdentity, LibraryStore, Snapshot};

use crate::model::{BookDetail, BookSummary, LibraryListing, LibraryQuery, ReadingStats, ShelfError};
use std::{collections::HashSet, sync::Arc};

/// What makes an open database no Kobo library (a missing table or column), if anything.
pub fn kobo_schema_problem(conn: &rusqlite::Connection) -> Option<String> {
    schema::Columns::detect(conn).err()
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
            let locations = match self.locations.get() {
                Some(locations) => locations,
                None => {
                    let read = Locations::read(conn)?;
                    self.locations.get_or_init(|| read)
                }
            };
            walk::for_each_book(conn, (&self.columns, &self.index, locations), also, each)
        })
        .ok_or_else(|| ShelfError::Unreadable("the library file changed while it was read".into()))?
    }

    /// The list entry of any copy's ContentID.
    pub fn summary_of(&self, id: &str) -> Option<&BookSummary> {
        self.index.entry(id).map(|(summary, _)| summary)
    }

    /// The ContentIDs of every copy of the item `id` names (none if it names no item).
    pub fn copies_of(&self, id: &str) -> Vec<String> {
        self.index.entry(id).map(|(_, copies)| copies.to_vec()).unwrap_or_default()
    }

    /// Every list entry's book page, read in one pass (the library export).
    pub fn all_books(&self) -> Result<Vec<BookDetail>, ShelfError> {
        self.with_connection(|conn| book::all_book_details(conn, &self.columns, self.index.entries()))
            .ok_or_else(|| ShelfError::Unreadable("the library file changed while it was read".into()))?
            .map_err(|err| ShelfError::Unreadable(format!("its books cannot be read ({err})")))
    }

    /// Reading statistics of this version with the archive's `deleted` annotations (computed,
    /// and `deleted` read, once per version: the archive takes in a version before the sync
    /// reports it).
    pub fn reading_stats(
        &self,
        deleted: impl FnOnce() -> Result<Vec<Passage>, ShelfError>,
    ) -> Result<ReadingStats, ShelfError> {
        if let Some(stats) = self.stats.get() {
            return Ok(stats.clone());
        }
        let deleted = deleted()?;
        let stats = self
            .with_connection(|conn| stats::reading_stats(conn, &self.columns, &self.index, &deleted))
            .ok_or_else(|| ShelfError::Unreadable("the library file changed while it was read".into()))?
            .map_err(|err| ShelfError::Unreadable(format!("its statistics cannot be read ({err})")))?;
        Ok(self.stats.get_or_init(|| stats).clone())
    }

    /// One page of the library list.
    pub fn library_listing(&self, query: &LibraryQuery) -> LibraryListing {
        self.index.query(query)
    }

    /// Every list entry matching `query`, unpaged (the read API).
    pub fn matching_books(&self, query: &LibraryQuery) -> Vec<&BookSummary> {
        self.index.matching(query)
    }

    /// The book page of any copy's ContentID: `None` if this file has no such item, `Some(None)`
    /// if the file was swapped and no connection to this version is left.
    fn book(&self, id: &str) -> Option<Option<Result<BookDetail, ShelfError>>> {
        let (summary, copies) = self.index.entry(id)?;
        let detail = self.with_connection(|conn| {
            book::book_detail(conn, &self.columns, summary, copies)
                .map_err(|err| ShelfError::Unreadable(format!("this book cannot be read ({err})")))
        });
        Some(detail)
    }
}

impl LibraryStore {
    /// The book page for a ContentID, read from `snapshot` (the request's file version) or, if
    /// that file has been swapped meanwhile, from the current one.
    pub fn book(&self, snapshot: Arc<Snapshot>, id: &str) -> Result<BookDetail, ShelfError> {
        match snapshot.book(id).ok_or(ShelfError::NotFound)? {
            Some(detail) => detail,
            None => {
                let current = self.current()?;
                current.book(id).ok_or(ShelfError::NotFound)?.unwrap_or_else(|| {
                    Err(ShelfError::Unreadable("the library file changed while it was read; reload the page".into()))
                })
            }
        }
    }
}
