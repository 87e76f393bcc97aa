//! The book page's data: metadata of the shown copy and the annotations of every copy,
//! grouped by chapter.

use super::{
    chapters::{group_into_chapters, PlacedHighlight, Section, TocEntry},
    schema::{number_at, text_at, Columns},
    text::{html_to_text, normalize_date},
};
use crate::model::{BookDetail, BookSummary, Highlight, HighlightColor};
use rusqlite::{params, params_from_iter, Connection};

/// Which books a query reads: one (the book page) or all (the search index).
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    Book(&'a str),
    All,
}

impl<'a> Scope<'a> {
    /// SQL condition on the column holding the book's ContentID.
    fn condition(self, column: &str) -> String {
        match self {
            Scope::Book(_) => format!("{column} = ?1"),
            Scope::All => "1".to_string(),
        }
    }

    fn params(self) -> impl rusqlite::Params + 'a {
        params_from_iter(match self {
            Scope::Book(id) => Some(id),
            Scope::All => None,
        })
    }
}

/// Loads a book's page. `copies` are the ContentIDs of all copies of the item.
pub fn book_detail(
    conn: &Connection,
    columns: &Columns,
    summary: &BookSummary,
    copies: &[String],
) -> rusqlite::Result<BookDetail> {
    let mut detail = metadata(conn, columns, summary)?;
    let (mut sections, mut toc, mut highlights) = (Vec::new(), Vec::new(), Vec::new());
    for book_id in copies {
        let scope = Scope::Book(book_id);
        sections.extend(book_sections(conn, columns, scope)?);
        toc.extend(table_of_contents(conn, columns, scope)?);
        highlights.extend(annotations(conn, columns, scope)?);
    }
    detail.chapters = group_into_chapters(&sections, &toc, highlights);
    Ok(detail)
}

fn metadata(conn: &Connection, columns: &Columns, summary: &BookSummary) -> rusqlite::Result<BookDetail> {
    let sql = format!(
        "SELECT {}, {}, {}, {}, {}, {}, {}, {} FROM content WHERE ContentID = ?1",
        columns.content("Publisher"),
        columns.content("Series"),
        columns.content("SeriesNumber"),
        columns.content("Language"),
        columns.content("ISBN"),
        columns.content("Description"),
        columns.content("DateAdded"),
        columns.content("TimeSpentReading"),
    );
    conn.query_row(&sql, params![summary.id], |row| {
        Ok(BookDetail {
            summary: summary.clone(),
            publisher: text_at(row, 0)?,
            series: text_at(row, 1)?,
            series_number: text_at(row, 2)?,
            language: text_at(row, 3)?,
            isbn: text_at(row, 4)?,
            description: text_at(row, 5)?.map(|html| html_to_text(&html)).filter(|text| !text.is_empty()),
            date_added: text_at(row, 6)?.as_deref().and_then(normalize_date),
            time_spent_reading_secs: number_at(row, 7)?.filter(|secs| *secs > 0.0).map(|secs| secs as u64),
            chapters: Vec::new(),
        })
    })
}

pub fn book_sections(conn: &Connection, columns: &Columns, scope: Scope) -> rusqlite::Result<Vec<Section>> {
    let sql = format!(
        "SELECT ContentID, {}, BookID FROM content WHERE {} AND CAST(ContentType AS TEXT) = '9'",
        columns.content("VolumeIndex"),
        scope.condition("BookID"),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(scope.params(), |row| {
        let (Some(id), Some(book_id)) = (text_at(row, 0)?, text_at(row, 2)?) else { return Ok(None) };
        Ok(Some(Section { book_id, id, order: number_at(row, 1)?.map(|n| n as i64) }))
    })?;
    rows.filter_map(Result::transpose).collect()
}

pub fn table_of_contents(conn: &Connection, columns: &Columns, scope: Scope) -> rusqlite::Result<Vec<TocEntry>> {
    let sql = format!(
        "SELECT ContentID, {}, {}, BookID FROM content WHERE {} AND CAST(ContentType AS TEXT) = '899'",
        columns.content("Title"),
        columns.content("VolumeIndex"),
        scope.condition("BookID"),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(scope.params(), |row| {
        let (Some(id), Some(title), Some(book_id)) = (text_at(row, 0)?, text_at(row, 1)?, text_at(row, 3)?) else {
            return Ok(None);
        };
        Ok(Some(TocEntry { book_id, id, title: title.trim().to_string(), order: number_at(row, 2)?.map(|n| n as i64) }))
    })?;
    rows.filter_map(Result::transpose).collect()
}

/// Highlights, notes and markups; bookmarks (dogears) and deleted ones left out.
pub fn annotations(conn: &Connection, columns: &Columns, scope: Scope) -> rusqlite::Result<Vec<PlacedHighlight>> {
    let sql = format!(
        "SELECT BookmarkID, {content_id}, {text}, {note}, {kind}, {color}, {created}, {progress}, {path}, VolumeID
         FROM Bookmark
         WHERE {scope} AND {visible} AND {kind} IN ('highlight', 'note', 'markup')",
        content_id = columns.bookmark("ContentID"),
        text = columns.bookmark("Text"),
        note = columns.bookmark("Annotation"),
        kind = columns.bookmark_type(),
        color = columns.bookmark("Color"),
        created = columns.bookmark("DateCreated"),
        progress = columns.bookmark("ChapterProgress"),
        path = columns.bookmark("StartContainerPath"),
        scope = scope.condition("VolumeID"),
        visible = columns.visible_bookmark(),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(scope.params(), |row| {
        let (Some(id), Some(book_id)) = (text_at(row, 0)?, text_at(row, 9)?) else { return Ok(None) };
        let kind = text_at(row, 4)?.unwrap_or_default();
        Ok(Some(PlacedHighlight {
            highlight: Highlight {
                id,
                text: text_at(row, 2)?.map(|text| text.trim().to_string()),
                note: text_at(row, 3)?.map(|note| note.trim().to_string()),
                color: HighlightColor::from_code(number_at(row, 5)?.map(|n| n as i64)),
                is_markup: kind == "markup",
                created: text_at(row, 6)?.as_deref().and_then(normalize_date),
            },
            book_id,
            section_id: text_at(row, 1)?.unwrap_or_default(),
            progress: number_at(row, 7)?.unwrap_or(0.0),
            start_path: text_at(row, 8)?.unwrap_or_default(),
        }))
    })?;
    rows.filter_map(Result::transpose).collect()
}
