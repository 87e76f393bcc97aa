//! Which highlights a day's review holds, fixed once per day (`review_day`), so the same day
//! gives the same cards: first those FSRS says are due by the day's end (the longest due
//! first), then new ones, a few a day, drawn from every highlight, note and markup the archive
//! keeps (deleted on the device or not) with a generator seeded by the day. Drawing reads the
//! candidates' rowids once a day; a request reads only the day's rows.

use super::{Day, ReviewSettings};
use rusqlite::{params, params_from_iter, Connection, Transaction};

/// What a candidate must be: something to show (text, a note or a markup), of a chosen colour,
/// of a book in a chosen collection (`books`: their ids, when collections are chosen). Its
/// parameters: the colours, then the books as one JSON array.
fn candidate_condition(settings: &ReviewSettings, books: Option<&[String]>) -> (String, Vec<String>) {
    let mut condition = "(a.is_markup = 1 OR coalesce(a.text, '') <> '' OR coalesce(a.note, '') <> '')".to_string();
    let mut values = settings.colours.clone();
    if !settings.colours.is_empty() {
        condition.push_str(&format!(" AND a.color IN ({})", vec!["?"; settings.colours.len()].join(", ")));
    }
    if let Some(books) = books {
        condition.push_str(" AND a.book_id IN (SELECT value FROM json_each(?))");
        values.push(serde_json::to_string(books).unwrap_or_else(|_| "[]".into()));
    }
    (condition, values)
}

/// Makes `day`'s list if it has none yet; whether the day has cards. A day with none (no
/// highlight ingested yet) is not fixed: a later request draws again.
pub fn prepare_day(
    transaction: &Transaction,
    day: &Day,
    settings: &ReviewSettings,
    books: Option<&[String]>,
) -> rusqlite::Result<bool> {
    let made: bool =
        transaction
            .query_row("SELECT EXISTS (SELECT 1 FROM review_day WHERE day = ?1)", [&day.date], |row| row.get(0))?;
    if made {
        return Ok(true);
    }
    let (condition, values) = candidate_condition(settings, books);
    let due: Vec<String> = {
        let sql = format!(
            "SELECT c.bookmark_id FROM review_card c JOIN archive_annotation a ON a.bookmark_id = c.bookmark_id
             WHERE c.suspended = 0 AND c.due < {end} AND {condition}
             ORDER BY c.due, c.bookmark_id LIMIT {limit}",
            end = day.end(),
            limit = settings.cards_per_day,
        );
        let mut statement = transaction.prepare(&sql)?;
        let rows = statement.query_map(params_from_iter(&values), |row| row.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let room = settings.new_per_day.min(settings.cards_per_day.saturating_sub(due.len()));
    let new = draw_new(transaction, day, (&condition, &values), room)?;
    let mut add = transaction.prepare("INSERT INTO review_day (day, position, bookmark_id) VALUES (?1, ?2, ?3)")?;
    for (position, id) in due.iter().chain(&new).enumerate() {
        add.execute(params![day.date, position as i64, id])?;
    }
    Ok(!due.is_empty() || !new.is_empty())
}

/// `count` highlights never reviewed, chosen by the day's generator; each enters the review
/// (a new card, due at once).
fn draw_new(
    transaction: &Transaction,
    day: &Day,
    (condition, values): (&str, &[String]),
    count: usize,
) -> rusqlite::Result<Vec<String>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT a.rowid FROM archive_annotation a
         WHERE NOT EXISTS (SELECT 1 FROM review_card c WHERE c.bookmark_id = a.bookmark_id) AND {condition}
         ORDER BY a.rowid"
    );
    let candidates: Vec<i64> = {
        let mut statement = transaction.prepare(&sql)?;
        let rows = statement.query_map(params_from_iter(values), |row| row.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut generator = fastrand::Rng::with_seed(day.number as u64);
    let mut chosen = generator.choose_multiple(candidates, count);
    chosen.sort_unstable();
    let mut introduce = transaction.prepare(
        "INSERT INTO review_card (bookmark_id, state, due, stability, difficulty, elapsed_days, scheduled_days,
            reps, lapses, last_review, introduced, suspended)
         SELECT bookmark_id, 0, ?2, 0, 0, 0, 0, 0, 0, NULL, ?3, 0 FROM archive_annotation WHERE rowid = ?1
         RETURNING bookmark_id",
    )?;
    chosen
        .into_iter()
        .map(|rowid| introduce.query_row(params![rowid, day.start(), day.date], |row| row.get(0)))
        .collect()
}

/// A card of the day with its last answer of the day, if any.
pub struct DayCard {
    pub bookmark_id: String,
    position: i64,
    last_answer: Option<(i64, String)>,
}

impl DayCard {
    /// Still to answer today: not answered yet, or answered "again".
    pub fn is_open(&self) -> bool {
        self.last_answer.as_ref().is_none_or(|(_, answer)| answer == "again")
    }
}

/// The day's cards, those the reader put away for good ("never") left out, the open ones first
/// in the order they are shown: unanswered by position, then those answered "again" in the
/// order they were.
pub fn day_cards(conn: &Connection, day: &Day) -> rusqlite::Result<Vec<DayCard>> {
    let mut statement = conn.prepare_cached(
        "SELECT d.bookmark_id, d.position, l.id, l.answer
         FROM review_day d
         JOIN review_card c ON c.bookmark_id = d.bookmark_id
         LEFT JOIN review_log l ON l.id = (SELECT max(id) FROM review_log
                                           WHERE day = d.day AND bookmark_id = d.bookmark_id)
         WHERE d.day = ?1 AND (c.suspended = 0 OR l.answer = 'never')",
    )?;
    let rows = statement.query_map([&day.date], |row| {
        let last_answer = match row.get::<_, Option<i64>>(2)? {
            Some(id) => Some((id, row.get(3)?)),
            None => None,
        };
        Ok(DayCard { bookmark_id: row.get(0)?, position: row.get(1)?, last_answer })
    })?;
    let mut cards: Vec<DayCard> = rows.collect::<rusqlite::Result<_>>()?;
    cards.sort_by_key(|card| {
        let answered_again = card.last_answer.as_ref().map(|(id, _)| *id);
        (!card.is_open(), answered_again.is_some(), answered_again.unwrap_or(card.position))
    });
    Ok(cards)
}
