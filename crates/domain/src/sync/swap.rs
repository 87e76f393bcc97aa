//! Puts a verified download in place of the database, atomically and durably.

use super::{error::SyncError, source::RemoteObject};
use crate::dates::unix_seconds;
use std::{
    fs::File,
    path::{Path, PathBuf},
    time::SystemTime,
};
use tempfile::NamedTempFile;

/// Prefix and suffix of download temp files (`.tmp_kobo_<random>.sqlite`).
pub(super) const TEMP_PREFIX: &str = ".tmp_kobo_";
pub(super) const TEMP_SUFFIX: &str = ".sqlite";

/// Sets the download's mtime to the source's timestamp, so the same object is never
/// downloaded twice (and the file has its final identity before it is verified and loaded).
pub fn stamp(temp: &NamedTempFile, modified: SystemTime) -> Result<(), SyncError> {
    temp.as_file().set_modified(modified).map_err(SyncError::from_local_io)
}

/// fsyncs the temp file, renames it over `target` and fsyncs the directory. Runs on a blocking
/// thread. Readers holding the old file keep reading it; new opens get the new one.
pub fn swap_into_place(temp: NamedTempFile, target: &Path) -> Result<(), SyncError> {
    let io_error = SyncError::from_local_io;
    temp.as_file().sync_all().map_err(io_error)?;
    temp.persist(target).map_err(|err| io_error(err.error))?;
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    File::open(dir).and_then(|dir| dir.sync_all()).map_err(io_error)
}

/// The source object a local copy came from: any difference (a restored older backup, a
/// second upload within the same second) means another version.
#[derive(Debug, PartialEq, Eq)]
pub struct SourceIdentity(String);

impl SourceIdentity {
    pub fn of(object: &RemoteObject) -> SourceIdentity {
        let modified = unix_seconds(object.modified);
        SourceIdentity(format!("{} {} {}", object.size, modified, object.etag.as_deref().unwrap_or("-")))
    }

    /// `<database>.source`, written beside the database at each swap.
    fn file(database: &Path) -> PathBuf {
        let mut name = database.as_os_str().to_owned();
        name.push(".source");
        PathBuf::from(name)
    }

    /// The identity recorded for the copy at `database`, if any.
    pub fn installed(database: &Path) -> Option<SourceIdentity> {
        std::fs::read_to_string(SourceIdentity::file(database)).ok().map(|text| SourceIdentity(text.trim().to_string()))
    }

    /// Records this identity for the copy just swapped in at `database` (best effort: without
    /// it, the next check falls back to comparing timestamps).
    pub fn record(&self, database: &Path) {
        if let Err(err) = std::fs::write(SourceIdentity::file(database), &self.0) {
            tracing::warn!(error = %err, "the source identity was not recorded");
        }
    }
}

/// Removes `.tmp_kobo_*.sqlite` files left in `dir` by a crash. Returns how many.
pub fn remove_leftover_temp_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .filter(|entry| {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
        })
        .filter(|entry| {
            let removed = std::fs::remove_file(entry.path());
            if let Err(err) = &removed {
                tracing::warn!(path = %entry.path().display(), error = %err, "cannot remove a leftover temp file");
            }
            removed.is_ok()
        })
        .count()
}
