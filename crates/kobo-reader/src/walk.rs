//! The whole library one book at a time: one scan of each table (no sort) finds where each
//! book's rows are ([`Locations`], kept with the snapshot: the search index's walk after a sync
//! makes it), then each book's rows are read by rowid, so the first book is ready at once and
//! memory holds one book (a heavy reader's file holds hundreds of thousands of annotations;
//! sorting them by book took most of the time before a download's first byte). The search
//! index and the library exports (zip, JSON, CSV) are made this way.

use super::{
    book::{assemble_book, rows, BookRow, Scope},
    chapters::{PlacedAnnotation, Section, TocEntry},
    error::KoboError,
    library::Entries,
    schema::{text_at, Columns},
};
use crate::records::Book;
use rusqlite::{types::Value, vtab::array::Array, Connection};
use std::{
    collections::{HashMap, HashSet},
    rc::Rc,
};

/// The rows of one copy of a book.
type CopyRows = (Vec<Section>, Vec<TocEntry>, Vec<PlacedAnnotation>);

/// Books' ContentIDs with the rowids of their rows.
type RowidsByBook = Vec<(String, Vec<i64>)>;

fn read_error(source: rusqlite::Error) -> KoboError {
    KoboError::Read { what: "its books", source }
}

/// Where each book's rows are in a file: rowids by the book's ContentID.
pub struct Locations {
    /// Annotations, books in the order they first appear in the table.
    annotations: RowidsByBook,
    sections: HashMap<String, Vec<i64>>,
    toc: HashMap<String, Vec<i64>>,
}

impl Locations {
    /// One scan of each table.
    pub fn read(conn: &Connection) -> Result<Locations, KoboError> {
        Ok(Locations {
            annotations: locate::<PlacedAnnotation>(conn).map_err(read_error)?,
            sections: locate::<Section>(conn).map_err(read_error)?.into_iter().collect(),
            toc: locate::<TocEntry>(conn).map_err(read_error)?.into_iter().collect(),
        })
    }
}

/// The rowids of each book's rows of kind `T`, books in the order they first appear.
fn locate<T: BookRow>(conn: &Connection) -> rusqlite::Result<RowidsByBook> {
    let mut statement = conn.prepare(T::LOCATE)?;
    let mut rows = statement.query([])?;
    let (mut books, mut position): (RowidsByBook, HashMap<String, usize>) = Default::default();
    while let Some(row) = rows.next()? {
        let Some(book) = text_at(row, 1)? else { continue };
        let at = *position.entry(book.clone()).or_insert_with(|| {
            books.push((book, Vec::new()));
            books.len() - 1
        });
        books[at].1.push(row.get(0)?);
    }
    Ok(books)
}

/// The rows of kind `T` at `rowids` (none without).
fn fetch<T: BookRow>(conn: &Connection, columns: &Columns, rowids: Option<&Vec<i64>>) -> rusqlite::Result<Vec<T>> {
    let Some(rowids) = rowids else { return Ok(Vec::new()) };
    let array: Array = Rc::new(rowids.iter().map(|&rowid| Value::Integer(rowid)).collect());
    rows(conn, columns, Scope::Rows(&array))
}

/// Calls `each` with the rows of every `VolumeID` that has annotations, listed or not.
pub fn for_each_volume(
    conn: &Connection,
    columns: &Columns,
    locations: &Locations,
    mut each: impl FnMut(&str, CopyRows),
) -> rusqlite::Result<()> {
    for (volume, rowids) in &locations.annotations {
        let rows = (
            fetch(conn, columns, locations.sections.get(volume))?,
            fetch(conn, columns, locations.toc.get(volume))?,
            fetch(conn, columns, Some(rowids))?,
        );
        each(volume, rows);
    }
    Ok(())
}

/// Calls `each` with the page of every list entry that has annotations, then of every entry
/// `also` names (by any copy's ContentID) that had none, each entry once, with the ContentIDs
/// of all its copies. An entry with several copies (store and sideloaded) is given after the
/// rest, once all its copies are read; annotations of items the list does not show are left
/// out. Stops at the first error, `each`'s included.
pub fn for_each_book<E: From<KoboError>>(
    conn: &Connection,
    (columns, entries, locations): (&Columns, &Entries, &Locations),
    also: &HashSet<String>,
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
    for (volume, rowids) in &locations.annotations {
        let Some(entry) = entries.entry(volume) else { continue };
        let rows = (
            fetch(conn, columns, locations.sections.get(volume)).map_err(read_error)?,
            fetch(conn, columns, locations.toc.get(volume)).map_err(read_error)?,
            fetch(conn, columns, Some(rowids)).map_err(read_error)?,
        );
        if entry.copies.len() > 1 {
            several_copies.entry(entry.item.id.clone()).or_default().push(rows);
        } else {
            give(volume, vec![rows])?;
        }
    }
    for (id, rows) in several_copies {
        give(&id, rows)?;
    }
    also.iter().try_for_each(|id| give(id, Vec::new()))
}
