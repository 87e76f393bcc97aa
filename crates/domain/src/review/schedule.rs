//! When a highlight comes back: FSRS (the scheduler Anki uses by default) from `rs-fsrs`, with
//! its default parameters and whole days (its long-term scheduler: no learning steps in
//! minutes, which a daily review has no use for). A card's state is kept in the app database
//! as the columns of `review_card`, never in the device file.

use rs_fsrs::{Card, Parameters, Rating, State, FSRS};

/// How well the reader remembered a highlight (the page's 1–4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grade {
    Again,
    Hard,
    Good,
    Easy,
}

impl Grade {
    fn rating(self) -> Rating {
        match self {
            Grade::Again => Rating::Again,
            Grade::Hard => Rating::Hard,
            Grade::Good => Rating::Good,
            Grade::Easy => Rating::Easy,
        }
    }
}

/// A card's memory state as stored (`review_card`'s columns); times are UTC seconds.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Memory {
    pub state: i64,
    pub due: i64,
    pub stability: f64,
    pub difficulty: f64,
    pub elapsed_days: i64,
    pub scheduled_days: i64,
    pub reps: i64,
    pub lapses: i64,
    pub last_review: Option<i64>,
}

/// The memory after answering `grade` at `now` (UTC seconds).
pub fn answer(memory: &Memory, grade: Grade, now: i64) -> Memory {
    let scheduler = FSRS::new(Parameters { enable_short_term: false, ..Parameters::default() });
    let next = scheduler.next(card_of(memory, now), time(now), grade.rating()).card;
    Memory {
        state: next.state as i64,
        due: next.due.timestamp(),
        stability: next.stability,
        difficulty: next.difficulty,
        elapsed_days: next.elapsed_days,
        scheduled_days: next.scheduled_days,
        reps: i64::from(next.reps),
        lapses: i64::from(next.lapses),
        last_review: Some(now),
    }
}

fn card_of(memory: &Memory, now: i64) -> Card {
    Card {
        due: time(memory.due),
        stability: memory.stability,
        difficulty: memory.difficulty,
        elapsed_days: memory.elapsed_days,
        scheduled_days: memory.scheduled_days,
        reps: memory.reps as i32,
        lapses: memory.lapses as i32,
        state: match memory.state {
            1 => State::Learning,
            2 => State::Review,
            3 => State::Relearning,
            _ => State::New,
        },
        last_review: time(memory.last_review.unwrap_or(now)),
    }
}

fn time(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn good_pushes_the_next_review_out_and_again_keeps_it_near() {
        let now = 1_764_000_000;
        let new = Memory { due: now, ..Memory::default() };
        let good = answer(&new, Grade::Good, now);
        let again = answer(&new, Grade::Again, now);
        let easy = answer(&new, Grade::Easy, now);
        assert!(good.due >= now + DAY, "{good:?}");
        assert!(again.due <= good.due && easy.due > good.due, "{again:?} {good:?} {easy:?}");
        let later = answer(&good, Grade::Good, good.due);
        assert!(later.due - good.due > good.due - now, "intervals grow: {later:?}");
        assert_eq!((later.reps, later.last_review), (2, Some(good.due)));
        let forgot = answer(&later, Grade::Again, later.due);
        assert_eq!(forgot.lapses, 1);
        assert!(forgot.due - later.due < later.due - good.due, "a lapse shortens the interval: {forgot:?}");
    }
}
