//! What the statistics page says of the review: answers per day, the cards in it, those due
//! today, and how often the reader remembered a card seen before.

use super::Day;
use crate::{dates::date_of_day, model::ReviewStats};
use rusqlite::Connection;
use std::collections::HashMap;

/// Days the reviews-per-day chart and the retention cover.
const DAYS: i64 = 30;

/// The four grades, as the log writes them (skip and never are no review).
const GRADED: &str = "('again', 'hard', 'good', 'easy')";

pub fn review_stats(conn: &Connection, day: &Day) -> rusqlite::Result<ReviewStats> {
    let first = day.number - DAYS + 1;
    let since = date_of_day(first);
    let per_day: HashMap<String, u32> = {
        let sql = format!("SELECT day, count(*) FROM review_log WHERE day >= ?1 AND answer IN {GRADED} GROUP BY day");
        let mut statement = conn.prepare_cached(&sql)?;
        let rows = statement.query_map([&since], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let reviews_per_day = (first..=day.number)
        .map(|number| {
            let date = date_of_day(number);
            let count = per_day.get(&date).copied().unwrap_or(0);
            (date, count)
        })
        .collect();
    let (cards, due_today): (usize, usize) = conn.query_row(
        "SELECT count(*), coalesce(sum(due < ?1), 0) FROM review_card WHERE suspended = 0",
        [day.end()],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    // A card's first answer says nothing of memory: only the answers after it count.
    let sql = format!(
        "SELECT count(*), coalesce(sum(l.answer <> 'again'), 0) FROM review_log l
         WHERE l.day >= ?1 AND l.answer IN {GRADED}
           AND EXISTS (SELECT 1 FROM review_log f WHERE f.bookmark_id = l.bookmark_id AND f.id < l.id
                         AND f.answer IN {GRADED})"
    );
    let (answers, remembered): (u32, u32) = conn.query_row(&sql, [&since], |row| Ok((row.get(0)?, row.get(1)?)))?;
    Ok(ReviewStats {
        reviews_per_day,
        cards,
        due_today,
        repeat_answers: answers,
        retention_percent: (answers > 0).then(|| (f64::from(remembered) * 100.0 / f64::from(answers)).round() as u32),
    })
}
