//! Every highlight and note of the library with its book and chapter: what the search index is
//! built from. Three queries over the whole file, then the same chapter grouping as book pages.

use super::{
    book::{annotations, book_sections, table_of_contents, Scope},
    chapters::group_into_chapters,
    library::LibraryIndex,
    schema::Columns,
};
use crate::model::Highlight;
use rusqlite::Connection;
use std::collections::HashMap;

/// A highlight or note with what a search result shows around it.
pub struct Passage {
    /// ContentID of the list entry the passage's book is shown as.
    pub book_id: String,
    pub book_title: String,
    pub author: Option<String>,
    pub chapter: Option<String>,
    pub highlight: Highlight,
}

pub fn load_passages(conn: &Connection, columns: &Columns, index: &LibraryIndex) -> rusqlite::Result<Vec<Passage>> {
    let mut sections: HashMap<String, Vec<_>> = HashMap::new();
    for section in book_sections(conn, columns, Scope::All)? {
        sections.entry(section.book_id.clone()).or_default().push(section);
    }
    let mut toc: HashMap<String, Vec<_>> = HashMap::new();
    for entry in table_of_contents(conn, columns, Scope::All)? {
        toc.entry(entry.book_id.clone()).or_default().push(entry);
    }
    let mut by_book: HashMap<String, Vec<_>> = HashMap::new();
    for placed in annotations(conn, columns, Scope::All)? {
        by_book.entry(placed.book_id.clone()).or_default().push(placed);
    }
    let mut passages = Vec::new();
    for (book_id, placed) in by_book {
        // Annotations of items the list does not show (e.g. a section id) are left out.
        let Some((summary, _)) = index.entry(&book_id) else { continue };
        let chapters = group_into_chapters(
            sections.get(&book_id).map_or(&[][..], Vec::as_slice),
            toc.get(&book_id).map_or(&[][..], Vec::as_slice),
            placed,
        );
        for chapter in chapters {
            for highlight in chapter.highlights.into_iter().filter(|h| !h.is_markup) {
                passages.push(Passage {
                    book_id: summary.id.clone(),
                    book_title: summary.title.clone(),
                    author: summary.author.clone(),
                    chapter: chapter.title.clone(),
                    highlight,
                });
            }
        }
    }
    Ok(passages)
}
