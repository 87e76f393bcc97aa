//! The book page's data: metadata of the shown copy and the annotations of every copy,
//! grouped by chapter.

use super::{
    chapters::{group_into_chapters, PlacedAnnotation, Section, TocEntry},
    schema::{number_at, seconds_at, text_at, Columns},
    text::{html_to_text, is_isbn},
};
use crate::{
    dates::normalize_date,
    records::{Annotation, Book, HighlightColor, Item},
};
use rusqlite::{params_from_iter, types::ToSql, vtab::array::Array, Connection};
use std::collections::HashMap;

/// Which rows a query reads: one book's (the book page), or the rows listed by rowid (a walk
/// over the library, one book at a time).
#[derive(Clone, Copy)]
pub enum Scope<'a> {
    Book(&'a str),
    Rows(&'a Array),
}

impl<'a> Scope<'a> {
    /// SQL condition on the column holding the book's ContentID.
    fn condition(self, column: &str) -> String {
        match self {
            Scope::Book(_) => format!("{column} = ?1"),
            Scope::Rows(_) => "rowid IN rarray(?1)".to_string(),
        }
    }

    fn params(self) -> impl rusqlite::Params + 'a {
        params_from_iter([match self {
            Scope::Book(id) => Box::new(id) as Box<dyn ToSql + 'a>,
            Scope::Rows(rows) => Box::new(rows.clone()) as Box<dyn ToSql + 'a>,
        }])
    }
}

/// The rows a book page is made of, by the ContentID of the book they belong to.
#[derive(Default)]
struct Rows {
    facts: HashMap<String, Facts>,
    sections: HashMap<String, Vec<Section>>,
    toc: HashMap<String, Vec<TocEntry>>,
    annotations: HashMap<String, Vec<PlacedAnnotation>>,
}

impl Rows {
    fn load(conn: &Connection, columns: &Columns, scope: Scope) -> rusqlite::Result<Rows> {
        Ok(Rows {
            facts: facts(conn, columns, scope)?,
            sections: by_book(rows(conn, columns, scope)?),
            toc: by_book(rows(conn, columns, scope)?),
            annotations: by_book(rows(conn, columns, scope)?),
        })
    }

    fn extend(&mut self, other: Rows) {
        self.facts.extend(other.facts);
        self.sections.extend(other.sections);
        self.toc.extend(other.toc);
        self.annotations.extend(other.annotations);
    }

    /// The page of one list entry: facts of the shown copy, annotations of every copy.
    fn take_book(&mut self, item: &Item, copies: &[String]) -> Book {
        let (mut sections, mut toc, mut highlights) = (Vec::new(), Vec::new(), Vec::new());
        for id in copies {
            sections.extend(self.sections.remove(id).unwrap_or_default());
            toc.extend(self.toc.remove(id).unwrap_or_default());
            highlights.extend(self.annotations.remove(id).unwrap_or_default());
        }
        let facts = self.facts.remove(&item.id).unwrap_or_default();
        Book {
            item: item.clone(),
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

fn by_book<T: BookRow>(rows: Vec<T>) -> HashMap<String, Vec<T>> {
    let mut grouped: HashMap<String, Vec<T>> = HashMap::new();
    for row in rows {
        grouped.entry(row.book_id().to_string()).or_default().push(row);
    }
    grouped
}

/// Loads a book's page. `copies` are the ContentIDs of all copies of the item.
pub fn book_detail(conn: &Connection, columns: &Columns, item: &Item, copies: &[String]) -> rusqlite::Result<Book> {
    let mut rows = Rows::default();
    for id in copies {
        rows.extend(Rows::load(conn, columns, Scope::Book(id))?);
    }
    Ok(rows.take_book(item, copies))
}

/// A book's page without its annotations (metadata of the shown copy only).
pub fn book_facts(conn: &Connection, columns: &Columns, item: &Item) -> rusqlite::Result<Book> {
    let mut rows = Rows { facts: facts(conn, columns, Scope::Book(&item.id))?, ..Rows::default() };
    Ok(rows.take_book(item, &[]))
}

/// The page of one list entry from rows already read (a walk over the whole library): its
/// facts are looked up by ContentID.
pub fn assemble_book(
    conn: &Connection,
    columns: &Columns,
    (item, copies): (&Item, &[String]),
    (sections, toc, annotations): (Vec<Section>, Vec<TocEntry>, Vec<PlacedAnnotation>),
) -> rusqlite::Result<Book> {
    let mut rows = Rows {
        facts: facts(conn, columns, Scope::Book(&item.id))?,
        sections: by_book(sections),
        toc: by_book(toc),
        annotations: by_book(annotations),
    };
    Ok(rows.take_book(item, copies))
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
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(scope.params(), |row| {
        let Some(id) = text_at(row, 0)? else { return Ok(None) };
        Ok(Some((
            id,
            Facts {
                publisher: text_at(row, 1)?,
                series: text_at(row, 2)?,
                series_number: text_at(row, 3)?,
                language: text_at(row, 4)?,
                isbn: text_at(row, 5)?.map(|isbn| isbn.trim().to_string()).filter(|isbn| is_isbn(isbn)),
                description: text_at(row, 6)?.map(|html| html_to_text(&html)).filter(|text| !text.is_empty()),
                date_added: text_at(row, 7)?.as_deref().and_then(normalize_date),
                time_spent_reading_secs: seconds_at(row, 8)?,
            },
        )))
    })?;
    rows.filter_map(Result::transpose).collect()
}

/// One of the row kinds a book page is made of, read for one book, for all, or (a walk over
/// the whole library) by rowid one book at a time.
pub trait BookRow: Sized {
    /// The table the rows are in, and its column holding the book's ContentID.
    const TABLE: &'static str;
    const BOOK: &'static str;
    /// SQL condition true for the table's rows of this kind: those a walk locates.
    const KIND: &'static str;
    /// The columns `from_row` reads, in order.
    fn columns(columns: &Columns) -> String;
    /// SQL condition true for the rows of this kind a book page shows: all of them unless said.
    fn shown(_: &Columns) -> String {
        "1".to_string()
    }
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Self>>;
    fn book_id(&self) -> &str;
}

/// SELECT of the rows of kind `T` in `scope` a page shows, ordered by the book's ContentID.
fn shown_rows_sql<T: BookRow>(columns: &Columns, scope: Scope) -> String {
    format!(
        "SELECT {} FROM {} WHERE {} AND {} AND ({}) ORDER BY {}",
        T::columns(columns),
        T::TABLE,
        scope.condition(T::BOOK),
        T::KIND,
        T::shown(columns),
        T::BOOK,
    )
}

/// SELECT, in table order (no sort), of every row of kind `T`: its rowid, its book's
/// ContentID, whether a page shows it, then the columns `from_row` reads (what its book's
/// fingerprint is made of).
pub fn locate_sql<T: BookRow>(columns: &Columns) -> String {
    format!(
        "SELECT rowid, {}, ({}), {} FROM {} WHERE {}",
        T::BOOK,
        T::shown(columns),
        T::columns(columns),
        T::TABLE,
        T::KIND,
    )
}

impl BookRow for Section {
    const TABLE: &'static str = "content";
    const BOOK: &'static str = "BookID";
    const KIND: &'static str = "CAST(ContentType AS TEXT) = '9'";

    fn columns(columns: &Columns) -> String {
        format!("ContentID, {}, BookID, {}", columns.content("VolumeIndex"), columns.content("Title"))
    }

    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Self>> {
        let (Some(id), Some(book_id)) = (text_at(row, 0)?, text_at(row, 2)?) else { return Ok(None) };
        let title = text_at(row, 3)?.map(|title| title.trim().to_string());
        Ok(Some(Section { book_id, id, order: number_at(row, 1)?.map(|n| n as i64), title }))
    }

    fn book_id(&self) -> &str {
        &self.book_id
    }
}

impl BookRow for TocEntry {
    const TABLE: &'static str = "content";
    const BOOK: &'static str = "BookID";
    const KIND: &'static str = "CAST(ContentType AS TEXT) = '899'";

    fn columns(columns: &Columns) -> String {
        format!("ContentID, {}, {}, BookID", columns.content("Title"), columns.content("VolumeIndex"))
    }

    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Self>> {
        let (Some(id), Some(title), Some(book_id)) = (text_at(row, 0)?, text_at(row, 1)?, text_at(row, 3)?) else {
            return Ok(None);
        };
        Ok(Some(TocEntry { book_id, id, title: title.trim().to_string(), order: number_at(row, 2)?.map(|n| n as i64) }))
    }

    fn book_id(&self) -> &str {
        &self.book_id
    }
}

/// Highlights, notes and markups; bookmarks (dogears) and deleted ones left out.
impl BookRow for PlacedAnnotation {
    const TABLE: &'static str = "Bookmark";
    const BOOK: &'static str = "VolumeID";
    const KIND: &'static str = "1";

    fn columns(columns: &Columns) -> String {
        format!(
            "BookmarkID, {}, {}, {}, {}, {}, {}, {}, {}, VolumeID",
            columns.bookmark("ContentID"),
            columns.bookmark("Text"),
            columns.bookmark("Annotation"),
            columns.bookmark_type(),
            columns.bookmark("Color"),
            columns.bookmark("DateCreated"),
            columns.bookmark("ChapterProgress"),
            columns.bookmark("StartContainerPath"),
        )
    }

    fn shown(columns: &Columns) -> String {
        format!("{} AND {} IN ('highlight', 'note', 'markup')", columns.visible_bookmark(), columns.bookmark_type())
    }

    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Self>> {
        let (Some(id), Some(book_id)) = (text_at(row, 0)?, text_at(row, 9)?) else { return Ok(None) };
        let kind = text_at(row, 4)?.unwrap_or_default();
        Ok(Some(PlacedAnnotation {
            annotation: Annotation {
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
    }

    fn book_id(&self) -> &str {
        &self.book_id
    }
}

/// All rows of a kind in `scope`.
pub fn rows<T: BookRow>(conn: &Connection, columns: &Columns, scope: Scope) -> rusqlite::Result<Vec<T>> {
    let mut statement = conn.prepare_cached(&shown_rows_sql::<T>(columns, scope))?;
    let rows = statement.query_map(scope.params(), T::from_row)?;
    rows.filter_map(Result::transpose).collect()
}
