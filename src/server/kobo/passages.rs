//! Every highlight and note of the library with its book and chapter, streamed one book at a
//! time (a heavy reader's file holds hundreds of thousands): what the search index is built from.

use super::{
    book::{book_sections, by_book, for_each_annotation, table_of_contents, Scope},
    chapters::{group_into_chapters, PlacedHighlight, Section, TocEntry},
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

pub fn for_each_passage(
    conn: &Connection,
    columns: &Columns,
    index: &LibraryIndex,
    mut each: impl FnMut(Passage) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let sections = by_book(book_sections(conn, columns, Scope::All)?, |s| &s.book_id);
    let toc = by_book(table_of_contents(conn, columns, Scope::All)?, |t| &t.book_id);
    let mut book: Vec<PlacedHighlight> = Vec::new();
    for_each_annotation(conn, columns, Scope::All, |placed| {
        if book.first().is_some_and(|first| first.book_id != placed.book_id) {
            emit_book(std::mem::take(&mut book), &sections, &toc, index, &mut each)?;
        }
        book.push(placed);
        Ok(())
    })?;
    emit_book(book, &sections, &toc, index, &mut each)
}

/// The passages of one copy's annotations, grouped by chapter.
fn emit_book(
    placed: Vec<PlacedHighlight>,
    sections: &HashMap<String, Vec<Section>>,
    toc: &HashMap<String, Vec<TocEntry>>,
    index: &LibraryIndex,
    each: &mut impl FnMut(Passage) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let Some(book_id) = placed.first().map(|p| p.book_id.clone()) else { return Ok(()) };
    // Annotations of items the list does not show (e.g. of a section id) are left out.
    let Some((summary, _)) = index.entry(&book_id) else { return Ok(()) };
    let chapters = group_into_chapters(
        sections.get(&book_id).map_or(&[], Vec::as_slice),
        toc.get(&book_id).map_or(&[], Vec::as_slice),
        placed,
    );
    for chapter in chapters {
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
    Ok(())
}
