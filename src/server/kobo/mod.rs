//! Reading one Kobo `KoboReader.sqlite`: its items, book pages, reading time and statistics,
//! tolerant of old firmwares, odd values and foreign files (see `shared/reference/kobo-format.md`).
//! It knows nothing of the archive: `shelf` merges what a file says with what earlier versions
//! said.

mod book;
mod chapters;
mod collections;
mod error;
mod health;
mod library;
mod passages;
mod reading;
mod schema;
mod stats;
mod store;
mod text;
mod walk;

pub use error::{describe_sqlite_error, KoboError};
pub use library::{fold, Entry};
pub use passages::Passage;
pub use reading::{ReadingHistory, ReadingRecord, ReadingSession, RunningTotal};
pub use stats::{top_ranked, EarlierHistory};
pub use store::{open_read_only, open_shared_read_only, sqlite_header, FileIdentity, LibraryStore, Snapshot};

use crate::model::{BookDetail, PlacementReport, ReadingStats};
use std::collections::HashSet;
use walk::Locations;

/// What makes an open database no Kobo library (a missing table or column), if anything.
pub fn kobo_schema_problem(conn: &rusqlite::Connection) -> Option<KoboError> {
    schema::Columns::detect(conn).err()
}

/// The `ImageId`s of the library's items (books, articles…), which name their covers.
pub fn item_image_ids(conn: &rusqlite::Connection) -> Result<Vec<String>, KoboError> {
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
    read().map_err(KoboError::reading("its covers"))
}

impl Snapshot {
    /// The file's items, copies merged, in the order of folded titles.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// The entry of any copy's ContentID.
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.entry(id)
    }

    /// Calls `each` with every highlight and note of the file, with book and chapter.
    pub fn for_each_passage<E: From<KoboError>>(
        &self,
        mut each: impl FnMut(Passage) -> Result<(), E>,
    ) -> Result<(), E> {
        self.for_each_book(&HashSet::new(), |book, _| passages::of_book(book).try_for_each(&mut each))
    }

    /// Calls `each` with the page of every book that has annotations, and of every book `also`
    /// names, one at a time with the ContentIDs of its copies (see `walk::for_each_book`).
    pub fn for_each_book<E: From<KoboError>>(
        &self,
        also: &HashSet<String>,
        each: impl FnMut(BookDetail, &[String]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.with_connection(|conn| {
            let locations = self.locations(conn)?;
            walk::for_each_book(conn, (&self.columns, &self.entries, locations), also, each)
        })
        .ok_or(KoboError::Swapped)?
    }

    /// Where each book's rows are, found once per version.
    fn locations(&self, conn: &rusqlite::Connection) -> Result<&Locations, KoboError> {
        match self.locations.get() {
            Some(locations) => Ok(locations),
            None => {
                let read = Locations::read(conn)?;
                Ok(self.locations.get_or_init(|| read))
            }
        }
    }

    /// How this version's annotations were placed, and which have no chapter (see `health`).
    pub fn placement_report(&self) -> Result<PlacementReport, KoboError> {
        self.with_connection(|conn| {
            let locations = self.locations(conn)?;
            health::placement_report(conn, &self.columns, locations).map_err(KoboError::reading("its annotations"))
        })
        .ok_or(KoboError::Swapped)?
    }

    /// The reading sessions and running totals this version records (the archive's ingest).
    pub fn reading_record(&self) -> Result<ReadingRecord, KoboError> {
        self.read("its reading time", |conn| reading::reading_record(conn, &self.columns))
    }

    /// Reading statistics of this file, with what `earlier` versions held that it does not.
    pub fn reading_stats(&self, earlier: &EarlierHistory) -> Result<ReadingStats, KoboError> {
        self.read("its statistics", |conn| stats::reading_stats(conn, &self.columns, &self.entries, earlier))
    }

    /// The book page of `entry` (an entry of this file) with its annotations.
    pub fn book(&self, entry: &Entry) -> Result<BookDetail, KoboError> {
        self.read("this book", |conn| book::book_detail(conn, &self.columns, &entry.summary, &entry.copies))
    }

    /// The book page of `entry` without its annotations (they come from the archive).
    pub fn book_facts(&self, entry: &Entry) -> Result<BookDetail, KoboError> {
        self.read("this book", |conn| book::book_facts(conn, &self.columns, &entry.summary))
    }

    /// Runs `work` on this version's file; `what` names what it reads in the error. Fails with
    /// [`KoboError::Swapped`] when the file was replaced and no connection to it is left.
    fn read<T>(
        &self,
        what: &'static str,
        work: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> Result<T, KoboError> {
        self.with_connection(work).ok_or(KoboError::Swapped)?.map_err(KoboError::reading(what))
    }
}
