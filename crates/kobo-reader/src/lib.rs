//! Reading one Kobo `KoboReader.sqlite`: its items, books with their annotations placed in
//! chapters, reading time and what statistics count, tolerant of old firmwares, odd values and
//! foreign files (the layouts are in kobo-shelf's `docs/kobo-formats.md`).
//!
//! SQLite only: no async runtime, no web framework. It returns what the file says in its own
//! records ([`Item`], [`Book`], [`Annotation`]…) and knows nothing of earlier versions of the
//! file: merging versions (what the device deleted) is for whoever keeps them.
//!
//! ```no_run
//! let store = kobo_reader::LibraryStore::new("KoboReader.sqlite".into());
//! let library = store.current()?;
//! for entry in library.entries() {
//!     let book = library.book(entry)?;
//!     println!("{}: {} chapters", book.item.title, book.chapters.len());
//! }
//! # Ok::<(), kobo_reader::KoboError>(())
//! ```

mod book;
mod chapters;
mod collections;
mod dates;
mod error;
mod health;
mod library;
mod reading;
mod records;
mod schema;
mod stats;
mod store;
mod text;
mod walk;

pub use dates::normalize_date;
pub use error::{describe_sqlite_error, KoboError};
pub use health::{ChapterRule, PlacementReport, SectionRule, Unplaced, UnplacedAnnotation};
pub use library::{fold, Entry};
pub use reading::{ReadingRecord, ReadingSession, RunningTotal};
pub use records::{Annotation, Book, Chapter, HighlightColor, Item, ItemKind, ReadStatus};
pub use stats::{CountedAnnotation, ItemReading};
pub use store::{open_read_only, open_shared_read_only, sqlite_header, FileIdentity, LibraryStore, Snapshot};

use walk::Locations;
pub use walk::{Books, Fingerprint};

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

    /// Calls `each` with the page of every book `books` names, one at a time with the
    /// ContentIDs of its copies (see `walk::for_each_book`).
    pub fn for_each_book<E: From<KoboError>>(
        &self,
        books: Books,
        each: impl FnMut(Book, &[String]) -> Result<(), E>,
    ) -> Result<(), E> {
        self.with_connection(|conn| {
            let locations = self.locations(conn)?;
            walk::for_each_book(conn, (&self.columns, &self.entries, locations), books, each)
        })
        .ok_or(KoboError::Swapped)?
    }

    /// Every entry with annotations, with the fingerprint of the rows its page's annotations
    /// and chapters are made of, in the order a walk gives them: an entry whose fingerprint is
    /// as before has the same annotations in the same chapters. Reads no annotation, only the
    /// rows' stored bytes.
    pub fn book_fingerprints(&self) -> Result<Vec<(&Entry, Fingerprint)>, KoboError> {
        self.with_connection(|conn| Ok(walk::fingerprints(&self.entries, self.locations(conn)?)))
            .ok_or(KoboError::Swapped)?
    }

    /// Where each book's rows are, found once per version.
    fn locations(&self, conn: &rusqlite::Connection) -> Result<&Locations, KoboError> {
        match self.locations.get() {
            Some(locations) => Ok(locations),
            None => {
                let read = Locations::read(conn, &self.columns)?;
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

    /// Calls `each` with every highlight and note the statistics count.
    pub fn for_each_counted_annotation(&self, each: impl FnMut(CountedAnnotation)) -> Result<(), KoboError> {
        self.read("its statistics", |conn| stats::for_each_counted_annotation(conn, &self.columns, each))
    }

    /// Each top-level row's reading (finished, when, time spent): one per copy of an item.
    pub fn item_readings(&self) -> Result<Vec<ItemReading>, KoboError> {
        self.read("its statistics", |conn| stats::item_readings(conn, &self.columns))
    }

    /// The book of `entry` (an entry of this file) with the annotations of all its copies.
    pub fn book(&self, entry: &Entry) -> Result<Book, KoboError> {
        self.read("this book", |conn| book::book_detail(conn, &self.columns, &entry.item, &entry.copies))
    }

    /// The book of `entry` without its annotations (for a reader that keeps them elsewhere).
    pub fn book_facts(&self, entry: &Entry) -> Result<Book, KoboError> {
        self.read("this book", |conn| book::book_facts(conn, &self.columns, &entry.item))
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
