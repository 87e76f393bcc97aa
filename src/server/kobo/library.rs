//! The library list: top-level items, duplicates merged, loaded once per file version and then
//! searched, filtered, sorted and paged in memory (5,000 items take well under a millisecond).

use super::{
    collections::collections_by_item,
    schema::{number_at, text_at, Columns},
    text::normalize_date,
};
use crate::model::{BookSummary, ItemKind, LibraryListing, LibraryQuery, LibrarySort, ReadStatus};
use rusqlite::Connection;
use std::{
    cmp::Ordering,
    collections::{hash_map::Entry, HashMap},
};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// Items per library page.
pub const PAGE_SIZE: usize = 100;

/// What the archive adds to a version's list: annotations deleted on the device (counted per
/// ContentID) and the entries of books removed from the device whose annotations it keeps.
#[derive(Debug, Default)]
pub struct ArchivedEntries {
    pub deleted_counts: HashMap<String, u32>,
    pub removed: Vec<BookSummary>,
}

/// One entry of the list with what searching and sorting need, computed once.
#[derive(Clone)]
struct IndexedItem {
    summary: BookSummary,
    /// Folded title and author, for search.
    search_text: String,
    title_key: String,
    author_key: Option<String>,
    /// ContentIDs of every copy of this item (the shown one first).
    copies: Vec<String>,
    /// `content.ImageId` naming the cover: the shown copy's, else another copy's.
    image_id: Option<String>,
}

/// The library of one file version.
pub struct LibraryIndex {
    items: Vec<IndexedItem>,
    /// Any copy's ContentID → position in `items`.
    by_id: HashMap<String, usize>,
    /// Positions of `items` in each order of `LibrarySort::ALL`.
    orders: Vec<Vec<usize>>,
    kind_counts: Vec<(ItemKind, usize)>,
    collection_counts: Vec<(String, usize)>,
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
}

impl ContentRow {
    /// How far the reader got: finished counts as 100 %, whatever the percentage says.
    fn progress_rank(&self) -> (u8, Option<&String>) {
        let percent = if self.read_status == ReadStatus::Finished { 100 } else { self.percent_read };
        (percent, self.last_read.as_ref())
    }
}

impl LibraryIndex {
    pub fn load(conn: &Connection, columns: &Columns) -> rusqlite::Result<LibraryIndex> {
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
                Entry::Occupied(entry) => groups[*entry.get()].push(row),
                Entry::Vacant(entry) => {
                    entry.insert(groups.len());
                    groups.push(vec![row]);
                }
            }
        }
        let items: Vec<IndexedItem> =
            groups.into_iter().map(|copies| merge_copies(copies, &counts, &collections)).collect();
        Ok(LibraryIndex::from_items(items))
    }

    /// This list with the archive's `entries`: counts include annotations deleted on the device,
    /// and books removed from it are listed (marked).
    pub fn with_archived(&self, entries: &ArchivedEntries) -> LibraryIndex {
        let mut items = self.items.clone();
        for item in &mut items {
            let deleted: u32 = item.copies.iter().filter_map(|copy| entries.deleted_counts.get(copy)).sum();
            item.summary.highlight_count += deleted;
        }
        let removed =
            entries.removed.iter().map(|summary| IndexedItem::new(summary.clone(), vec![summary.id.clone()], None));
        items.extend(removed);
        LibraryIndex::from_items(items)
    }

    fn from_items(items: Vec<IndexedItem>) -> LibraryIndex {
        let by_id = items
            .iter()
            .enumerate()
            .flat_map(|(position, item)| item.copies.iter().map(move |id| (id.clone(), position)))
            .collect();
        let orders = LibrarySort::ALL.iter().map(|&sort| sorted_positions(&items, sort)).collect();
        let kind_counts = ItemKind::ALL
            .into_iter()
            .map(|kind| (kind, items.iter().filter(|item| item.summary.kind == kind).count()))
            .filter(|(_, count)| *count > 0)
            .collect();
        let mut collection_counts: HashMap<&str, usize> = HashMap::new();
        for name in items.iter().flat_map(|item| &item.summary.collections) {
            *collection_counts.entry(name).or_default() += 1;
        }
        let mut collection_counts: Vec<(String, usize)> =
            collection_counts.into_iter().map(|(name, count)| (name.to_string(), count)).collect();
        collection_counts.sort_by_cached_key(|(name, _)| (fold(name), name.clone()));
        LibraryIndex { items, by_id, orders, kind_counts, collection_counts }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Every item matching the query's words, kind and collection, in the query's order (its
    /// page is not applied).
    pub fn matching(&self, query: &LibraryQuery) -> Vec<&BookSummary> {
        let words: Vec<String> = fold(&query.q).split_whitespace().map(str::to_string).collect();
        let order = &self.orders[LibrarySort::ALL.iter().position(|&s| s == query.sort).unwrap_or(0)];
        order
            .iter()
            .map(|&position| &self.items[position])
            .filter(|item| query.kind.is_none_or(|kind| item.summary.kind == kind))
            .filter(|item| query.shelf.as_ref().is_none_or(|shelf| item.summary.collections.contains(shelf)))
            .filter(|item| words.iter().all(|word| item.search_text.contains(word.as_str())))
            .map(|item| &item.summary)
            .collect()
    }

    /// One page of the items matching the query, in the query's order.
    pub fn query(&self, query: &LibraryQuery) -> LibraryListing {
        let matching = self.matching(query);
        let page_count = matching.len().div_ceil(PAGE_SIZE).max(1);
        let page = query.page.clamp(1, page_count);
        let items = matching.iter().skip((page - 1) * PAGE_SIZE).take(PAGE_SIZE).map(|&item| item.clone()).collect();
        LibraryListing {
            items,
            matching: matching.len(),
            total: self.items.len(),
            page,
            page_count,
            kind_counts: self.kind_counts.clone(),
            collection_counts: self.collection_counts.clone(),
        }
    }

    /// Every entry with the ids of all its copies, in list order of titles.
    pub fn entries(&self) -> impl Iterator<Item = (&BookSummary, &[String])> {
        self.orders[LibrarySort::ALL.iter().position(|&s| s == LibrarySort::Title).unwrap_or(0)]
            .iter()
            .map(|&position| (&self.items[position].summary, self.items[position].copies.as_slice()))
    }

    /// The entry a ContentID belongs to (any copy's id finds it) and the ids of all its copies.
    pub fn entry(&self, id: &str) -> Option<(&BookSummary, &[String])> {
        let item = &self.items[*self.by_id.get(id)?];
        Some((&item.summary, &item.copies))
    }

    /// The `ImageId` of the cover of the entry a ContentID belongs to.
    pub fn image_id(&self, id: &str) -> Option<&str> {
        self.items[*self.by_id.get(id)?].image_id.as_deref()
    }
}

/// Lower-case without diacritics, so `miserables` finds "Les Misérables".
pub fn fold(text: &str) -> String {
    text.nfd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

fn top_level_rows(conn: &Connection, columns: &Columns) -> rusqlite::Result<Vec<ContentRow>> {
    let sql = format!(
        "SELECT ContentID, {title}, {author}, {mime}, {percent}, {status}, {last_read}, {image_id}
         FROM content
         WHERE {top_level}",
        title = columns.content("Title"),
        author = columns.content("Attribution"),
        mime = columns.content("MimeType"),
        percent = columns.content("___PercentRead"),
        status = columns.content("ReadStatus"),
        last_read = columns.content("DateLastRead"),
        image_id = columns.content("ImageId"),
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
) -> IndexedItem {
    copies.sort_by(|a, b| b.progress_rank().cmp(&a.progress_rank()));
    let highlight_count = copies.iter().map(|copy| counts.get(&copy.id).copied().unwrap_or(0)).sum();
    let mut in_collections: Vec<String> =
        copies.iter().filter_map(|copy| collections.get(&copy.id)).flatten().cloned().collect();
    in_collections.sort_by_cached_key(|name| (fold(name), name.clone()));
    in_collections.dedup();
    let ids: Vec<String> = copies.iter().map(|copy| copy.id.clone()).collect();
    let image_id = copies.iter().find_map(|copy| copy.image_id.clone());
    let shown = copies.swap_remove(0);
    let title = shown.title.clone().unwrap_or_else(|| title_from_id(&shown.id));
    IndexedItem::new(
        BookSummary {
            id: shown.id,
            title,
            author: shown.author,
            kind: shown.kind,
            percent_read: shown.percent_read,
            read_status: shown.read_status,
            highlight_count,
            last_read: shown.last_read,
            removed_from_device: false,
            collections: in_collections,
        },
        ids,
        image_id,
    )
}

impl IndexedItem {
    fn new(summary: BookSummary, copies: Vec<String>, image_id: Option<String>) -> IndexedItem {
        let author_key = summary.author.as_deref().map(fold);
        IndexedItem {
            search_text: format!("{} {}", fold(&summary.title), author_key.as_deref().unwrap_or("")),
            title_key: fold(&summary.title),
            author_key,
            copies,
            image_id,
            summary,
        }
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

fn sorted_positions(items: &[IndexedItem], sort: LibrarySort) -> Vec<usize> {
    let by_title = |a: &IndexedItem, b: &IndexedItem| a.title_key.cmp(&b.title_key);
    let mut positions: Vec<usize> = (0..items.len()).collect();
    positions.sort_by(|&a, &b| {
        let (a, b) = (&items[a], &items[b]);
        let primary = match sort {
            // Most recent first; never-read items after all read ones.
            LibrarySort::Recent => b.summary.last_read.cmp(&a.summary.last_read),
            LibrarySort::Title => Ordering::Equal,
            LibrarySort::Author => match (&a.author_key, &b.author_key) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            },
            LibrarySort::Highlights => b.summary.highlight_count.cmp(&a.summary.highlight_count),
        };
        primary.then_with(|| by_title(a, b)).then_with(|| a.summary.id.cmp(&b.summary.id))
    });
    positions
}
