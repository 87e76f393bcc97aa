//! The account of how a file version's annotations were placed (the "Library health" page):
//! the device's `DbVersion`, how many annotations each rule of the chain placed, and every
//! annotation left without a chapter, with its ids, so nothing is hidden.

use super::{
    chapters::place,
    schema::{text_at, Columns},
    walk::{for_each_volume, Locations},
};
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};

/// The rule of the resolution chain that found an annotation's section file (tried in this
/// order; see `chapters`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SectionRule {
    Exact,
    WithoutAnchor,
    DotSegments,
    BookPrefix,
    PathSuffix,
    VolumeIndex,
}

impl SectionRule {
    pub const ALL: [SectionRule; 6] = [
        SectionRule::Exact,
        SectionRule::WithoutAnchor,
        SectionRule::DotSegments,
        SectionRule::BookPrefix,
        SectionRule::PathSuffix,
        SectionRule::VolumeIndex,
    ];

    pub fn label(self) -> &'static str {
        match self {
            SectionRule::Exact => "the section's id, as it is",
            SectionRule::WithoutAnchor => "the id without an anchor no row has",
            SectionRule::DotSegments => "the path with . and .. resolved",
            SectionRule::BookPrefix => "the bare path under the book's prefix",
            SectionRule::PathSuffix => "the end of the path among the book's sections",
            SectionRule::VolumeIndex => "the section number #(N) alone",
        }
    }
}

/// How the chapter was chosen inside the section file found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChapterRule {
    Anchor,
    OnlyEntry,
    FileEntry,
    Position,
    Continued,
}

impl ChapterRule {
    pub const ALL: [ChapterRule; 5] = [
        ChapterRule::Anchor,
        ChapterRule::OnlyEntry,
        ChapterRule::FileEntry,
        ChapterRule::Position,
        ChapterRule::Continued,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ChapterRule::Anchor => "the entry its anchor names",
            ChapterRule::OnlyEntry => "the file's only entry",
            ChapterRule::FileEntry => "the file's own entry (no anchor)",
            ChapterRule::Position => "its position among the file's chapters",
            ChapterRule::Continued => "the last chapter of the file a split part continues",
        }
    }
}

/// Why an annotation of the device file has no chapter on its book page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unplaced {
    /// Its `VolumeID` names no book row (a book removed from the device).
    NoBookRow,
    /// No rule of the chain finds its section among the book's.
    NoSection,
    /// Its section has no table-of-contents entry (or the book has none).
    NoChapter,
}

impl Unplaced {
    pub fn label(self) -> &'static str {
        match self {
            Unplaced::NoBookRow => "no book row",
            Unplaced::NoSection => "no section matches its id",
            Unplaced::NoChapter => "its section has no chapter",
        }
    }
}

/// An annotation shown without a chapter, with its ids as the file holds them.
#[derive(Clone, Debug, PartialEq)]
pub struct UnplacedAnnotation {
    pub bookmark_id: String,
    pub volume_id: String,
    pub section_id: String,
    pub text: Option<String>,
    pub reason: Unplaced,
}

/// How one version of the device file's annotations were placed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlacementReport {
    /// `DbVersion.version`, when the file has it.
    pub db_version: Option<String>,
    pub annotations: usize,
    /// Annotations whose section each rule found, in the chain's order.
    pub by_section_rule: Vec<(SectionRule, usize)>,
    pub by_chapter_rule: Vec<(ChapterRule, usize)>,
    pub unplaced: Vec<UnplacedAnnotation>,
}

/// Places every annotation of the file, one book at a time.
pub fn placement_report(
    conn: &Connection,
    columns: &Columns,
    locations: &Locations,
) -> rusqlite::Result<PlacementReport> {
    let books = top_level_ids(conn, columns)?;
    let mut sections: HashMap<SectionRule, usize> = HashMap::new();
    let mut chapters: HashMap<ChapterRule, usize> = HashMap::new();
    let mut report = PlacementReport { db_version: db_version(conn)?, ..PlacementReport::default() };
    for_each_volume(conn, columns, locations, |volume, (book_sections, toc, annotations)| {
        for placed in place(&book_sections, &toc, annotations) {
            report.annotations += 1;
            if let Some(rule) = placed.section_rule {
                *sections.entry(rule).or_default() += 1;
            }
            if let Some(rule) = placed.chapter_rule {
                *chapters.entry(rule).or_default() += 1;
            }
            let reason = match (books.contains(volume), placed.section_rule, placed.title) {
                (false, _, _) => Unplaced::NoBookRow,
                (true, None, _) => Unplaced::NoSection,
                (true, Some(_), None) => Unplaced::NoChapter,
                (true, Some(_), Some(_)) => continue,
            };
            report.unplaced.push(UnplacedAnnotation {
                bookmark_id: placed.annotation.id,
                volume_id: placed.book_id,
                section_id: placed.section_id,
                text: placed.annotation.text,
                reason,
            });
        }
    })?;
    report.by_section_rule =
        SectionRule::ALL.iter().map(|rule| (*rule, sections.get(rule).copied().unwrap_or(0))).collect();
    report.by_chapter_rule =
        ChapterRule::ALL.iter().map(|rule| (*rule, chapters.get(rule).copied().unwrap_or(0))).collect();
    Ok(report)
}

/// `DbVersion.version`; `None` in a file without that table.
fn db_version(conn: &Connection) -> rusqlite::Result<Option<String>> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'DbVersion')",
        [],
        |row| row.get(0),
    )?;
    if !exists {
        return Ok(None);
    }
    let mut statement = conn.prepare("SELECT version FROM DbVersion LIMIT 1")?;
    let mut rows = statement.query([])?;
    Ok(match rows.next()? {
        Some(row) => text_at(row, 0)?,
        None => None,
    })
}

/// The ContentIDs of the library's items: a `VolumeID` not among them has no book row.
fn top_level_ids(conn: &Connection, columns: &Columns) -> rusqlite::Result<HashSet<String>> {
    let mut statement = conn.prepare(&format!("SELECT ContentID FROM content WHERE {}", columns.top_level_item()))?;
    let ids = statement.query_map([], |row| text_at(row, 0))?;
    Ok(ids.collect::<rusqlite::Result<Vec<_>>>()?.into_iter().flatten().collect())
}
