//! Where the database comes from: one small interface (`stat` and a streaming read) and two
//! implementations, an S3-compatible bucket and a local file.

use super::error::SyncError;
use crate::server::settings::{S3Settings, SourceLocation};
use bytes::Bytes;
use futures::{future::BoxFuture, stream::BoxStream, StreamExt, TryStreamExt};
use s3::{creds::Credentials, error::S3Error, Bucket, Region};
use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, SystemTime},
};

/// What the source says of the database object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteObject {
    pub modified: SystemTime,
    pub size: u64,
    pub etag: Option<String>,
}

pub type ByteStream = BoxStream<'static, Result<Bytes, SyncError>>;

/// A place the database can be fetched from.
pub trait ObjectSource: Send + Sync {
    /// The object's timestamp, size and ETag, without its body.
    fn stat(&self) -> BoxFuture<'_, Result<RemoteObject, SyncError>>;
    /// The object's bytes, as they arrive.
    fn read(&self) -> BoxFuture<'_, Result<ByteStream, SyncError>>;
    /// The ETag of a file stored beside the database (`markups/<id>.jpg`), `None` if absent.
    fn sibling_etag<'a>(&'a self, relative: &'a str) -> BoxFuture<'a, Result<Option<String>, SyncError>>;
    /// The bytes of a (small) file stored beside the database.
    fn read_sibling<'a>(&'a self, relative: &'a str) -> BoxFuture<'a, Result<Bytes, SyncError>>;
}

/// Builds the source the settings name. `answer_timeout` bounds the wait for a response head.
pub fn open_source(
    location: &SourceLocation,
    s3: Option<&S3Settings>,
    answer_timeout: Duration,
) -> Result<Arc<dyn ObjectSource>, String> {
    match (location, s3) {
        (SourceLocation::File(path), _) => Ok(Arc::new(FileSource { path: path.clone() })),
        (SourceLocation::S3 { bucket, key }, Some(s3)) => {
            Ok(Arc::new(S3Source::new(bucket, key, s3, answer_timeout).map_err(|err| err.to_string())?))
        }
        (SourceLocation::S3 { .. }, None) => Err("an s3:// source needs S3 settings".into()),
    }
}

/// A local file, e.g. in a synced folder, or the embedded demo.
pub struct FileSource {
    path: PathBuf,
}

/// Read size for local files.
const FILE_CHUNK: usize = 256 * 1024;

impl ObjectSource for FileSource {
    fn stat(&self) -> BoxFuture<'_, Result<RemoteObject, SyncError>> {
        Box::pin(async move {
            let meta = tokio::fs::metadata(&self.path).await.map_err(|err| self.error(err))?;
            let modified = meta.modified().map_err(|err| self.error(err))?;
            Ok(RemoteObject { modified, size: meta.len(), etag: None })
        })
    }

    fn read(&self) -> BoxFuture<'_, Result<ByteStream, SyncError>> {
        Box::pin(async move {
            let file = tokio::fs::File::open(&self.path).await.map_err(|err| self.error(err))?;
            let path = self.path.display().to_string();
            let stream = tokio_util::io::ReaderStream::with_capacity(file, FILE_CHUNK)
                .map_err(move |err| SyncError::SourceFile(format!("{path}: {err}")));
            Ok(stream.boxed())
        })
    }

    fn sibling_etag<'a>(&'a self, relative: &'a str) -> BoxFuture<'a, Result<Option<String>, SyncError>> {
        Box::pin(async move {
            match tokio::fs::metadata(self.sibling(relative)).await {
                Ok(meta) => {
                    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                    Ok(Some(format!("{}-{}", modified.map_or(0, |d| d.as_nanos()), meta.len())))
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(err) => Err(self.error(err)),
            }
        })
    }

    fn read_sibling<'a>(&'a self, relative: &'a str) -> BoxFuture<'a, Result<Bytes, SyncError>> {
        Box::pin(async move {
            tokio::fs::read(self.sibling(relative)).await.map(Bytes::from).map_err(|err| self.error(err))
        })
    }
}

impl FileSource {
    fn sibling(&self, relative: &str) -> PathBuf {
        self.path.parent().unwrap_or(std::path::Path::new("/")).join(relative)
    }

    fn error(&self, err: std::io::Error) -> SyncError {
        if err.kind() == std::io::ErrorKind::NotFound {
            SyncError::MissingObject(format!("file://{}", self.path.display()))
        } else {
            SyncError::SourceFile(format!("{}: {err}", self.path.display()))
        }
    }
}

/// An object in an S3-compatible bucket (B2, R2, MinIO, Garage, AWS…).
pub struct S3Source {
    bucket: Box<Bucket>,
    key: String,
    answer_timeout: Duration,
}

impl S3Source {
    pub fn new(bucket: &str, key: &str, s3: &S3Settings, answer_timeout: Duration) -> Result<S3Source, S3Error> {
        let region = Region::Custom { region: s3.region.clone(), endpoint: s3.endpoint.clone() };
        let credentials =
            Credentials::new(Some(s3.access_key_id.expose()), Some(s3.secret_access_key.expose()), None, None, None)?;
        let mut bucket = Bucket::new(bucket, region, credentials)?;
        if s3.path_style {
            bucket = bucket.with_path_style();
        }
        // Downloads are bounded by the stall and overall timeouts, not by one request timeout.
        bucket.set_request_timeout(None);
        Ok(S3Source { bucket, key: key.to_string(), answer_timeout })
    }

    fn location(&self) -> String {
        format!("s3://{}/{}", self.bucket.name(), self.key)
    }

    /// The key of a file beside the database: `kobo/KoboReader.sqlite` → `kobo/<relative>`.
    fn sibling_key(&self, relative: &str) -> String {
        match self.key.rfind('/') {
            Some(slash) => format!("{}/{relative}", &self.key[..slash]),
            None => relative.to_string(),
        }
    }

    /// Names an S3 failure the way a reader of the badge understands it.
    fn error(&self, err: S3Error) -> SyncError {
        match err {
            S3Error::HttpFailWithBody(401 | 403, _) => SyncError::Credentials(403),
            S3Error::HttpFailWithBody(404, _) => SyncError::MissingObject(self.location()),
            S3Error::HttpFailWithBody(status, _) => SyncError::BucketStatus { status },
            S3Error::Reqwest(err) => SyncError::Network(describe_error(&err)),
            other => SyncError::Network(other.to_string()),
        }
    }

    async fn answered<T>(
        &self,
        request: impl std::future::Future<Output = Result<T, S3Error>>,
    ) -> Result<T, SyncError> {
        match tokio::time::timeout(self.answer_timeout, request).await {
            Ok(result) => result.map_err(|err| self.error(err)),
            Err(_) => Err(SyncError::NoAnswer(self.answer_timeout)),
        }
    }
}

impl ObjectSource for S3Source {
    fn stat(&self) -> BoxFuture<'_, Result<RemoteObject, SyncError>> {
        Box::pin(async move {
            let (head, _) = self.answered(self.bucket.head_object(&self.key)).await?;
            let modified = head
                .last_modified
                .as_deref()
                .and_then(|text| httpdate::parse_http_date(text).ok())
                .ok_or_else(|| SyncError::Network("the bucket sent no valid Last-Modified".into()))?;
            let size = head
                .content_length
                .and_then(|len| u64::try_from(len).ok())
                .ok_or_else(|| SyncError::Network("the bucket sent no Content-Length".into()))?;
            Ok(RemoteObject { modified, size, etag: head.e_tag })
        })
    }

    fn read(&self) -> BoxFuture<'_, Result<ByteStream, SyncError>> {
        Box::pin(async move {
            let response = self.answered(self.bucket.get_object_stream(&self.key)).await?;
            if !(200..300).contains(&response.status_code) {
                return Err(SyncError::BucketStatus { status: response.status_code });
            }
            let stream = response.bytes.map_err(|err| match err {
                S3Error::Reqwest(err) => SyncError::Network(describe_error(&err)),
                other => SyncError::Network(other.to_string()),
            });
            Ok(stream.boxed())
        })
    }

    fn sibling_etag<'a>(&'a self, relative: &'a str) -> BoxFuture<'a, Result<Option<String>, SyncError>> {
        Box::pin(async move {
            match self.answered(self.bucket.head_object(self.sibling_key(relative))).await {
                Ok((head, _)) => Ok(Some(head.e_tag.unwrap_or_default())),
                Err(SyncError::MissingObject(_)) => Ok(None),
                Err(err) => Err(err),
            }
        })
    }

    fn read_sibling<'a>(&'a self, relative: &'a str) -> BoxFuture<'a, Result<Bytes, SyncError>> {
        Box::pin(async move {
            let response = self.answered(self.bucket.get_object(self.sibling_key(relative))).await?;
            Ok(response.bytes().clone())
        })
    }
}

/// The root cause of an HTTP client error ("Connection refused (os error 111)"): the layers
/// above it only repeat the URL, which the settings page already shows.
fn describe_error(err: &dyn std::error::Error) -> String {
    let mut root = err;
    while let Some(cause) = root.source() {
        root = cause;
    }
    root.to_string()
}
