//! The reading statistics page.

use super::HighlightColor;
use serde::{Deserialize, Serialize};

/// The reading statistics page: totals and the series its charts draw.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReadingStats {
    pub items: usize,
    pub finished: usize,
    pub highlights: usize,
    pub notes: usize,
    pub reading_secs: u64,
    /// `("2025-01", highlights)` for every month from the first to the last (at most 36).
    pub highlights_per_month: Vec<(String, u32)>,
    /// `("2024", books)` for every year from the first to the last.
    pub finished_per_year: Vec<(String, u32)>,
    /// `("2025-03-04", seconds)` for each of the last days (up to today, or to the last day
    /// read if that is long ago), zeros included: reading sessions the archive kept.
    pub reading_per_day: Vec<(String, u64)>,
    /// Days with any reading, ever.
    pub reading_days: usize,
    /// Consecutive days read up to today (or yesterday: today may still come).
    pub current_streak_days: u32,
    pub longest_streak_days: u32,
    /// The items read longest: `(title, seconds)`.
    pub time_per_book: Vec<(String, u64)>,
    pub top_books: Vec<(String, u32)>,
    pub top_authors: Vec<(String, u32)>,
    pub colours: Vec<(HighlightColor, u32)>,
    /// The daily review's figures.
    #[serde(default)]
    pub review: super::ReviewStats,
    /// Each device's share, in the settings' order (retired ones last); empty with one device.
    #[serde(default)]
    pub per_device: Vec<DeviceStats>,
}

/// What one of several Kobos holds of the library.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceStats {
    pub name: String,
    pub retired: bool,
    /// Entries of the library on it.
    pub entries: usize,
    /// Highlights and notes it shows (a retired device: those the archive keeps of it).
    pub highlights: usize,
    /// Reading time it recorded, over every sync.
    pub reading_secs: u64,
}
