//! A real S3-compatible server on loopback (the `s3s-fs` crates, SigV4 auth) behind a small
//! HTTP proxy that injects faults: error statuses, slow answers, cut, short, slow or stalled
//! bodies, refused connections. It counts the requests it forwards, so tests can prove how often
//! the app asked the bucket.
//!
//! Used in-process by the Rust integration tests and the benchmarks, and as the `kobo-testkit`
//! binary by the Playwright tests (which steer it through `/__testkit/*` on the proxy). It also
//! runs the kobo-shelf server as a child process for both (`ServerProcess`).

mod process;
mod proxy;
mod s3_server;

pub use process::ServerProcess;
pub use proxy::{BodyFault, FaultProxy, Faults, ProxyStats};
pub use s3_server::S3Server;

use s3::{creds::Credentials, Bucket, Region};
use std::{
    io,
    path::{Path, PathBuf},
    time::{Duration, SystemTime},
};

/// Credentials the test server accepts.
pub const ACCESS_KEY: &str = "kobo-testkit-access";
pub const SECRET_KEY: &str = "kobo-testkit-secret-0123456789";
/// The bucket every test uses, and where the device script puts the database.
pub const BUCKET: &str = "kobo";
pub const DATABASE_KEY: &str = "kobo/KoboReader.sqlite";

/// An S3 server with a fault proxy in front of it.
pub struct Testkit {
    pub root: PathBuf,
    pub s3: S3Server,
    pub proxy: FaultProxy,
}

impl Testkit {
    /// Starts both on loopback ports, serving `root/<BUCKET>/`.
    pub async fn start(root: &Path) -> io::Result<Testkit> {
        let s3 = S3Server::start(root).await?;
        let proxy = FaultProxy::start(s3.addr, root).await?;
        Ok(Testkit { root: root.to_path_buf(), s3, proxy })
    }

    /// The endpoint the app should use: through the proxy.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.proxy.addr)
    }

    /// Uploads a file through the S3 API (straight to the server, not through the proxy).
    pub async fn upload(&self, key: &str, file: &Path) -> io::Result<()> {
        upload(&format!("http://{}", self.s3.addr), key, file).await
    }

    /// Sets the timestamp the bucket reports for an object (S3 timestamps have 1 s resolution,
    /// so tests date older versions back instead of waiting).
    pub fn set_object_time(&self, key: &str, time: SystemTime) -> io::Result<()> {
        set_object_time(&self.root, key, time)
    }
}

/// Settings that make kobo-shelf sync the database object from the S3 service at `endpoint`
/// with the test credentials, checking the bucket on every request (no check interval).
pub fn app_s3_env(endpoint: &str) -> Vec<(&'static str, String)> {
    vec![
        ("KOBO_SHELF_SOURCE", format!("s3://{BUCKET}/{DATABASE_KEY}")),
        ("KOBO_SHELF_S3_ENDPOINT", endpoint.to_string()),
        ("KOBO_SHELF_S3_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
        ("KOBO_SHELF_S3_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
        ("KOBO_SHELF_CHECK_INTERVAL_SECS", "0".to_string()),
    ]
}

/// Uploads `file` as `key` to the S3 server at `endpoint` with the test credentials.
pub async fn upload(endpoint: &str, key: &str, file: &Path) -> io::Result<()> {
    let to_io = |err: s3::error::S3Error| io::Error::other(err.to_string());
    let region = Region::Custom { region: "us-east-1".into(), endpoint: endpoint.into() };
    let credentials = Credentials::new(Some(ACCESS_KEY), Some(SECRET_KEY), None, None, None)
        .map_err(|err| io::Error::other(err.to_string()))?;
    let bucket = Bucket::new(BUCKET, region, credentials).map_err(to_io)?.with_path_style();
    let mut reader = tokio::fs::File::open(file).await?;
    bucket.put_object_stream(&mut reader, key).await.map_err(to_io)?;
    Ok(())
}

/// See [`Testkit::set_object_time`].
pub fn set_object_time(root: &Path, key: &str, time: SystemTime) -> io::Result<()> {
    let path = root.join(BUCKET).join(key);
    std::fs::File::options().write(true).open(path)?.set_modified(time)
}

/// A time `seconds` ago, for [`Testkit::set_object_time`].
pub fn seconds_ago(seconds: u64) -> SystemTime {
    SystemTime::now() - Duration::from_secs(seconds)
}
