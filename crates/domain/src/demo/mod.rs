//! Realistic `KoboReader.sqlite` files: the embedded demo library, and libraries of any size for
//! tests and benchmarks (`kobo-shelf demo-db --seed N --books N`).
//!
//! The curated part holds every case the reader must handle: each kind of item, a store copy
//! and a sideloaded copy of one book, chapters split over files, a book without table of
//! contents, notes, all colours, deleted and old-firmware bookmarks, Unicode, odd dates, odd
//! ContentIDs, hostile text, the section ids of current firmware, and collections (deleted ones, a deleted membership, the system
//! `ReadingList`). Beyond it, books are generated from a seed.

mod curated;
mod firmware;
mod writer;

pub use curated::{
    COUNT as CURATED_ITEMS, HOSTILE_TEXT_ID, PRIDE_SIDELOADED_ID, PRIDE_STORE_ID, THE_IDIOT_ID, WAR_AND_PEACE_ID,
};
pub use firmware::{AGE_OF_INNOCENCE_ID, MEDITATIONS_ID, ODYSSEY_ID};
pub use writer::image_id_of;

use crate::covers::{cover_key, preferred_thumbnail, thumbnail_file_name};
use std::path::{Path, PathBuf};
use writer::{Cover, LibraryWriter, Written, GENERATED_COLLECTIONS};

/// What to generate.
#[derive(Clone, Debug)]
pub struct DemoOptions {
    pub seed: u64,
    /// Top-level items in all (the curated ones first).
    pub books: usize,
    /// Average highlights per generated book.
    pub highlights_per_book: usize,
    /// Write the file as firmware before ~4.39 did: no `Bookmark.Color`, `Type` or
    /// `ExtraAnnotationData` columns.
    pub old_firmware: bool,
    /// Write the file without the collection tables `Shelf` and `ShelfContent`.
    pub without_collections: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 1,
            books: curated::COUNT,
            highlights_per_book: 20,
            old_firmware: false,
            without_collections: false,
        }
    }
}

/// The `Bookmark` columns old firmware does not have.
const NEWER_FIRMWARE_COLUMNS: [&str; 3] = ["Color", "Type", "ExtraAnnotationData"];

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoStats {
    pub items: usize,
    pub bookmarks: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("cannot write the demo library at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("cannot write the demo library: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Writes a library to `path` as it lies in the bucket (through a temporary file, so a reader
/// never sees half of it): markups in `markups/` and one cover per book in `covers/` beside it.
pub fn write_library(path: &Path, options: &DemoOptions) -> Result<DemoStats, DemoError> {
    write_files(path, options, |cover| {
        let best = preferred_thumbnail(cover.thumbnails.iter().map(|(kind, bytes)| (*kind, bytes.len() as u64)));
        best.map(|index| (PathBuf::from(cover_key(&cover.image_id)), cover.thumbnails[index].1)).into_iter().collect()
    })
}

/// Writes a library as a Kobo's storage holds it, under `device` (the mounted `KOBOeReader`
/// folder): `.kobo/KoboReader.sqlite`, markups in `.kobo/markups/`, and every thumbnail of a
/// cover at `.kobo-images/<h & 0xff>/<h >> 8 & 0xff>/<ImageId> - <kind>.parsed`, `h` being
/// Qt's `qHash` of the ImageId.
pub fn write_device(device: &Path, options: &DemoOptions) -> Result<DemoStats, DemoError> {
    write_files(&device.join(".kobo").join("KoboReader.sqlite"), options, |cover| {
        let hash = qt_hash(&cover.image_id);
        let dir = PathBuf::from(format!("../.kobo-images/{}/{}", hash & 0xff, (hash >> 8) & 0xff));
        cover
            .thumbnails
            .iter()
            .map(|(kind, bytes)| (dir.join(thumbnail_file_name(&cover.image_id, kind)), *bytes))
            .collect()
    })
}

/// Qt 5's `qHash` of a string (over its UTF-16 code units), which names a device's thumbnail
/// folders.
fn qt_hash(text: &str) -> u32 {
    text.encode_utf16().fold(0u32, |hash, unit| {
        let hash = (hash << 4).wrapping_add(u32::from(unit));
        (hash ^ ((hash & 0xf000_0000) >> 23)) & 0x0fff_ffff
    })
}

/// Writes the database at `path`, its side files beside it, and each cover's files where
/// `cover_files` puts them (paths relative to the database's folder).
fn write_files(
    path: &Path,
    options: &DemoOptions,
    cover_files: impl Fn(&Cover) -> Vec<(PathBuf, &'static [u8])>,
) -> Result<DemoStats, DemoError> {
    let io_error = |source| DemoError::Io { path: path.to_path_buf(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let temp = tempfile::Builder::new().prefix(".demo_kobo_").suffix(".sqlite").tempfile_in(dir).map_err(io_error)?;
    let Written { stats, side_files, covers } = {
        let mut writer = LibraryWriter::create(temp.path(), options.seed)?;
        curated::write(&mut writer, options.books)?;
        for number in curated::COUNT..options.books {
            writer.generated_book(number, options.highlights_per_book)?;
        }
        if options.books > curated::COUNT {
            for (_, name) in GENERATED_COLLECTIONS {
                writer.collection(name, &[], false, false)?;
            }
        }
        writer.finish()?
    };
    let conn = rusqlite::Connection::open(temp.path())?;
    if options.old_firmware {
        for column in NEWER_FIRMWARE_COLUMNS {
            conn.execute_batch(&format!("ALTER TABLE Bookmark DROP COLUMN {column}"))?;
        }
    }
    if options.without_collections {
        conn.execute_batch("DROP TABLE Shelf; DROP TABLE ShelfContent;")?;
    }
    drop(conn);
    let side_files = side_files.into_iter().map(|(relative, bytes)| (PathBuf::from(relative), bytes));
    for (relative, bytes) in side_files.chain(covers.iter().flat_map(cover_files)) {
        let side = dir.join(relative);
        side.parent().map(std::fs::create_dir_all).transpose().map_err(io_error)?;
        std::fs::write(&side, bytes).map_err(io_error)?;
    }
    temp.persist(path).map_err(|err| io_error(err.error))?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::qt_hash;

    #[test]
    fn thumbnail_folders_follow_qt_hash() {
        // qHash("") is 0; one character is its code; the 28-bit fold keeps every hash below 2^28.
        assert_eq!(qt_hash(""), 0);
        assert_eq!(qt_hash("a"), 97);
        assert_eq!(qt_hash("ab"), (97 << 4) + 98);
        assert!(qt_hash(&"file____mnt_onboard_x".repeat(20)) < 1 << 28);
    }
}
