//! Search over all highlights and notes.

use super::HighlightColor;
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
