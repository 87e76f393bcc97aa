//! The resolution chain: which section file of its book an annotation lies in, and which of
//! that file's table-of-contents entries is its chapter. See the module above for the order.

use super::{
    ids::{is_file_name, resolve_dots, split_base, IdParts},
    Section, TocEntry,
};
use crate::health::{ChapterRule, SectionRule};
use std::collections::HashMap;

/// A table-of-contents entry of a section file: title, reading order, anchor.
pub struct Entry<'a> {
    pub title: &'a str,
    pub order: i64,
    anchor: Option<String>,
}

/// One file of a book (a `9` row, or several in a sideloaded epub) with its entries in order.
#[derive(Default)]
pub struct File<'a> {
    path: String,
    pub order: i64,
    entries: Vec<Entry<'a>>,
}

/// The sections of one book, by every key the chain looks them up with.
#[derive(Default)]
pub struct BookSections<'a> {
    pub files: Vec<File<'a>>,
    /// Whole section ids as compared → file.
    exact: HashMap<String, usize>,
    by_path: HashMap<String, usize>,
    by_volume_index: HashMap<i64, usize>,
}

/// The file an annotation lies in, by which rule, and the anchor it names.
pub struct Found {
    pub file: usize,
    pub rule: SectionRule,
    anchor: Option<String>,
}

/// A book's order of a section: `VolumeIndex`, else the `N` of `#(N)`, else last.
fn section_order(section: &Section, parts: &IdParts) -> i64 {
    section.order.or(parts.volume_index).unwrap_or(i64::MAX)
}

impl<'a> BookSections<'a> {
    /// From one book's `9` rows and `899` rows; a book without `899` rows (a sideloaded epub)
    /// takes its entries from its `9` rows titled with more than a file name.
    pub fn new(book_id: &str, sections: &[&'a Section], toc: &[&'a TocEntry]) -> BookSections<'a> {
        let mut book = BookSections::default();
        for section in sections {
            let parts = IdParts::of(book_id, &section.id, false);
            let order = section_order(section, &parts);
            let file = book.file_of(&parts.path, order);
            let title = section.title.as_deref().filter(|title| toc.is_empty() && !is_file_name(title));
            if let Some(title) = title {
                book.files[file].entries.push(Entry { title, order, anchor: parts.anchor.clone() });
            }
            if let Some(index) = parts.volume_index.or(section.order) {
                book.by_volume_index.entry(index).or_insert(file);
            }
            book.exact.entry(parts.whole).or_insert(file);
        }
        for entry in toc {
            let parts = IdParts::of(book_id, &entry.id, true);
            let order = entry.order.unwrap_or(i64::MAX);
            let file = book.file_of(&parts.path, order);
            book.files[file].entries.push(Entry { title: &entry.title, order, anchor: parts.anchor });
        }
        for file in &mut book.files {
            file.entries.sort_by_key(|entry| entry.order);
        }
        book
    }

    fn file_of(&mut self, path: &str, order: i64) -> usize {
        let at = *self.by_path.entry(path.to_string()).or_insert_with(|| {
            self.files.push(File { path: path.to_string(), order, entries: Vec::new() });
            self.files.len() - 1
        });
        self.files[at].order = self.files[at].order.min(order);
        at
    }

    /// The chain: the first rule that finds the annotation's file (`None`: no rule does).
    pub fn find(&self, book_id: &str, section_id: &str) -> Option<Found> {
        let parts = IdParts::of(book_id, section_id, false);
        let found = |file: usize, rule: SectionRule| Found { file, rule, anchor: parts.anchor.clone() };
        if let Some(&file) = self.exact.get(&parts.whole) {
            return Some(found(file, SectionRule::Exact));
        }
        if let Some(&file) = parts.whole_without_anchor().and_then(|id| self.exact.get(id)) {
            return Some(found(file, SectionRule::WithoutAnchor));
        }
        let resolved = resolve_dots(&parts.path);
        if let Some(&file) = self.by_path.get(&resolved) {
            let rule = if resolved != parts.path { SectionRule::DotSegments } else { SectionRule::BookPrefix };
            return Some(found(file, rule));
        }
        if let Some(file) = self.by_suffix(&resolved) {
            return Some(found(file, SectionRule::PathSuffix));
        }
        let file = *self.by_volume_index.get(&parts.volume_index?)?;
        Some(found(file, SectionRule::VolumeIndex))
    }

    /// The one file whose path ends with `path`, or which `path` ends with, on a `/`, sharing
    /// the most trailing segments; none when two files share as many.
    fn by_suffix(&self, path: &str) -> Option<usize> {
        let wanted: Vec<&str> = path.rsplit('/').collect();
        let mut best: Option<(usize, usize)> = None;
        let mut tied = false;
        for (at, file) in self.files.iter().enumerate() {
            let theirs: Vec<&str> = file.path.rsplit('/').collect();
            let shared = wanted.iter().zip(&theirs).take_while(|(a, b)| a == b).count();
            if shared == 0 || (shared < wanted.len() && shared < theirs.len()) {
                continue;
            }
            match best {
                Some((_, most)) if shared < most => {}
                Some((_, most)) if shared == most => tied = true,
                _ => {
                    best = Some((at, shared));
                    tied = false;
                }
            }
        }
        best.filter(|_| !tied).map(|(at, _)| at)
    }

    /// The chapter of an annotation in a found file at `progress` (0–1 inside the file):
    /// the entry its anchor names (a sideloaded epub's titled row with that id, or a `899` row
    /// `…#anchor-N`); the file's only entry; the
    /// file's entry without anchor, which its id names; by its position among several; for a
    /// split part without entries, the last entry of the file it continues.
    pub fn chapter(&self, found: &Found, progress: f64) -> Option<(&Entry<'a>, ChapterRule)> {
        let entries = &self.files[found.file].entries;
        if let Some(entry) = entries.iter().find(|entry| found.anchor.is_some() && entry.anchor == found.anchor) {
            return Some((entry, ChapterRule::Anchor));
        }
        match entries.as_slice() {
            [] => {
                let base = split_base(&self.files[found.file].path)?;
                let entry = self.files.get(*self.by_path.get(&base)?)?.entries.last()?;
                Some((entry, ChapterRule::Continued))
            }
            [only] => Some((only, ChapterRule::OnlyEntry)),
            several => match several.iter().find(|entry| found.anchor.is_none() && entry.anchor.is_none()) {
                Some(entry) => Some((entry, ChapterRule::FileEntry)),
                None => {
                    let at = (progress.clamp(0.0, 1.0) * several.len() as f64) as usize;
                    Some((&several[at.min(several.len() - 1)], ChapterRule::Position))
                }
            },
        }
    }
}
