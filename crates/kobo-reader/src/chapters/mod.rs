//! Groups a book's annotations by chapter in reading order: the one place that knows where an
//! annotation's chapter is in each layout and id shape a Kobo writes (`docs/kobo-formats.md`).
//!
//! | layout | annotation's section (`Bookmark.ContentID`) | chapter title |
//! | --- | --- | --- |
//! | kepub, sideloaded (`.kepub.epub`) | `/mnt/onboard/X.kepub.epub!!OEBPS/Text/ch.xhtml` (no `file://`) | the `899` row `<section>-N` (file names may be percent-encoded); the `9` row's title is only the file name |
//! | kepub from the store | `<uuid>!OEBPS!Text/ch.xhtml` | the `899` row `<section>-N` |
//! | sideloaded epub (`.epub`) | `file:///…/X.epub#(N)OEBPS/Text/ch.xhtml#anchor` | no `899` rows: the `9` row with exactly that id is the TOC entry; `#(N)` and `VolumeIndex` its order |
//! | split chapters | `part0005_split_001.xhtml` | the last entry of `part0005.xhtml` |
//! | PDF, article, no TOC | anything | none: one untitled group |
//!
//! Since firmware 4.37 the section id often matches no row. The chain that finds the section
//! file, tried in this order, each on ids percent-decoded, without `file://`, lower-case
//! ([`SectionRule`]):
//!
//! 1. `Exact`: the whole id is a `9` row's.
//! 2. `WithoutAnchor`: the id without its `#anchor` is (`…541-h-0.htm.xhtml#pgepubid00005`, row
//!    `…541-h-0.htm.xhtml`).
//! 3. `DotSegments`: the path with `.`/`..` resolved is a section's path (`OPS/../OPS/ch.xml`).
//! 4. `BookPrefix`: the path, bare or under another prefix form, is a section's path under one
//!    of the book's prefixes (`OEBPS/xhtml/73_Chapter.xhtml`; a store id's `<uuid>!OEBPS!f`
//!    against `<uuid>!!OEBPS/f`; `…epub#(N)`, `…kepub.epub!!`).
//! 5. `PathSuffix`: one path ends with the other, on a `/`, for one section only
//!    (`Text/ch.xhtml` against `OEBPS/Text/ch.xhtml`).
//! 6. `VolumeIndex`: the id's `#(N)` names a section by its `VolumeIndex`.
//!
//! None found: the annotation has no chapter. Inside the file found, the chapter is
//! ([`ChapterRule`]) the entry its anchor names (the `899` row `…#anchor-N`, or a sideloaded
//! epub's row), the file's only entry, the file's entry without anchor when the id has none,
//! else by position (`ChapterProgress` over the file's entries) — never simply the file's first
//! entry; a split part without entries continues the last chapter of its file.
//!
//! Annotations sort by their section's order, then `ChapterProgress`, then the start path. None is ever dropped: what has no chapter forms a last group without a title.

mod ids;
mod resolve;

use crate::{
    health::{ChapterRule, SectionRule},
    records::{Annotation, Chapter},
};
use ids::numbers_in;
use resolve::{BookSections, Found};
use std::{cmp::Ordering, collections::HashMap};

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
pub struct PlacedAnnotation {
    pub annotation: Annotation,
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

/// An annotation placed: its chapter title and the rules that found its section and chapter
/// (`None`: none did).
pub struct Placed<'a> {
    pub annotation: Annotation,
    pub book_id: String,
    pub section_id: String,
    pub title: Option<&'a str>,
    pub section_rule: Option<SectionRule>,
    pub chapter_rule: Option<ChapterRule>,
    position: ReadingPosition,
}

/// Places every annotation of a book (its copies' rows together), in reading order.
pub fn place<'a>(sections: &'a [Section], toc: &'a [TocEntry], highlights: Vec<PlacedAnnotation>) -> Vec<Placed<'a>> {
    let mut rows: HashMap<&str, (Vec<&Section>, Vec<&TocEntry>)> = HashMap::new();
    sections.iter().for_each(|s| rows.entry(s.book_id.as_str()).or_default().0.push(s));
    toc.iter().for_each(|t| rows.entry(t.book_id.as_str()).or_default().1.push(t));
    let books: HashMap<&str, BookSections> =
        rows.iter().map(|(&book_id, (sections, toc))| (book_id, BookSections::new(book_id, sections, toc))).collect();
    let empty = BookSections::default();
    // A book's thousands of annotations lie in a few sections: each section is looked up once.
    let mut found: HashMap<(String, String), Option<Found>> = HashMap::new();
    let mut placed: Vec<Placed> = highlights
        .into_iter()
        .map(|h| {
            let book = books.get(h.book_id.as_str()).unwrap_or(&empty);
            let key = (h.book_id, h.section_id);
            let section = found.entry(key.clone()).or_insert_with(|| book.find(&key.0, &key.1));
            let chapter = section.as_ref().and_then(|section| book.chapter(section, h.progress));
            let position = ReadingPosition {
                section: section.as_ref().map_or(i64::MAX, |section| book.files[section.file].order),
                progress: h.progress,
                path: numbers_in(&h.start_path),
            };
            Placed {
                annotation: h.annotation,
                title: chapter.map(|(entry, _)| entry.title),
                section_rule: section.as_ref().map(|section| section.rule),
                chapter_rule: chapter.map(|(_, rule)| rule),
                book_id: key.0,
                section_id: key.1,
                position,
            }
        })
        .collect();
    placed.sort_by(|a, b| a.position.partial_cmp(&b.position).unwrap_or(Ordering::Equal));
    placed
}

/// The chapters of a book with their highlights in reading order; annotations without a
/// chapter form a last group without a title.
pub fn group_into_chapters(sections: &[Section], toc: &[TocEntry], highlights: Vec<PlacedAnnotation>) -> Vec<Chapter> {
    let mut chapters: Vec<Chapter> = Vec::new();
    let mut untitled = Vec::new();
    for placed in place(sections, toc, highlights) {
        let Some(title) = placed.title else {
            untitled.push(placed.annotation);
            continue;
        };
        match chapters.iter_mut().find(|c| c.title.as_deref() == Some(title)) {
            Some(chapter) => chapter.annotations.push(placed.annotation),
            None => chapters.push(Chapter { title: Some(title.to_string()), annotations: vec![placed.annotation] }),
        }
    }
    if !untitled.is_empty() {
        chapters.push(Chapter { title: None, annotations: untitled });
    }
    chapters
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = "file:///mnt/onboard/Tolstoy - War and Peace.kepub.epub";

    fn highlight(id: &str, section: &str, progress: f64, path: &str) -> PlacedAnnotation {
        PlacedAnnotation {
            annotation: Annotation {
                id: id.into(),
                text: Some(id.into()),
                note: None,
                color: Default::default(),
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
            .map(|c| (c.title.as_deref(), c.annotations.iter().map(|h| h.id.as_str()).collect()))
            .collect();
        assert_eq!(
            shape,
            vec![
                (Some("One"), vec!["one"]),
                (Some("Two"), vec!["two-a", "two-b"]),
                (Some("Two, a subsection"), vec!["two-split"]),
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
        assert_eq!(chapters[0].annotations.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["a", "b"]);
    }

    /// `(chapter title, highlight ids)` of each group.
    fn shape(chapters: &[Chapter]) -> Vec<(Option<&str>, Vec<&str>)> {
        chapters.iter().map(|c| (c.title.as_deref(), c.annotations.iter().map(|h| h.id.as_str()).collect())).collect()
    }

    fn placed(id: &str, book: &str, section: &str, progress: f64) -> PlacedAnnotation {
        PlacedAnnotation { book_id: book.into(), section_id: section.into(), ..highlight(id, "x", progress, "") }
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

    /// Every shape of firmware 4.37 and later, in one store book whose `541-h-0.htm.xhtml`
    /// holds three chapters (`899` rows `…-1`, `…#pgepubid00005-2`, `…#pgepubid00009-2`).
    #[test]
    fn every_id_shape_finds_its_section_and_chapter() {
        let book = "5eca9f37-1d2b-4c5a-9e7f-0a1b2c3d4e5f";
        let file = |f: &str| format!("{book}!OEBPS!{f}");
        let sections = [
            Section { book_id: book.into(), id: file("541-h-0.htm.xhtml"), order: Some(1), title: None },
            Section { book_id: book.into(), id: file("xhtml/73_Chapter.xhtml"), order: Some(5), title: None },
            Section { book_id: book.into(), id: file("chapter-017.xml"), order: Some(6), title: None },
        ];
        let entry = |id: String, title: &str, order: i64| TocEntry {
            book_id: book.into(),
            id,
            title: title.into(),
            order: Some(order),
        };
        let toc = [
            entry(file("541-h-0.htm.xhtml-1"), "I", 2),
            entry(file("541-h-0.htm.xhtml#pgepubid00005-2"), "II", 3),
            entry(file("541-h-0.htm.xhtml#pgepubid00009-2"), "III", 4),
            entry(file("xhtml/73_Chapter.xhtml-1"), "73", 5),
            entry(file("chapter-017.xml-1"), "Seventeen", 6),
        ];
        let marks = vec![
            placed("exact", book, &file("541-h-0.htm.xhtml"), 0.1),
            placed("anchor", book, &file("541-h-0.htm.xhtml#pgepubid00005"), 0.2),
            placed("bare-anchor", book, "OEBPS/541-h-0.htm.xhtml#pgepubid00009", 0.3),
            placed("server-form", book, &format!("{book}!!OEBPS/xhtml/73_Chapter.xhtml"), 0.1),
            placed("bare-lower-case", book, "oebps/xhtml/73_chapter.xhtml", 0.2),
            placed("dots", book, &file("../OEBPS/chapter-017.xml"), 0.1),
            placed("bare-dots", book, "OPS/../OEBPS/./chapter-017.xml", 0.2),
            placed("suffix", book, "xhtml/73_Chapter.xhtml", 0.3),
            placed("nowhere", book, "b0f1e2d3-other-book!!Text/unknown.xhtml", 0.5),
        ];
        let placed = place(&sections, &toc, marks);
        let rules: Vec<(&str, Option<SectionRule>, Option<&str>)> =
            placed.iter().map(|p| (p.annotation.id.as_str(), p.section_rule, p.title)).collect();
        use SectionRule::*;
        assert_eq!(
            rules,
            vec![
                ("exact", Some(Exact), Some("I")),
                ("anchor", Some(WithoutAnchor), Some("II")),
                ("bare-anchor", Some(BookPrefix), Some("III")),
                ("server-form", Some(BookPrefix), Some("73")),
                ("bare-lower-case", Some(BookPrefix), Some("73")),
                ("suffix", Some(PathSuffix), Some("73")),
                ("dots", Some(DotSegments), Some("Seventeen")),
                ("bare-dots", Some(DotSegments), Some("Seventeen")),
                ("nowhere", None, None),
            ]
        );
    }

    /// A file holding several chapters: the anchor picks one, an id without anchor takes the
    /// file's own entry, and where every entry has an anchor the position picks — not the
    /// file's first chapter.
    #[test]
    fn in_a_file_of_several_chapters_anchor_then_position_pick_the_chapter() {
        let book = "file:///mnt/onboard/Homer/The Odyssey.epub";
        let row = |n: i64, anchor: &str, title: &str| Section {
            book_id: book.into(),
            id: format!("{book}#({n})OEBPS/Text/books.xhtml#{anchor}"),
            order: Some(n),
            title: Some(title.into()),
        };
        let four = Section {
            book_id: book.into(),
            id: format!("{book}#(4)OEBPS/Text/book-four.xhtml"),
            order: Some(4),
            title: Some("Book IV".into()),
        };
        let sections = [row(1, "book-1", "Book I"), row(2, "book-2", "Book II"), row(3, "book-3", "Book III"), four];
        let marks = vec![
            placed("late-unanchored", book, "OEBPS/Text/books.xhtml", 0.9),
            placed("anchored", book, &format!("{book}#(2)OEBPS/Text/books.xhtml#book-2"), 0.5),
            placed("early-unanchored", book, "OEBPS/Text/books.xhtml", 0.1),
            placed("other-anchor", book, &format!("{book}#(2)OEBPS/Text/books.xhtml#note-7"), 0.5),
            placed("by-number", book, &format!("{book}#(4)OEBPS/Text/renamed.xhtml"), 0.2),
        ];
        let chosen: Vec<(String, Option<&str>, Option<ChapterRule>)> =
            place(&sections, &[], marks).into_iter().map(|p| (p.annotation.id, p.title, p.chapter_rule)).collect();
        use ChapterRule::*;
        assert_eq!(
            chosen,
            vec![
                ("early-unanchored".into(), Some("Book I"), Some(Position)),
                ("anchored".into(), Some("Book II"), Some(Anchor)),
                ("other-anchor".into(), Some("Book II"), Some(Position)),
                ("late-unanchored".into(), Some("Book III"), Some(Position)),
                ("by-number".into(), Some("Book IV"), Some(OnlyEntry)),
            ]
        );
    }
}
