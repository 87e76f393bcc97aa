//! What the replica folder holds, and the names it holds them under. A copy is two objects:
//! `shelf-<seq>.sqlite.gz[.age]` (the archive) and `shelf-<seq>.json` (its manifest), the
//! manifest written after the copy; `current.json` repeats the manifest of the copy made current
//! last. `<seq>` is zero-padded so that names sort as numbers do.

use serde::{Deserialize, Serialize};

/// The manifest of the copy made current last: where a restore starts.
pub const CURRENT: &str = "current.json";

/// Bumped when a manifest's meaning changes; a manifest of a newer format is refused.
pub const FORMAT: u32 = 1;

/// Describes one copy: enough to find it, check it whole and know what it holds before it is
/// downloaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    /// The copy's number in this folder, one more than the last.
    pub seq: u64,
    /// The copy's object name in the folder.
    pub object: String,
    /// SHA-256 (hex) and size of the object as stored (compressed, and encrypted if it is).
    pub sha256: String,
    pub size: u64,
    /// Size of the archive database once unpacked.
    pub database_size: u64,
    /// The app database's schema version (`PRAGMA user_version`) the copy was made at.
    pub schema_version: u32,
    /// The archive's last ingest when the copy was made.
    pub ingest_seq: i64,
    /// Encrypted with age to the identity of `KOBO_SHELF_ARCHIVE_KEY`.
    pub encrypted: bool,
    /// ISO 8601, UTC.
    pub created: String,
    pub annotations: u64,
    pub deleted_on_device: u64,
}

impl Manifest {
    /// The manifest's own name: `shelf-0000000012.json`.
    pub fn name(&self) -> String {
        manifest_name(self.seq)
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a manifest always serialises")
    }
}

pub fn manifest_name(seq: u64) -> String {
    format!("shelf-{seq:010}.json")
}

/// The object name of copy `seq`.
pub fn object_name(seq: u64, encrypted: bool) -> String {
    let suffix = if encrypted { ".age" } else { "" };
    format!("shelf-{seq:010}.sqlite.gz{suffix}")
}

/// What a name in the folder is.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    Manifest(u64),
    Object(u64),
}

impl Entry {
    /// `shelf-<seq>.json` or `shelf-<seq>.sqlite.gz[.age]`; anything else is not the folder's.
    pub fn parse(name: &str) -> Option<Entry> {
        let rest = name.strip_prefix("shelf-")?;
        let (digits, kind) = rest.split_once('.')?;
        let seq = digits.parse().ok().filter(|_| digits.len() == 10)?;
        match kind {
            "json" => Some(Entry::Manifest(seq)),
            "sqlite.gz" | "sqlite.gz.age" => Some(Entry::Object(seq)),
            _ => None,
        }
    }

    pub fn seq(&self) -> u64 {
        match self {
            Entry::Manifest(seq) | Entry::Object(seq) => *seq,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_as_their_numbers_and_parse_back() {
        assert_eq!(manifest_name(12), "shelf-0000000012.json");
        assert!(manifest_name(9) < manifest_name(10));
        assert_eq!(Entry::parse(&manifest_name(12)), Some(Entry::Manifest(12)));
        assert_eq!(Entry::parse(&object_name(7, true)), Some(Entry::Object(7)));
        assert_eq!(Entry::parse(&object_name(7, false)), Some(Entry::Object(7)));
        for foreign in [CURRENT, "shelf-12.json", "shelf-0000000012.txt", "notes.json", "shelf-00000000x1.json"] {
            assert_eq!(Entry::parse(foreign), None, "{foreign}");
        }
    }
}
