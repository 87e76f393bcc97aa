//! Which of the columns the app reads a given `KoboReader.sqlite` has. Firmwares differ, so
//! every optional column is looked up once per file and queries select `NULL` for the missing.

use super::KoboError;
use rusqlite::Connection;
use std::{borrow::Cow, collections::HashSet};

/// Columns without which a file is not a Kobo library.
const REQUIRED_CONTENT: [&str; 2] = ["ContentID", "ContentType"];
const REQUIRED_BOOKMARK: [&str; 2] = ["BookmarkID", "VolumeID"];

/// The columns present in `content` and `Bookmark`, and in the collection tables `Shelf` and
/// `ShelfContent` (empty when the file has none).
#[derive(Debug, Clone)]
pub struct Columns {
    content: HashSet<String>,
    bookmark: HashSet<String>,
    shelf: HashSet<String>,
    shelf_content: HashSet<String>,
}

impl Columns {
    /// Reads the two tables' columns, or says what makes the file no Kobo library.
    pub fn detect(conn: &Connection) -> Result<Columns, KoboError> {
        let content = table_columns(conn, "content")?;
        let bookmark = table_columns(conn, "Bookmark")?;
        if content.is_empty() || bookmark.is_empty() {
            let missing = if content.is_empty() { "content" } else { "Bookmark" };
            return Err(KoboError::NotKobo(format!("no `{missing}` table")));
        }
        let lacks = |set: &HashSet<String>, required: &[&str], table: &str| {
            required
                .iter()
                .find(|column| !set.contains(&column.to_ascii_lowercase()))
                .map(|column| format!("`{table}` has no `{column}` column"))
        };
        if let Some(problem) =
            lacks(&content, &REQUIRED_CONTENT, "content").or_else(|| lacks(&bookmark, &REQUIRED_BOOKMARK, "Bookmark"))
        {
            return Err(KoboError::NotKobo(problem));
        }
        let shelf = table_columns(conn, "Shelf")?;
        let shelf_content = table_columns(conn, "ShelfContent")?;
        Ok(Columns { content, bookmark, shelf, shelf_content })
    }

    /// `content.<column>` if the file has it, else `NULL`, for use in a SELECT list.
    pub fn content(&self, column: &'static str) -> &'static str {
        pick(&self.content, column)
    }

    /// `Bookmark.<column>` if the file has it, else `NULL`.
    pub fn bookmark(&self, column: &'static str) -> &'static str {
        pick(&self.bookmark, column)
    }

    /// SQL condition (over `content`) true for the library's items: books, articles, … but not
    /// their sections or table-of-contents entries. Written once for every query.
    pub fn top_level_item(&self) -> String {
        format!("CAST(ContentType AS TEXT) = '6' AND COALESCE({}, '') = ''", self.content("BookID"))
    }

    /// `Shelf.<column>` if the file has it, else `NULL`.
    pub fn shelf(&self, column: &'static str) -> &'static str {
        pick(&self.shelf, column)
    }

    /// Whether the file has collections: a `Shelf` with names and a `ShelfContent` linking
    /// them to items.
    pub fn has_collections(&self) -> bool {
        self.shelf.contains("name") && ["shelfname", "contentid"].iter().all(|c| self.shelf_content.contains(*c))
    }

    /// SQL condition (over `Bookmark`) true for annotations that are shown: not deleted on the
    /// device (`Hidden` is stored as 1 or as 'true'). Written once for every query.
    pub fn visible_bookmark(&self) -> String {
        not_flagged(&self.bookmark, "Hidden", "Hidden")
    }

    /// SQL condition true for a `Shelf` row (`alias.` before its columns) the device has not
    /// deleted (`_IsDeleted` stored as 'true'/'false' or 1/0).
    pub fn live_shelf(&self, alias: &str) -> String {
        not_flagged(&self.shelf, "_IsDeleted", &format!("{alias}._IsDeleted"))
    }

    /// The same for a `ShelfContent` row.
    pub fn live_shelf_content(&self, alias: &str) -> String {
        not_flagged(&self.shelf_content, "_IsDeleted", &format!("{alias}._IsDeleted"))
    }

    /// SQL condition (over `Bookmark`) true for what the app counts as a highlight: a shown
    /// highlight or note (not a bookmark, not a markup). The list and the statistics agree.
    pub fn counted_highlight(&self) -> String {
        format!("{} AND {} IN ('highlight', 'note')", self.visible_bookmark(), self.bookmark_type())
    }

    /// SQL expression of an annotation's kind: `Type`, or on old firmware `highlight` when it
    /// has text and `dogear` otherwise.
    pub fn bookmark_type(&self) -> &'static str {
        if self.bookmark.contains("type") {
            "COALESCE(NULLIF(Type, ''), CASE WHEN COALESCE(Text, '') <> '' THEN 'highlight' ELSE 'dogear' END)"
        } else {
            "CASE WHEN COALESCE(Text, '') <> '' THEN 'highlight' ELSE 'dogear' END"
        }
    }
}

/// SQL condition true unless the flag `column` (written `expression` in the query) holds
/// `'true'` or 1, as Kobo stores its booleans; always true when the table lacks the column.
fn not_flagged(set: &HashSet<String>, column: &str, expression: &str) -> String {
    if set.contains(&column.to_ascii_lowercase()) {
        format!("COALESCE(LOWER(CAST({expression} AS TEXT)), '0') NOT IN ('1', 'true')")
    } else {
        "1".to_string()
    }
}

fn pick(set: &HashSet<String>, column: &'static str) -> &'static str {
    if set.contains(&column.to_ascii_lowercase()) {
        column
    } else {
        "NULL"
    }
}

/// Lower-cased column names of a table; empty when the table does not exist.
fn table_columns(conn: &Connection, table: &str) -> Result<HashSet<String>, KoboError> {
    let names: HashSet<String> = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .and_then(|mut statement| statement.query_map([table], |row| row.get::<_, String>(0))?.collect())
        .map_err(KoboError::reading("its schema"))?;
    Ok(names.into_iter().map(|name| name.to_ascii_lowercase()).collect())
}

/// A text cell, whatever SQLite stored there: integers and reals as their text, invalid UTF-8
/// repaired, blobs and empty or blank text as `None`.
pub fn text_at(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<String>> {
    Ok(text_of(row.get_ref(index)?).map(Cow::into_owned))
}

/// A value read as [`text_at`] reads it, borrowed where it can be (a scan of every row copies
/// nothing it does not keep).
pub fn text_of(value: rusqlite::types::ValueRef<'_>) -> Option<Cow<'_, str>> {
    use rusqlite::types::ValueRef;
    let text = match value {
        ValueRef::Text(bytes) => String::from_utf8_lossy(bytes),
        ValueRef::Integer(n) => Cow::Owned(n.to_string()),
        ValueRef::Real(x) => Cow::Owned(x.to_string()),
        ValueRef::Null | ValueRef::Blob(_) => return None,
    };
    Some(text).filter(|text| !text.trim().is_empty())
}

/// A numeric cell, also when stored as text; `None` when absent or not a number.
pub fn number_at(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<f64>> {
    use rusqlite::types::ValueRef;
    Ok(match row.get_ref(index)? {
        ValueRef::Integer(n) => Some(n as f64),
        ValueRef::Real(x) => Some(x),
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok().and_then(|t| t.trim().parse().ok()),
        ValueRef::Null | ValueRef::Blob(_) => None,
    })
}

/// A duration cell in whole seconds; `None` unless from 1 to `u32::MAX` (136 years), so junk
/// neither shows nor overflows a sum.
pub fn seconds_at(row: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<Option<u64>> {
    Ok(number_at(row, index)?.filter(|secs| (1.0..u32::MAX as f64).contains(secs)).map(|secs| secs as u64))
}
