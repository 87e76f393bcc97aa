//! The whole library one book at a time, in one pass over the file: annotations, sections and
//! table of contents are read side by side in book order, so memory holds one book at a time
//! (a heavy reader's file holds hundreds of thousands of annotations). The search index and
//! the library exports (zip, JSON, CSV) are made this way, and start at once.

use super::{
    book::{assemble_book, BookCursor, BookRow, Scope},
    chapters::{PlacedHighlight, Section, TocEntry},
    library::LibraryIndex,
    schema::Columns,
};
use crate::model::{BookDetail, ShelfError};
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};

/// The rows of one copy of a book.
type CopyRows = (Vec<Section>, Vec<TocEntry>, Vec<PlacedHighlight>);

fn read_error(err: rusqlite::Error) -> ShelfError {
    ShelfError::Unreadable(format!("its books cannot be read ({err})"))
}

/// Calls `each` with the page of every list entry that has annotations, then of every entry
/// `also` names (by any copy's ContentID) that had none, each entry once, with the ContentIDs
/// of all its copies. An entry with several copies (store and sideloaded) is given after the
/// rest, once all its copies are read; annotations of items the list does not show are left
/// out. Stops at the first error, `each`'s included.
pub fn for_each_book(
    conn: &Connection,
    columns: &Columns,
    index: &LibraryIndex,
    also: &HashSet<String>,
    mut each: impl FnMut(BookDetail, &[String]) -> Result<(), ShelfError>,
) -> Result<(), ShelfError> {
    let prepare = |sql: String| conn.prepare(&sql).map_err(read_error);
    let mut annotation_query = prepare(PlacedHighlight::sql(columns, Scope::All))?;
    let mut section_query = prepare(Section::sql(columns, Scope::All))?;
    let mut toc_query = prepare(TocEntry::sql(columns, Scope::All))?;
    let mut annotations = BookCursor::<PlacedHighlight>::new(&mut annotation_query).map_err(read_error)?;
    let mut sections = BookCursor::<Section>::new(&mut section_query).map_err(read_error)?;
    let mut toc = BookCursor::<TocEntry>::new(&mut toc_query).map_err(read_error)?;
    let mut given: HashSet<String> = HashSet::new();
    let mut several_copies: HashMap<String, Vec<CopyRows>> = HashMap::new();
    // Gives the entry `id` belongs to, once, made of the rows of its copies.
    let mut give = |id: &str, rows: Vec<CopyRows>| -> Result<(), ShelfError> {
        let Some(entry) = index.entry(id) else { return Ok(()) };
        if !given.insert(entry.0.id.clone()) {
            return Ok(());
        }
        let merged = rows.into_iter().fold(CopyRows::default(), |(mut s, mut t, mut a), (more_s, more_t, more_a)| {
            s.extend(more_s);
            t.extend(more_t);
            a.extend(more_a);
            (s, t, a)
        });
        each(assemble_book(conn, columns, entry, merged).map_err(read_error)?, entry.1)
    };
    while let Some((volume, placed)) = annotations.next_book().map_err(read_error)? {
        let rows = (sections.take(&volume).map_err(read_error)?, toc.take(&volume).map_err(read_error)?, placed);
        match index.entry(&volume) {
            Some((summary, copies)) if copies.len() > 1 => {
                several_copies.entry(summary.id.clone()).or_default().push(rows)
            }
            Some(_) => give(&volume, vec![rows])?,
            None => {}
        }
    }
    for (id, rows) in several_copies {
        give(&id, rows)?;
    }
    also.iter().try_for_each(|id| give(id, Vec::new()))
}
