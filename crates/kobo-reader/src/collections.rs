//! Kobo collections: `Shelf` names them, `ShelfContent` puts items in them (its `ShelfName`
//! is the shelf's `InternalName`, which is its `Name` for collections the reader made). Rows
//! the device deleted stay with `_IsDeleted = 'true'` and are skipped, as is the system shelf
//! `ReadingList`. A file without these tables simply has no collections.

use super::schema::{text_at, Columns};
use rusqlite::Connection;
use std::collections::HashMap;

/// The shelf the device keeps for itself; not a collection the reader made.
const SYSTEM_SHELF: &str = "ReadingList";

/// The collections of each item, by ContentID, each list sorted and without repeats.
pub fn collections_by_item(conn: &Connection, columns: &Columns) -> rusqlite::Result<HashMap<String, Vec<String>>> {
    if !columns.has_collections() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT DISTINCT c.ContentId, TRIM(s.Name) FROM ShelfContent c
         JOIN Shelf s ON c.ShelfName IN ({internal}, s.Name)
         WHERE {live_content} AND {live_shelf} AND TRIM(COALESCE(s.Name, '')) <> ''
           AND ?1 NOT IN (COALESCE({internal}, ''), s.Name)
         ORDER BY 2",
        // Unqualified: only `Shelf` has the column (`NULL` when this firmware has none).
        internal = columns.shelf("InternalName"),
        live_content = columns.live_shelf_content("c"),
        live_shelf = columns.live_shelf("s"),
    );
    let mut statement = conn.prepare(&sql)?;
    let rows = statement.query_map([SYSTEM_SHELF], |row| Ok((text_at(row, 0)?, text_at(row, 1)?)))?;
    let mut by_item: HashMap<String, Vec<String>> = HashMap::new();
    for row in rows {
        if let (Some(item), Some(name)) = row? {
            let names = by_item.entry(item).or_default();
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    Ok(by_item)
}
