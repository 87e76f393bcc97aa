//! Every highlight and note of the library with its book and chapter, streamed one book at a
//! time (a heavy reader's file holds hundreds of thousands): what the search index is built from.

use super::{
    book::{BookCursor, BookRow, Scope},
    chapters::{group_into_chapters, PlacedHighlight, Section, TocEntry},
    library::LibraryIndex,
    schema::Columns,
};
use crate::model::Highlight;
use rusqlite::Connection;

/// A highlight or note with what a search result shows around it.
pub struct Passage {
    /// ContentID of the list entry the passage's book is shown as.
    pub book_id: String,
    pub book_title: String,
    pub author: Option<String>,
    pub chapter: Option<String>,
    pub highlight: Highlight,
}

/// Calls `each` with every passage, reading annotations, sections and table of contents side
/// by side in book order: memory holds one book at a time.
pub fn for_each_passage(
    conn: &Connection,
    columns: &Columns,
    index: &LibraryIndex,
    mut each: impl FnMut(Passage) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let mut annotation_query = conn.prepare(&PlacedHighlight::sql(columns, Scope::All))?;
    let mut section_query = conn.prepare(&Section::sql(columns, Scope::All))?;
    let mut toc_query = conn.prepare(&TocEntry::sql(columns, Scope::All))?;
    let mut annotations = BookCursor::<PlacedHighlight>::new(&mut annotation_query)?;
    let mut sections = BookCursor::<Section>::new(&mut section_query)?;
    let mut toc = BookCursor::<TocEntry>::new(&mut toc_query)?;
    while let Some((book_id, placed)) = annotations.next_book()? {
        let (sections, toc) = (sections.take(&book_id)?, toc.take(&book_id)?);
        // Annotations of items the list does not show (e.g. of a section id) are left out.
        let Some((summary, _)) = index.entry(&book_id) else { continue };
        for chapter in group_into_chapters(&sections, &toc, placed) {
            for highlight in chapter.highlights.into_iter().filter(|h| !h.is_markup) {
                each(Passage {
                    book_id: summary.id.clone(),
                    book_title: summary.title.clone(),
                    author: summary.author.clone(),
                    chapter: chapter.title.clone(),
                    highlight,
                })?;
            }
        }
    }
    Ok(())
}
