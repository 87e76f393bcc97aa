//! Types shared by the server and the browser: what a page shows of the library and of sync.
//!
//! Everything here derives serde once and is used on both sides (server functions carry these
//! types; the hydrated page decodes them).

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
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

    /// The single place where a Kobo `MimeType` becomes a kind (see kobo-format.md).
    pub fn from_mime_type(mime: &str) -> ItemKind {
        let mime = mime.to_ascii_lowercase();
        if mime.contains("instapaper") || mime.contains("pocket") {
            ItemKind::Article
        } else if mime.contains("epub") {
            ItemKind::Book
        } else if mime.contains("pdf") {
            ItemKind::Pdf
        } else if mime.contains("nebo") {
            ItemKind::Notebook
        } else {
            ItemKind::Other
        }
    }

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
    pub fn from_code(code: i64) -> ReadStatus {
        match code {
            1 => ReadStatus::Reading,
            2 => ReadStatus::Finished,
            _ => ReadStatus::Unread,
        }
    }

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

/// What the library page asks for: the URL's `q`, `kind`, `sort` and `page`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LibraryQuery {
    pub q: String,
    pub kind: Option<ItemKind>,
    pub sort: LibrarySort,
    /// 1-based page number.
    pub page: usize,
}

impl LibraryQuery {
    /// Builds the query from URL parameters, ignoring values it does not know.
    pub fn from_params(
        q: Option<String>,
        kind: Option<String>,
        sort: Option<String>,
        page: Option<String>,
    ) -> LibraryQuery {
        LibraryQuery {
            q: q.unwrap_or_default().trim().to_string(),
            kind: kind.as_deref().and_then(ItemKind::from_slug),
            sort: sort.as_deref().and_then(LibrarySort::from_slug).unwrap_or_default(),
            page: page.and_then(|p| p.parse().ok()).unwrap_or(1).max(1),
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
    /// Highlights and notes (not bookmarks), over every copy of the item.
    pub highlight_count: u32,
    /// ISO-8601 `YYYY-MM-DDTHH:MM:SS`, normalised from Kobo's several shapes.
    pub last_read: Option<String>,
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
}

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

    /// Unknown and NULL values show as yellow, the device default.
    pub fn from_code(code: Option<i64>) -> HighlightColor {
        match code {
            Some(1) => HighlightColor::Pink,
            Some(2) => HighlightColor::Blue,
            Some(3) => HighlightColor::Green,
            Some(4) => HighlightColor::Grey,
            _ => HighlightColor::Yellow,
        }
    }

    /// The colour a slug names; unknown slugs give yellow.
    pub fn from_slug(slug: &str) -> HighlightColor {
        HighlightColor::ALL.into_iter().find(|colour| colour.slug() == slug).unwrap_or_default()
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
}

#[cfg(test)]
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

/// Why the library cannot be shown; travels from server functions to pages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ShelfError {
    #[error("The library is being fetched. This page reloads when it is ready.")]
    NotYetFetched,
    #[error("The library file cannot be read: {0}")]
    Unreadable(String),
    #[error("No such book in this library.")]
    NotFound,
    #[error("Your session has ended. Please log in again.")]
    LoginRequired,
    #[error("The server could not be reached: {0}")]
    Request(String),
}

impl FromServerFnError for ShelfError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ShelfError::Request(value.to_string())
    }
}

/// Phase of the database sync, as named by the sync API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    #[default]
    Idle,
    Checking,
    Downloading,
    Completed,
    UpToDate,
    Error,
}

impl SyncPhase {
    /// A sync task is running in this phase.
    pub fn is_syncing(self) -> bool {
        matches!(self, SyncPhase::Checking | SyncPhase::Downloading)
    }
}

/// `GET /api/sync-status`: the contract's fields plus bytes and the served database version.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncStatus {
    pub status: SyncPhase,
    pub message: String,
    /// Percent of the download received, 0–100.
    pub progress: f64,
    pub is_syncing: bool,
    pub needs_reload: bool,
    pub file_size_mb: Option<f64>,
    pub error: Option<String>,
    /// ISO-8601 (UTC) time of the last sync that replaced the database.
    pub last_sync_time: Option<String>,
    /// ISO-8601 (UTC) time the bucket was last asked.
    pub last_check_time: Option<String>,
    pub bytes_received: u64,
    pub bytes_total: Option<u64>,
    /// Version of the database now served; changes with every swap. `None` before the first.
    pub db_version: Option<String>,
}

/// `POST /api/check-and-sync`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SyncStart {
    pub initiated: bool,
    pub message: String,
    pub status: SyncPhase,
}

/// How the header badge polls; set on the server so tests can shorten it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BadgeSettings {
    pub poll_interval_ms: u32,
    pub max_attempts: u32,
}

impl Default for BadgeSettings {
    fn default() -> Self {
        BadgeSettings { poll_interval_ms: 1000, max_attempts: 120 }
    }
}

/// Where a setting's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SettingOrigin {
    Default,
    File,
    Environment,
}

impl SettingOrigin {
    pub fn label(self) -> &'static str {
        match self {
            SettingOrigin::Default => "default",
            SettingOrigin::File => "Leptos.toml",
            SettingOrigin::Environment => "environment",
        }
    }
}

/// One line of the settings page; secrets arrive here already masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingRow {
    pub env: String,
    pub file_key: Option<String>,
    pub value: String,
    pub origin: SettingOrigin,
}

/// The settings page: every setting and the state of the served database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingsInfo {
    pub rows: Vec<SettingRow>,
    pub config_file: Option<String>,
    pub database_path: String,
    pub db_version: Option<String>,
    pub items: Option<usize>,
    /// Why the database cannot be served, when it cannot.
    pub library_problem: Option<String>,
    /// The login user, or `None` when login is off.
    pub login_user: Option<String>,
    pub app_version: String,
    /// "N annotations (M deleted on the device), K versions, S MB", or why it is unknown.
    pub archive: String,
}

/// What the header needs from the server when the page is rendered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeaderInfo {
    /// Version of the database this page was rendered from.
    pub db_version: Option<String>,
    pub badge: BadgeSettings,
    pub login_enabled: bool,
    /// The signed-in user, when login is on.
    pub user: Option<String>,
    pub theme: Theme,
}

/// What the login page needs to know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginState {
    pub enabled: bool,
    pub user: Option<String>,
    /// Where to go after logging in: the page's `next`, if it is a path on this site, else `/`.
    pub next: String,
}

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
    /// Why the query could not run, said to the reader (e.g. nothing to search for).
    pub problem: Option<String>,
    /// Server time of the search, in milliseconds.
    pub elapsed_ms: f64,
}

/// The book page's URL scrolled to one highlight.
pub fn highlight_href(book_id: &str, highlight_id: &str) -> String {
    format!("{}#h-{}", book_href(book_id), encode_url_component(highlight_id))
}

/// Colour theme: the system's, or one the reader chose (remembered in a cookie, so the server
/// renders it and nothing flashes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const COOKIE: &'static str = "kobo_shelf_theme";

    pub fn from_slug(slug: &str) -> Theme {
        match slug {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// What the theme button switches to.
    pub fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "Theme: system",
            Theme::Light => "Theme: light",
            Theme::Dark => "Theme: dark",
        }
    }
}

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
    /// The items read longest: `(title, seconds)`.
    pub time_per_book: Vec<(String, u64)>,
    pub top_books: Vec<(String, u32)>,
    pub top_authors: Vec<(String, u32)>,
    pub colours: Vec<(HighlightColor, u32)>,
}

/// Characters left as they are in a URL component: RFC 3986 unreserved.
const URL_COMPONENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Percent-encodes any text (a ContentID with `/ # ? %`, spaces, Unicode) for a URL query.
pub fn encode_url_component(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, URL_COMPONENT).to_string()
}

/// The value of `name` in a URL query string (`a=1&b=2`, with or without `?`), percent-decoded
/// exactly once and with `+` read as a space, as a GET form sends it. (leptos_router's query
/// map decodes twice, which corrupts ids containing `%`.)
pub fn query_value(query: &str, name: &str) -> Option<String> {
    let decode =
        |text: &str| percent_encoding::percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned();
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
        .filter(|(key, _)| decode(key) == name)
        .map(|(_, value)| decode(value))
        .next_back()
}

/// The book page's URL for a ContentID.
pub fn book_href(id: &str) -> String {
    format!("/book?id={}", encode_url_component(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_types_map_to_kinds() {
        let cases = [
            ("application/x-kobo-html+instapaper", ItemKind::Article),
            ("application/x-kobo-html+pocket", ItemKind::Article),
            ("application/x-kobo-epub+zip", ItemKind::Book),
            ("application/epub+zip", ItemKind::Book),
            ("application/x-kobo-kepub+zip", ItemKind::Book),
            ("application/pdf", ItemKind::Pdf),
            ("application/vnd.myscript.nebo+raw", ItemKind::Notebook),
            ("application/octet-stream", ItemKind::Other),
            ("image/png", ItemKind::Other),
            ("", ItemKind::Other),
        ];
        for (mime, kind) in cases {
            assert_eq!(ItemKind::from_mime_type(mime), kind, "{mime}");
        }
    }

    #[test]
    fn query_href_round_trips_the_parameters() {
        let query = LibraryQuery::from_params(
            Some(" Tolstoy & co ".into()),
            Some("book".into()),
            Some("title".into()),
            Some("3".into()),
        );
        assert_eq!(query.href(), "/?q=Tolstoy%20%26%20co&kind=book&sort=title&page=3");
        assert_eq!(LibraryQuery::default().href(), "/");
        let odd = LibraryQuery::from_params(None, Some("nope".into()), Some("x".into()), Some("-1".into()));
        assert_eq!(odd, LibraryQuery { page: 1, ..LibraryQuery::default() });
    }

    #[test]
    fn book_href_escapes_every_reserved_character() {
        let href = book_href("file:///mnt/onboard/a b/../c#d?e%f é.epub");
        assert_eq!(href, "/book?id=file%3A%2F%2F%2Fmnt%2Fonboard%2Fa%20b%2F..%2Fc%23d%3Fe%25f%20%C3%A9.epub");
    }

    #[test]
    fn query_values_are_decoded_exactly_once() {
        let id = "file:///a b#c?d%41e&f=g+h/Ünï.epub";
        let href = book_href(id);
        let query = href.split_once('?').unwrap().1;
        assert_eq!(query_value(query, "id").as_deref(), Some(id));
        assert_eq!(query_value("?q=two+words&kind=", "q").as_deref(), Some("two words"));
        assert_eq!(query_value("q=a&q=b", "q").as_deref(), Some("b"));
        assert_eq!(query_value("kind=", "kind").as_deref(), Some(""));
        assert_eq!(query_value("flag", "flag").as_deref(), Some(""));
        assert_eq!(query_value("", "q"), None);
    }

    #[test]
    fn unknown_colours_are_yellow() {
        assert_eq!(HighlightColor::from_code(None), HighlightColor::Yellow);
        assert_eq!(HighlightColor::from_code(Some(7)), HighlightColor::Yellow);
        assert_eq!(HighlightColor::from_code(Some(3)), HighlightColor::Green);
    }
}
