//! Why a sync failed, in words the badge can show as they are.

use kobo_reader::{describe_sqlite_error, KoboError};
use std::{path::PathBuf, time::Duration};

/// A failure of the client talking to the bucket (an S3 or HTTP error), kept whole.
pub type Transport = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("Cannot reach the bucket: {}", root_cause(.0.as_ref()))]
    Network(#[source] Transport),
    /// The bucket answered without what every answer must carry.
    #[error("Cannot reach the bucket: its answer has no {0}")]
    IncompleteAnswer(&'static str),
    #[error("The bucket refused the credentials (HTTP {0}): check the access key id and secret")]
    Credentials(u16),
    #[error("The database is not in the bucket: {0} does not exist (HTTP 404)")]
    MissingObject(String),
    #[error("The bucket {0} does not exist (HTTP 404): check the bucket name in KOBO_SHELF_SOURCE")]
    MissingBucket(String),
    #[error("The bucket answered HTTP {status}{}", reason_suffix(*.status))]
    BucketStatus { status: u16 },
    #[error("The source file cannot be read: {}: {source}", path.display())]
    SourceFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("The bucket did not answer within {} s", .0.as_secs())]
    NoAnswer(Duration),
    #[error("The download stalled: no data for {} s", .0.as_secs())]
    Stalled(Duration),
    #[error("The download took longer than {} s", .0.as_secs())]
    TimedOut(Duration),
    #[error("The download was cut off after {received} of {expected} bytes: {}", root_cause(.source.as_ref()))]
    Interrupted {
        received: u64,
        expected: u64,
        #[source]
        source: Transport,
    },
    #[error("The download has {received} bytes but the bucket announced {expected}")]
    SizeMismatch { received: u64, expected: u64 },
    #[error("The disk is full: {0}")]
    DiskFull(#[source] std::io::Error),
    #[error("The disk is full: {needed_mb:.1} MB needed, {free_mb:.1} MB free in {}", dir.display())]
    NoRoom { needed_mb: f64, free_mb: f64, dir: PathBuf },
    #[error("Cannot write the local copy: {0}")]
    LocalIo(#[source] std::io::Error),
    #[error("Cannot read {}: {source}", path.display())]
    LocalFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("Cannot write the local copy: a background task failed: {0}")]
    Task(#[source] tokio::task::JoinError),
    #[error("The downloaded file is not a SQLite database")]
    NotSqlite,
    #[error("The downloaded database is corrupt: {0}")]
    Corrupt(#[source] Damage),
    #[error("The downloaded database is not a Kobo library: {0}")]
    NotKobo(String),
}

fn reason_suffix(status: u16) -> String {
    match status {
        500 => " (Internal Server Error)".into(),
        502 => " (Bad Gateway)".into(),
        503 => " (Service Unavailable)".into(),
        504 => " (Gateway Timeout)".into(),
        429 => " (Too Many Requests)".into(),
        _ => String::new(),
    }
}

/// Why a downloaded database is not sound.
#[derive(Debug, thiserror::Error)]
pub enum Damage {
    #[error("the file is truncated ({length} of {declared} bytes)")]
    Truncated { length: u64, declared: u64 },
    #[error("quick_check found: {}", .0.join("; "))]
    QuickCheck(Vec<String>),
    #[error("{}", describe_sqlite_error(.0))]
    Sqlite(#[source] rusqlite::Error),
    #[error(transparent)]
    Kobo(KoboError),
}

/// The root cause of an error ("Connection refused (os error 111)"): the layers above it only
/// repeat the URL, which the settings page already shows.
fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut root = err;
    while let Some(cause) = root.source() {
        root = cause;
    }
    root.to_string()
}

impl SyncError {
    /// An error from writing the local copy: a full disk (or a file-size limit) is named as such.
    pub fn from_local_io(err: std::io::Error) -> SyncError {
        match err.raw_os_error() {
            Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG) => SyncError::DiskFull(err),
            _ => SyncError::LocalIo(err),
        }
    }

    /// A short name of the failure for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            SyncError::Network(_) | SyncError::IncompleteAnswer(_) => "network",
            SyncError::Credentials(_) => "credentials",
            SyncError::MissingObject(_) => "missing_object",
            SyncError::MissingBucket(_) => "missing_bucket",
            SyncError::BucketStatus { .. } => "bucket_status",
            SyncError::SourceFile { .. } => "source_file",
            SyncError::NoAnswer(_) => "no_answer",
            SyncError::Stalled(_) => "stalled",
            SyncError::TimedOut(_) => "timed_out",
            SyncError::Interrupted { .. } => "interrupted",
            SyncError::SizeMismatch { .. } => "size_mismatch",
            SyncError::DiskFull(_) | SyncError::NoRoom { .. } => "disk_full",
            SyncError::LocalIo(_) | SyncError::LocalFile { .. } | SyncError::Task(_) => "local_io",
            SyncError::NotSqlite => "not_sqlite",
            SyncError::Corrupt(_) => "corrupt",
            SyncError::NotKobo(_) => "not_kobo",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error;

    #[test]
    fn a_local_failure_keeps_its_cause_and_a_full_disk_says_so() {
        let full = SyncError::from_local_io(std::io::Error::from_raw_os_error(libc::ENOSPC));
        assert!(full.to_string().starts_with("The disk is full: "), "{full}");
        let cause = full.source().and_then(|cause| cause.downcast_ref::<std::io::Error>());
        assert_eq!(cause.and_then(std::io::Error::raw_os_error), Some(libc::ENOSPC));
        let denied = SyncError::from_local_io(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        assert!(matches!(denied, SyncError::LocalIo(_)) && denied.source().is_some());
        let truncated = SyncError::Corrupt(Damage::Truncated { length: 10, declared: 20 });
        assert_eq!(truncated.to_string(), "The downloaded database is corrupt: the file is truncated (10 of 20 bytes)");
        assert!(truncated.source().is_some_and(|damage| damage.is::<Damage>()));

        // A transport failure is kept whole; the badge shows its root cause.
        let reset = SyncError::Network(Box::new(std::io::Error::other("connection reset by peer")));
        assert_eq!(reset.to_string(), "Cannot reach the bucket: connection reset by peer");
        let cut = SyncError::Interrupted { received: 5, expected: 9, source: Box::new(reset) };
        assert_eq!(cut.to_string(), "The download was cut off after 5 of 9 bytes: connection reset by peer");
        assert!(cut.source().is_some_and(|cause| cause.is::<SyncError>()));
    }
}
