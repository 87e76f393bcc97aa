//! One book: its highlights grouped by chapter.

use super::BookSummary;
use serde::{Deserialize, Serialize};

/// Highlight colour on colour devices (`Bookmark.Color`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HighlightColor {
    #[default]
    Yellow,
    Pink,
    Blue,
    Green,
    /// Code 4: greyscale devices write it for every highlight, so it means "no colour" and is
    /// shown as none.
    Grey,
}

impl HighlightColor {
    pub const ALL: [HighlightColor; 5] = [
        HighlightColor::Yellow,
        HighlightColor::Pink,
        HighlightColor::Blue,
        HighlightColor::Green,
        HighlightColor::Grey,
    ];

    /// The colour a slug names; unknown slugs give yellow.
    pub fn from_slug(slug: &str) -> HighlightColor {
        HighlightColor::parse(slug).unwrap_or_default()
    }

    /// The colour a slug names, if any (a URL's `color=pink`).
    pub fn parse(slug: &str) -> Option<HighlightColor> {
        HighlightColor::ALL.into_iter().find(|colour| colour.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            HighlightColor::Yellow => "Yellow",
            HighlightColor::Pink => "Pink",
            HighlightColor::Blue => "Blue",
            HighlightColor::Green => "Green",
            HighlightColor::Grey => "No colour",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            HighlightColor::Yellow => "yellow",
            HighlightColor::Pink => "pink",
            HighlightColor::Blue => "blue",
            HighlightColor::Green => "green",
            HighlightColor::Grey => "grey",
        }
    }

    /// Whether the colour is worth showing (a greyscale device's grey is not).
    pub fn is_shown(self) -> bool {
        self != HighlightColor::Grey
    }
}

/// A highlight (possibly with a note) or a handwritten markup.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Highlight {
    /// `Bookmark.BookmarkID`.
    pub id: String,
    pub text: Option<String>,
    /// The reader's note; `None` when empty.
    pub note: Option<String>,
    pub color: HighlightColor,
    pub is_markup: bool,
    /// ISO-8601 `YYYY-MM-DDTHH:MM:SS`.
    pub created: Option<String>,
    /// When kept by the archive after the device dropped it: the date it was first missed.
    #[serde(default)]
    pub deleted_on_device: Option<String>,
    /// What the reader added on the web.
    #[serde(default)]
    pub web: WebEdits,
    /// The devices that have it (or had it, when deleted there), where the library has several
    /// devices; else empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
}

/// What the reader adds to an annotation on the web (kept by the app, never on the device).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebEdits {
    pub favourite: bool,
    /// As typed, in the reader's order; matched without case.
    pub tags: Vec<String>,
    /// A note of the reader's own, shown beside the device's; `None` when there is none.
    pub note: Option<String>,
}

#[cfg(any(test, feature = "test-support"))]
impl Highlight {
    /// A yellow highlight whose text is its id, for tests.
    pub fn sample(id: &str) -> Highlight {
        Highlight {
            id: id.into(),
            text: Some(id.into()),
            note: None,
            color: HighlightColor::Yellow,
            is_markup: false,
            created: None,
            deleted_on_device: None,
            web: WebEdits::default(),
            devices: Vec::new(),
        }
    }
}

/// Highlights of one chapter, in reading order. `title` is `None` for the group of highlights
/// whose section matches no table-of-contents entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Chapter {
    pub title: Option<String>,
    pub highlights: Vec<Highlight>,
}

impl Chapter {
    /// The heading of a group among `chapters` (a book's): its title; the untitled group is
    /// "Other highlights" beside titled chapters, and just "Highlights" in a book without any
    /// (a PDF, an article), so a reader never reads "other" when there is nothing else.
    pub fn heading<'a>(&'a self, chapters: &[Chapter]) -> &'a str {
        match &self.title {
            Some(title) => title,
            None if chapters.iter().any(|chapter| chapter.title.is_some()) => "Other highlights",
            None => "Highlights",
        }
    }
}

impl BookDetail {
    /// A page that knows only the list entry (a book removed from the device).
    pub fn from_summary(summary: BookSummary) -> BookDetail {
        BookDetail {
            summary,
            publisher: None,
            series: None,
            series_number: None,
            language: None,
            isbn: None,
            description: None,
            date_added: None,
            time_spent_reading_secs: None,
            chapters: Vec::new(),
        }
    }
}

/// Everything the book page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookDetail {
    pub summary: BookSummary,
    pub publisher: Option<String>,
    pub series: Option<String>,
    pub series_number: Option<String>,
    pub language: Option<String>,
    pub isbn: Option<String>,
    /// The description with its HTML reduced to plain text.
    pub description: Option<String>,
    pub date_added: Option<String>,
    pub time_spent_reading_secs: Option<u64>,
    pub chapters: Vec<Chapter>,
}
