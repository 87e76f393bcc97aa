//! Groups a book's annotations by chapter in reading order: the one place that knows where a
//! chapter title lives in each layout a Kobo writes (see `docs/kobo-formats.md`).
//!
//! | layout | annotation's section (`Bookmark.ContentID`) | chapter title |
//! | --- | --- | --- |
//! | kepub, sideloaded (`.kepub.epub`) | `/mnt/onboard/X.kepub.epub!!OEBPS/Text/ch.xhtml` (no `file://`) | the `899` row `<section>-N` (file names may be percent-encoded); the `9` row's title is only the file name |
//! | kepub from the store | `<uuid>!OEBPS!Text/ch.xhtml` | the `899` row `<section>-N` |
//! | sideloaded epub (`.epub`) | `file:///…/X.epub#(N)OEBPS/Text/ch.xhtml#anchor` | no `899` rows: the `9` row with exactly that id is the TOC entry; `#(N)` and `VolumeIndex` its order |
//! | firmware ≥ 175 | may match no `content` row | the entry of the same section file in the same book (`VolumeID`) |
//! | split chapters | `part0005_split_001.xhtml` | the entry of `part0005.xhtml` |
//! | PDF, article, no TOC | anything | none: one untitled group |
//!
//! Matching goes from exact (the whole section id) to the section file, comparing ids
//! percent-decoded and without `file://`. Annotations sort by their section's `VolumeIndex`
//! (or `#(N)`), then `ChapterProgress`, then the start path. None is ever dropped: what
//! matches no entry forms a last group without a title.

use crate::model::{Chapter, Highlight};
use std::{
    cmp::Ordering,
    collections::{HashMap, HashSet},
};

/// A section file of a book (a `9` row) with its reading position (`VolumeIndex`) and title
/// (a chapter title in sideloaded epubs, only a file name in kepubs).
pub struct Section {
    pub book_id: String,
    pub id: String,
    pub order: Option<i64>,
    pub title: Option<String>,
}

/// A table-of-contents entry (a `899` row).
pub struct TocEntry {
    pub book_id: String,
    pub id: String,
    pub title: String,
    pub order: Option<i64>,
}

/// An annotation with what places it in the book.
pub struct PlacedHighlight {
    pub highlight: Highlight,
    pub book_id: String,
    pub section_id: String,
    /// 0.0–1.0 inside the section.
    pub progress: f64,
    /// `StartContainerPath`, e.g. `span#kobo\.16\.2` or `point(/1/4/2:12)`.
    pub start_path: String,
}

/// Where an annotation sorts: section, then position inside it.
#[derive(PartialEq, PartialOrd)]
struct ReadingPosition {
    section: i64,
    progress: f64,
    path: Vec<u64>,
}

/// Chapter titles by the ids that lead to them: whole ids first, then section files.
struct TitleLookup<'a> {
    exact: HashMap<String, (&'a str, i64)>,
    by_file: HashMap<String, (&'a str, i64)>,
}

impl<'a> TitleLookup<'a> {
    /// From the `899` rows, and for a book without any (a sideloaded epub) from its titled
    /// `9` rows. Per book: copies of one item may come in different layouts.
    fn new(sections: &'a [Section], toc: &'a [TocEntry]) -> TitleLookup<'a> {
        let books_with_toc: HashSet<&str> = toc.iter().map(|t| t.book_id.as_str()).collect();
        let from_toc =
            toc.iter().map(|t| (t.book_id.as_str(), t.id.as_str(), t.title.as_str(), t.order.unwrap_or(i64::MAX)));
        let from_sections = sections.iter().filter(|s| !books_with_toc.contains(s.book_id.as_str())).filter_map(|s| {
            Some((
                s.book_id.as_str(),
                s.id.as_str(),
                s.title.as_deref().filter(|t| is_chapter_title(t))?,
                section_order(s),
            ))
        });
        let entries: Vec<(&str, &str, &str, i64)> = from_toc.chain(from_sections).collect();
        let mut lookup = TitleLookup { exact: HashMap::new(), by_file: HashMap::new() };
        for (book_id, id, title, order) in entries {
            keep_first(&mut lookup.exact, comparable_id(id), (title, order));
            keep_first(&mut lookup.by_file, file_key(book_id, id), (title, order));
        }
        lookup
    }

    fn title_of(&self, book_id: &str, section_id: &str) -> Option<&'a str> {
        let exact = self.exact.get(&comparable_id(section_id));
        exact.or_else(|| self.by_file.get(&file_key(book_id, section_id))).map(|(title, _)| *title)
    }
}

/// Keeps the entry that comes first in the book for each key.
fn keep_first<'a>(map: &mut HashMap<String, (&'a str, i64)>, key: String, entry: (&'a str, i64)) {
    let slot = map.entry(key).or_insert(entry);
    if entry.1 < slot.1 {
        *slot = entry;
    }
}

/// A title that names a chapter, not just the section's file (`part0005.xhtml`).
fn is_chapter_title(title: &str) -> bool {
    let lower = title.trim().to_lowercase();
    !lower.is_empty() && ![".xhtml", ".html", ".htm", ".xml"].iter().any(|ext| lower.ends_with(ext))
}

/// `VolumeIndex`, else the `N` of a `#(N)` id, else last.
fn section_order(section: &Section) -> i64 {
    section.order.or_else(|| hash_number(&section.id)).unwrap_or(i64::MAX)
}

/// `…X.epub#(12)OEBPS/…` → 12.
fn hash_number(id: &str) -> Option<i64> {
    let rest = &id[id.find("#(")? + 2..];
    rest[..rest.find(')')?].parse().ok()
}

/// An id as compared: percent-decoded, without `file://`, lower-case.
fn comparable_id(id: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
    decoded.strip_prefix("file://").unwrap_or(&decoded).to_lowercase()
}

/// The chapters of a book with their highlights in reading order; annotations whose section
/// matches no table-of-contents entry form a last group without a title.
pub fn group_into_chapters(sections: &[Section], toc: &[TocEntry], highlights: Vec<PlacedHighlight>) -> Vec<Chapter> {
    let exact_order: HashMap<String, i64> =
        sections.iter().map(|s| (section_key_exact(&s.book_id, &s.id), section_order(s))).collect();
    let mut file_order: HashMap<String, i64> = HashMap::new();
    for (key, &order) in &exact_order {
        let slot = file_order.entry(file_key_of_path(key)).or_insert(order);
        *slot = (*slot).min(order);
    }
    let titles = TitleLookup::new(sections, toc);

    // A book's thousands of annotations lie in a few sections: each section is looked up once.
    let mut by_section: HashMap<(String, String), (i64, Option<&str>)> = HashMap::new();
    let mut placed: Vec<(ReadingPosition, Option<&str>, Highlight)> = highlights
        .into_iter()
        .map(|h| {
            let (section, title) = *by_section.entry((h.book_id, h.section_id)).or_insert_with_key(|(book_id, id)| {
                let exact = section_key_exact(book_id, id);
                let order = exact_order
                    .get(&exact)
                    .or_else(|| file_order.get(&file_key_of_path(&exact)))
                    .copied()
                    .or_else(|| hash_number(id))
                    .unwrap_or(i64::MAX);
                (order, titles.title_of(book_id, id))
            });
            let position = ReadingPosition { section, progress: h.progress, path: numbers_in(&h.start_path) };
            (position, title, h.highlight)
        })
        .collect();
    placed.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(Ordering::Equal));

    let mut chapters: Vec<Chapter> = Vec::new();
    let mut untitled = Vec::new();
    for (_, title, highlight) in placed {
        let Some(title) = title else {
            untitled.push(highlight);
            continue;
        };
        match chapters.iter_mut().find(|c| c.title.as_deref() == Some(title)) {
            Some(chapter) => chapter.highlights.push(highlight),
            None => chapters.push(Chapter { title: Some(title.to_string()), highlights: vec![highlight] }),
        }
    }
    if !untitled.is_empty() {
        chapters.push(Chapter { title: None, highlights: untitled });
    }
    chapters
}

/// The file a section or TOC ContentID refers to, the same for all parts of a split chapter:
/// `<book>!OEBPS!Text/part0005_split_001.xhtml` and `<book>#(3)OEBPS/Text/part0005.xhtml#ch5`
/// both give `oebps/text/part0005.xhtml`.
pub fn file_key(book_id: &str, content_id: &str) -> String {
    file_key_of_path(&section_key_exact(book_id, content_id))
}

/// `part0005_split_001.xhtml` → `part0005.xhtml`.
fn file_key_of_path(path: &str) -> String {
    let (stem, extension) = match path.rfind('.') {
        Some(dot) if !path[dot..].contains('/') => path.split_at(dot),
        _ => (path, ""),
    };
    let stem = match stem.rfind("_split_") {
        Some(at) if stem[at + 7..].chars().all(|c| c.is_ascii_digit()) => &stem[..at],
        _ => stem,
    };
    format!("{stem}{extension}")
}

/// The file path inside the book, without fragment or TOC suffix, percent-decoded, lower-case.
fn section_key_exact(book_id: &str, content_id: &str) -> String {
    let decoded = percent_encoding::percent_decode_str(content_id).decode_utf8_lossy();
    let content_id = decoded.as_ref();
    let inner = match content_id.strip_prefix(book_id) {
        Some(rest) if !book_id.is_empty() => rest,
        // Another prefix (`/mnt/…` for `file:///mnt/…`, another copy): from the first `!` or
        // `#(`; an id with neither (firmware ≥ 175) is the path itself.
        _ => content_id.find('!').or_else(|| content_id.find("#(")).map_or(content_id, |at| &content_id[at..]),
    };
    let inner = match inner.strip_prefix("#(") {
        Some(rest) => rest.split_once(')').map_or(rest, |(_, path)| path),
        None => inner,
    };
    let inner = inner.trim_start_matches('!');
    let inner = inner.split('#').next().unwrap_or(inner);
    let path = strip_toc_suffix(inner).replace('!', "/");
    path.trim_start_matches('/').to_lowercase()
}

/// TOC ContentIDs often end in `-1`, `-2` after the file name.
fn strip_toc_suffix(path: &str) -> &str {
    match path.rfind('-') {
        Some(dash)
            if dash > 0
                && path[dash + 1..].chars().all(|c| c.is_ascii_digit())
                && [".xhtml", ".html", ".htm", ".xml"].iter().any(|ext| path[..dash].to_lowercase().ends_with(ext)) =>
        {
            &path[..dash]
        }
        _ => path,
    }
}

/// The numbers of a container path, for a natural order: `span#kobo\.16\.2` gives [16, 2].
fn numbers_in(path: &str) -> Vec<u64> {
    path.split(|c: char| !c.is_ascii_digit())
        .filter(|part| !part.is_empty())
        .filter_map(|part| part.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = "file:///mnt/onboard/Tolstoy - War and Peace.kepub.epub";

    #[test]
    fn split_files_fragments_and_toc_suffixes_share_one_key() {
        let key = "oebps/text/part0005.xhtml";
        for id in [
            format!("{BOOK}!OEBPS!Text/part0005.xhtml"),
            format!("{BOOK}!OEBPS!Text/part0005_split_001.xhtml"),
            format!("{BOOK}!OEBPS!Text/part0005.xhtml#chapter5"),
            format!("{BOOK}!OEBPS!Text/part0005.xhtml-1"),
            format!("{BOOK}#(4)OEBPS/Text/part0005.xhtml"),
            format!("{BOOK}#(4)OEBPS/Text/part0005_split_002.xhtml#x"),
        ] {
            assert_eq!(file_key(BOOK, &id), key, "{id}");
        }
        assert_eq!(file_key("uuid-1", "other!OEBPS!Text/part0005.xhtml"), key);
        assert_ne!(file_key(BOOK, &format!("{BOOK}!OEBPS!Text/part0006.xhtml")), key);
    }

    fn highlight(id: &str, section: &str, progress: f64, path: &str) -> PlacedHighlight {
        PlacedHighlight {
            highlight: Highlight::sample(id),
            book_id: BOOK.into(),
            section_id: format!("{BOOK}!OEBPS!Text/{section}"),
            progress,
            start_path: path.into(),
        }
    }

    fn section(file: &str, order: i64) -> Section {
        Section { book_id: BOOK.into(), id: format!("{BOOK}!OEBPS!Text/{file}"), order: Some(order), title: None }
    }

    fn toc(file: &str, title: &str, order: i64) -> TocEntry {
        TocEntry {
            book_id: BOOK.into(),
            id: format!("{BOOK}!OEBPS!Text/{file}"),
            title: title.into(),
            order: Some(order),
        }
    }

    #[test]
    fn highlights_group_by_chapter_in_reading_order() {
        let sections = [
            section("part0001.xhtml", 1),
            section("part0002.xhtml", 2),
            section("part0002_split_001.xhtml", 3),
            section("part0003.xhtml", 4),
            section("notes.xhtml", 5),
        ];
        let toc = [
            toc("part0001.xhtml#a", "One", 1),
            toc("part0002.xhtml-1", "Two", 2),
            toc("part0002.xhtml#sub", "Two, a subsection", 3),
            toc("part0003.xhtml", "Three", 4),
        ];
        let chapters = group_into_chapters(
            &sections,
            &toc,
            vec![
                highlight("three", "part0003.xhtml", 0.1, "span#kobo\\.1\\.1"),
                highlight("unlisted", "notes.xhtml", 0.5, ""),
                highlight("two-split", "part0002_split_001.xhtml", 0.0, "span#kobo\\.1\\.1"),
                highlight("two-b", "part0002.xhtml", 0.5, "span#kobo\\.10\\.1"),
                highlight("two-a", "part0002.xhtml", 0.5, "span#kobo\\.9\\.3"),
                highlight("one", "part0001.xhtml", 0.9, "point(/1/4/2:12)"),
            ],
        );
        let shape: Vec<(Option<&str>, Vec<&str>)> = chapters
            .iter()
            .map(|c| (c.title.as_deref(), c.highlights.iter().map(|h| h.id.as_str()).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (Some("One"), vec!["one"]),
                (Some("Two"), vec!["two-a", "two-b", "two-split"]),
                (Some("Three"), vec!["three"]),
                (None, vec!["unlisted"]),
            ]
        );
    }

    #[test]
    fn a_book_without_table_of_contents_has_one_untitled_group() {
        let chapters =
            group_into_chapters(&[], &[], vec![highlight("b", "x.xhtml", 0.5, ""), highlight("a", "x.xhtml", 0.1, "")]);
        assert_eq!(chapters.len(), 1);
        assert_eq!(chapters[0].title, None);
        assert_eq!(chapters[0].highlights.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }

    /// `(chapter title, highlight ids)` of each group.
    fn shape(chapters: &[Chapter]) -> Vec<(Option<&str>, Vec<&str>)> {
        chapters.iter().map(|c| (c.title.as_deref(), c.highlights.iter().map(|h| h.id.as_str()).collect())).collect()
    }

    fn placed(id: &str, book: &str, section: &str, progress: f64) -> PlacedHighlight {
        PlacedHighlight { book_id: book.into(), section_id: section.into(), ..highlight(id, "x", progress, "") }
    }

    #[test]
    fn a_sideloaded_epub_takes_its_chapters_from_titled_section_rows() {
        let book = "file:///mnt/onboard/Dostoyevski/Budala - Dostoyevski.epub";
        let row = |n: i64, file: &str, anchor: &str, title: &str| Section {
            book_id: book.into(),
            id: format!("{book}#({n})OEBPS/Text/{file}{anchor}"),
            order: Some(n),
            title: Some(title.into()),
        };
        let sections = [
            row(0, "cover.xhtml", "", "cover.xhtml"),
            row(1, "kitap-1.xhtml", "#toc-anchor-1", "I"),
            row(2, "kitap-1.xhtml", "#toc-anchor-2", "II"),
            row(3, "kitap-2.xhtml", "#toc-anchor-3", "III"),
        ];
        let chapters = group_into_chapters(
            &sections,
            &[],
            vec![
                placed("in-iii", book, &format!("{book}#(3)OEBPS/Text/kitap-2.xhtml#toc-anchor-3"), 0.2),
                placed("in-ii", book, &format!("{book}#(2)OEBPS/Text/kitap-1.xhtml#toc-anchor-2"), 0.9),
                placed("in-i", book, &format!("{book}#(1)OEBPS/Text/kitap-1.xhtml#toc-anchor-1"), 0.1),
                placed("on-cover", book, &format!("{book}#(0)OEBPS/Text/cover.xhtml"), 0.5),
            ],
        );
        assert_eq!(
            shape(&chapters),
            vec![
                (Some("I"), vec!["in-i"]),
                (Some("II"), vec!["in-ii"]),
                (Some("III"), vec!["in-iii"]),
                (None, vec!["on-cover"])
            ]
        );
    }

    #[test]
    fn kepub_sections_without_file_scheme_and_percent_encoded_names_find_their_entry() {
        let book = "file:///mnt/onboard/Orhan Pamuk/Kar.kepub.epub";
        let section = "/mnt/onboard/Orhan Pamuk/Kar.kepub.epub!!OEBPS/Text/bölüm 1.xhtml";
        let sections =
            [Section {
                book_id: book.into(), id: section.into(), order: Some(1), title: Some("bölüm 1.xhtml".into())
            }];
        let toc = [TocEntry {
            book_id: book.into(),
            id: "/mnt/onboard/Orhan%20Pamuk/Kar.kepub.epub!!OEBPS/Text/b%C3%B6l%C3%BCm%201.xhtml-1".into(),
            title: "Bölüm 1".into(),
            order: Some(1),
        }];
        let chapters = group_into_chapters(&sections, &toc, vec![placed("a", book, section, 0.3)]);
        assert_eq!(shape(&chapters), vec![(Some("Bölüm 1"), vec!["a"])]);
    }

    #[test]
    fn a_section_id_that_matches_no_row_falls_back_to_its_file_in_the_same_book() {
        // Store book (UUID ids); firmware >= 175 writes ids that match no content row.
        let book = "0b2a1d6e-4c5f-4a8e-9d3c-7f1e2a3b4c5d";
        let toc = [
            TocEntry {
                book_id: book.into(),
                id: format!("{book}!OEBPS!Text/ch01.xhtml-1"),
                title: "One".into(),
                order: Some(1),
            },
            TocEntry {
                book_id: book.into(),
                id: format!("{book}!OEBPS!Text/ch02.xhtml-2"),
                title: "Two".into(),
                order: Some(2),
            },
        ];
        let sections = [
            Section { book_id: book.into(), id: format!("{book}!OEBPS!Text/ch01.xhtml"), order: Some(1), title: None },
            Section { book_id: book.into(), id: format!("{book}!OEBPS!Text/ch02.xhtml"), order: Some(2), title: None },
        ];
        let chapters = group_into_chapters(
            &sections,
            &toc,
            vec![
                placed("new-firmware", book, "OEBPS/Text/ch02.xhtml", 0.1),
                placed("store", book, &format!("{book}!OEBPS!Text/ch01.xhtml"), 0.1),
            ],
        );
        assert_eq!(shape(&chapters), vec![(Some("One"), vec!["store"]), (Some("Two"), vec!["new-firmware"])]);
    }
}
