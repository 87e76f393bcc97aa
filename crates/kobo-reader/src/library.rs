//! The device's items: top-level `content` rows (and volumes whose row is gone but whose
//! annotations are not), copies of one item merged, loaded once per file version. What the
//! reader sees of them (search, sort, pages, what the archive adds) is `shelf`'s.

use super::{
    collections::collections_by_item,
    schema::{number_at, text_at, Columns},
};
use crate::{
    dates::normalize_date,
    records::{Item, ItemKind, ReadStatus},
    text::isbn_13,
};
use rusqlite::Connection;
use std::collections::{hash_map::Entry as Slot, HashMap};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// One item of the device's library: all copies of it (store and sideloaded) merged.
#[derive(Clone, Debug)]
pub struct Entry {
    pub item: Item,
    /// ContentIDs of every copy of this item (the shown one first).
    pub copies: Vec<String>,
    /// `content.ImageId` naming the cover: the shown copy's, else another copy's.
    pub image_id: Option<String>,
    /// The ISBN-13 of the shown copy, else of another copy: only a real one (sideloaded books
    /// keep junk there), the key the same book on two devices is known by.
    pub isbn: Option<String>,
}

/// The items of one file version, in the order of their folded titles.
pub struct Entries {
    items: Vec<Entry>,
    /// Any copy's ContentID → position in `items`.
    by_id: HashMap<String, usize>,
}

/// A top-level `content` row as read.
struct ContentRow {
    id: String,
    title: Option<String>,
    author: Option<String>,
    kind: ItemKind,
    percent_read: u8,
    read_status: ReadStatus,
    last_read: Option<String>,
    image_id: Option<String>,
    isbn: Option<String>,
}

impl ContentRow {
    /// How far the reader got: finished counts as 100 %, whatever the percentage says.
    fn progress_rank(&self) -> (u8, Option<&String>) {
        let percent = if self.read_status == ReadStatus::Finished { 100 } else { self.percent_read };
        (percent, self.last_read.as_ref())
    }
}

impl Entries {
    pub fn load(conn: &Connection, columns: &Columns) -> rusqlite::Result<Entries> {
        let mut rows = top_level_rows(conn, columns)?;
        rows.extend(orphaned_volumes(conn, columns)?);
        let counts = highlight_counts(conn, columns)?;
        let collections = collections_by_item(conn, columns)?;
        let mut groups: Vec<Vec<ContentRow>> = Vec::new();
        let mut group_of_key: HashMap<(String, String), usize> = HashMap::new();
        for row in rows {
            let Some(title) = row.title.as_deref() else {
                groups.push(vec![row]);
                continue;
            };
            let key = (fold(title), fold(row.author.as_deref().unwrap_or("")));
            match group_of_key.entry(key) {
                Slot::Occupied(entry) => groups[*entry.get()].push(row),
                Slot::Vacant(entry) => {
                    entry.insert(groups.len());
                    groups.push(vec![row]);
                }
            }
        }
        let mut items: Vec<Entry> =
            groups.into_iter().map(|copies| merge_copies(copies, &counts, &collections)).collect();
        items.sort_by_cached_key(|entry| (fold(&entry.item.title), entry.item.id.clone()));
        let by_id = items
            .iter()
            .enumerate()
            .flat_map(|(position, item)| item.copies.iter().map(move |id| (id.clone(), position)))
            .collect();
        Ok(Entries { items, by_id })
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Every entry, in the order of folded titles.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.items.iter()
    }

    /// The entry a ContentID belongs to (any copy's id finds it).
    pub fn entry(&self, id: &str) -> Option<&Entry> {
        Some(&self.items[*self.by_id.get(id)?])
    }
}

/// Lower-case without diacritics, so `miserables` finds "Les Misérables".
pub fn fold(text: &str) -> String {
    text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

fn top_level_rows(conn: &Connection, columns: &Columns) -> rusqlite::Result<Vec<ContentRow>> {
    let sql = format!(
        "SELECT ContentID, {title}, {author}, {mime}, {percent}, {status}, {last_read}, {image_id}, {isbn}
         FROM content
         WHERE {top_level}",
        title = columns.content("Title"),
        author = columns.content("Attribution"),
        mime = columns.content("MimeType"),
        percent = columns.content("___PercentRead"),
        status = columns.content("ReadStatus"),
        last_read = columns.content("DateLastRead"),
        image_id = columns.content("ImageId"),
        isbn = columns.content("ISBN"),
        top_level = columns.top_level_item(),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map([], |row| {
        let Some(id) = text_at(row, 0)? else { return Ok(None) };
        Ok(Some(ContentRow {
            title: text_at(row, 1)?.map(|t| t.trim().to_string()),
            author: text_at(row, 2)?.map(|a| a.trim().to_string()),
            kind: ItemKind::from_mime_type(&text_at(row, 3)?.unwrap_or_default()),
            percent_read: number_at(row, 4)?.unwrap_or(0.0).clamp(0.0, 100.0) as u8,
            read_status: ReadStatus::from_code(number_at(row, 5)?.unwrap_or(0.0) as i64),
            last_read: text_at(row, 6)?.as_deref().and_then(normalize_date),
            image_id: text_at(row, 7)?,
            isbn: text_at(row, 8)?.as_deref().and_then(isbn_13),
            id,
        }))
    })?;
    rows.filter_map(Result::transpose).collect()
}

/// Books whose `content` row is gone but whose annotations are not: listed under their
/// file name (their kind guessed from it the way a MimeType would say it), never dropped.
fn orphaned_volumes(conn: &Connection, columns: &Columns) -> rusqlite::Result<Vec<ContentRow>> {
    let sql = format!(
        "SELECT DISTINCT VolumeID FROM Bookmark
         WHERE {visible} AND {kind} IN ('highlight', 'note', 'markup')
           AND VolumeID NOT IN (SELECT ContentID FROM content WHERE ContentID IS NOT NULL)",
        visible = columns.visible_bookmark(),
        kind = columns.bookmark_type(),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map([], |row| text_at(row, 0))?;
    let volumes: Vec<Option<String>> = rows.collect::<rusqlite::Result<_>>()?;
    Ok(volumes
        .into_iter()
        .flatten()
        .map(|id| ContentRow {
            title: None,
            author: None,
            kind: ItemKind::from_mime_type(&id.to_lowercase()),
            percent_read: 0,
            read_status: ReadStatus::Unread,
            last_read: None,
            image_id: None,
            isbn: None,
            id,
        })
        .collect())
}

/// Highlights and notes per `VolumeID` (bookmarks, markups and deleted ones not counted).
fn highlight_counts(conn: &Connection, columns: &Columns) -> rusqlite::Result<HashMap<String, u32>> {
    let sql = format!(
        "SELECT VolumeID, COUNT(*) FROM Bookmark WHERE {counted} GROUP BY VolumeID",
        counted = columns.counted_highlight(),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map([], |row| Ok((text_at(row, 0)?, row.get::<_, u32>(1)?)))?;
    let mut counts = HashMap::new();
    for row in rows {
        if let (Some(volume), count) = row? {
            counts.insert(volume, count);
        }
    }
    Ok(counts)
}

/// One list entry from all copies of an item: the copy with most progress is shown, the
/// highlights and collections of every copy are counted.
fn merge_copies(
    mut copies: Vec<ContentRow>,
    counts: &HashMap<String, u32>,
    collections: &HashMap<String, Vec<String>>,
) -> Entry {
    copies.sort_by(|a, b| b.progress_rank().cmp(&a.progress_rank()));
    let highlight_count = copies.iter().map(|copy| counts.get(&copy.id).copied().unwrap_or(0)).sum();
    let mut in_collections: Vec<String> =
        copies.iter().filter_map(|copy| collections.get(&copy.id)).flatten().cloned().collect();
    in_collections.sort_by_cached_key(|name| (fold(name), name.clone()));
    in_collections.dedup();
    let ids: Vec<String> = copies.iter().map(|copy| copy.id.clone()).collect();
    let image_id = copies.iter().find_map(|copy| copy.image_id.clone());
    let isbn = copies.iter().find_map(|copy| copy.isbn.clone());
    let shown = copies.swap_remove(0);
    let title = shown.title.clone().unwrap_or_else(|| title_from_id(&shown.id));
    Entry {
        item: Item {
            id: shown.id,
            title,
            author: shown.author,
            kind: shown.kind,
            percent_read: shown.percent_read,
            read_status: shown.read_status,
            highlight_count,
            last_read: shown.last_read,
            collections: in_collections,
        },
        copies: ids,
        image_id,
        isbn,
    }
}

/// A readable name for an item without a title: its file name without extensions.
fn title_from_id(id: &str) -> String {
    let name = id.rsplit('/').next().unwrap_or(id);
    let stem = [".kepub.epub", ".epub", ".pdf", ".cbz", ".txt", ".html"]
        .iter()
        .find_map(|extension| {
            let cut = name.len().checked_sub(extension.len())?;
            name.get(cut..).filter(|end| end.eq_ignore_ascii_case(extension)).and(name.get(..cut))
        })
        .unwrap_or_else(|| name.split('.').next().unwrap_or(name))
        .trim();
    if stem.is_empty() {
        "Untitled".to_string()
    } else {
        stem.to_string()
    }
}
