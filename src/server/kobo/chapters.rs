//! Groups a book's annotations by chapter in reading order.
//!
//! An annotation lies in a section file (a `9` row). Its chapter title is on the `899` table of
//! contents row that refers to the same file; long chapters are split over several files
//! (`part0005.xhtml`, `part0005_split_001.xhtml`) that all belong to the first one's entry.

use crate::model::{Chapter, Highlight};
use std::{cmp::Ordering, collections::HashMap};

/// A section file of a book with its reading position (`VolumeIndex`).
pub struct Section {
    pub book_id: String,
    pub id: String,
    pub order: Option<i64>,
}

/// A table-of-contents entry.
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

/// The chapters of a book with their highlights in reading order; annotations whose section
/// matches no table-of-contents entry form a last group without a title.
pub fn group_into_chapters(sections: &[Section], toc: &[TocEntry], highlights: Vec<PlacedHighlight>) -> Vec<Chapter> {
    let exact_order: HashMap<String, i64> =
        sections.iter().filter_map(|s| Some((section_key_exact(&s.book_id, &s.id), s.order?))).collect();
    let mut file_order: HashMap<String, i64> = HashMap::new();
    for (key, &order) in &exact_order {
        let slot = file_order.entry(file_key_of_path(key)).or_insert(order);
        *slot = (*slot).min(order);
    }
    let mut titles: HashMap<String, (&str, i64)> = HashMap::new();
    for entry in toc {
        let order = entry.order.unwrap_or(i64::MAX);
        let slot = titles.entry(file_key(&entry.book_id, &entry.id)).or_insert((&entry.title, order));
        if order < slot.1 {
            *slot = (&entry.title, order);
        }
    }

    let mut placed: Vec<(ReadingPosition, Option<&str>, Highlight)> = highlights
        .into_iter()
        .map(|h| {
            let key = file_key(&h.book_id, &h.section_id);
            let section = exact_order
                .get(&section_key_exact(&h.book_id, &h.section_id))
                .or_else(|| file_order.get(&key))
                .copied()
                .unwrap_or(i64::MAX);
            let position = ReadingPosition { section, progress: h.progress, path: numbers_in(&h.start_path) };
            (position, titles.get(&key).map(|(title, _)| *title), h.highlight)
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

/// The file path inside the book, without fragment or TOC suffix, lower-case.
fn section_key_exact(book_id: &str, content_id: &str) -> String {
    let inner = match content_id.strip_prefix(book_id) {
        Some(rest) if !book_id.is_empty() => rest,
        _ => content_id.find(['!', '#']).map_or(content_id, |at| &content_id[at..]),
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
    use crate::model::HighlightColor;

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
            highlight: Highlight {
                id: id.into(),
                text: Some(id.into()),
                note: None,
                color: HighlightColor::Yellow,
                is_markup: false,
                created: None,
            },
            book_id: BOOK.into(),
            section_id: format!("{BOOK}!OEBPS!Text/{section}"),
            progress,
            start_path: path.into(),
        }
    }

    fn section(file: &str, order: i64) -> Section {
        Section { book_id: BOOK.into(), id: format!("{BOOK}!OEBPS!Text/{file}"), order: Some(order) }
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
}
