//! What the statistics count, as the file records it: every highlight and note with its date
//! and colour, and each item's finished date and reading time. The counting (per month, per
//! year, per book, with what earlier versions held) is for whoever merges versions.

use super::{
    dates::normalize_date,
    records::HighlightColor,
    schema::{number_at, seconds_at, text_at, Columns},
};
use rusqlite::Connection;

/// A highlight or note as the statistics count it (markups, bookmarks and deleted ones are
/// not counted).
pub struct CountedAnnotation {
    pub created: Option<String>,
    pub color: HighlightColor,
    pub is_note: bool,
}

/// A top-level `content` row's reading: one per copy of an item.
pub struct ItemReading {
    /// The copy's ContentID.
    pub id: String,
    /// `ReadStatus` says finished.
    pub finished: bool,
    /// When it was finished (`LastTimeFinishedReading`, else `DateLastRead`).
    pub finished_on: Option<String>,
    /// `TimeSpentReading`.
    pub seconds: u64,
}

pub fn for_each_counted_annotation(
    conn: &Connection,
    columns: &Columns,
    mut each: impl FnMut(CountedAnnotation),
) -> rusqlite::Result<()> {
    let sql = format!(
        "SELECT {created}, {color}, {kind}, {note} FROM Bookmark WHERE {counted}",
        created = columns.bookmark("DateCreated"),
        color = columns.bookmark("Color"),
        kind = columns.bookmark_type(),
        note = columns.bookmark("Annotation"),
        counted = columns.counted_highlight(),
    );
    let mut statement = conn.prepare(&sql)?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        each(CountedAnnotation {
            created: text_at(row, 0)?.as_deref().and_then(normalize_date),
            color: HighlightColor::from_code(number_at(row, 1)?.map(|n| n as i64)),
            is_note: text_at(row, 2)?.as_deref() == Some("note") || text_at(row, 3)?.is_some(),
        });
    }
    Ok(())
}

pub fn item_readings(conn: &Connection, columns: &Columns) -> rusqlite::Result<Vec<ItemReading>> {
    let sql = format!(
        "SELECT ContentID, {status}, {finished}, {last_read}, {spent} FROM content WHERE {top_level}",
        status = columns.content("ReadStatus"),
        finished = columns.content("LastTimeFinishedReading"),
        last_read = columns.content("DateLastRead"),
        spent = columns.content("TimeSpentReading"),
        top_level = columns.top_level_item(),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map([], |row| {
        let Some(id) = text_at(row, 0)? else { return Ok(None) };
        Ok(Some(ItemReading {
            id,
            finished: number_at(row, 1)? == Some(2.0),
            finished_on: text_at(row, 2)?.or(text_at(row, 3)?).as_deref().and_then(normalize_date),
            seconds: seconds_at(row, 4)?.unwrap_or(0),
        }))
    })?;
    rows.filter_map(Result::transpose).collect()
}
