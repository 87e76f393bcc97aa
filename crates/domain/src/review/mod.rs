//! Daily review: a few highlights a day come back to the reader, on the schedule FSRS gives
//! each (`schedule`), from every highlight, note and markup the archive keeps, those the device
//! deleted included (`queue`). The state of each card and every answer live in the app
//! database (`review_card`, `review_log`, the day's list `review_day`), never in the device
//! file; the archive's own tables are only read. Days are UTC days, as every date kobo-shelf
//! keeps.

mod feed;
mod queue;
mod schedule;
mod stats;

pub use schedule::Grade;

pub use crate::settings::ReviewSettings;
use crate::{
    appdb::{self, AppDbError, OnWrite},
    auth::random_token,
    dates::date_of_day,
    model::{Highlight, HighlightColor, LibraryQuery, ReviewAnswer, ReviewCard, ReviewSession, ReviewStats},
    settings::Secret,
    shelf::Shelf,
};
use parking_lot::Mutex;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use schedule::Memory;
use std::{path::Path, sync::Arc, time::Duration};
use subtle::ConstantTimeEq;

/// Why the review cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    AppDb(#[from] AppDbError),
    #[error("the review cannot be read or written ({0})")]
    Database(#[from] rusqlite::Error),
}

/// A UTC day: its number since 1970-01-01 and its date.
pub struct Day {
    number: i64,
    date: String,
}

const DAY_SECS: i64 = 86_400;

impl Day {
    /// The day of `now` (UTC seconds).
    pub fn of(now: i64) -> Day {
        let number = now.div_euclid(DAY_SECS);
        Day { number, date: date_of_day(number) }
    }

    fn start(&self) -> i64 {
        self.number * DAY_SECS
    }

    fn end(&self) -> i64 {
        self.start() + DAY_SECS
    }
}

/// The review service: one connection of its own to the app database.
pub struct Review {
    conn: Mutex<Connection>,
    settings: ReviewSettings,
    /// Which books are in the chosen collections (the device's, as the library shows them).
    shelf: Arc<Shelf>,
    /// The last day whose list is known to be made (with cards): later requests of that day
    /// read only.
    made: Mutex<String>,
    /// Told of every answer (the archive's copies off the machine carry the review).
    on_write: Option<OnWrite>,
}

/// How long the header waits for the review before it shows no count (a page never waits on
/// the review).
const COUNT_WAIT: Duration = Duration::from_millis(200);

/// Highlights of this date in earlier years the page shows at most.
const ON_THIS_DAY: usize = 5;

impl Review {
    pub fn open(
        data_dir: &Path,
        settings: ReviewSettings,
        shelf: Arc<Shelf>,
        on_write: Option<OnWrite>,
    ) -> Result<Review, ReviewError> {
        let conn = Mutex::new(appdb::open(data_dir)?);
        Ok(Review { conn, settings, shelf, made: Mutex::new(String::new()), on_write })
    }

    /// The ids of the books in the chosen collections, when collections are chosen; none while
    /// the library cannot be read (no new cards then: the day is drawn again later).
    fn chosen_books(&self) -> Option<Vec<String>> {
        if self.settings.collections.is_empty() {
            return None;
        }
        let view = match self.shelf.current() {
            Ok(view) => view,
            Err(err) => {
                tracing::info!(error = %err, "review: the collections cannot be read yet");
                return Some(Vec::new());
            }
        };
        let books = self.settings.collections.iter().flat_map(|collection| {
            let query = LibraryQuery { shelf: Some(collection.clone()), ..LibraryQuery::default() };
            view.matching(&query).into_iter().map(|summary| summary.id.clone()).collect::<Vec<_>>()
        });
        Some(books.collect())
    }

    /// Today's review at `now` (UTC seconds): the day's list is made by its first request.
    pub fn session(&self, now: i64) -> Result<ReviewSession, ReviewError> {
        let day = Day::of(now);
        let mut conn = self.conn.lock();
        self.prepare(&mut conn, &day)?;
        let cards = queue::day_cards(&conn, &day)?;
        let open = cards.iter().filter(|card| card.is_open()).count();
        let card = match cards.first().filter(|card| card.is_open()) {
            Some(first) => card_of(&conn, &first.bookmark_id)?,
            None => None,
        };
        Ok(ReviewSession {
            card,
            answered: cards.len() - open,
            open,
            on_this_day: on_this_day(&conn, &day)?,
            day: day.date,
        })
    }

    /// How many cards are still to answer today (the header's count); `None` when the review
    /// is busy for longer than a page should wait.
    pub fn open_count(&self, now: i64) -> Result<Option<usize>, ReviewError> {
        let day = Day::of(now);
        let Some(mut conn) = self.conn.try_lock_for(COUNT_WAIT) else { return Ok(None) };
        self.prepare(&mut conn, &day)?;
        Ok(Some(queue::day_cards(&conn, &day)?.iter().filter(|card| card.is_open()).count()))
    }

    /// Records `answer` to the card `bookmark_id` at `now`. Only an open card of today takes an
    /// answer: a form sent twice answers once. Whether it was taken.
    pub fn answer(&self, bookmark_id: &str, answer: ReviewAnswer, now: i64) -> Result<bool, ReviewError> {
        let day = Day::of(now);
        let mut conn = self.conn.lock();
        self.prepare(&mut conn, &day)?;
        let open = queue::day_cards(&conn, &day)?.iter().any(|card| card.bookmark_id == bookmark_id && card.is_open());
        if !open {
            return Ok(false);
        }
        let transaction = conn.transaction()?;
        let grade = match answer {
            ReviewAnswer::Again => Some(Grade::Again),
            ReviewAnswer::Hard => Some(Grade::Hard),
            ReviewAnswer::Good => Some(Grade::Good),
            ReviewAnswer::Easy => Some(Grade::Easy),
            ReviewAnswer::Skip | ReviewAnswer::Never => None,
        };
        let mut scheduled_days = None;
        if let Some(grade) = grade {
            let next = schedule::answer(&memory(&transaction, bookmark_id)?, grade, now);
            scheduled_days = Some(next.scheduled_days);
            save_memory(&transaction, bookmark_id, &next)?;
        }
        if answer == ReviewAnswer::Never {
            transaction.execute("UPDATE review_card SET suspended = 1 WHERE bookmark_id = ?1", [bookmark_id])?;
        }
        transaction.execute(
            "INSERT INTO review_log (bookmark_id, day, answered_at, answer, scheduled_days) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![bookmark_id, day.date, now, answer.slug(), scheduled_days],
        )?;
        transaction.commit()?;
        if let Some(on_write) = &self.on_write {
            on_write();
        }
        Ok(true)
    }

    /// Makes `day`'s list once. The write lock is taken first (`IMMEDIATE`): a transaction
    /// that read first could not take it while the archive writes, and would try again on
    /// every request.
    /// What the statistics page says of the review at `now`.
    pub fn stats(&self, now: i64) -> Result<ReviewStats, ReviewError> {
        Ok(stats::review_stats(&self.conn.lock(), &Day::of(now))?)
    }

    /// The feed's secret token, made on first use.
    pub fn feed_token(&self) -> Result<Secret, ReviewError> {
        let stored = self.stored_feed_token()?;
        match stored {
            Some(token) => Ok(token.into()),
            None => self.new_feed_token(),
        }
    }

    /// Replaces the feed's token: the old address stops working.
    pub fn new_feed_token(&self) -> Result<Secret, ReviewError> {
        let token = random_token();
        self.conn.lock().execute(
            "INSERT INTO review_feed (id, token) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET token = excluded.token",
            [&token],
        )?;
        tracing::info!("review feed: a new address was made");
        Ok(token.into())
    }

    /// Whether `given` is the feed's token (compared in constant time); never while none was made.
    pub fn opens_feed(&self, given: &str) -> Result<bool, ReviewError> {
        let stored = self.stored_feed_token()?;
        Ok(stored.is_some_and(|token| bool::from(token.as_bytes().ct_eq(given.as_bytes()))))
    }

    fn stored_feed_token(&self) -> Result<Option<String>, ReviewError> {
        let conn = self.conn.lock();
        Ok(conn.query_row("SELECT token FROM review_feed WHERE id = 1", [], |row| row.get(0)).optional()?)
    }

    /// The feed at `now`: the last days' reviews, today's made if it was not yet, newest
    /// first, linking to `site`.
    pub fn feed(&self, now: i64, site: &str) -> Result<String, ReviewError> {
        let day = Day::of(now);
        let mut conn = self.conn.lock();
        self.prepare(&mut conn, &day)?;
        let mut statement = conn.prepare_cached(&format!(
            "SELECT DISTINCT day FROM review_day WHERE day <= ?1 ORDER BY day DESC LIMIT {FEED_DAYS}"
        ))?;
        let dates = statement.query_map([&day.date], |row| row.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
        let days = dates
            .into_iter()
            .map(|date| Ok(feed::ReviewDay { cards: day_cards_in_order(&conn, &date)?, date }))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(feed::atom(&days, site))
    }

    fn prepare(&self, conn: &mut Connection, day: &Day) -> Result<(), ReviewError> {
        let mut made = self.made.lock();
        if *made == day.date {
            return Ok(());
        }
        let transaction = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let has_cards = queue::prepare_day(&transaction, day, &self.settings, self.chosen_books().as_deref())?;
        transaction.commit()?;
        if has_cards {
            made.clone_from(&day.date);
        }
        Ok(())
    }
}

/// Days the feed carries at most.
const FEED_DAYS: usize = 14;

/// The cards of the day `date`, in the day's order.
fn day_cards_in_order(conn: &Connection, date: &str) -> rusqlite::Result<Vec<ReviewCard>> {
    let mut statement = conn.prepare_cached("SELECT bookmark_id FROM review_day WHERE day = ?1 ORDER BY position")?;
    let ids = statement.query_map([date], |row| row.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids.iter().map(|id| card_of(conn, id)).collect::<rusqlite::Result<Vec<_>>>()?.into_iter().flatten().collect())
}

fn memory(conn: &Connection, bookmark_id: &str) -> rusqlite::Result<Memory> {
    conn.query_row(
        "SELECT state, due, stability, difficulty, elapsed_days, scheduled_days, reps, lapses, last_review
         FROM review_card WHERE bookmark_id = ?1",
        [bookmark_id],
        |row| {
            Ok(Memory {
                state: row.get(0)?,
                due: row.get(1)?,
                stability: row.get(2)?,
                difficulty: row.get(3)?,
                elapsed_days: row.get(4)?,
                scheduled_days: row.get(5)?,
                reps: row.get(6)?,
                lapses: row.get(7)?,
                last_review: row.get(8)?,
            })
        },
    )
}

fn save_memory(conn: &Connection, bookmark_id: &str, memory: &Memory) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE review_card SET state = ?2, due = ?3, stability = ?4, difficulty = ?5, elapsed_days = ?6,
            scheduled_days = ?7, reps = ?8, lapses = ?9, last_review = ?10
         WHERE bookmark_id = ?1",
        params![
            bookmark_id,
            memory.state,
            memory.due,
            memory.stability,
            memory.difficulty,
            memory.elapsed_days,
            memory.scheduled_days,
            memory.reps,
            memory.lapses,
            memory.last_review,
        ],
    )
    .map(drop)
}

/// The columns a card is shown from, for [`card_from_row`].
const CARD_COLUMNS: &str = "a.bookmark_id, a.book_id, a.chapter, a.text, a.note, a.color, a.is_markup, a.created,
    a.deleted_on_device, coalesce(b.title, a.book_id), b.author";

fn card_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ReviewCard> {
    Ok(ReviewCard {
        highlight: Highlight {
            id: row.get(0)?,
            text: row.get(3)?,
            note: row.get(4)?,
            color: HighlightColor::from_slug(&row.get::<_, String>(5)?),
            is_markup: row.get(6)?,
            created: row.get(7)?,
            deleted_on_device: row.get(8)?,
            web: Default::default(),
            devices: Vec::new(),
        },
        book_id: row.get(1)?,
        chapter: row.get(2)?,
        book_title: row.get(9)?,
        author: row.get(10)?,
    })
}

fn card_of(conn: &Connection, bookmark_id: &str) -> rusqlite::Result<Option<ReviewCard>> {
    let sql = format!(
        "SELECT {CARD_COLUMNS} FROM archive_annotation a LEFT JOIN archive_book b ON b.book_id = a.book_id
         WHERE a.bookmark_id = ?1"
    );
    conn.prepare_cached(&sql)?.query_row([bookmark_id], card_from_row).optional()
}

/// Highlights made on `day`'s month and day in earlier years, newest first (by the index on
/// the month and day of `created`).
fn on_this_day(conn: &Connection, day: &Day) -> rusqlite::Result<Vec<ReviewCard>> {
    let sql = format!(
        "SELECT {CARD_COLUMNS} FROM archive_annotation a LEFT JOIN archive_book b ON b.book_id = a.book_id
         WHERE substr(a.created, 6, 5) = ?1 AND a.created < ?2 AND a.is_markup = 0
         ORDER BY a.created DESC LIMIT {ON_THIS_DAY}"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let month_day = day.date.get(5..10).unwrap_or_default();
    let year_start = format!("{}-01-01", day.date.get(..4).unwrap_or_default());
    let rows = statement.query_map(params![month_day, year_start], card_from_row)?;
    rows.collect()
}
