//! The book page's data: metadata of the shown copy and the annotations of every copy,
//! grouped by chapter.

use super::{
    chapters::{group_into_chapters, PlacedHighlight, Section, TocEntry},
    schema::{number_at, text_at, Columns},
    text::{html_to_text, normalize_date},
};
use crate::model::{BookDetail, BookSummary, Highlight, HighlightColor};
use rusqlite::{params_from_iter, Connection};
use std::collections::HashMap;

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

/// The rows a book page is made of, by the ContentID of the book they belong to.
#[derive(Default)]
struct Rows {
    facts: HashMap<String, Facts>,
    sections: HashMap<String, Vec<Section>>,
    toc: HashMap<String, Vec<TocEntry>>,
    annotations: HashMap<String, Vec<PlacedHighlight>>,
}

impl Rows {
    fn load(conn: &Connection, columns: &Columns, scope: Scope) -> rusqlite::Result<Rows> {
        Ok(Rows {
            facts: facts(conn, columns, scope)?,
            sections: by_book(book_sections(conn, columns, scope)?, |s| &s.book_id),
            toc: by_book(table_of_contents(conn, columns, scope)?, |t| &t.book_id),
            annotations: by_book(annotations(conn, columns, scope)?, |a| &a.book_id),
        })
    }

    fn extend(&mut self, other: Rows) {
        self.facts.extend(other.facts);
        self.sections.extend(other.sections);
        self.toc.extend(other.toc);
        self.annotations.extend(other.annotations);
    }

    /// The page of one list entry: facts of the shown copy, annotations of every copy.
    fn take_book(&mut self, summary: &BookSummary, copies: &[String]) -> BookDetail {
        let (mut sections, mut toc, mut highlights) = (Vec::new(), Vec::new(), Vec::new());
        for id in copies {
            sections.extend(self.sections.remove(id).unwrap_or_default());
            toc.extend(self.toc.remove(id).unwrap_or_default());
            highlights.extend(self.annotations.remove(id).unwrap_or_default());
        }
        let facts = self.facts.remove(&summary.id).unwrap_or_default();
        BookDetail {
            summary: summary.clone(),
            publisher: facts.publisher,
            series: facts.series,
            series_number: facts.series_number,
            language: facts.language,
            isbn: facts.isbn,
            description: facts.description,
            date_added: facts.date_added,
            time_spent_reading_secs: facts.time_spent_reading_secs,
            chapters: group_into_chapters(&sections, &toc, highlights),
        }
    }
}

pub fn by_book<T>(rows: Vec<T>, book: impl Fn(&T) -> &String) -> HashMap<String, Vec<T>> {
    let mut grouped: HashMap<String, Vec<T>> = HashMap::new();
    for row in rows {
        grouped.entry(book(&row).clone()).or_default().push(row);
    }
    grouped
}

/// Loads a book's page. `copies` are the ContentIDs of all copies of the item.
pub fn book_detail(
    conn: &Connection,
    columns: &Columns,
    summary: &BookSummary,
    copies: &[String],
) -> rusqlite::Result<BookDetail> {
    let mut rows = Rows::default();
    for id in copies {
        rows.extend(Rows::load(conn, columns, Scope::Book(id))?);
    }
    Ok(rows.take_book(summary, copies))
}

/// The pages of all list entries, read in one pass over the file (search index, export).
pub fn all_book_details<'a>(
    conn: &Connection,
    columns: &Columns,
    entries: impl Iterator<Item = (&'a BookSummary, &'a [String])>,
) -> rusqlite::Result<Vec<BookDetail>> {
    let mut rows = Rows::load(conn, columns, Scope::All)?;
    Ok(entries.map(|(summary, copies)| rows.take_book(summary, copies)).collect())
}

/// What a book page says of a top-level item besides the list's summary.
#[derive(Default)]
struct Facts {
    publisher: Option<String>,
    series: Option<String>,
    series_number: Option<String>,
    language: Option<String>,
    isbn: Option<String>,
    description: Option<String>,
    date_added: Option<String>,
    time_spent_reading_secs: Option<u64>,
}

fn facts(conn: &Connection, columns: &Columns, scope: Scope) -> rusqlite::Result<HashMap<String, Facts>> {
    let sql = format!(
        "SELECT ContentID, {}, {}, {}, {}, {}, {}, {}, {} FROM content
         WHERE {} AND CAST(ContentType AS TEXT) = '6'",
        columns.content("Publisher"),
        columns.content("Series"),
        columns.content("SeriesNumber"),
        columns.content("Language"),
        columns.content("ISBN"),
        columns.content("Description"),
        columns.content("DateAdded"),
        columns.content("TimeSpentReading"),
        scope.condition("ContentID"),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map(scope.params(), |row| {
        let Some(id) = text_at(row, 0)? else { return Ok(None) };
        Ok(Some((
            id,
            Facts {
                publisher: text_at(row, 1)?,
                series: text_at(row, 2)?,
                series_number: text_at(row, 3)?,
                language: text_at(row, 4)?,
                isbn: text_at(row, 5)?,
                description: text_at(row, 6)?.map(|html| html_to_text(&html)).filter(|text| !text.is_empty()),
                date_added: text_at(row, 7)?.as_deref().and_then(normalize_date),
                time_spent_reading_secs: number_at(row, 8)?.filter(|secs| *secs > 0.0).map(|secs| secs as u64),
            },
        )))
    })?;
    rows.filter_map(Result::transpose).collect()
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
    let mut all = Vec::new();
    for_each_annotation(conn, columns, scope, |placed| {
        all.push(placed);
        Ok(())
    })?;
    Ok(all)
}

/// Streams the annotations in `VolumeID` order, so a whole library never sits in memory.
pub fn for_each_annotation(
    conn: &Connection,
    columns: &Columns,
    scope: Scope,
    mut each: impl FnMut(PlacedHighlight) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    let sql = format!(
        "SELECT BookmarkID, {content_id}, {text}, {note}, {kind}, {color}, {created}, {progress}, {path}, VolumeID
         FROM Bookmark
         WHERE {scope} AND {visible} AND {kind} IN ('highlight', 'note', 'markup')
         ORDER BY VolumeID",
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
    let mut rows = statement.query(scope.params())?;
    while let Some(row) = rows.next()? {
        let (Some(id), Some(book_id)) = (text_at(row, 0)?, text_at(row, 9)?) else { continue };
        let kind = text_at(row, 4)?.unwrap_or_default();
        each(PlacedHighlight {
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
        })?;
    }
    Ok(())
}
