//! `kobo-shelf push`: uploads a plugged-in Kobo to the source the server syncs from (an S3
//! bucket or a folder). In order:
//! 1. a consistent copy of `.kobo/KoboReader.sqlite` (SQLite backup API), verified like a
//!    download; a locked, half-written or corrupt database stops the push before any upload;
//! 2. the database, unless the source already holds the same bytes (SHA-256);
//! 3. the markups (`markups/<name>`) and covers (`covers/<ImageId>.jpg`) the source does not
//!    have yet (or has with another size).
//!
//! The CLI glue is in `cli.rs`; progress is reported through a callback.

mod database;
mod device;
mod files;

pub use device::{Device, MOUNT_PATTERNS};

use crate::{
    covers::{is_jpeg, COVERS_FOLDER},
    model::format,
    sync::{Damage, ObjectSource, SyncError},
};
use bytes::Bytes;
use files::DeviceFile;
use kobo_reader::KoboError;
use std::{
    collections::HashMap,
    fmt,
    path::PathBuf,
    time::{Duration, Instant},
};

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(
        "no Kobo found: connect it by USB, tap Connect on its screen, and let this computer mount it \
         (looked in {}), or name its folder with --device DIR",
        MOUNT_PATTERNS.join(", ")
    )]
    NoDevice,
    #[error("several Kobos are mounted ({}): choose one with --device DIR", list(.0))]
    SeveralDevices(Vec<PathBuf>),
    #[error("{} is not a Kobo: it has no .kobo/KoboReader.sqlite", .0.display())]
    NotADevice(PathBuf),
    #[error("the Kobo's database cannot be pushed: {0}; nothing was uploaded")]
    Database(#[source] Unpushable),
    #[error("{0}")]
    Source(#[from] SyncError),
    #[error("the database upload took longer than {} s", .0.as_secs())]
    UploadTimedOut(Duration),
    #[error("cannot read the Kobo: {}: {source}", path.display())]
    DeviceFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot copy the database on this computer: {0}")]
    Local(#[source] LocalCopy),
}

/// Why the device's database cannot be pushed, in words for the person at the terminal.
#[derive(Debug, thiserror::Error)]
pub enum Unpushable {
    #[error(
        "it holds an unfinished write (a hot journal, KoboReader.sqlite-journal): the Kobo was unplugged \
         while writing; let it start once, eject it properly, then push again"
    )]
    HotJournal,
    #[error(
        "another program is writing to it (still locked after {} s): close it (calibre, a database \
         browser) or eject and reconnect the Kobo, then push again",
        .0.as_secs()
    )]
    Locked(Duration),
    #[error("{}", kobo_reader::describe_sqlite_error(.0))]
    Sqlite(#[source] rusqlite::Error),
    #[error("it is not a SQLite database")]
    NotSqlite,
    #[error("it is corrupt: {0}")]
    Corrupt(#[source] Damage),
    #[error("it is not a Kobo library: {0}")]
    NotKobo(String),
    #[error(transparent)]
    Unreadable(KoboError),
}

/// What failed on this computer while the database was copied.
#[derive(Debug, thiserror::Error)]
pub enum LocalCopy {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("a background task failed: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error(transparent)]
    Check(SyncError),
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(", ")
}

#[derive(Clone, Debug)]
pub struct PushOptions {
    /// How long to wait while another program holds a lock on the device's database.
    pub busy_timeout: Duration,
    /// The longest the database upload may take.
    pub upload_timeout: Duration,
}

/// One step of a push, as a line for the terminal.
#[derive(Clone, Debug)]
pub enum Progress {
    Copying(PathBuf),
    Verified { bytes: u64, covers: usize },
    UploadingDatabase { bytes: u64 },
    DatabaseUploaded { elapsed: Duration },
    DatabaseUnchanged,
    Checked { folder: &'static str, on_device: usize, to_upload: usize },
    Uploaded { relative: String, done: usize, total: usize },
    NotJpeg(PathBuf),
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Progress::Copying(path) => write!(f, "copying {} (SQLite backup)…", path.display()),
            Progress::Verified { bytes, covers } => {
                write!(
                    f,
                    "copy verified: {}, {} with a cover id",
                    megabytes(*bytes),
                    format::count(*covers, "item", "items")
                )
            }
            Progress::UploadingDatabase { bytes } => write!(f, "uploading the database ({})…", megabytes(*bytes)),
            Progress::DatabaseUploaded { elapsed } => write!(f, "database uploaded in {:.1} s", elapsed.as_secs_f64()),
            Progress::DatabaseUnchanged => {
                write!(f, "database unchanged since the last push (same SHA-256): not uploaded")
            }
            Progress::Checked { folder, on_device, to_upload } => {
                write!(f, "{folder}: {} on the Kobo, {to_upload} to upload", format::count(*on_device, "file", "files"))
            }
            Progress::Uploaded { relative, done, total } => write!(f, "uploaded {relative} ({done}/{total})"),
            Progress::NotJpeg(path) => write!(f, "skipped {}: not a JPEG image", path.display()),
        }
    }
}

fn megabytes(bytes: u64) -> String {
    format::megabytes(bytes as f64 / 1_000_000.0)
}

/// What a push did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PushReport {
    pub database_uploaded: bool,
    pub database_bytes: u64,
    pub markups: Transfer,
    pub covers: Transfer,
}

/// Files of one kind: uploaded, already in the source, or skipped (a cover that is no JPEG).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transfer {
    pub uploaded: usize,
    pub already_there: usize,
    pub skipped: usize,
}

impl fmt::Display for PushReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let database = if self.database_uploaded { "uploaded" } else { "unchanged" };
        write!(
            f,
            "pushed: database {database} ({}); markups: {} uploaded, {} already there; covers: {} uploaded, {} \
             already there",
            megabytes(self.database_bytes),
            self.markups.uploaded,
            self.markups.already_there,
            self.covers.uploaded,
            self.covers.already_there,
        )?;
        if self.covers.skipped > 0 {
            write!(f, ", {} skipped", self.covers.skipped)?;
        }
        Ok(())
    }
}

/// Pushes `device` to `source`, reporting each step to `progress`.
pub async fn push(
    device: &Device,
    source: &dyn ObjectSource,
    options: &PushOptions,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<PushReport, PushError> {
    progress(Progress::Copying(device.database()));
    let database = device.database();
    let busy_timeout = options.busy_timeout;
    let copy = tokio::task::spawn_blocking(move || database::copy_database(&database, busy_timeout))
        .await
        .map_err(|err| PushError::Local(err.into()))??;
    progress(Progress::Verified { bytes: copy.bytes, covers: copy.image_ids.len() });
    // Listing first: a missing bucket or refused credentials stop the push before any upload.
    let markups_there = source.list_siblings("markups").await?;
    let mut report = PushReport { database_bytes: copy.bytes, ..PushReport::default() };
    if source.database_sha256().await?.as_deref() == Some(copy.sha256.as_str()) {
        progress(Progress::DatabaseUnchanged);
    } else {
        progress(Progress::UploadingDatabase { bytes: copy.bytes });
        let started = Instant::now();
        tokio::time::timeout(options.upload_timeout, source.put_database(copy.file.path(), &copy.sha256))
            .await
            .map_err(|_| PushError::UploadTimedOut(options.upload_timeout))??;
        progress(Progress::DatabaseUploaded { elapsed: started.elapsed() });
        report.database_uploaded = true;
    }
    let markups =
        files::markup_files(device).map_err(|source| PushError::DeviceFile { path: device.markups_dir(), source })?;
    report.markups = upload_missing(source, "markups", markups, &markups_there, |_| true, progress).await?;
    let covers_there = source.list_siblings(COVERS_FOLDER).await?;
    let covers = files::cover_files(device, &copy.image_ids)
        .map_err(|source| PushError::DeviceFile { path: device.images_dir(), source })?;
    report.covers = upload_missing(source, COVERS_FOLDER, covers, &covers_there, is_jpeg, progress).await?;
    Ok(report)
}

/// Uploads the files the source does not have with the same size; those whose bytes `valid`
/// refuses (a cover that is no JPEG) are skipped.
async fn upload_missing(
    source: &dyn ObjectSource,
    folder: &'static str,
    files: Vec<DeviceFile>,
    there: &HashMap<String, u64>,
    valid: fn(&[u8]) -> bool,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<Transfer, PushError> {
    let on_device = files.len();
    let missing: Vec<DeviceFile> =
        files.into_iter().filter(|file| there.get(file.name()) != Some(&file.size)).collect();
    let mut transfer = Transfer { already_there: on_device - missing.len(), ..Transfer::default() };
    progress(Progress::Checked { folder, on_device, to_upload: missing.len() });
    let total = missing.len();
    for (index, file) in missing.into_iter().enumerate() {
        let bytes = tokio::fs::read(&file.path)
            .await
            .map_err(|source| PushError::DeviceFile { path: file.path.clone(), source })?;
        if !valid(&bytes) {
            progress(Progress::NotJpeg(file.path));
            transfer.skipped += 1;
            continue;
        }
        source.put_sibling(&file.relative, Bytes::from(bytes)).await?;
        transfer.uploaded += 1;
        progress(Progress::Uploaded { relative: file.relative, done: index + 1, total });
    }
    Ok(transfer)
}
