//! Which entries of several devices are one book (#26). A reader who replaced a Kobo, or a
//! household sharing one server, has the same book on several devices, as a store kepub on one
//! and a sideloaded EPUB on another: the library lists it once.
//!
//! Entries of different devices are one book when they share a ContentID (the same file, the
//! same store product: one entry answers to each id), else when their real ISBNs are equal,
//! else when their folded titles and authors are (and no two different ISBNs say otherwise).
//! Entries of one device are never merged here (the reader merged its copies already), so a
//! library of one device lists exactly what it did before.

use crate::model::BookSummary;
use kobo_reader::{fold, Entry};
use std::collections::HashMap;

/// Where a list entry's annotations come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Member {
    /// The entry whose shown ContentID is `id` in the view's device file at `file`.
    OnDevice { file: usize, id: String },
    /// A book only the archive knows: removed from its device, or on the retired device
    /// `device` (a removed book's device is not recorded with it).
    Archived { id: String, device: Option<String> },
}

impl Member {
    /// The ContentID the archive keeps this member's annotations under.
    pub(super) fn id(&self) -> &str {
        match self {
            Member::OnDevice { id, .. } | Member::Archived { id, .. } => id,
        }
    }
}

/// One entry of the merged list.
pub(super) struct Merged {
    pub summary: BookSummary,
    /// The first device's first (settings order), then books only the archive knows.
    pub members: Vec<Member>,
    /// Every ContentID of every member (the entry's page answers to each).
    pub ids: Vec<String>,
    /// Whether two members share a ContentID: their annotations are counted by the archive,
    /// once each, rather than summed.
    pub overlapping: bool,
    isbn: Option<String>,
}

/// Builds the merged list: device entries first, device by device, then archived books.
pub(super) struct Merger {
    /// Whether entries of different devices may merge (a library of several devices).
    several: bool,
    entries: Vec<Merged>,
    by_isbn: HashMap<String, Vec<usize>>,
    by_title: HashMap<(String, String), Vec<usize>>,
    by_copy: HashMap<String, Vec<usize>>,
}

impl Merger {
    pub(super) fn new(several: bool) -> Merger {
        Merger {
            several,
            entries: Vec::new(),
            by_isbn: HashMap::new(),
            by_title: HashMap::new(),
            by_copy: HashMap::new(),
        }
    }

    /// Adds the entry `entry` of the device file at `file` (named `device`), listed as `summary`.
    pub(super) fn add_device_entry(&mut self, (file, device): (usize, &str), entry: &Entry, summary: BookSummary) {
        let member = Member::OnDevice { file, id: entry.item.id.clone() };
        let free_of_file = |merged: &Merged| {
            !merged.members.iter().any(|member| matches!(member, Member::OnDevice { file: f, .. } if *f == file))
        };
        let position = self.candidate(entry.isbn.as_deref(), &summary, &entry.copies, free_of_file);
        self.place(position, member, (summary, entry.isbn.clone(), &entry.copies), device);
    }

    /// Adds a book only the archive knows, listed as `summary` (its id the archived ContentID);
    /// `device` names the retired device that has it, if it is one's.
    pub(super) fn add_archived(&mut self, summary: BookSummary, device: Option<&str>) {
        let member = Member::Archived { id: summary.id.clone(), device: device.map(str::to_string) };
        let ids = [summary.id.clone()];
        let position = self.candidate(None, &summary, &ids, |_| true);
        self.place(position, member, (summary, None, &ids), device.unwrap_or_default());
    }

    /// The merged entries, in the order they were first added.
    pub(super) fn finish(self) -> Vec<Merged> {
        self.entries
    }

    /// The entry the book of `isbn`, `summary` and `copies` joins, if any: the one with a
    /// ContentID of `copies` (whatever the ISBNs say: an id names one entry), else by ISBN, else
    /// title and author; only entries `free` accepts.
    fn candidate(
        &self,
        isbn: Option<&str>,
        summary: &BookSummary,
        copies: &[String],
        free: impl Fn(&Merged) -> bool,
    ) -> Option<usize> {
        if !self.several {
            return None;
        }
        let usable = |position: &&usize| {
            let merged = &self.entries[**position];
            free(merged) && (isbn.is_none() || merged.isbn.is_none() || merged.isbn.as_deref() == isbn)
        };
        let by_copy = copies.iter().find_map(|copy| self.by_copy.get(copy)?.iter().find(|p| free(&self.entries[**p])));
        let by_isbn = || isbn.and_then(|isbn| self.by_isbn.get(isbn)).and_then(|found| found.iter().find(usable));
        let by_title = || self.by_title.get(&title_key(summary)).and_then(|found| found.iter().find(usable));
        by_copy.or_else(by_isbn).or_else(by_title).copied()
    }

    fn place(
        &mut self,
        position: Option<usize>,
        member: Member,
        (summary, isbn, copies): (BookSummary, Option<String>, &[String]),
        device: &str,
    ) {
        let position = match position {
            Some(position) => {
                let merged = &mut self.entries[position];
                merged.overlapping |= copies.iter().any(|copy| merged.ids.contains(copy));
                join(&mut merged.summary, summary, matches!(member, Member::OnDevice { .. }));
                merged.members.push(member);
                if merged.isbn.is_none() {
                    merged.isbn.clone_from(&isbn);
                }
                position
            }
            None => {
                let mut summary = summary;
                summary.devices.clear();
                self.entries.push(Merged {
                    summary,
                    members: vec![member],
                    ids: Vec::new(),
                    overlapping: false,
                    isbn: None,
                });
                let position = self.entries.len() - 1;
                self.entries[position].isbn.clone_from(&isbn);
                self.by_title.entry(title_key(&self.entries[position].summary)).or_default().push(position);
                position
            }
        };
        let merged = &mut self.entries[position];
        if self.several && !device.is_empty() && !merged.summary.devices.iter().any(|known| known == device) {
            merged.summary.devices.push(device.to_string());
        }
        for copy in copies {
            if !merged.ids.contains(copy) {
                merged.ids.push(copy.clone());
                self.by_copy.entry(copy.clone()).or_default().push(position);
            }
        }
        if let Some(isbn) = isbn {
            let found = self.by_isbn.entry(isbn).or_default();
            if !found.contains(&position) {
                found.push(position);
            }
        }
    }
}

/// Folded title and author: the same book's on two devices, whatever their case and accents.
fn title_key(summary: &BookSummary) -> (String, String) {
    (fold(&summary.title), fold(summary.author.as_deref().unwrap_or_default()))
}

/// Adds `other`'s counts and collections to `entry`; progress and last read come from the
/// device read most recently. A book on a device is not removed from it.
fn join(entry: &mut BookSummary, other: BookSummary, on_device: bool) {
    entry.highlight_count += other.highlight_count;
    entry.deleted_on_device += other.deleted_on_device;
    if other.last_read > entry.last_read {
        (entry.percent_read, entry.read_status, entry.last_read) =
            (other.percent_read, other.read_status, other.last_read);
    }
    entry.removed_from_device &= !on_device && other.removed_from_device;
    for collection in other.collections {
        if !entry.collections.contains(&collection) {
            entry.collections.push(collection);
        }
    }
    entry.collections.sort_by_cached_key(|name| (fold(name), name.clone()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ItemKind, ReadStatus};
    use kobo_reader::Item;

    fn entry(id: &str, title: &str, isbn: Option<&str>, last_read: &str) -> Entry {
        Entry {
            item: Item {
                id: id.into(),
                title: title.into(),
                author: Some("Leo Tolstoy".into()),
                kind: kobo_reader::ItemKind::Book,
                percent_read: last_read[8..10].parse().unwrap(),
                read_status: kobo_reader::ReadStatus::Reading,
                highlight_count: 2,
                last_read: Some(last_read.into()),
                collections: Vec::new(),
            },
            copies: vec![id.into()],
            image_id: None,
            isbn: isbn.map(str::to_string),
        }
    }

    fn merged(several: bool, devices: &[(&str, Vec<Entry>)]) -> Vec<Merged> {
        let mut merger = Merger::new(several);
        for (file, (name, entries)) in devices.iter().enumerate() {
            for entry in entries {
                merger.add_device_entry((file, name), entry, BookSummary::from(&entry.item));
            }
        }
        merger.finish()
    }

    #[test]
    fn one_book_on_two_devices_is_one_entry_with_the_latest_progress() {
        let store = entry("kepub-war", "War and Peace", Some("9780199232765"), "2025-03-10T00:00:00");
        let sideloaded = entry("file:///mnt/onboard/war.epub", "WAR AND PEACE", None, "2026-01-20T00:00:00");
        let entries = merged(true, &[("libra", vec![store]), ("clara", vec![sideloaded])]);
        assert_eq!(entries.len(), 1);
        let summary = &entries[0].summary;
        assert_eq!((summary.id.as_str(), summary.highlight_count, summary.percent_read), ("kepub-war", 4, 20));
        assert_eq!(summary.devices, ["libra", "clara"]);
        assert_eq!(entries[0].ids, ["kepub-war", "file:///mnt/onboard/war.epub"]);
        assert_eq!(summary.kind, ItemKind::Book);
        assert_eq!(summary.read_status, ReadStatus::Reading);
    }

    #[test]
    fn different_isbns_one_device_and_one_device_libraries_never_merge() {
        let first = entry("a", "War and Peace", Some("9780199232765"), "2025-03-10T00:00:00");
        let other_edition = entry("b", "War and Peace", Some("9780140447934"), "2025-03-11T00:00:00");
        assert_eq!(merged(true, &[("libra", vec![first.clone()]), ("clara", vec![other_edition])]).len(), 2);
        let twice = entry("c", "War and Peace", None, "2025-03-11T00:00:00");
        assert_eq!(merged(true, &[("libra", vec![first.clone(), twice.clone()])]).len(), 2, "one device's entries");
        assert_eq!(merged(false, &[("kobo", vec![first]), ("kobo", vec![twice])]).len(), 2, "a one-device view");
    }

    #[test]
    fn a_shared_content_id_merges_and_is_counted_once() {
        let mut untitled = entry("file:///mnt/onboard/x.pdf", "x", None, "2025-01-01T00:00:00");
        let mut renamed = untitled.clone();
        renamed.item.title = "A Title Found Later".into();
        untitled.item.author = None;
        let entries = merged(true, &[("libra", vec![untitled]), ("clara", vec![renamed])]);
        assert_eq!(entries.len(), 1);
        assert!(entries[0].overlapping);
    }

    #[test]
    fn a_shared_content_id_names_one_entry_whatever_the_isbns_say() {
        let libra = entry("kepub-a", "Foo", Some("9780199232765"), "2025-03-10T00:00:00");
        let clara = entry("kepub-b", "Foo", Some("9780140447934"), "2025-03-11T00:00:00");
        let mut merger = Merger::new(true);
        merger.add_device_entry((0, "libra"), &libra, BookSummary::from(&libra.item));
        merger.add_device_entry((1, "clara"), &clara, BookSummary::from(&clara.item));
        let old = BookSummary { id: "kepub-b".into(), ..BookSummary::from(&libra.item) };
        merger.add_archived(old, Some("aura"));
        let entries = merger.finish();
        let ids: Vec<&[String]> = entries.iter().map(|merged| merged.ids.as_slice()).collect();
        assert_eq!(ids, [&["kepub-a".to_string()][..], &["kepub-b".to_string()][..]], "no id in two entries");
        assert_eq!(entries[1].summary.devices, ["clara", "aura"]);
    }

    #[test]
    fn a_retired_devices_book_joins_its_entry() {
        let mut merger = Merger::new(true);
        let current = entry("kepub-war", "War and Peace", None, "2026-01-20T00:00:00");
        merger.add_device_entry((0, "libra"), &current, BookSummary::from(&current.item));
        let old = BookSummary { id: "file:///old/war.epub".into(), ..BookSummary::from(&current.item) };
        merger.add_archived(old, Some("aura"));
        let entries = merger.finish();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].summary.devices, ["libra", "aura"]);
        assert_eq!(
            entries[0].members,
            [
                Member::OnDevice { file: 0, id: "kepub-war".into() },
                Member::Archived { id: "file:///old/war.epub".into(), device: Some("aura".into()) }
            ]
        );
    }
}
