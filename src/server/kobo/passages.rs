//! Every highlight and note of a book with its book and chapter: what the search index is
//! built from (a walk over the library gives the books, see `walk`).

use crate::model::{BookDetail, Highlight};

/// A highlight or note with what a search result shows around it.
pub struct Passage {
    /// ContentID of the list entry the passage's book is shown as.
    pub book_id: String,
    pub book_title: String,
    pub author: Option<String>,
    pub chapter: Option<String>,
    pub highlight: Highlight,
}

/// The book's passages (markups have no text and are left out).
pub fn of_book(book: BookDetail) -> impl Iterator<Item = Passage> {
    let summary = book.summary;
    book.chapters.into_iter().flat_map(move |chapter| {
        let summary = summary.clone();
        chapter.highlights.into_iter().filter(|h| !h.is_markup).map(move |highlight| Passage {
            book_id: summary.id.clone(),
            book_title: summary.title.clone(),
            author: summary.author.clone(),
            chapter: chapter.title.clone(),
            highlight,
        })
    })
}
