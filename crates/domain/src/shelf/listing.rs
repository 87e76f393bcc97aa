//! The list the reader browses: every entry of a library view (the devices' items and the
//! books only the archive still knows), searched, filtered, sorted and paged in memory (5,000
//! items take well under a millisecond). Each order is computed once per view.

use crate::model::{BookSummary, DeviceCount, ItemKind, LibraryListing, LibraryQuery, LibrarySort};
use kobo_reader::fold;
use std::{cmp::Ordering, collections::HashMap};

/// Items per library page.
pub const PAGE_SIZE: usize = 100;

/// One entry of the list with what searching and sorting need, computed once.
struct ListedItem {
    summary: BookSummary,
    /// Folded title and author, for search.
    search_text: String,
    title_key: String,
    author_key: Option<String>,
}

impl ListedItem {
    fn new(summary: BookSummary) -> ListedItem {
        let author_key = summary.author.as_deref().map(fold);
        ListedItem {
            search_text: format!("{} {}", fold(&summary.title), author_key.as_deref().unwrap_or("")),
            title_key: fold(&summary.title),
            author_key,
            summary,
        }
    }
}

pub struct Listing {
    items: Vec<ListedItem>,
    /// Positions of `items` in each order of `LibrarySort::ALL`.
    orders: Vec<Vec<usize>>,
    kind_counts: Vec<(ItemKind, usize)>,
    collection_counts: Vec<(String, usize)>,
    device_counts: Vec<DeviceCount>,
}

impl Listing {
    /// The list of `summaries`; `devices` names the library's devices in the settings' order,
    /// each with whether it is retired (none for a library of one device).
    pub fn new(summaries: Vec<BookSummary>, devices: &[(String, bool)]) -> Listing {
        let items: Vec<ListedItem> = summaries.into_iter().map(ListedItem::new).collect();
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
        let device_counts = devices
            .iter()
            .map(|(name, retired)| DeviceCount {
                name: name.clone(),
                entries: items.iter().filter(|item| item.summary.devices.contains(name)).count(),
                retired: *retired,
            })
            .collect();
        Listing { items, orders, kind_counts, collection_counts, device_counts }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Entries per device (none for a library of one device).
    pub fn device_counts(&self) -> &[DeviceCount] {
        &self.device_counts
    }

    /// The entry at `position` of the summaries the listing was made from.
    pub fn at(&self, position: usize) -> &BookSummary {
        &self.items[position].summary
    }

    /// Every entry in `sort`'s order.
    pub fn in_order(&self, sort: LibrarySort) -> impl Iterator<Item = &BookSummary> {
        let order = &self.orders[LibrarySort::ALL.iter().position(|&s| s == sort).unwrap_or(0)];
        order.iter().map(|&position| &self.items[position].summary)
    }

    /// Every item matching the query's words, kind, collection and device, in the query's order
    /// (its page is not applied).
    pub fn matching(&self, query: &LibraryQuery) -> Vec<&BookSummary> {
        let words: Vec<String> = fold(&query.q).split_whitespace().map(str::to_string).collect();
        let order = &self.orders[LibrarySort::ALL.iter().position(|&s| s == query.sort).unwrap_or(0)];
        // A library of one device lists its devices as none: the filter means nothing there.
        let device = query.device.as_ref().filter(|_| !self.device_counts.is_empty());
        order
            .iter()
            .map(|&position| &self.items[position])
            .filter(|item| query.kind.is_none_or(|kind| item.summary.kind == kind))
            .filter(|item| query.shelf.as_ref().is_none_or(|shelf| item.summary.collections.contains(shelf)))
            .filter(|item| device.is_none_or(|device| item.summary.devices.contains(device)))
            .filter(|item| words.iter().all(|word| item.search_text.contains(word.as_str())))
            .map(|item| &item.summary)
            .collect()
    }

    /// One page of the items matching the query, in the query's order.
    pub fn page(&self, query: &LibraryQuery) -> LibraryListing {
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
            device_counts: self.device_counts.clone(),
            deletion_wave: None,
        }
    }
}

fn sorted_positions(items: &[ListedItem], sort: LibrarySort) -> Vec<usize> {
    let by_title = |a: &ListedItem, b: &ListedItem| a.title_key.cmp(&b.title_key);
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
