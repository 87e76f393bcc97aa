//! What the reader adds to an annotation on the web: a favourite mark, tags and a note of their
//! own, kept in the app database by `BookmarkID` (`annotation_edit`, `annotation_tag`), never in
//! the device file. The device's own note is never changed: a web note is shown beside it. Any
//! annotation the archive keeps can be edited, those the device deleted included, and the edits
//! outlive every sync, a device deletion, a restart and (with the archive's copies) a new machine.

use crate::{
    appdb::{self, AppDbError, OnWrite},
    model::{BookDetail, SearchHit, TagCount, TagsOverview, WebEdits},
    search::SearchFilter,
};
use parking_lot::Mutex;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::{
    collections::HashMap,
    path::Path,
    sync::atomic::{AtomicU64, Ordering},
};

/// Tags on one annotation at most.
pub const MAX_TAGS: usize = 50;
/// Characters of a tag at most.
pub const MAX_TAG_CHARS: usize = 100;
/// Characters of a web note at most.
pub const MAX_NOTE_CHARS: usize = 100_000;

/// What one request changes; a field left `None` stays as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EditChange {
    pub favourite: Option<bool>,
    pub tags: Option<Vec<String>>,
    /// `Some(None)` clears the web note.
    pub note: Option<Option<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("No such annotation in this library.")]
    UnknownAnnotation,
    #[error("An annotation has at most {MAX_TAGS} tags.")]
    TooManyTags,
    #[error("A tag has at most {MAX_TAG_CHARS} characters.")]
    TagTooLong,
    #[error("A note has at most {MAX_NOTE_CHARS} characters.")]
    NoteTooLong,
    #[error(transparent)]
    AppDb(#[from] AppDbError),
    #[error("the edits cannot be read or written ({0})")]
    Database(#[from] rusqlite::Error),
}

/// The edits service: one connection of its own to the app database.
pub struct AnnotationEdits {
    conn: Mutex<Connection>,
    /// Changes with every edit: what a page rendered with the edits before is stale.
    generation: AtomicU64,
    /// Told of every edit (the archive's copies off the machine carry the edits).
    on_write: Option<OnWrite>,
}

impl AnnotationEdits {
    pub fn open(data_dir: &Path, on_write: Option<OnWrite>) -> Result<AnnotationEdits, EditError> {
        Ok(AnnotationEdits { conn: Mutex::new(appdb::open(data_dir)?), generation: AtomicU64::new(0), on_write })
    }

    /// Changes with every edit (pages rendered before one show the edits before it).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Puts the reader's edits into `book`'s annotations (reading only theirs: an export asks
    /// this of every book).
    pub fn add_to(&self, book: &mut BookDetail) -> Result<(), EditError> {
        let ids: Vec<&str> =
            book.chapters.iter().flat_map(|chapter| &chapter.highlights).map(|h| h.id.as_str()).collect();
        let edits = self.edits_of(&ids)?;
        for highlight in book.chapters.iter_mut().flat_map(|chapter| chapter.highlights.iter_mut()) {
            if let Some(edit) = edits.get(&highlight.id) {
                highlight.web = edit.clone();
            }
        }
        Ok(())
    }

    /// The reader's edits of each search hit that has any.
    pub fn add_to_hits(&self, hits: &mut [SearchHit]) -> Result<(), EditError> {
        let edits = self.edits_of(&hits.iter().map(|hit| hit.highlight_id.as_str()).collect::<Vec<_>>())?;
        for hit in hits {
            if let Some(edit) = edits.get(&hit.highlight_id) {
                hit.web = edit.clone();
            }
        }
        Ok(())
    }

    /// The edits of the annotations `ids` that have any, by `BookmarkID` (none read while
    /// the reader has made no edit).
    fn edits_of(&self, ids: &[&str]) -> Result<HashMap<String, WebEdits>, EditError> {
        let conn = self.conn.lock();
        if conn.query_row("SELECT NOT EXISTS (SELECT 1 FROM annotation_edit)", [], |row| row.get(0))? {
            return Ok(HashMap::new());
        }
        Ok(edits_of(&conn, ids)?)
    }

    /// The annotations (`BookmarkID`s) the reader marked as `filter` asks: favourites, a tag
    /// (matched without case), or both.
    pub fn marked(&self, filter: &SearchFilter) -> Result<Vec<String>, EditError> {
        let conn = self.conn.lock();
        let mut statement = conn.prepare_cached(
            "SELECT e.bookmark_id FROM annotation_edit e WHERE ?1 AND e.favourite = 1
               AND (?2 IS NULL OR EXISTS (SELECT 1 FROM annotation_tag t WHERE t.bookmark_id = e.bookmark_id AND t.folded = ?2))
             UNION
             SELECT t.bookmark_id FROM annotation_tag t WHERE NOT ?1 AND t.folded = ?2",
        )?;
        let tag = filter.tag.as_deref().map(fold_tag);
        let ids = statement.query_map(params![filter.favourites_only, tag], |row| row.get(0))?;
        Ok(ids.collect::<rusqlite::Result<_>>()?)
    }

    /// How many favourites, and every tag as typed (the form used most) with how many
    /// annotations have it, the most used first.
    pub fn overview(&self) -> Result<TagsOverview, EditError> {
        let conn = self.conn.lock();
        let favourites =
            conn.query_row("SELECT count(*) FROM annotation_edit WHERE favourite = 1", [], |row| row.get(0))?;
        let mut statement = conn.prepare_cached(
            "SELECT (SELECT shown FROM annotation_tag s WHERE s.folded = t.folded GROUP BY shown
                     ORDER BY count(*) DESC, shown LIMIT 1),
                    count(*)
             FROM annotation_tag t GROUP BY folded ORDER BY count(*) DESC, folded",
        )?;
        let rows = statement.query_map([], |row| Ok(TagCount { tag: row.get(0)?, count: row.get(1)? }))?;
        Ok(TagsOverview { favourites, tags: rows.collect::<rusqlite::Result<_>>()? })
    }

    /// How many annotations of each book (its id as the archive last saw it) are favourites.
    pub fn favourites_per_book(&self) -> Result<HashMap<String, u32>, EditError> {
        let conn = self.conn.lock();
        let mut statement = conn.prepare_cached(
            "SELECT a.book_id, count(*) FROM annotation_edit e JOIN archive_annotation a ON a.bookmark_id = e.bookmark_id
             WHERE e.favourite = 1 GROUP BY a.book_id",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The library entry the annotation `bookmark_id` belongs to (as the archive last saw it).
    pub fn book_of(&self, bookmark_id: &str) -> Result<Option<String>, EditError> {
        let conn = self.conn.lock();
        let sql = "SELECT book_id FROM archive_annotation WHERE bookmark_id = ?1";
        Ok(conn.query_row(sql, [bookmark_id], |row| row.get(0)).optional()?)
    }

    /// Applies `change` to the annotation `bookmark_id` (one the archive keeps), in one
    /// transaction: two requests at once leave one whole result. The edits after it.
    pub fn apply(&self, bookmark_id: &str, change: EditChange, now: i64) -> Result<WebEdits, EditError> {
        let change = checked(change)?;
        let mut conn = self.conn.lock();
        let transaction = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let known = transaction
            .query_row("SELECT 1 FROM archive_annotation WHERE bookmark_id = ?1", [bookmark_id], |_| Ok(()))
            .optional()?
            .is_some();
        if !known {
            return Err(EditError::UnknownAnnotation);
        }
        let mut edit = read(&transaction, bookmark_id)?;
        if let Some(favourite) = change.favourite {
            edit.favourite = favourite;
        }
        if let Some(note) = change.note {
            edit.note = note;
        }
        transaction.execute(
            "INSERT INTO annotation_edit (bookmark_id, favourite, note, updated) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (bookmark_id) DO UPDATE SET favourite = excluded.favourite, note = excluded.note,
                updated = excluded.updated",
            params![bookmark_id, edit.favourite, edit.note, now],
        )?;
        if let Some(tags) = change.tags {
            transaction.execute("DELETE FROM annotation_tag WHERE bookmark_id = ?1", [bookmark_id])?;
            let mut add = transaction.prepare_cached(
                "INSERT INTO annotation_tag (bookmark_id, folded, shown, position) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (position, tag) in tags.iter().enumerate() {
                add.execute(params![bookmark_id, fold_tag(tag), tag, position as i64])?;
            }
            edit.tags = tags;
        }
        transaction.commit()?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(on_write) = &self.on_write {
            on_write();
        }
        Ok(edit)
    }
}

/// A tag as it is matched: trimmed and without case.
pub fn fold_tag(tag: &str) -> String {
    tag.trim().to_lowercase()
}

/// The edits of the annotations `ids` that have any, by `BookmarkID`.
fn edits_of(conn: &Connection, ids: &[&str]) -> rusqlite::Result<HashMap<String, WebEdits>> {
    let ids = serde_json::to_string(ids).unwrap_or_else(|_| "[]".into());
    let mut edits: HashMap<String, WebEdits> = HashMap::new();
    let mut statement = conn.prepare_cached(
        "SELECT bookmark_id, favourite, note FROM annotation_edit WHERE bookmark_id IN (SELECT value FROM json_each(?1))",
    )?;
    let rows = statement.query_map([&ids], |row| Ok((row.get::<_, String>(0)?, row.get(1)?, row.get(2)?)))?;
    for row in rows {
        let (id, favourite, note) = row?;
        edits.insert(id, WebEdits { favourite, tags: Vec::new(), note });
    }
    let mut statement = conn.prepare_cached(
        "SELECT bookmark_id, shown FROM annotation_tag WHERE bookmark_id IN (SELECT value FROM json_each(?1))
         ORDER BY bookmark_id, position",
    )?;
    let rows = statement.query_map([&ids], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))?;
    for row in rows {
        let (id, tag) = row?;
        edits.entry(id).or_default().tags.push(tag);
    }
    Ok(edits)
}

fn read(conn: &Connection, bookmark_id: &str) -> rusqlite::Result<WebEdits> {
    let stored: Option<(bool, Option<String>)> = conn
        .query_row("SELECT favourite, note FROM annotation_edit WHERE bookmark_id = ?1", [bookmark_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    let (favourite, note) = stored.unwrap_or_default();
    let mut statement =
        conn.prepare_cached("SELECT shown FROM annotation_tag WHERE bookmark_id = ?1 ORDER BY position")?;
    let tags = statement.query_map([bookmark_id], |row| row.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(WebEdits { favourite, tags, note })
}

/// `change` with its tags trimmed (empty ones left out, the same tag in another case once) and
/// an empty note as none; too many or too long is refused, saying which.
fn checked(mut change: EditChange) -> Result<EditChange, EditError> {
    if let Some(tags) = change.tags.take() {
        let mut seen = Vec::new();
        let mut kept = Vec::new();
        for tag in tags.iter().map(|tag| tag.trim()).filter(|tag| !tag.is_empty()) {
            if tag.chars().count() > MAX_TAG_CHARS {
                return Err(EditError::TagTooLong);
            }
            if !seen.contains(&fold_tag(tag)) {
                seen.push(fold_tag(tag));
                kept.push(tag.to_string());
            }
        }
        if kept.len() > MAX_TAGS {
            return Err(EditError::TooManyTags);
        }
        change.tags = Some(kept);
    }
    if let Some(Some(note)) = &change.note {
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(EditError::NoteTooLong);
        }
        if note.trim().is_empty() {
            change.note = Some(None);
        }
    }
    Ok(change)
}
