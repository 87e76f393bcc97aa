//! What the reader returns: the file's items, books and annotations as the device holds them,
//! Kobo's codes read into enums, dates normalised, text trimmed. How a page shows them (labels,
//! what the archive adds) is for whoever uses the reader.

/// What a top-level `content` row is, decided by its `MimeType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Book,
    Article,
    Pdf,
    Notebook,
    Other,
}

impl ItemKind {
    /// The single place where a Kobo `MimeType` becomes a kind (see `docs/kobo-formats.md`).
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
}

/// `content.ReadStatus`: 0 unread, 1 reading, 2 finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReadStatus {
    Unread,
    Reading,
    Finished,
}

impl ReadStatus {
    /// Unknown codes read as unread.
    pub fn from_code(code: i64) -> ReadStatus {
        match code {
            1 => ReadStatus::Reading,
            2 => ReadStatus::Finished,
            _ => ReadStatus::Unread,
        }
    }

    /// The code the device writes.
    pub fn code(self) -> i64 {
        match self {
            ReadStatus::Unread => 0,
            ReadStatus::Reading => 1,
            ReadStatus::Finished => 2,
        }
    }
}

/// Highlight colour on colour devices (`Bookmark.Color`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum HighlightColor {
    #[default]
    Yellow,
    Pink,
    Blue,
    Green,
    /// Code 4: greyscale devices write it for every highlight, so it means "no colour".
    Grey,
}

impl HighlightColor {
    /// Unknown and NULL values read as yellow, the device default.
    pub fn from_code(code: Option<i64>) -> HighlightColor {
        match code {
            Some(1) => HighlightColor::Pink,
            Some(2) => HighlightColor::Blue,
            Some(3) => HighlightColor::Green,
            Some(4) => HighlightColor::Grey,
            _ => HighlightColor::Yellow,
        }
    }
}

/// One item of the library (a book, an article…), its copies merged (see [`crate::Entry`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The ContentID of the copy shown: the one the reader got furthest in.
    pub id: String,
    /// The title, else a name made from the file name.
    pub title: String,
    pub author: Option<String>,
    pub kind: ItemKind,
    pub percent_read: u8,
    pub read_status: ReadStatus,
    /// Highlights and notes of every copy (markups, bookmarks and deleted ones not counted).
    pub highlight_count: u32,
    /// `YYYY-MM-DDTHH:MM:SS`.
    pub last_read: Option<String>,
    /// The collections any copy is in, sorted by folded name.
    pub collections: Vec<String>,
}

/// A highlight (possibly with a note) or a handwritten markup.
#[derive(Clone, Debug, PartialEq)]
pub struct Annotation {
    /// `Bookmark.BookmarkID`.
    pub id: String,
    pub text: Option<String>,
    /// The reader's note; `None` when empty.
    pub note: Option<String>,
    pub color: HighlightColor,
    pub is_markup: bool,
    /// `YYYY-MM-DDTHH:MM:SS`.
    pub created: Option<String>,
}

/// Annotations of one chapter, in reading order. `title` is `None` for those whose section
/// matches no table-of-contents entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Chapter {
    pub title: Option<String>,
    pub annotations: Vec<Annotation>,
}

/// One item with what its book page shows: the shown copy's metadata and the annotations of
/// every copy, grouped by chapter.
#[derive(Clone, Debug, PartialEq)]
pub struct Book {
    pub item: Item,
    pub publisher: Option<String>,
    pub series: Option<String>,
    pub series_number: Option<String>,
    pub language: Option<String>,
    /// Only a real ISBN (10 or 13 digits, checksum right).
    pub isbn: Option<String>,
    /// The description with its HTML reduced to plain text.
    pub description: Option<String>,
    pub date_added: Option<String>,
    pub time_spent_reading_secs: Option<u64>,
    pub chapters: Vec<Chapter>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_colours_are_yellow() {
        assert_eq!(HighlightColor::from_code(None), HighlightColor::Yellow);
        assert_eq!(HighlightColor::from_code(Some(7)), HighlightColor::Yellow);
        assert_eq!(HighlightColor::from_code(Some(3)), HighlightColor::Green);
    }

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
}
