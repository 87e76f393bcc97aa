//! The daily review page: today's card, how far the day got, and "on this day".

use super::Highlight;
use serde::{Deserialize, Serialize};

/// A highlight as the review shows it: with its book and chapter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReviewCard {
    pub highlight: Highlight,
    /// The library entry it belongs to (`/book?id=`).
    pub book_id: String,
    pub book_title: String,
    pub author: Option<String>,
    pub chapter: Option<String>,
}

/// Today's review: the card to answer now (none when the day is done) and the day's counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewSession {
    pub card: Option<ReviewCard>,
    /// Cards of today answered for good (again brings a card back).
    pub answered: usize,
    /// Cards still to answer today, the shown one included.
    pub open: usize,
    /// `YYYY-MM-DD` (UTC) of the review.
    pub day: String,
    /// Highlights made on this date in earlier years, newest first.
    pub on_this_day: Vec<ReviewCard>,
}

/// What the statistics page says of the review.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewStats {
    /// `("2026-12-05", answers)` for each of the last 30 days, zeros included.
    pub reviews_per_day: Vec<(String, u32)>,
    /// Highlights in the review (not put away for good).
    pub cards: usize,
    /// Of them, due by the end of today.
    pub due_today: usize,
    /// Answers to cards seen before, in the last 30 days.
    pub repeat_answers: u32,
    /// Of those, the share not answered "again", in percent.
    pub retention_percent: Option<u32>,
}

/// What the reader does with a card: one of the four grades, skip it for today, or never see
/// it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewAnswer {
    Again,
    Hard,
    Good,
    Easy,
    Skip,
    Never,
}

impl ReviewAnswer {
    /// The four grades with their keys, then the two ways past a card, as the page offers them.
    pub const ALL: [ReviewAnswer; 6] = [
        ReviewAnswer::Again,
        ReviewAnswer::Hard,
        ReviewAnswer::Good,
        ReviewAnswer::Easy,
        ReviewAnswer::Skip,
        ReviewAnswer::Never,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            ReviewAnswer::Again => "again",
            ReviewAnswer::Hard => "hard",
            ReviewAnswer::Good => "good",
            ReviewAnswer::Easy => "easy",
            ReviewAnswer::Skip => "skip",
            ReviewAnswer::Never => "never",
        }
    }

    pub fn from_slug(slug: &str) -> Option<ReviewAnswer> {
        ReviewAnswer::ALL.into_iter().find(|answer| answer.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewAnswer::Again => "Again",
            ReviewAnswer::Hard => "Hard",
            ReviewAnswer::Good => "Good",
            ReviewAnswer::Easy => "Easy",
            ReviewAnswer::Skip => "Skip for today",
            ReviewAnswer::Never => "Never show again",
        }
    }

    /// The key that gives the answer on the page (1–4 for the grades).
    pub fn key(self) -> Option<char> {
        match self {
            ReviewAnswer::Again => Some('1'),
            ReviewAnswer::Hard => Some('2'),
            ReviewAnswer::Good => Some('3'),
            ReviewAnswer::Easy => Some('4'),
            ReviewAnswer::Skip | ReviewAnswer::Never => None,
        }
    }
}
