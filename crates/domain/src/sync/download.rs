//! Streams the source's bytes into a temporary file beside the database, never holding the
//! whole file in memory, counting progress as bytes arrive.

use super::{
    error::SyncError,
    source::{ObjectSource, RemoteObject},
    state::SyncState,
    swap::{TEMP_PREFIX, TEMP_SUFFIX},
};
use crate::settings::SyncSettings;
use futures::StreamExt;
use std::{path::Path, time::Instant};
use tempfile::NamedTempFile;
use tokio::io::{AsyncWriteExt, BufWriter};

/// Write buffer: large enough that the disk sees few, big writes.
const WRITE_BUFFER: usize = 1024 * 1024;
/// Room left free beside the download, so the disk is never filled to the last byte.
const FREE_SPACE_MARGIN: u64 = 16 * 1024 * 1024;

/// Downloads the object into a new `.tmp_kobo_*.sqlite` in `dir`. The temp file deletes itself
/// when dropped, so every failure path leaves nothing behind.
pub async fn download(
    source: &dyn ObjectSource,
    remote: &RemoteObject,
    dir: &Path,
    state: &SyncState,
    limits: &SyncSettings,
) -> Result<NamedTempFile, SyncError> {
    ensure_free_space(dir, remote.size)?;
    let temp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(SyncError::from_local_io)?;
    let file = temp.reopen().map_err(SyncError::from_local_io)?;
    let writer = BufWriter::with_capacity(WRITE_BUFFER, tokio::fs::File::from_std(file));
    let started = Instant::now();
    tracing::info!(bytes = remote.size, temp = %temp.path().display(), "download started");
    match tokio::time::timeout(limits.download_timeout, copy_stream(source, remote, writer, state, limits)).await {
        Ok(result) => result?,
        Err(_) => return Err(SyncError::TimedOut(limits.download_timeout)),
    }
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(
        bytes = remote.size,
        elapsed_ms = (seconds * 1000.0) as u64,
        mb_per_s = format!("{:.1}", remote.size as f64 / 1e6 / seconds.max(1e-6)),
        "download finished"
    );
    Ok(temp)
}

async fn copy_stream(
    source: &dyn ObjectSource,
    remote: &RemoteObject,
    mut writer: BufWriter<tokio::fs::File>,
    state: &SyncState,
    limits: &SyncSettings,
) -> Result<(), SyncError> {
    let expected = remote.size;
    // A connection that breaks before the first byte is a download cut off, not an outage.
    let mut stream = source.read().await.map_err(|err| match err {
        SyncError::Network(source) => SyncError::Interrupted { received: 0, expected, source },
        other => other,
    })?;
    let mut received = 0u64;
    let mut next_milestone = 25;
    loop {
        let chunk = match tokio::time::timeout(limits.stall_timeout, stream.next()).await {
            Err(_) => return Err(SyncError::Stalled(limits.stall_timeout)),
            Ok(None) => break,
            Ok(Some(Err(err))) => return Err(SyncError::Interrupted { received, expected, source: err.into() }),
            Ok(Some(Ok(chunk))) => chunk,
        };
        if received + chunk.len() as u64 > expected {
            return Err(SyncError::SizeMismatch { received: received + chunk.len() as u64, expected });
        }
        writer.write_all(&chunk).await.map_err(SyncError::from_local_io)?;
        received = state.add_bytes(chunk.len() as u64);
        while expected > 0 && received * 100 >= expected * next_milestone && next_milestone <= 100 {
            tracing::info!(percent = next_milestone, bytes = received, "download progress");
            next_milestone += 25;
        }
    }
    writer.flush().await.map_err(SyncError::from_local_io)?;
    if received != expected {
        return Err(SyncError::SizeMismatch { received, expected });
    }
    Ok(())
}

/// Fails early, with the figures, when the disk cannot hold the download.
fn ensure_free_space(dir: &Path, needed: u64) -> Result<(), SyncError> {
    let Some(available) = available_space(dir) else { return Ok(()) };
    if available < needed + FREE_SPACE_MARGIN {
        return Err(SyncError::NoRoom {
            needed_mb: needed as f64 / 1e6,
            free_mb: available as f64 / 1e6,
            dir: dir.to_path_buf(),
        });
    }
    Ok(())
}

/// Bytes available to this process on the filesystem of `dir`.
fn available_space(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `path` is a valid NUL-terminated string and `stats` a writable statvfs.
    let result = unsafe { libc::statvfs(path.as_ptr(), &mut stats) };
    (result == 0).then(|| stats.f_bavail as u64 * stats.f_frsize as u64)
}
