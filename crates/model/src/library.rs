//! The library list: kinds of items, the query a page asks, and what it gets back.

use super::encode_url_component;
use serde::{Deserialize, Serialize};

/// What a top-level `content` row is, decided by its `MimeType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Book,
    Article,
    Pdf,
    Notebook,
    Other,
}

impl ItemKind {
    pub const ALL: [ItemKind; 5] =
        [ItemKind::Book, ItemKind::Article, ItemKind::Pdf, ItemKind::Notebook, ItemKind::Other];

    /// The value used in URLs (`?kind=article`).
    pub fn slug(self) -> &'static str {
        match self {
            ItemKind::Book => "book",
            ItemKind::Article => "article",
            ItemKind::Pdf => "pdf",
            ItemKind::Notebook => "notebook",
            ItemKind::Other => "other",
        }
    }

    pub fn from_slug(slug: &str) -> Option<ItemKind> {
        ItemKind::ALL.into_iter().find(|kind| kind.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemKind::Book => "Book",
            ItemKind::Article => "Article",
            ItemKind::Pdf => "PDF",
            ItemKind::Notebook => "Notebook",
            ItemKind::Other => "Other",
        }
    }
}

/// `content.ReadStatus`: 0 unread, 1 reading, 2 finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadStatus {
    Unread,
    Reading,
    Finished,
}

impl ReadStatus {
    pub fn label(self) -> &'static str {
        match self {
            ReadStatus::Unread => "Unread",
            ReadStatus::Reading => "Reading",
            ReadStatus::Finished => "Finished",
        }
    }
}

/// Orders of the library list, as named in URLs (`?sort=title`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LibrarySort {
    #[default]
    Recent,
    Title,
    Author,
    Highlights,
}

impl LibrarySort {
    pub const ALL: [LibrarySort; 4] =
        [LibrarySort::Recent, LibrarySort::Title, LibrarySort::Author, LibrarySort::Highlights];

    pub fn slug(self) -> &'static str {
        match self {
            LibrarySort::Recent => "recent",
            LibrarySort::Title => "title",
            LibrarySort::Author => "author",
            LibrarySort::Highlights => "highlights",
        }
    }

    pub fn from_slug(slug: &str) -> Option<LibrarySort> {
        LibrarySort::ALL.into_iter().find(|sort| sort.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            LibrarySort::Recent => "Recently read",
            LibrarySort::Title => "Title",
            LibrarySort::Author => "Author",
            LibrarySort::Highlights => "Most highlights",
        }
    }
}

/// What the library page asks for: the URL's `q`, `kind`, `shelf`, `device`, `sort` and `page`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryQuery {
    pub q: String,
    pub kind: Option<ItemKind>,
    /// The name of a Kobo collection the items must be in.
    #[serde(default)]
    pub shelf: Option<String>,
    /// The name of a device the items must be on (a library of several Kobos).
    #[serde(default)]
    pub device: Option<String>,
    pub sort: LibrarySort,
    /// 1-based page number.
    pub page: usize,
}

impl LibraryQuery {
    /// Builds the query from URL parameters (`param` gives each by name), ignoring values it
    /// does not know.
    pub fn from_params(param: impl Fn(&str) -> Option<String>) -> LibraryQuery {
        LibraryQuery {
            q: param("q").unwrap_or_default().trim().to_string(),
            kind: param("kind").as_deref().and_then(ItemKind::from_slug),
            shelf: param("shelf").filter(|shelf| !shelf.is_empty()),
            device: param("device").filter(|device| !device.is_empty()),
            sort: param("sort").as_deref().and_then(LibrarySort::from_slug).unwrap_or_default(),
            page: param("page").and_then(|p| p.parse().ok()).unwrap_or(1).max(1),
        }
    }

    /// The URL of this query on the library page, with only the parameters that differ from
    /// the defaults.
    pub fn href(&self) -> String {
        let mut params = Vec::new();
        if !self.q.is_empty() {
            params.push(format!("q={}", encode_url_component(&self.q)));
        }
        if let Some(kind) = self.kind {
            params.push(format!("kind={}", kind.slug()));
        }
        if let Some(shelf) = &self.shelf {
            params.push(format!("shelf={}", encode_url_component(shelf)));
        }
        if let Some(device) = &self.device {
            params.push(format!("device={}", encode_url_component(device)));
        }
        if self.sort != LibrarySort::default() {
            params.push(format!("sort={}", self.sort.slug()));
        }
        if self.page > 1 {
            params.push(format!("page={}", self.page));
        }
        if params.is_empty() {
            "/".to_string()
        } else {
            format!("/?{}", params.join("&"))
        }
    }
}

/// One entry of the library list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookSummary {
    /// `content.ContentID` of the copy shown (the one with most progress among duplicates).
    pub id: String,
    pub title: String,
    pub author: Option<String>,
    pub kind: ItemKind,
    /// 0–100.
    pub percent_read: u8,
    pub read_status: ReadStatus,
    /// Highlights and notes (not bookmarks, not markups), over every copy of the item, those
    /// deleted on the device included.
    pub highlight_count: u32,
    /// Of those, deleted on the device (kept by the archive).
    #[serde(default)]
    pub deleted_on_device: u32,
    /// ISO-8601 `YYYY-MM-DDTHH:MM:SS`, normalised from Kobo's several shapes.
    pub last_read: Option<String>,
    /// No longer on the device: listed from the archive, which keeps its annotations.
    #[serde(default)]
    pub removed_from_device: bool,
    /// The Kobo collections any copy is in, sorted.
    #[serde(default)]
    pub collections: Vec<String>,
    /// Annotations the reader marked as favourites on the web.
    #[serde(default)]
    pub favourites: u32,
    /// The devices that have the book (a retired one's name too), in the settings' order; empty
    /// when the library has one device.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<String>,
}

/// How many entries of the library a device has.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCount {
    pub name: String,
    pub entries: usize,
    /// No longer in the settings: its history is kept and shown.
    pub retired: bool,
}

/// One page of the library list plus the counts the page shows around it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LibraryListing {
    pub items: Vec<BookSummary>,
    /// Items matching the query (before paging).
    pub matching: usize,
    /// Items in the whole library.
    pub total: usize,
    pub page: usize,
    pub page_count: usize,
    /// How many items of each kind the whole library holds (kinds with none left out).
    pub kind_counts: Vec<(ItemKind, usize)>,
    /// How many items each Kobo collection holds, by name; empty when the device has none.
    #[serde(default)]
    pub collection_counts: Vec<(String, usize)>,
    /// Entries per device, in the settings' order (retired ones last); empty with one device.
    #[serde(default)]
    pub device_counts: Vec<DeviceCount>,
    /// The device's last sync deleted many annotations at once; the page says so.
    #[serde(default)]
    pub deletion_wave: Option<DeletionWave>,
}

/// A device version that dropped many of the archive's live annotations at once, as a Kobo does
/// when its cloud sync answers with none (calibre-web #2610). The archive kept them all.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletionWave {
    /// Annotations that version no longer had.
    pub deleted: u64,
    /// Annotations live on the device before it.
    pub live_before: u64,
    /// Which device, where the library has several.
    #[serde(default)]
    pub device: Option<String>,
}

impl DeletionWave {
    /// Where the reader finds them: search, listing those deleted on the device.
    pub const HREF: &'static str = "/search?deleted=1";

    pub fn message(&self) -> String {
        let what = if self.deleted == 1 { "annotation" } else { "annotations" };
        let device = self.device.as_deref().map_or_else(|| "The device".to_string(), |name| format!("The Kobo {name}"));
        format!("{device} deleted {} {what} in its last sync; kobo-shelf kept them.", self.deleted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query_value;

    fn params<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
    }

    #[test]
    fn query_href_round_trips_the_parameters() {
        let pairs = [
            ("q", " Tolstoy & co "),
            ("kind", "book"),
            ("shelf", "Russian & \"Other\" Classics"),
            ("sort", "title"),
            ("page", "3"),
        ];
        let query = LibraryQuery::from_params(params(&pairs));
        assert_eq!(
            query.href(),
            "/?q=Tolstoy%20%26%20co&kind=book&shelf=Russian%20%26%20%22Other%22%20Classics&sort=title&page=3"
        );
        let href = query.href();
        let again = LibraryQuery::from_params(|name| query_value(href.trim_start_matches("/?"), name));
        assert_eq!(again, query);
        assert_eq!(LibraryQuery::default().href(), "/");
        let odd = LibraryQuery::from_params(params(&[("kind", "nope"), ("shelf", ""), ("sort", "x"), ("page", "-1")]));
        assert_eq!(odd, LibraryQuery { page: 1, ..LibraryQuery::default() });
    }
}
