//! Every highlight and note of the library with its book and chapter, one book at a time
//! (see `walk`): what the search index is built from.

use super::{library::LibraryIndex, schema::Columns, walk::for_each_book};
use crate::model::{Highlight, ShelfError};
use rusqlite::Connection;
use std::collections::HashSet;

/// A highlight or note with what a search result shows around it.
pub struct Passage {
    /// ContentID of the list entry the passage's book is shown as.
    pub book_id: String,
    pub book_title: String,
    pub author: Option<String>,
    pub chapter: Option<String>,
    pub highlight: Highlight,
}

/// Calls `each` with every passage (markups have no text and are left out).
pub fn for_each_passage(
    conn: &Connection,
    columns: &Columns,
    index: &LibraryIndex,
    mut each: impl FnMut(Passage) -> rusqlite::Result<()>,
) -> Result<(), ShelfError> {
    for_each_book(conn, columns, index, &HashSet::new(), |book, _| {
        let summary = book.summary;
        for chapter in book.chapters {
            for highlight in chapter.highlights.into_iter().filter(|h| !h.is_markup) {
                each(Passage {
                    book_id: summary.id.clone(),
                    book_title: summary.title.clone(),
                    author: summary.author.clone(),
                    chapter: chapter.title.clone(),
                    highlight,
                })
                .map_err(|err| ShelfError::Unreadable(format!("the search index cannot be written ({err})")))?;
            }
        }
        Ok(())
    })
}
