//! Why a sync failed, in words the badge can show as they are.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("Cannot reach the bucket: {0}")]
    Network(String),
    #[error("The bucket refused the credentials (HTTP {0}): check the access key id and secret")]
    Credentials(u16),
    #[error("The database is not in the bucket: {0} does not exist (HTTP 404)")]
    MissingObject(String),
    #[error("The bucket {0} does not exist (HTTP 404): check the bucket name in KOBO_SHELF_SOURCE")]
    MissingBucket(String),
    #[error("The bucket answered HTTP {status}{}", reason_suffix(*.status))]
    BucketStatus { status: u16 },
    #[error("The source file cannot be read: {0}")]
    SourceFile(String),
    #[error("The bucket did not answer within {} s", .0.as_secs())]
    NoAnswer(Duration),
    #[error("The download stalled: no data for {} s", .0.as_secs())]
    Stalled(Duration),
    #[error("The download took longer than {} s", .0.as_secs())]
    TimedOut(Duration),
    #[error("The download was cut off after {received} of {expected} bytes: {detail}")]
    Interrupted { received: u64, expected: u64, detail: String },
    #[error("The download has {received} bytes but the bucket announced {expected}")]
    SizeMismatch { received: u64, expected: u64 },
    #[error("The disk is full: {0}")]
    DiskFull(String),
    #[error("Cannot write the local copy: {0}")]
    LocalIo(String),
    #[error("The downloaded file is not a SQLite database")]
    NotSqlite,
    #[error("The downloaded database is corrupt: {0}")]
    Corrupt(String),
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

impl SyncError {
    /// An error from writing the local copy: a full disk (or a file-size limit) is named as such.
    pub fn from_local_io(err: &std::io::Error) -> SyncError {
        match err.raw_os_error() {
            Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG) => SyncError::DiskFull(err.to_string()),
            _ => SyncError::LocalIo(err.to_string()),
        }
    }

    /// A blocking task that could not finish (it panicked or the runtime is shutting down).
    pub fn task(err: tokio::task::JoinError) -> SyncError {
        SyncError::LocalIo(format!("a background task failed: {err}"))
    }

    /// A short name of the failure for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            SyncError::Network(_) => "network",
            SyncError::Credentials(_) => "credentials",
            SyncError::MissingObject(_) => "missing_object",
            SyncError::MissingBucket(_) => "missing_bucket",
            SyncError::BucketStatus { .. } => "bucket_status",
            SyncError::SourceFile(_) => "source_file",
            SyncError::NoAnswer(_) => "no_answer",
            SyncError::Stalled(_) => "stalled",
            SyncError::TimedOut(_) => "timed_out",
            SyncError::Interrupted { .. } => "interrupted",
            SyncError::SizeMismatch { .. } => "size_mismatch",
            SyncError::DiskFull(_) => "disk_full",
            SyncError::LocalIo(_) => "local_io",
            SyncError::NotSqlite => "not_sqlite",
            SyncError::Corrupt(_) => "corrupt",
            SyncError::NotKobo(_) => "not_kobo",
        }
    }
}
