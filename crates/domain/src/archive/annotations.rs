//! What the archive answers about annotations: a book's, in reading order, those the device
//! deleted (per book, and all of them), and the last known entry of a book.

use super::{Archive, ArchiveError};
use crate::model::{BookDetail, BookSummary, Chapter, Highlight, HighlightColor, ItemKind};
use rusqlite::{Connection, OptionalExtension};
use std::collections::{HashMap, HashSet};

/// The columns `highlight_at` reads, first in every SELECT of annotations.
const HIGHLIGHT_COLUMNS: &str = "bookmark_id, text, note, color, is_markup, created, deleted_on_device";

fn highlight_at(row: &rusqlite::Row<'_>) -> rusqlite::Result<Highlight> {
    Ok(Highlight {
        id: row.get(0)?,
        text: row.get(1)?,
        note: row.get(2)?,
        color: HighlightColor::from_slug(&row.get::<_, String>(3)?),
        is_markup: row.get::<_, i64>(4)? != 0,
        created: row.get(5)?,
        deleted_on_device: row.get(6)?,
        web: Default::default(),
        devices: Vec::new(),
    })
}

/// An annotation the archive holds, with the book (its ContentID as ingested) and chapter.
pub struct ArchivedAnnotation {
    pub book_id: String,
    pub chapter: Option<String>,
    pub highlight: Highlight,
}

/// A book's highlights and notes over every device, and how many of them no device shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HighlightCount {
    pub highlights: u32,
    pub deleted: u32,
}

/// How many of a book's annotations the device deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeletedCount {
    /// Highlights and notes.
    pub highlights: u32,
    pub markups: u32,
}

impl Archive {
    /// Fills `book` (an entry whose copies are `copies`, read without annotations from a version
    /// the archive has ingested) with every annotation the archive holds for it: the live ones
    /// by chapter in reading order (one range of the `archive_annotation_by_book` index), then
    /// those deleted on the device.
    pub fn add_annotations(&self, book: &mut BookDetail, copies: &[String]) -> Result<(), ArchiveError> {
        let conn = self.reader();
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {HIGHLIGHT_COLUMNS}, chapter, chapter_order FROM archive_annotation
                 WHERE book_id = ?1 AND deleted_on_device IS NULL ORDER BY chapter_order, position"
        ))?;
        let rows = statement.query_map([&book.summary.id], |row| {
            Ok((row.get::<_, Option<String>>(7)?, row.get::<_, i64>(8)?, highlight_at(row)?))
        })?;
        let mut last_order = None;
        for row in rows {
            let (title, order, highlight) = row?;
            if last_order != Some(order) {
                book.chapters.push(Chapter { title, highlights: Vec::new() });
                last_order = Some(order);
            }
            book.chapters.last_mut().expect("pushed above").highlights.push(highlight);
        }
        add_deleted(&conn, book, copies)
    }

    /// Adds to `book` (an entry whose copies are `copies`) the annotations the device no longer
    /// has, each in its chapter at its place, marked with the date it was first missed.
    pub fn add_deleted(&self, book: &mut BookDetail, copies: &[String]) -> Result<(), ArchiveError> {
        add_deleted(&self.reader(), book, copies)
    }

    /// The annotation `bookmark_id` as last ingested, if the archive holds it.
    pub fn annotation(&self, bookmark_id: &str) -> Result<Option<ArchivedAnnotation>, ArchiveError> {
        let conn = self.reader();
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {HIGHLIGHT_COLUMNS}, book_id, chapter FROM archive_annotation WHERE bookmark_id = ?1"
        ))?;
        let found = statement
            .query_row([bookmark_id], |row| {
                Ok(ArchivedAnnotation { book_id: row.get(7)?, chapter: row.get(8)?, highlight: highlight_at(row)? })
            })
            .optional()?;
        Ok(found)
    }

    /// Every annotation deleted on the device, markups included.
    pub fn deleted_annotations(&self) -> Result<Vec<ArchivedAnnotation>, ArchiveError> {
        let conn = self.reader();
        let mut statement = conn.prepare_cached(&format!(
            "SELECT {HIGHLIGHT_COLUMNS}, book_id, chapter FROM archive_annotation
             WHERE deleted_on_device IS NOT NULL ORDER BY book_id, chapter_order, position"
        ))?;
        let rows = statement.query_map([], |row| {
            Ok(ArchivedAnnotation { book_id: row.get(7)?, chapter: row.get(8)?, highlight: highlight_at(row)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What the device deleted, per book (ContentIDs as ingested).
    pub fn deleted_counts(&self) -> Result<HashMap<String, DeletedCount>, ArchiveError> {
        let conn = self.reader();
        let mut statement = conn.prepare_cached(
            "SELECT book_id, sum(is_markup = 0), sum(is_markup) FROM archive_annotation
             WHERE deleted_on_device IS NOT NULL GROUP BY book_id",
        )?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, DeletedCount { highlights: row.get(1)?, markups: row.get(2)? })))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The books (ContentIDs as ingested) the archive holds any annotation of, markups included.
    pub fn annotated_books(&self) -> Result<HashSet<String>, ArchiveError> {
        self.texts("SELECT DISTINCT book_id FROM archive_annotation", [])
    }

    /// The devices the archive has taken a version of that `configured` does not name (retired:
    /// removed from the settings), by name.
    pub fn retired_devices(&self, configured: &[String]) -> Result<Vec<String>, ArchiveError> {
        let all: Vec<String> = self.texts("SELECT DISTINCT device FROM archive_ingest ORDER BY device", [])?;
        Ok(all.into_iter().filter(|name| !configured.contains(name)).collect())
    }

    /// The books (ContentIDs as ingested) in which `device` shows or showed annotations.
    pub fn books_of_device(&self, device: &str) -> Result<Vec<String>, ArchiveError> {
        self.texts(
            "SELECT DISTINCT book_id FROM archive_device_annotation WHERE device = ?1 ORDER BY book_id",
            [device],
        )
    }

    /// The one text column `sql` selects, every row.
    fn texts<C: FromIterator<String>>(&self, sql: &str, params: impl rusqlite::Params) -> Result<C, ArchiveError> {
        let conn = self.reader();
        let mut statement = conn.prepare_cached(sql)?;
        let rows = statement.query_map(params, |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The annotations (`BookmarkID`s) `device` shows or showed in the books `book_ids`.
    pub fn shown_by(&self, device: &str, book_ids: &[String]) -> Result<HashSet<String>, ArchiveError> {
        let conn = self.reader();
        let mut statement = conn
            .prepare_cached("SELECT bookmark_id FROM archive_device_annotation WHERE device = ?1 AND book_id = ?2")?;
        let mut shown = HashSet::new();
        for book_id in book_ids {
            for id in statement.query_map([device, book_id], |row| row.get(0))? {
                shown.insert(id?);
            }
        }
        Ok(shown)
    }

    /// How many highlights and notes each book (ContentID as ingested) has over every device,
    /// each annotation once, and how many of them no device shows any more (one scan).
    pub fn highlight_counts(&self) -> Result<HashMap<String, HighlightCount>, ArchiveError> {
        let conn = self.reader();
        let mut statement = conn.prepare_cached(
            "SELECT book_id, count(*), sum(deleted_on_device IS NOT NULL) FROM archive_annotation
             WHERE is_markup = 0 GROUP BY book_id",
        )?;
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, HighlightCount { highlights: row.get(1)?, deleted: row.get(2)? })))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The list entry of a book as last ingested (`highlight_count` 0: counting is the caller's).
    pub fn last_known(&self, id: &str) -> Result<Option<BookSummary>, ArchiveError> {
        let conn = self.reader();
        let mut statement = conn.prepare_cached(
            "SELECT title, author, kind, percent_read, read_status, last_read FROM archive_book WHERE book_id = ?1",
        )?;
        let summary = statement
            .query_row([id], |row| {
                Ok(BookSummary {
                    id: id.to_string(),
                    title: row.get(0)?,
                    author: row.get(1)?,
                    kind: ItemKind::from_slug(&row.get::<_, String>(2)?).unwrap_or(ItemKind::Other),
                    percent_read: row.get(3)?,
                    read_status: kobo_reader::ReadStatus::from_code(row.get(4)?).into(),
                    highlight_count: 0,
                    deleted_on_device: 0,
                    last_read: row.get(5)?,
                    removed_from_device: false,
                    collections: Vec::new(),
                    favourites: 0,
                    devices: Vec::new(),
                })
            })
            .optional()?;
        Ok(summary)
    }
}

/// See `Archive::add_deleted`.
fn add_deleted(conn: &Connection, book: &mut BookDetail, copies: &[String]) -> Result<(), ArchiveError> {
    let mut statement = conn.prepare_cached(&format!(
        "SELECT {HIGHLIGHT_COLUMNS}, chapter, position FROM archive_annotation
             WHERE book_id = ?1 AND deleted_on_device IS NOT NULL ORDER BY chapter_order, position"
    ))?;
    for copy in copies {
        let rows = statement.query_map([copy], |row| {
            Ok((row.get::<_, Option<String>>(7)?, row.get::<_, i64>(8)?, highlight_at(row)?))
        })?;
        for row in rows {
            let (chapter, position, highlight) = row?;
            place_in_chapter(&mut book.chapters, chapter, position, highlight);
        }
    }
    Ok(())
}

/// Puts `highlight` at `position` of the chapter titled `title` (appended at the end of the
/// book when the device's contents no longer have that chapter).
fn place_in_chapter(chapters: &mut Vec<Chapter>, title: Option<String>, position: i64, highlight: Highlight) {
    let index = match chapters.iter().position(|chapter| chapter.title == title) {
        Some(index) => index,
        None => {
            chapters.push(Chapter { title, highlights: Vec::new() });
            chapters.len() - 1
        }
    };
    let highlights = &mut chapters[index].highlights;
    let at = usize::try_from(position).unwrap_or(0).min(highlights.len());
    highlights.insert(at, highlight);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deleted_annotation_goes_back_to_its_chapter_and_place() {
        let highlight = Highlight::sample;
        let mut chapters =
            vec![Chapter { title: Some("One".into()), highlights: vec![highlight("a"), highlight("c")] }];
        place_in_chapter(&mut chapters, Some("One".into()), 1, highlight("b"));
        place_in_chapter(&mut chapters, Some("Gone".into()), 5, highlight("z"));
        let ids: Vec<Vec<&str>> =
            chapters.iter().map(|c| c.highlights.iter().map(|h| h.id.as_str()).collect()).collect();
        assert_eq!(ids, [vec!["a", "b", "c"], vec!["z"]]);
    }
}
