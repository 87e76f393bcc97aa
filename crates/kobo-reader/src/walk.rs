//! The whole library one book at a time: one scan of each table (no sort) finds where each
//! book's rows are ([`Locations`], kept with the snapshot: the search index's walk after a sync
//! makes it), then each book's rows are read by rowid, so the first book is ready at once and
//! memory holds one book (a heavy reader's file holds hundreds of thousands of annotations;
//! sorting them by book took most of the time before a download's first byte). The search
//! index and the library exports (zip, JSON, CSV) are made this way. The same scan
//! fingerprints the rows each book's page is made of, so the archive's ingest of a new version
//! reads only the books whose rows changed.

use super::{
    book::{assemble_book, locate_sql, rows, BookRow, Scope},
    chapters::{PlacedAnnotation, Section, TocEntry},
    error::KoboError,
    library::{Entries, Entry},
    schema::{text_of, Columns},
};
use crate::records::Book;
use rusqlite::{
    types::{Value, ValueRef},
    vtab::array::Array,
    Connection,
};
use std::{
    collections::{HashMap, HashSet},
    rc::Rc,
};
use xxhash_rust::xxh3::{xxh3_128, Xxh3};

/// The rows of one copy of a book.
type CopyRows = (Vec<Section>, Vec<TocEntry>, Vec<PlacedAnnotation>);

/// Books' ContentIDs with where their rows are.
type LocatedByBook = Vec<(String, Located)>;

/// What a book's page is made of, as stored: equal fingerprints, equal annotations in equal
/// chapters (see [`Locations::fingerprint`]).
pub type Fingerprint = [u8; 16];

/// In every fingerprint: change it whenever the same rows would make another page (how
/// `chapters` places annotations, what a `BookRow` reads), so every book is read once again.
const FINGERPRINT_LAYOUT: &[u8] = b"kobo-shelf book rows 1";

fn read_error(source: rusqlite::Error) -> KoboError {
    KoboError::Read { what: "its books", source }
}

/// Where one book's rows of a kind are, and what a page shows of them.
#[derive(Default)]
struct Located {
    rowids: Vec<i64>,
    /// The hash of the rowid and every value read of each row a page shows, in table order:
    /// the same rows give the same page.
    shown: Fingerprint,
}

/// Where each book's rows are in a file: rowids by the book's ContentID.
pub struct Locations {
    /// Annotations, books in the order they first appear in the table…
    annotations: LocatedByBook,
    /// …and each book's position there.
    annotations_at: HashMap<String, usize>,
    sections: HashMap<String, Located>,
    toc: HashMap<String, Located>,
}

impl Locations {
    /// One scan of each table.
    pub fn read(conn: &Connection, columns: &Columns) -> Result<Locations, KoboError> {
        let annotations = locate::<PlacedAnnotation>(conn, columns).map_err(read_error)?;
        Ok(Locations {
            annotations_at: annotations.iter().enumerate().map(|(at, (book, _))| (book.clone(), at)).collect(),
            annotations,
            sections: locate::<Section>(conn, columns).map_err(read_error)?.into_iter().collect(),
            toc: locate::<TocEntry>(conn, columns).map_err(read_error)?.into_iter().collect(),
        })
    }

    /// The fingerprint of what `entry`'s page is made of: each copy's annotations, sections
    /// and table of contents as stored, with [`FINGERPRINT_LAYOUT`].
    fn fingerprint(&self, entry: &Entry) -> Fingerprint {
        let mut bytes = FINGERPRINT_LAYOUT.to_vec();
        put_bytes(&mut bytes, entry.item.id.as_bytes());
        for copy in &entry.copies {
            put_bytes(&mut bytes, copy.as_bytes());
            let annotations = self.annotations_at.get(copy).map(|&at| &self.annotations[at].1);
            for located in [annotations, self.sections.get(copy), self.toc.get(copy)] {
                bytes.extend_from_slice(&located.map_or([0; 16], |located| located.shown));
            }
        }
        xxh3_128(&bytes).to_le_bytes()
    }
}

/// Where each book's rows of kind `T` are, books in the order they first appear, with the
/// fingerprint of the rows a page shows: their bytes as SQLite gives them, nothing decoded, each
/// row hashed at once. A book's rows mostly follow each other, so the last book is tried first.
fn locate<T: BookRow>(conn: &Connection, columns: &Columns) -> rusqlite::Result<LocatedByBook> {
    let mut statement = conn.prepare(&locate_sql::<T>(columns))?;
    let width = statement.column_count();
    let mut rows = statement.query([])?;
    let mut books: Vec<(String, Located, Xxh3)> = Vec::new();
    let mut position: HashMap<String, usize> = HashMap::new();
    let mut row_bytes = Vec::new();
    while let Some(row) = rows.next()? {
        // Borrowed: a copy per row was most of a scan's time.
        let Some(book) = text_of(row.get_ref(1)?) else { continue };
        let at = if books.last().is_some_and(|(last, ..)| *last == *book) {
            books.len() - 1
        } else if let Some(&at) = position.get(&*book) {
            at
        } else {
            position.insert(book.to_string(), books.len());
            books.push((book.into_owned(), Located::default(), Xxh3::new()));
            books.len() - 1
        };
        let (_, located, hash) = &mut books[at];
        let rowid: i64 = row.get(0)?;
        located.rowids.push(rowid);
        if row.get::<_, Option<bool>>(2)?.unwrap_or(false) {
            row_bytes.clear();
            row_bytes.extend_from_slice(&rowid.to_le_bytes());
            for index in 3..width {
                put_value(&mut row_bytes, row.get_ref(index)?);
            }
            hash.update(&row_bytes);
        }
    }
    Ok(books
        .into_iter()
        .map(|(book, located, hash)| (book, Located { shown: hash.digest128().to_le_bytes(), ..located }))
        .collect())
}

/// A value as SQLite holds it: its type, then its bytes (texts and blobs length-prefixed).
fn put_value(bytes: &mut Vec<u8>, value: ValueRef<'_>) {
    match value {
        ValueRef::Null => bytes.push(0),
        ValueRef::Integer(number) => {
            bytes.push(1);
            bytes.extend_from_slice(&number.to_le_bytes());
        }
        ValueRef::Real(number) => {
            bytes.push(2);
            bytes.extend_from_slice(&number.to_bits().to_le_bytes());
        }
        ValueRef::Text(text) => {
            bytes.push(3);
            put_bytes(bytes, text);
        }
        ValueRef::Blob(blob) => {
            bytes.push(4);
            put_bytes(bytes, blob);
        }
    }
}

fn put_bytes(bytes: &mut Vec<u8>, value: &[u8]) {
    bytes.extend_from_slice(&(value.len() as u64).to_le_bytes());
    bytes.extend_from_slice(value);
}

/// The rows of kind `T` at `located` (none without).
fn fetch<T: BookRow>(conn: &Connection, columns: &Columns, located: Option<&Located>) -> rusqlite::Result<Vec<T>> {
    let Some(located) = located else { return Ok(Vec::new()) };
    let array: Array = Rc::new(located.rowids.iter().map(|&rowid| Value::Integer(rowid)).collect());
    rows(conn, columns, Scope::Rows(&array))
}

/// The rows of the copy `volume`, whose annotations are at `annotations`.
fn copy_rows(
    conn: &Connection,
    columns: &Columns,
    locations: &Locations,
    (volume, annotations): (&str, &Located),
) -> rusqlite::Result<CopyRows> {
    Ok((
        fetch(conn, columns, locations.sections.get(volume))?,
        fetch(conn, columns, locations.toc.get(volume))?,
        fetch(conn, columns, Some(annotations))?,
    ))
}

/// Calls `each` with the rows of every `VolumeID` that has annotations, listed or not.
pub fn for_each_volume(
    conn: &Connection,
    columns: &Columns,
    locations: &Locations,
    mut each: impl FnMut(&str, CopyRows),
) -> rusqlite::Result<()> {
    for (volume, annotations) in &locations.annotations {
        each(volume, copy_rows(conn, columns, locations, (volume, annotations))?);
    }
    Ok(())
}

/// The list entries a walk gives.
#[derive(Clone, Copy)]
pub enum Books<'a> {
    /// Every entry with annotations, then each entry these name (by any copy's ContentID)
    /// that had none.
    WithAnnotationsAnd(&'a HashSet<String>),
    /// Only the entries with annotations whose ids (the shown copy's ContentID) are these.
    Only(&'a HashSet<String>),
}

impl Books<'_> {
    fn wants(self, entry: &Entry) -> bool {
        match self {
            Books::WithAnnotationsAnd(_) => true,
            Books::Only(ids) => ids.contains(&entry.item.id),
        }
    }
}

/// The fingerprint (see [`Locations::fingerprint`]) of every entry a walk of
/// [`Books::WithAnnotationsAnd`] gives first (those with annotations), each once, in walk order.
pub fn fingerprints<'e>(entries: &'e Entries, locations: &Locations) -> Vec<(&'e Entry, Fingerprint)> {
    let mut given: HashSet<&str> = HashSet::new();
    let with_annotations = locations.annotations.iter().filter_map(|(volume, _)| entries.entry(volume));
    with_annotations
        .filter(|entry| given.insert(&entry.item.id))
        .map(|entry| (entry, locations.fingerprint(entry)))
        .collect()
}

/// Calls `each` with the page of every list entry `books` names, each once, with the
/// ContentIDs of all its copies. An entry with several copies (store and sideloaded) is given
/// after the rest, once all its copies are read; annotations of items the list does not show
/// are left out. Stops at the first error, `each`'s included.
pub fn for_each_book<E: From<KoboError>>(
    conn: &Connection,
    (columns, entries, locations): (&Columns, &Entries, &Locations),
    books: Books,
    mut each: impl FnMut(Book, &[String]) -> Result<(), E>,
) -> Result<(), E> {
    let mut given: HashSet<String> = HashSet::new();
    let mut several_copies: HashMap<String, Vec<CopyRows>> = HashMap::new();
    // Gives the entry `id` belongs to, once, made of the rows of its copies.
    let mut give = |id: &str, rows: Vec<CopyRows>| -> Result<(), E> {
        let Some(entry) = entries.entry(id) else { return Ok(()) };
        if !given.insert(entry.item.id.clone()) {
            return Ok(());
        }
        let merged = rows.into_iter().fold(CopyRows::default(), |(mut s, mut t, mut a), (more_s, more_t, more_a)| {
            s.extend(more_s);
            t.extend(more_t);
            a.extend(more_a);
            (s, t, a)
        });
        let book = assemble_book(conn, columns, (&entry.item, &entry.copies), merged).map_err(read_error)?;
        each(book, &entry.copies)
    };
    for (volume, annotations) in &locations.annotations {
        let Some(entry) = entries.entry(volume).filter(|entry| books.wants(entry)) else { continue };
        let rows = copy_rows(conn, columns, locations, (volume, annotations)).map_err(read_error)?;
        if entry.copies.len() > 1 {
            several_copies.entry(entry.item.id.clone()).or_default().push(rows);
        } else {
            give(volume, vec![rows])?;
        }
    }
    for (id, rows) in several_copies {
        give(&id, rows)?;
    }
    match books {
        Books::WithAnnotationsAnd(also) => also.iter().try_for_each(|id| give(id, Vec::new())),
        Books::Only(_) => Ok(()),
    }
}
