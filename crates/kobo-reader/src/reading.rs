//! Reading time as one file version records it: the sessions in `AnalyticsEvents` (one
//! `LeaveContent` event per time the reader left a book, with `SecondsRead`) and each item's
//! running total `content.TimeSpentReading`. The device empties `AnalyticsEvents` after it talks
//! to the Kobo cloud, so a version holds only recent sessions; the archive accumulates both
//! (kobo-shelf's archive).

use super::schema::{seconds_at, text_at, Columns};
use crate::dates::normalize_date;
use rusqlite::Connection;

/// A session longer than this is junk (a clock jump), not reading.
const LONGEST_SESSION_SECS: u64 = 24 * 60 * 60;

/// One `LeaveContent` event: the reader spent `seconds` in `book_id`, leaving it on `day`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadingSession {
    /// `AnalyticsEvents.Id`: the same event in a later version is the same session.
    pub event_id: String,
    /// The ContentID the event names (`Attributes.volumeid`).
    pub book_id: String,
    /// `YYYY-MM-DD` of `Timestamp`.
    pub day: String,
    pub seconds: u64,
}

/// An item's `TimeSpentReading` and the day it was last read (`DateLastRead`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunningTotal {
    pub book_id: String,
    pub seconds: u64,
    pub last_read_day: Option<String>,
}

/// What a version says of reading time.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReadingRecord {
    pub sessions: Vec<ReadingSession>,
    /// Every top-level item with a `TimeSpentReading`.
    pub totals: Vec<RunningTotal>,
    /// Events that name no book, no day or no time (skipped).
    pub unreadable_events: usize,
}

pub fn reading_record(conn: &Connection, columns: &Columns) -> rusqlite::Result<ReadingRecord> {
    let mut record = ReadingRecord { totals: totals(conn, columns)?, ..ReadingRecord::default() };
    if !has_table(conn, "AnalyticsEvents")? {
        return Ok(record);
    }
    let mut statement = conn.prepare(
        "SELECT CAST(Id AS TEXT), CAST(Timestamp AS TEXT), CAST(Attributes AS TEXT), CAST(Metrics AS TEXT)
         FROM AnalyticsEvents WHERE Type = 'LeaveContent'",
    )?;
    let mut rows = statement.query([])?;
    while let Some(row) = rows.next()? {
        let fields = (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        match session(fields) {
            Some(session) => record.sessions.push(session),
            None => record.unreadable_events += 1,
        }
    }
    Ok(record)
}

/// Attributes and Metrics are JSON objects; firmwares write numbers as JSON numbers or strings.
fn session(
    (id, timestamp, attributes, metrics): (Option<String>, Option<String>, Option<String>, Option<String>),
) -> Option<ReadingSession> {
    let attributes: serde_json::Value = serde_json::from_str(&attributes?).ok()?;
    let metrics: serde_json::Value = serde_json::from_str(&metrics?).ok()?;
    let book_id = attributes.get("volumeid")?.as_str()?.trim();
    let seconds = match metrics.get("SecondsRead")? {
        serde_json::Value::Number(number) => number.as_u64()?,
        serde_json::Value::String(text) => text.trim().parse().ok()?,
        _ => return None,
    };
    let day = normalize_date(&timestamp?)?.get(..10)?.to_string();
    let event_id = id.filter(|id| !id.is_empty())?;
    (!book_id.is_empty() && seconds <= LONGEST_SESSION_SECS).then(|| ReadingSession {
        event_id,
        book_id: book_id.to_string(),
        day,
        seconds,
    })
}

fn totals(conn: &Connection, columns: &Columns) -> rusqlite::Result<Vec<RunningTotal>> {
    let sql = format!(
        "SELECT ContentID, {}, {} FROM content WHERE {}",
        columns.content("TimeSpentReading"),
        columns.content("DateLastRead"),
        columns.top_level_item()
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map([], |row| {
        let (Some(book_id), Some(seconds)) = (text_at(row, 0)?, seconds_at(row, 1)?) else { return Ok(None) };
        let last_read_day = text_at(row, 2)?.as_deref().and_then(normalize_date).map(|date| date[..10].to_string());
        Ok(Some(RunningTotal { book_id, seconds, last_read_day }))
    })?;
    rows.filter_map(Result::transpose).collect()
}

fn has_table(conn: &Connection, name: &str) -> rusqlite::Result<bool> {
    conn.query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |row| {
        row.get::<_, i64>(0).map(|count| count > 0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(attributes: &str, metrics: &str) -> Option<ReadingSession> {
        let text = |s: &str| Some(s.to_string());
        session((text("e1"), text("2025-03-04T21:10:00.000+00:00"), text(attributes), text(metrics)))
    }

    #[test]
    fn seconds_are_read_as_numbers_or_strings_and_junk_is_skipped() {
        let expected = ReadingSession {
            event_id: "e1".into(),
            book_id: "file:///a.epub".into(),
            day: "2025-03-04".into(),
            seconds: 95,
        };
        let attributes = r#"{"volumeid":"file:///a.epub","progress":"12"}"#;
        assert_eq!(event(attributes, r#"{"SecondsRead":95,"PagesTurned":3}"#), Some(expected.clone()));
        assert_eq!(event(attributes, r#"{"SecondsRead":"95"}"#), Some(expected));
        assert_eq!(event(attributes, r#"{"SecondsRead":999999}"#), None, "longer than a day");
        assert_eq!(event(attributes, r#"{"SecondsRead":-4}"#), None);
        assert_eq!(event(attributes, "not json"), None);
        assert_eq!(event(r#"{"progress":"12"}"#, r#"{"SecondsRead":5}"#), None, "no book");
    }
}
