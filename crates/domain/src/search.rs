//! Full-text search over every highlight and note.
//!
//! An SQLite FTS5 index per library view (device version and archive generation: `shelf` names
//! it and gives its passages) lives in a sidecar file (`<data dir>/search/<key>.sqlite`); the
//! downloaded database is never written. The index is built in the background after each
//! swap and ingest (or by the first search of a view), and older files are removed. Words are matched without case or diacritics (`unicode61`);
//! Chinese, Japanese and Korean text has no spaces between words, so each of its characters is
//! indexed as a word and a query's CJK run becomes a phrase of characters.

use crate::model::{Highlight, HighlightColor, Marked, SearchHit, SearchResults, WebEdits, SEARCH_COUNT_LIMIT};
use parking_lot::Mutex;
use rusqlite::{params, Connection, OpenFlags};
use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::Instant,
};

/// Results shown per search.
const RESULT_LIMIT: usize = 50;

/// The layout of the index file (`PRAGMA user_version`): an index of another layout is rebuilt.
/// 2: rowids in order of creation (see [`recency_rowid`]); 3: `passage_id`, the rowid of
/// each highlight id (what a filter by the reader's edits looks up).
const INDEX_FORMAT: i64 = 3;

/// Bits of a rowid below the creation second: passages made in the same second stay distinct
/// up to 2^28 passages.
const ROWID_SEQUENCE_BITS: u32 = 28;

/// Separates CJK characters in indexed text; `unicode61` splits on it, and it is removed again
/// from what a result shows.
const CJK_SEPARATOR: char = '\u{200B}';
/// Brackets FTS5 puts around matched words (private-use characters, never in real text).
const MARK_START: char = '\u{E000}';
const MARK_END: char = '\u{E001}';

/// Why the index cannot be built or read.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("the search index cannot be used ({0})")]
    Index(#[from] rusqlite::Error),
    #[error("the search index cannot be stored ({0})")]
    Storage(#[from] std::io::Error),
}

/// What a search keeps of the matches (the page's `color`, `deleted=1`, `favourites=1` and
/// `tag`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchFilter {
    pub color: Option<HighlightColor>,
    /// Only annotations the device deleted (what the deletion-wave notice links to).
    pub deleted_only: bool,
    /// Only the reader's favourites.
    pub favourites_only: bool,
    /// Only annotations with this tag (matched without case, see `edits::fold_tag`).
    pub tag: Option<String>,
}

impl SearchFilter {
    /// Whether the filter alone lists something (a search without words).
    fn narrows(&self) -> bool {
        self.color.is_some() || self.deleted_only || self.by_edits()
    }

    /// Whether it keeps annotations by what the reader added on the web (which the index does
    /// not hold: the shelf names them, see [`SearchIndex::search`]).
    pub fn by_edits(&self) -> bool {
        self.favourites_only || self.tag.is_some()
    }
}

/// A highlight or note with what a search result shows around it.
pub struct Passage {
    /// The id of the list entry the passage's book is shown as.
    pub book_id: String,
    pub book_title: String,
    pub author: Option<String>,
    pub chapter: Option<String>,
    pub highlight: Highlight,
}

/// What fills a new index: calls its argument with every passage (see [`SearchIndex::prepare`]).
pub type Passages<'a, E> = &'a mut dyn FnMut(Passage) -> Result<(), E>;

/// The full-text index of one library view at a time, kept on disk per `key`.
pub struct SearchIndex {
    dir: PathBuf,
    /// The open index of the latest key; building happens under this lock, once.
    open: Mutex<Option<(String, Arc<Mutex<Connection>>)>>,
}

impl SearchIndex {
    pub fn new(data_dir: &Path) -> SearchIndex {
        SearchIndex { dir: data_dir.join("search"), open: Mutex::new(None) }
    }

    /// The index for `key` (a name safe in a file name, changing whenever the passages do),
    /// built first by `fill` if there is none yet. Indexes of other keys are removed.
    pub fn prepare<E: From<SearchError>>(
        &self,
        key: &str,
        fill: impl FnOnce(Passages<'_, E>) -> Result<(), E>,
    ) -> Result<Arc<Mutex<Connection>>, E> {
        let mut open = self.open.lock();
        if let Some((open_key, conn)) = open.as_ref() {
            if open_key == key {
                return Ok(conn.clone());
            }
        }
        let path = self.dir.join(format!("{key}.sqlite"));
        let conn = match open_complete(&path) {
            Some(conn) => conn,
            None => {
                self.build(key, &path, fill)?;
                let reopened = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY);
                reopened.map_err(SearchError::from)?
            }
        };
        let conn = Arc::new(Mutex::new(conn));
        *open = Some((key.to_string(), conn.clone()));
        drop(open);
        self.remove_other_versions(&path);
        Ok(conn)
    }

    fn build<E: From<SearchError>>(
        &self,
        key: &str,
        path: &Path,
        fill: impl FnOnce(Passages<'_, E>) -> Result<(), E>,
    ) -> Result<(), E> {
        let started = Instant::now();
        std::fs::create_dir_all(&self.dir).map_err(SearchError::from)?;
        let temp = tempfile::Builder::new()
            .prefix(".building_")
            .suffix(".sqlite")
            .tempfile_in(&self.dir)
            .map_err(SearchError::from)?;
        let mut conn = Connection::open(temp.path()).map_err(SearchError::from)?;
        let passages = write_index(&mut conn, fill)?;
        drop(conn);
        // Written without a journal or syncs (fast); made durable here, before the rename
        // makes it the index of this key.
        temp.as_file().sync_all().map_err(SearchError::from)?;
        temp.persist(path).map_err(|err| SearchError::from(err.error))?;
        if let Ok(dir) = std::fs::File::open(&self.dir) {
            let _ = dir.sync_all();
        }
        tracing::info!(key, passages, elapsed_ms = started.elapsed().as_millis() as u64, "search index built");
        Ok(())
    }

    fn remove_other_versions(&self, keep: &Path) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path != keep && path.extension().is_some_and(|ext| ext == "sqlite") {
                let _ = std::fs::remove_file(&path);
            }
        }
    }

    /// The best matches for what the reader typed, with the matched words marked, kept by
    /// `filter`; with `only`, kept to those highlight ids too (what a filter by the reader's
    /// edits keeps). A filter alone (no words) lists the most recent of what it keeps (the
    /// most recently deleted first, for those deleted on the device). The index of `key` is
    /// built by `fill` if needed.
    pub fn search<E: From<SearchError>>(
        &self,
        (key, fill): (&str, impl FnOnce(Passages<'_, E>) -> Result<(), E>),
        input: &str,
        filter: &SearchFilter,
        only: Option<&[String]>,
    ) -> Result<SearchResults, E> {
        let mut results = SearchResults { query: input.trim().to_string(), ..SearchResults::default() };
        let fts_query = match fts_query(input) {
            Ok(query) => Some(query),
            Err(_) if results.query.is_empty() && filter.narrows() => None,
            Err(problem) => {
                results.problem = Some(problem.to_string());
                return Ok(results);
            }
        };
        let index = self.prepare(key, fill)?;
        let conn = index.lock();
        match run_query(&conn, fts_query.as_deref(), filter, only) {
            Ok((total, newest_first, hits)) => {
                (results.total, results.newest_first, results.hits) = (total, newest_first, hits);
            }
            Err(err) => results.problem = Some(format!("This search cannot be run: {err}")),
        }
        Ok(results)
    }
}

/// Writes every passage `fill` gives into a new index; returns how many.
fn write_index<E: From<SearchError>>(
    conn: &mut Connection,
    fill: impl FnOnce(Passages<'_, E>) -> Result<(), E>,
) -> Result<usize, E> {
    let sql_error = SearchError::from;
    conn.execute_batch(
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
         CREATE VIRTUAL TABLE passages USING fts5(
           text, note, book_id UNINDEXED, book_title UNINDEXED, author UNINDEXED,
           chapter UNINDEXED, highlight_id UNINDEXED, color UNINDEXED, created UNINDEXED,
           deleted UNINDEXED, tokenize = 'unicode61 remove_diacritics 2');
         CREATE TABLE passage_id (highlight_id TEXT PRIMARY KEY, passage INTEGER NOT NULL) WITHOUT ROWID;",
    )
    .map_err(sql_error)?;
    let transaction = conn.transaction().map_err(sql_error)?;
    let mut count = 0;
    {
        let mut insert = transaction
            .prepare(
                "INSERT INTO passages (rowid, text, note, book_id, book_title, author, chapter, highlight_id, color,
                   created, deleted)
                 VALUES (?11, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )
            .map_err(sql_error)?;
        let mut name = transaction
            .prepare("INSERT OR IGNORE INTO passage_id (highlight_id, passage) VALUES (?1, ?2)")
            .map_err(sql_error)?;
        let mut add = |passage: Passage| -> Result<(), E> {
            let highlight = &passage.highlight;
            let rowid = recency_rowid(highlight.created.as_deref(), count);
            count += 1;
            insert
                .execute(params![
                    separate_cjk(highlight.text.as_deref().unwrap_or(""), CJK_SEPARATOR),
                    separate_cjk(highlight.note.as_deref().unwrap_or(""), CJK_SEPARATOR),
                    passage.book_id,
                    passage.book_title,
                    passage.author,
                    passage.chapter,
                    highlight.id,
                    highlight.color.slug(),
                    highlight.created,
                    highlight.deleted_on_device,
                    rowid,
                ])
                .map_err(sql_error)?;
            name.execute(params![highlight.id, rowid]).map_err(sql_error)?;
            Ok(())
        };
        fill(&mut add)?;
    }
    transaction.commit().map_err(sql_error)?;
    conn.execute_batch("INSERT INTO passages (passages) VALUES ('optimize');").map_err(sql_error)?;
    // Written last: an index without it (empty, torn, from a crash) is rebuilt, not served.
    conn.execute_batch(&format!(
        "PRAGMA user_version = {INDEX_FORMAT};
         CREATE TABLE build_complete (passages INTEGER); INSERT INTO build_complete VALUES ({count});"
    ))
    .map_err(sql_error)?;
    Ok(count)
}

/// The index at `path` if it is there and was built to the end (see `write_index`).
fn open_complete(path: &Path) -> Option<Connection> {
    if !path.exists() {
        return None;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let complete = Connection::open_with_flags(path, flags).ok().filter(|conn| {
        conn.query_row("SELECT passages FROM build_complete", [], |row| row.get::<_, i64>(0)).is_ok()
            && conn.pragma_query_value(None, "user_version", |row| row.get::<_, i64>(0)).ok() == Some(INDEX_FORMAT)
    });
    if complete.is_none() {
        tracing::warn!(path = %path.display(), "search index incomplete or unreadable; rebuilding it");
        let _ = std::fs::remove_file(path);
    }
    complete
}

/// A passage's rowid: its creation second above [`ROWID_SEQUENCE_BITS`] bits of `sequence`, so
/// that `ORDER BY rowid DESC` lists the newest first and FTS5 walks its lists in that order,
/// stopping at the limit (no passage's rank needs computing). Undated passages sort oldest.
fn recency_rowid(created: Option<&str>, sequence: usize) -> i64 {
    let second = created.and_then(crate::dates::seconds_of).unwrap_or(0).clamp(0, 1 << 34);
    (second << ROWID_SEQUENCE_BITS) | (sequence as i64 & ((1 << ROWID_SEQUENCE_BITS) - 1))
}

/// Matches of `fts_query` best first (the newest first past `SEARCH_COUNT_LIMIT` matches), or
/// without one every passage newest first, kept by `filter` (and to the highlight ids `only`).
/// Returns the capped count, whether the hits are the newest, and the hits.
fn run_query(
    conn: &Connection,
    fts_query: Option<&str>,
    filter: &SearchFilter,
    only: Option<&[String]>,
) -> rusqlite::Result<(usize, bool, Vec<SearchHit>)> {
    let (matching, text, note) = match fts_query {
        // FTS5's highlight() and bm25() only work in a full-text query.
        Some(_) => (
            "passages MATCH ?1",
            "highlight(passages, 0, char(57344), char(57345))",
            "highlight(passages, 1, char(57344), char(57345))",
        ),
        None => ("?1 IS NULL", "text", "note"),
    };
    // The ids are looked up (`passage_id`), then their rows by rowid: no scan of the index.
    let named = match only {
        Some(_) => {
            "AND rowid IN (SELECT passage FROM passage_id WHERE highlight_id IN (SELECT value FROM json_each(?5)))"
        }
        None => "AND ?5 IS NULL",
    };
    let kept = format!("{matching} AND (?2 IS NULL OR color = ?2) AND (?3 = 0 OR deleted IS NOT NULL) {named}");
    let color = filter.color.map(HighlightColor::slug);
    let only = only.map(|ids| serde_json::to_string(ids).unwrap_or_else(|_| "[]".into()));
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM (SELECT 1 FROM passages WHERE {kept} LIMIT ?4)"),
        // Counting all of a common word's matches would cost as much as the search itself.
        params![fts_query, color, filter.deleted_only, SEARCH_COUNT_LIMIT as i64 + 1, only],
        |row| row.get(0),
    )?;
    let ranked = fts_query.is_some() && total as usize <= SEARCH_COUNT_LIMIT;
    let order = match (ranked, filter.deleted_only) {
        (true, _) => "bm25(passages, 10.0, 4.0)",
        (false, false) => "rowid DESC",
        (false, true) => "deleted DESC, rowid DESC",
    };
    let mut statement = conn.prepare_cached(&format!(
        "SELECT book_id, book_title, author, chapter, highlight_id, color, created, {text}, {note}, deleted
         FROM passages WHERE {kept} ORDER BY {order} LIMIT ?4"
    ))?;
    let hits = statement
        .query_map(params![fts_query, color, filter.deleted_only, RESULT_LIMIT as i64, only], |row| {
            Ok(SearchHit {
                book_id: row.get(0)?,
                book_title: row.get(1)?,
                author: row.get(2)?,
                chapter: row.get(3)?,
                highlight_id: row.get(4)?,
                color: HighlightColor::from_slug(&row.get::<_, String>(5)?),
                created: row.get(6)?,
                text: marked_runs(&row.get::<_, String>(7)?),
                note: marked_runs(&row.get::<_, String>(8)?),
                deleted_on_device: row.get(9)?,
                web: WebEdits::default(),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((total as usize, !ranked, hits))
}

/// FTS5's highlighted text as runs of plain and matched text, the CJK separators removed.
fn marked_runs(highlighted: &str) -> Vec<Marked> {
    let mut runs: Vec<Marked> = Vec::new();
    let mut hit = false;
    let mut current = String::new();
    for c in highlighted.chars() {
        match c {
            MARK_START | MARK_END => {
                if !current.is_empty() {
                    runs.push(Marked { text: std::mem::take(&mut current), hit });
                }
                hit = c == MARK_START;
            }
            CJK_SEPARATOR => {}
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        runs.push(Marked { text: current, hit });
    }
    runs
}

/// Chinese, Japanese (kana) and Korean characters, which are written without spaces.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF
        | 0xAC00..=0xD7AF | 0xFF66..=0xFF9F | 0x20000..=0x2FFFF)
}

/// Puts `separator` between a CJK character and its neighbours.
fn separate_cjk(text: &str, separator: char) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 2);
    let mut previous: Option<char> = None;
    for c in text.chars() {
        if previous.is_some_and(|p| p != separator && c != separator && (is_cjk(p) || is_cjk(c))) {
            out.push(separator);
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// What the reader typed has no word to look for.
#[derive(Debug, thiserror::Error)]
#[error("Type a word, a prefix such as read*, or a \"quoted phrase\" to search your highlights and notes.")]
pub struct NothingToSearch;

/// Turns what a reader types into an FTS5 query: words must all match (a trailing `*` matches
/// any word starting so), `"quoted words"` must match as a phrase. Each term is quoted, so no
/// input can inject FTS5 syntax; punctuation alone is ignored.
pub fn fts_query(input: &str) -> Result<String, NothingToSearch> {
    let mut terms = Vec::new();
    for (index, part) in input.split('"').enumerate() {
        let is_phrase = index % 2 == 1;
        let pieces: Vec<&str> = if is_phrase { vec![part] } else { part.split_whitespace().collect() };
        for piece in pieces {
            let prefix = !is_phrase && piece.ends_with('*');
            let words = separate_cjk(piece.trim_end_matches('*'), ' ');
            if !words.chars().any(char::is_alphanumeric) {
                continue;
            }
            terms.push(format!("\"{}\"{}", words.replace('"', ""), if prefix { "*" } else { "" }));
        }
    }
    if terms.is_empty() {
        return Err(NothingToSearch);
    }
    Ok(terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_input_becomes_a_safe_fts_query() {
        assert_eq!(fts_query("war peace").unwrap(), r#""war" "peace""#);
        assert_eq!(fts_query(r#""time and patience" warrior*"#).unwrap(), r#""time and patience" "warrior"*"#);
        assert_eq!(fts_query("NEAR(a b) OR c:d AND ^e").unwrap(), r#""NEAR(a" "b)" "OR" "c:d" "AND" "^e""#);
        assert_eq!(fts_query("偉大な心").unwrap(), r#""偉 大 な 心""#);
        assert!(fts_query("  * \" \" ... ").is_err());
        assert!(fts_query("").is_err());
    }

    #[test]
    fn cjk_characters_are_separated_and_the_marks_come_back_clean() {
        assert_eq!(separate_cjk("ab 偉大な cd", '|'), "ab |偉|大|な| cd");
        let runs = marked_runs("pre \u{E000}match\u{E001} 偉\u{200B}\u{E000}大\u{E001}\u{200B}な");
        assert_eq!(
            runs,
            vec![
                Marked { text: "pre ".into(), hit: false },
                Marked { text: "match".into(), hit: true },
                Marked { text: " 偉".into(), hit: false },
                Marked { text: "大".into(), hit: true },
                Marked { text: "な".into(), hit: false },
            ]
        );
    }

    #[test]
    fn an_empty_or_unfinished_index_is_not_served() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.sqlite");
        std::fs::write(&path, b"").unwrap();
        assert!(open_complete(&path).is_none(), "empty file");
        assert!(!path.exists(), "removed for a rebuild");
        std::fs::write(&path, b"SQLite format 3\0 torn").unwrap();
        assert!(open_complete(&path).is_none(), "torn file");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE VIRTUAL TABLE passages USING fts5(text)").unwrap();
        drop(conn);
        assert!(open_complete(&path).is_none(), "a build that did not finish");
        let finished = |format: i64| {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(&format!("PRAGMA user_version = {format}; CREATE VIRTUAL TABLE passages USING fts5(text, deleted); CREATE TABLE build_complete (passages INTEGER); INSERT INTO build_complete VALUES (0);")).unwrap();
        };
        finished(INDEX_FORMAT - 1);
        assert!(open_complete(&path).is_none(), "a finished build of an older layout");
        finished(INDEX_FORMAT);
        assert!(open_complete(&path).is_some(), "a finished build");
    }

    #[test]
    fn rowids_sort_by_creation_and_stay_distinct() {
        let early = recency_rowid(Some("2024-03-01T18:22:05"), 7);
        let late = recency_rowid(Some("2024-03-01T18:22:06"), 0);
        assert!(recency_rowid(None, 1) < early && early < late);
        assert_ne!(recency_rowid(Some("2024-03-01T18:22:05"), 8), early);
        assert!(recency_rowid(Some("1900-01-01T00:00:00"), 0) >= 0, "before 1970 sorts with the undated");
    }
}
