//! The account of how a file version's annotations were placed (the "Library health" page):
//! the device's `DbVersion`, how many annotations each rule of the chain placed, and every
//! annotation left without a chapter, with its ids, so nothing is hidden.

use super::{
    chapters::place,
    schema::{text_at, Columns},
    walk::{for_each_volume, Locations},
};
use crate::model::{ChapterRule, PlacementReport, SectionRule, Unplaced, UnplacedAnnotation};
use rusqlite::Connection;
use std::collections::{HashMap, HashSet};

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
                bookmark_id: placed.highlight.id,
                volume_id: placed.book_id,
                section_id: placed.section_id,
                text: placed.highlight.text,
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
