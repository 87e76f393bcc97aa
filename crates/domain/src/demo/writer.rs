//! Writes rows of a Kobo library the way a device does: top-level items, section files and
//! table-of-contents rows per chapter, and annotations.

use super::DemoStats;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use rusqlite::{named_params, Connection};
use std::path::Path;

const SCHEMA: &str = include_str!("kobo-schema.sql");
const USER_ID: &str = "b6a1c0de-0000-4000-8000-00000000d3m0";

/// Kepub table-of-contents ids carry their file names percent-encoded (spaces, non-ASCII).
const TOC_ID_ESCAPES: &AsciiSet = &CONTROLS.add(b' ');

/// A top-level `content` row (`ContentType` 6).
#[derive(Default)]
pub struct Item<'a> {
    pub id: &'a str,
    pub title: Option<&'a str>,
    pub author: Option<&'a str>,
    pub mime: &'a str,
    pub percent: i64,
    pub status: i64,
    pub last_read: Option<&'a str>,
    pub date_added: Option<&'a str>,
    pub description: Option<&'a str>,
    pub publisher: Option<&'a str>,
    pub series: Option<&'a str>,
    pub series_number: Option<&'a str>,
    pub language: Option<&'a str>,
    pub isbn: Option<&'a str>,
    pub time_spent_secs: i64,
    /// The cover thumbnails the device keeps for it (none: the server draws a cover).
    pub thumbnails: &'a [Thumbnail],
}

/// The layout a device writes for a book's sections and table of contents (see
/// `docs/kobo-formats.md`).
#[derive(Clone, Copy)]
pub enum SectionStyle {
    /// A sideloaded kepub: sections `/mnt/onboard/X.kepub.epub!!OEBPS/Text/f.xhtml` (the book
    /// id without `file://`), titled with their file name; `899` rows `<section>-1` hold the
    /// chapter titles.
    Kepub,
    /// A store book: a UUID book id, sections `<uuid>!OEBPS!Text/f.xhtml`, `899` rows likewise.
    Store,
    /// A sideloaded epub: no `899` rows; the `9` row `<book>#(N)OEBPS/Text/f.xhtml#toc-anchor-N`
    /// is the chapter's entry and carries its title; further parts of a split chapter are
    /// `9` rows titled with their file name.
    Epub,
}

/// A `Bookmark` row.
pub struct Mark<'a> {
    /// `None` stores NULL, as old firmware does.
    pub kind: Option<&'a str>,
    pub text: Option<&'a str>,
    pub note: Option<&'a str>,
    /// `None` stores NULL.
    pub color: Option<i64>,
    pub hidden: bool,
    pub created: &'a str,
    pub progress: f64,
}

impl Default for Mark<'_> {
    fn default() -> Self {
        Mark {
            kind: Some("highlight"),
            text: None,
            note: None,
            color: Some(0),
            hidden: false,
            created: "2024-01-01T12:00:00.000",
            progress: 0.5,
        }
    }
}

/// A file the device uploads beside the database: its relative path and bytes.
pub type SideFile = (String, &'static [u8]);

/// A cover thumbnail as the device keeps it: its kind (`N3_LIBRARY_FULL`, …) and JPEG bytes.
pub type Thumbnail = (&'static str, &'static [u8]);

/// The thumbnails of one item, named on the device by the item's `content.ImageId`.
pub struct Cover {
    pub image_id: String,
    pub thumbnails: Vec<Thumbnail>,
}

/// What a writer made: counts, the files beside the database and the covers.
pub struct Written {
    pub stats: DemoStats,
    pub side_files: Vec<SideFile>,
    pub covers: Vec<Cover>,
}

pub struct LibraryWriter {
    conn: Connection,
    /// Files the device uploads beside the database (markups), by relative path.
    side_files: Vec<SideFile>,
    covers: Vec<Cover>,
    rng: fastrand::Rng,
    items: usize,
    bookmarks: usize,
    /// Next `VolumeIndex` for a section of the book being written.
    volume_index: i64,
    /// Collections written so far (numbers their ids without touching the random stream).
    collections: u64,
}

impl LibraryWriter {
    pub fn create(path: &Path, seed: u64) -> rusqlite::Result<LibraryWriter> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF;")?;
        conn.execute_batch(SCHEMA)?;
        conn.execute_batch("BEGIN")?;
        Ok(LibraryWriter {
            conn,
            side_files: Vec::new(),
            covers: Vec::new(),
            rng: fastrand::Rng::with_seed(seed),
            items: 0,
            bookmarks: 0,
            volume_index: 0,
            collections: 0,
        })
    }

    /// Commits the database; returns what was written, with the files to put beside it.
    pub fn finish(self) -> rusqlite::Result<Written> {
        self.conn.execute_batch("COMMIT")?;
        let stats = DemoStats { items: self.items, bookmarks: self.bookmarks };
        Ok(Written { stats, side_files: self.side_files, covers: self.covers })
    }

    /// A file to put beside the database, like the device's markup uploads.
    pub fn side_file(&mut self, relative: String, bytes: &'static [u8]) {
        self.side_files.push((relative, bytes));
    }

    pub fn item(&mut self, item: &Item) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO content (ContentID, ContentType, MimeType, BookID, Title, Attribution,
                   Description, Publisher, DateLastRead, ReadStatus, ___UserID, ___PercentRead,
                   Language, ISBN, Series, SeriesNumber, DateAdded, TimeSpentReading, DateCreated,
                   ImageId)
                 VALUES (:id, '6', :mime, NULL, :title, :author, :description, :publisher, :last_read,
                   :status, :user, :percent, :language, :isbn, :series, :series_number, :date_added,
                   :time_spent, :date_added, :image_id)",
            )?
            .execute(named_params! {
                ":id": item.id, ":mime": item.mime, ":title": item.title, ":author": item.author,
                ":description": item.description, ":publisher": item.publisher,
                ":last_read": item.last_read, ":status": item.status, ":user": USER_ID,
                ":percent": item.percent, ":language": item.language, ":isbn": item.isbn,
                ":series": item.series, ":series_number": item.series_number,
                ":date_added": item.date_added, ":time_spent": item.time_spent_secs,
                ":image_id": image_id_of(item.id),
            })?;
        if !item.thumbnails.is_empty() {
            self.covers.push(Cover { image_id: image_id_of(item.id), thumbnails: item.thumbnails.to_vec() });
        }
        self.items += 1;
        self.volume_index = 0;
        Ok(())
    }

    /// Adds chapter `number` of a book as `parts` section files (the first `partNNNN.xhtml`,
    /// the rest `partNNNN_split_00k.xhtml`) and, when it has a title, its TOC row. Returns the
    /// sections' ContentIDs.
    pub fn chapter(
        &mut self,
        book: &str,
        style: SectionStyle,
        number: usize,
        title: Option<&str>,
        parts: usize,
    ) -> rusqlite::Result<Vec<String>> {
        let files: Vec<String> = (0..parts.max(1))
            .map(|part| match part {
                0 => format!("part{number:04}.xhtml"),
                _ => format!("part{number:04}_split_{part:03}.xhtml"),
            })
            .collect();
        let mut sections = Vec::new();
        for (part, file) in files.iter().enumerate() {
            let index = self.volume_index;
            let (id, row_title) = match style {
                SectionStyle::Kepub => {
                    (format!("{}!!OEBPS/Text/{file}", book.trim_start_matches("file://")), Some(file.as_str()))
                }
                SectionStyle::Store => (format!("{book}!OEBPS!Text/{file}"), None),
                SectionStyle::Epub => match title.filter(|_| part == 0) {
                    Some(title) => (format!("{book}#({index})OEBPS/Text/{file}#toc-anchor-{number}"), Some(title)),
                    None => (format!("{book}#({index})OEBPS/Text/{file}"), Some(file.as_str())),
                },
            };
            self.section_row(book, &id, "9", row_title, 0)?;
            sections.push(id);
        }
        if let (Some(title), SectionStyle::Kepub | SectionStyle::Store) = (title, style) {
            let toc_id = format!("{}-1", utf8_percent_encode(&sections[0], TOC_ID_ESCAPES));
            self.section_row(book, &toc_id, "899", Some(title), 1)?;
        }
        Ok(sections)
    }

    /// A `9` (section) or `899` (table-of-contents) row with an id as given, for the id shapes
    /// `chapter` does not write.
    pub fn section_row(
        &mut self,
        book: &str,
        id: &str,
        kind: &str,
        title: Option<&str>,
        depth: i64,
    ) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO content (ContentID, ContentType, MimeType, BookID, Title, VolumeIndex,
                   Depth, ___UserID)
                 VALUES (?1, ?2, 'application/xhtml+xml', ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(rusqlite::params![id, kind, book, title, self.volume_index, depth, USER_ID])?;
        self.volume_index += 1;
        Ok(())
    }

    /// Adds a collection (a `Shelf` row, `_IsDeleted` as the device writes it) and puts `items`
    /// in it. `system` makes it a shelf the device keeps for itself, like `ReadingList`.
    pub fn collection(&mut self, name: &str, items: &[&str], deleted: bool, system: bool) -> rusqlite::Result<()> {
        self.collections += 1;
        let id = format!("5e1f0000-0000-4000-8000-{:012x}", self.collections);
        self.conn
            .prepare_cached(
                "INSERT INTO Shelf (CreationDate, Id, InternalName, LastModified, Name, Type, _IsDeleted,
                   _IsVisible, _IsSynced)
                 VALUES ('2025-01-01T00:00:00Z', ?1, ?2, '2025-01-01T00:00:00Z', ?2, ?3, ?4, 'true', 'true')",
            )?
            .execute(rusqlite::params![id, name, if system { "SystemTag" } else { "UserTag" }, flag(deleted)])?;
        items.iter().try_for_each(|item| self.shelve(name, item, false))
    }

    /// Puts `item` in the collection `shelf`; `deleted` as the device leaves a removed one.
    pub fn shelve(&mut self, shelf: &str, item: &str, deleted: bool) -> rusqlite::Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO ShelfContent (ShelfName, ContentId, DateModified, _IsDeleted, _IsSynced)
                 VALUES (?1, ?2, '2025-01-01T00:00:00Z', ?3, 'true')",
            )?
            .execute(rusqlite::params![shelf, item, flag(deleted)])
            .map(drop)
    }

    /// Adds an annotation; returns its BookmarkID.
    pub fn mark(&mut self, book: &str, section: &str, mark: &Mark) -> rusqlite::Result<String> {
        let id = self.uuid();
        let paragraph = self.rng.u32(1..400);
        let start_path = format!("span#kobo\\.{paragraph}\\.1");
        self.conn
            .prepare_cached(
                "INSERT INTO Bookmark (BookmarkID, VolumeID, ContentID, StartContainerPath,
                   StartContainerChildIndex, StartOffset, EndContainerPath, EndContainerChildIndex,
                   EndOffset, Text, Annotation, DateCreated, DateModified, ChapterProgress, Hidden,
                   Type, Color, UserID)
                 VALUES (:id, :book, :section, :start, 0, 0, :start, 0, 42, :text, :note, :created,
                   :created, :progress, :hidden, :kind, :color, :user)",
            )?
            .execute(named_params! {
                ":id": &id, ":book": book, ":section": section, ":start": start_path,
                ":text": mark.text, ":note": mark.note, ":created": mark.created,
                ":progress": mark.progress, ":hidden": flag(mark.hidden),
                ":kind": mark.kind, ":color": mark.color, ":user": USER_ID,
            })?;
        self.bookmarks += 1;
        Ok(id)
    }

    /// A reading session as the device logs it: an `AnalyticsEvents` row of type
    /// `LeaveContent` (JSON attributes naming the book, metrics with `SecondsRead`).
    pub fn reading_session(&mut self, book: &str, ended: &str, seconds: u64) -> rusqlite::Result<()> {
        let id = self.uuid();
        let attributes = serde_json::json!({ "volumeid": book, "progress": "12", "viewType": "BookView" });
        let metrics = serde_json::json!({ "SecondsRead": seconds, "PagesTurned": seconds / 40, "ButtonPressCount": 0 });
        self.conn.execute(
            "INSERT INTO AnalyticsEvents (Id, Type, Timestamp, Attributes, Metrics, ClientApplicationVersion)
             VALUES (?1, 'LeaveContent', ?2, ?3, ?4, '4.41.23145')",
            rusqlite::params![id, ended, attributes.to_string(), metrics.to_string()],
        )?;
        Ok(())
    }

    /// A random version-4 UUID, as Kobo uses for ids.
    pub fn uuid(&mut self) -> String {
        let hex: String = (0..32).map(|_| char::from_digit(self.rng.u32(0..16), 16).unwrap_or('0')).collect();
        format!("{}-{}-4{}-a{}-{}", &hex[..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..])
    }

    /// A date between 2019 and 2026 in one of Kobo's shapes.
    pub fn date(&mut self) -> String {
        let (y, m, d) = (self.rng.u32(2019..2027), self.rng.u32(1..13), self.rng.u32(1..29));
        let (h, min, s) = (self.rng.u32(0..24), self.rng.u32(0..60), self.rng.u32(0..60));
        match self.rng.u8(0..3) {
            0 => format!("{y}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.000"),
            1 => format!("{y}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z"),
            _ => format!("{y}-{m:02}-{d:02} {h:02}:{min:02}:{s:02}.000+00:00"),
        }
    }

    /// Book `number` of a generated library: a title and author from word lists, six chapters
    /// (one split in two) and about `highlights` annotations.
    pub fn generated_book(&mut self, number: usize, highlights: usize) -> rusqlite::Result<()> {
        // The number keeps generated titles distinct, so no two generated books merge.
        let title = format!(
            "{} {} {}, Vol. {number}",
            self.pick(&["The", "A", "Our", "Their", "No"]),
            self.pick(&ADJECTIVES),
            self.pick(&NOUNS)
        );
        let author = format!("{} {}", self.pick(&FIRST_NAMES), self.pick(&LAST_NAMES));
        let id = format!("file:///mnt/onboard/Generated/{number:05} {author} - {title}.kepub.epub");
        let (mime, kind) = match self.rng.u8(0..20) {
            0 | 1 => ("application/x-kobo-html+instapaper", 1),
            2 => ("application/pdf", 2),
            _ => ("application/x-kobo-epub+zip", 0),
        };
        let percent = self.rng.i64(0..101);
        let last_read = (percent > 0).then(|| self.date());
        let date_added = self.date();
        let time_spent_secs = percent * self.rng.i64(20..200);
        self.item(&Item {
            id: &id,
            title: Some(&title),
            author: (kind != 2).then_some(author.as_str()),
            mime,
            percent,
            status: if percent == 100 {
                2
            } else if percent > 0 {
                1
            } else {
                0
            },
            last_read: last_read.as_deref(),
            date_added: Some(&date_added),
            time_spent_secs,
            ..Item::default()
        })?;
        if let Some(ended) = &last_read {
            // Its own generator, so sessions do not change the rest of a seeded library.
            let seconds = fastrand::Rng::with_seed(number as u64).u64(300..3_600).min(time_spent_secs as u64);
            self.reading_session(&id, ended, seconds)?;
        }
        // By number, not by the random stream, so the rest of the library stays as it was.
        for (every, shelf) in GENERATED_COLLECTIONS {
            if number.is_multiple_of(every) {
                self.shelve(shelf, &id, false)?;
            }
        }
        let count = if highlights == 0 { 0 } else { self.rng.usize(highlights / 2..=highlights * 3 / 2) };
        let mut sections = Vec::new();
        for chapter in 1..=6 {
            let parts = if chapter == 3 { 2 } else { 1 };
            sections.extend(self.chapter(
                &id,
                SectionStyle::Kepub,
                chapter,
                Some(&format!("Chapter {chapter}")),
                parts,
            )?);
        }
        for _ in 0..count {
            let section = sections[self.rng.usize(..sections.len())].clone();
            let text = sentence(&mut self.rng);
            let note = (self.rng.u8(0..5) == 0).then(|| sentence(&mut self.rng));
            let created = self.date();
            let color = Some(self.rng.i64(0..4));
            let progress = self.rng.f64();
            let kind = Some(if note.is_some() { "note" } else { "highlight" });
            let mark = Mark {
                kind,
                text: Some(&text),
                note: note.as_deref(),
                color,
                created: &created,
                progress,
                ..Mark::default()
            };
            self.mark(&id, &section, &mark)?;
        }
        Ok(())
    }

    fn pick(&mut self, words: &[&'static str]) -> &'static str {
        words[self.rng.usize(..words.len())]
    }
}

/// The `ImageId` a device gives an item: a store book's UUID as it is; for a sideloaded file
/// its ContentID with every character but ASCII letters and digits made `_`
/// (`file:///mnt/onboard/a.epub` → `file____mnt_onboard_a_epub`).
pub fn image_id_of(content_id: &str) -> String {
    if content_id.starts_with("file://") {
        content_id.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
    } else {
        content_id.to_string()
    }
}

/// A boolean as Kobo stores it: the text `'true'` or `'false'`.
fn flag(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// A sentence of 8–30 words, capitalised.
fn sentence(rng: &mut fastrand::Rng) -> String {
    let words: Vec<&str> = (0..rng.usize(8..30)).map(|_| WORDS[rng.usize(..WORDS.len())]).collect();
    let text = words.join(" ");
    let mut chars = text.chars();
    let first = chars.next().map(|c| c.to_uppercase().to_string()).unwrap_or_default();
    format!("{first}{}.", chars.as_str())
}

/// Collections of generated books: every n-th book is in the named one.
pub const GENERATED_COLLECTIONS: [(usize, &str); 2] = [(7, "Favourites"), (50, "Book club")];

const ADJECTIVES: [&str; 16] = [
    "Silent",
    "Distant",
    "Golden",
    "Hidden",
    "Last",
    "Broken",
    "Quiet",
    "Northern",
    "Endless",
    "Bright",
    "Forgotten",
    "Wandering",
    "Secret",
    "Winter",
    "Open",
    "Little",
];
const NOUNS: [&str; 16] = [
    "River", "Garden", "Library", "Harbour", "Mountain", "Letters", "Orchard", "Island", "Map", "Lantern", "Sea",
    "City", "Archive", "Forest", "Bridge", "Season",
];
const FIRST_NAMES: [&str; 12] =
    ["Ada", "Bruno", "Chiara", "Dmitri", "Elena", "Farid", "Greta", "Hiro", "Inès", "Jonas", "Kwame", "Lucía"];
const LAST_NAMES: [&str; 12] = [
    "Achebe",
    "Bergström",
    "Castellano",
    "Dubois",
    "Eriksen",
    "Fontaine",
    "García",
    "Hoffmann",
    "Ishikawa",
    "Jovanović",
    "Kowalski",
    "Lindqvist",
];
const WORDS: [&str; 40] = [
    "the", "light", "of", "memory", "falls", "across", "every", "page", "we", "turn", "and", "in", "quiet", "rooms",
    "readers", "find", "what", "they", "were", "looking", "for", "long", "before", "knowing", "it", "time", "river",
    "patience", "a", "small", "truth", "held", "between", "two", "chapters", "waits", "like", "evening", "weather",
    "still",
];
