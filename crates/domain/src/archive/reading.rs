//! Reading time across versions (table `archive_reading`), counted once.
//!
//! A version's `LeaveContent` sessions are kept by their event id, so a session seen in two
//! versions counts once. Each item's running total `TimeSpentReading` on each device (table
//! `archive_device_reading_total`) then adds only what no session explains: the growth of the total
//! since the last ingest minus the new sessions' seconds, dated on the item's last-read day.
//! At the first ingest that remainder is the reading before kobo-shelf kept history (no day).
//! A total that went down (a restored older backup, a reset device) adds nothing and becomes
//! the new baseline, so restoring a backup never counts its time twice.

use kobo_reader::ReadingRecord;
use rusqlite::{params, Transaction};
use std::collections::HashMap;

/// Reading time the archive accumulated over every version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadingHistory {
    /// `(YYYY-MM-DD, day number, seconds)` for every day with reading, oldest first.
    pub per_day: Vec<(String, i64, u64)>,
    /// Today, in days since 1970-01-01 (UTC), as `per_day`'s day numbers.
    pub today: i64,
    /// Seconds per ContentID (days known or not).
    pub per_book: HashMap<String, u64>,
    /// Seconds per device that recorded them.
    pub per_device: HashMap<String, u64>,
}

/// What an ingest added.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReadingMerge {
    pub new_sessions: usize,
    pub added_secs: u64,
}

/// Merges `device`'s `record` into the archive within the ingest's transaction (`seq`: the
/// ingest). Each device's running totals are its own: two devices' totals of one book are not
/// one total going up and down.
pub fn merge(
    transaction: &Transaction,
    (device, seq): (&str, i64),
    record: &ReadingRecord,
) -> rusqlite::Result<ReadingMerge> {
    let mut merge = ReadingMerge::default();
    let mut new_per_book: HashMap<&str, u64> = HashMap::new();
    let mut insert = transaction.prepare_cached(
        "INSERT INTO archive_reading (id, book_id, day, seconds, device) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO NOTHING",
    )?;
    for session in &record.sessions {
        let id = format!("event:{}", session.event_id);
        if insert.execute(params![id, session.book_id, session.day, session.seconds as i64, device])? == 1 {
            merge.new_sessions += 1;
            merge.added_secs += session.seconds;
            *new_per_book.entry(&session.book_id).or_default() += session.seconds;
        }
    }
    let previous = last_totals(transaction, device)?;
    let mut remember = transaction.prepare_cached(
        "INSERT INTO archive_device_reading_total (device, book_id, seconds) VALUES (?1, ?2, ?3)
         ON CONFLICT (device, book_id) DO UPDATE SET seconds = excluded.seconds",
    )?;
    for total in &record.totals {
        let before = previous.get(total.book_id.as_str()).copied();
        let growth = match before {
            None => total.seconds,
            Some(before) => total.seconds.saturating_sub(before.max(0) as u64),
        };
        let unexplained = growth.saturating_sub(new_per_book.get(total.book_id.as_str()).copied().unwrap_or(0));
        if unexplained > 0 {
            let day = before.and(total.last_read_day.as_deref());
            let id = format!("total:{seq}:{}", total.book_id);
            insert.execute(params![id, total.book_id, day, unexplained as i64, device])?;
            merge.added_secs += unexplained;
        }
        if before != Some(total.seconds as i64) {
            remember.execute(params![device, total.book_id, total.seconds as i64])?;
        }
    }
    Ok(merge)
}

/// Each item's running total on `device` as last ingested (one read, not one per item).
fn last_totals(transaction: &Transaction, device: &str) -> rusqlite::Result<HashMap<String, i64>> {
    let mut statement =
        transaction.prepare("SELECT book_id, seconds FROM archive_device_reading_total WHERE device = ?1")?;
    let totals = statement.query_map([device], |row| Ok((row.get(0)?, row.get(1)?)))?;
    totals.collect()
}

/// Every day with reading, each book's time, and today (days since 1970-01-01).
pub fn history(conn: &rusqlite::Connection) -> rusqlite::Result<ReadingHistory> {
    let mut per_day = conn.prepare_cached(
        "SELECT day, CAST(julianday(day) - 2440587.5 AS INTEGER), sum(seconds) FROM archive_reading
         WHERE julianday(day) IS NOT NULL GROUP BY day HAVING sum(seconds) > 0 ORDER BY day",
    )?;
    let per_day = per_day
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get::<_, i64>(2)?.max(0) as u64)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut per_book = conn.prepare_cached("SELECT book_id, sum(seconds) FROM archive_reading GROUP BY book_id")?;
    let per_book = per_book
        .query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)?.max(0) as u64)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut per_device = conn.prepare_cached("SELECT device, sum(seconds) FROM archive_reading GROUP BY device")?;
    let per_device = per_device
        .query_map([], |row| Ok((row.get(0)?, row.get::<_, i64>(1)?.max(0) as u64)))?
        .collect::<rusqlite::Result<_>>()?;
    let today = conn.query_row("SELECT CAST(julianday(date('now')) - 2440587.5 AS INTEGER)", [], |row| row.get(0))?;
    Ok(ReadingHistory { per_day, today, per_book, per_device })
}
