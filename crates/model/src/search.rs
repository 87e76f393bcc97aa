//! Search over all highlights and notes.

use super::{HighlightColor, WebEdits};
use serde::{Deserialize, Serialize};

/// A run of text, marked when it matched the search.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marked {
    pub text: String,
    pub hit: bool,
}

/// One highlight or note found by a search.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub book_id: String,
    pub book_title: String,
    pub author: Option<String>,
    pub chapter: Option<String>,
    /// `Bookmark.BookmarkID`: the anchor `#h-<id>` on the book page.
    pub highlight_id: String,
    pub text: Vec<Marked>,
    pub note: Vec<Marked>,
    pub color: HighlightColor,
    pub created: Option<String>,
    /// Kept by the archive after the device deleted it: the date it was first missed.
    #[serde(default)]
    pub deleted_on_device: Option<String>,
    /// What the reader added on the web.
    #[serde(default)]
    pub web: WebEdits,
}

/// Search matches are counted up to this many; beyond, a page says "more than".
pub const SEARCH_COUNT_LIMIT: usize = 1000;

/// The answer to a search over all highlights and notes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    pub query: String,
    /// Matches in all (`hits` holds the best of them); counting stops past `SEARCH_COUNT_LIMIT`.
    pub total: usize,
    pub hits: Vec<SearchHit>,
    /// `hits` are the newest matches, not the best: past `SEARCH_COUNT_LIMIT` matches, ranking
    /// them all would cost as much as the search itself.
    #[serde(default)]
    pub newest_first: bool,
    /// Why the query could not run, said to the reader (e.g. nothing to search for).
    pub problem: Option<String>,
    /// Server time of the search, in milliseconds.
    pub elapsed_ms: f64,
}

/// What the tags page lists: how many favourites, and every tag with its count.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagsOverview {
    pub favourites: u32,
    /// The most used first.
    pub tags: Vec<TagCount>,
}

/// A tag the reader gave annotations, with how many have it (the tags page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagCount {
    /// As the reader typed it (the form used most, when it was typed in several cases).
    pub tag: String,
    pub count: u32,
}
