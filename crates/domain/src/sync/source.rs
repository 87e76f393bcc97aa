//! Where the database comes from: one small interface (`stat` and a streaming read; uploads
//! for `kobo-shelf push`) and two implementations, an S3-compatible bucket and a local file.

use super::error::SyncError;
use crate::settings::{ExposeSecret, S3Settings, SourceLocation};
use bytes::Bytes;
use futures::{future::BoxFuture, stream::BoxStream, StreamExt, TryStreamExt};
use s3::{creds::Credentials, error::S3Error, Bucket, Region};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    io::Write,
    path::{Path, PathBuf},
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
    /// The SHA-256 (hex) of the database as stored, when the source knows it (the `sha256`
    /// metadata `push` gives an S3 object; a file's own hash); `None` when there is none.
    fn database_sha256(&self) -> BoxFuture<'_, Result<Option<String>, SyncError>>;
    /// Replaces the database with the file at `path` (its SHA-256 `sha256`): whole or not at all.
    fn put_database<'a>(&'a self, path: &'a Path, sha256: &'a str) -> BoxFuture<'a, Result<(), SyncError>>;
    /// Stores a small file beside the database (`markups/<id>.jpg`), whole or not at all.
    fn put_sibling<'a>(&'a self, relative: &'a str, bytes: Bytes) -> BoxFuture<'a, Result<(), SyncError>>;
    /// Stores the file at `path` beside the database (a copy of the archive), whole or not at
    /// all; large files go up in parts.
    fn put_sibling_file<'a>(&'a self, relative: &'a str, path: &'a Path) -> BoxFuture<'a, Result<(), SyncError>>;
    /// Deletes a file stored beside the database; one already gone is no error.
    fn delete_sibling<'a>(&'a self, relative: &'a str) -> BoxFuture<'a, Result<(), SyncError>>;
    /// Names and sizes of the files in a folder beside the database (`covers`; `""` for the
    /// database's own folder); empty when the folder does not exist.
    fn list_siblings<'a>(&'a self, folder: &'a str) -> BoxFuture<'a, Result<HashMap<String, u64>, SyncError>>;
}

/// The SHA-256 of a file, in hex (blocking).
pub fn file_sha256(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    std::io::copy(&mut std::fs::File::open(path)?, &mut hasher)?;
    Ok(format!("{:x}", hasher.finalize()))
}

/// The media type of a file stored beside the database, from its extension.
fn content_type_of(relative: &str) -> &'static str {
    match relative.rsplit_once('.').map(|(_, extension)| extension) {
        Some("jpg") => "image/jpeg",
        Some("svg") => "image/svg+xml",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

/// Why the source the settings name cannot be set up (before any request is made).
#[derive(Debug, thiserror::Error)]
pub enum OpenSourceError {
    #[error("the S3 client cannot be set up: {0}")]
    S3(#[from] S3Error),
    #[error("an s3:// source needs S3 settings")]
    NoS3Settings,
}

/// Builds the source the settings name. `answer_timeout` bounds the wait for a response head.
pub fn open_source(
    location: &SourceLocation,
    s3: Option<&S3Settings>,
    answer_timeout: Duration,
) -> Result<Arc<dyn ObjectSource>, OpenSourceError> {
    match (location, s3) {
        (SourceLocation::File(path), _) => Ok(Arc::new(FileSource { path: path.clone() })),
        (SourceLocation::S3 { bucket, key }, Some(s3)) => Ok(Arc::new(S3Source::new(bucket, key, s3, answer_timeout)?)),
        (SourceLocation::S3 { .. }, None) => Err(OpenSourceError::NoS3Settings),
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
            let path = self.path.clone();
            let stream = tokio_util::io::ReaderStream::with_capacity(file, FILE_CHUNK)
                .map_err(move |source| SyncError::SourceFile { path: path.clone(), source });
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

    fn database_sha256(&self) -> BoxFuture<'_, Result<Option<String>, SyncError>> {
        let path = self.path.clone();
        Box::pin(async move {
            let hashed = tokio::task::spawn_blocking(move || file_sha256(&path)).await.map_err(SyncError::Task)?;
            match hashed {
                Ok(hash) => Ok(Some(hash)),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(err) => Err(self.error(err)),
            }
        })
    }

    fn put_database<'a>(&'a self, path: &'a Path, _sha256: &'a str) -> BoxFuture<'a, Result<(), SyncError>> {
        let (from, to) = (path.to_path_buf(), self.path.clone());
        Box::pin(async move {
            let copied = tokio::task::spawn_blocking(move || replace_file(&to, copy_of(&from)));
            copied.await.map_err(SyncError::Task)?.map_err(|err| match err.kind() {
                std::io::ErrorKind::NotFound => SyncError::SourceFile {
                    path: self.sibling(""),
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "the folder does not exist"),
                },
                _ => self.error(err),
            })
        })
    }

    fn put_sibling<'a>(&'a self, relative: &'a str, bytes: Bytes) -> BoxFuture<'a, Result<(), SyncError>> {
        let target = self.sibling(relative);
        Box::pin(async move {
            let written =
                tokio::task::spawn_blocking(move || replace_in_folder(&target, |temp| temp.write_all(&bytes)));
            written.await.map_err(SyncError::Task)?.map_err(|err| self.error(err))
        })
    }

    fn put_sibling_file<'a>(&'a self, relative: &'a str, path: &'a Path) -> BoxFuture<'a, Result<(), SyncError>> {
        let (from, target) = (path.to_path_buf(), self.sibling(relative));
        Box::pin(async move {
            let copied = tokio::task::spawn_blocking(move || replace_in_folder(&target, copy_of(&from)));
            copied.await.map_err(SyncError::Task)?.map_err(|err| self.error(err))
        })
    }

    fn delete_sibling<'a>(&'a self, relative: &'a str) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async move {
            match tokio::fs::remove_file(self.sibling(relative)).await {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(self.error(err)),
                _ => Ok(()),
            }
        })
    }

    fn list_siblings<'a>(&'a self, folder: &'a str) -> BoxFuture<'a, Result<HashMap<String, u64>, SyncError>> {
        let dir = self.sibling(folder);
        Box::pin(async move {
            let listed = tokio::task::spawn_blocking(move || -> std::io::Result<HashMap<String, u64>> {
                let entries = match std::fs::read_dir(&dir) {
                    Ok(entries) => entries,
                    Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
                    Err(err) => return Err(err),
                };
                let mut files = HashMap::new();
                for entry in entries {
                    let entry = entry?;
                    let meta = entry.metadata()?;
                    if meta.is_file() {
                        files.insert(entry.file_name().to_string_lossy().into_owned(), meta.len());
                    }
                }
                Ok(files)
            });
            listed.await.map_err(SyncError::Task)?.map_err(|err| self.error(err))
        })
    }
}

/// Writes a temp file beside `target` with `write`, syncs it and renames it over `target`, so
/// a reader (the server syncing from this folder) never sees half a file. The folder must exist.
fn replace_file(target: &Path, write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> std::io::Result<()> {
    let dir = target.parent().unwrap_or(Path::new("/"));
    let mut temp = tempfile::Builder::new().prefix(".tmp_push_").tempfile_in(dir)?;
    write(temp.as_file_mut())?;
    temp.as_file().sync_all()?;
    temp.persist(target).map_err(|err| err.error)?;
    Ok(())
}

/// [`replace_file`], creating the folder first (files beside the database: `markups/`, a
/// replica folder).
fn replace_in_folder(
    target: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(target.parent().unwrap_or(Path::new("/")))?;
    replace_file(target, write)
}

/// Writes the content of the file at `from` (for [`replace_file`]).
fn copy_of(from: &Path) -> impl FnOnce(&mut std::fs::File) -> std::io::Result<()> + '_ {
    move |temp| std::io::copy(&mut std::fs::File::open(from)?, temp).map(drop)
}

impl FileSource {
    fn sibling(&self, relative: &str) -> PathBuf {
        self.path.parent().unwrap_or(std::path::Path::new("/")).join(relative)
    }

    fn error(&self, err: std::io::Error) -> SyncError {
        if err.kind() == std::io::ErrorKind::NotFound {
            SyncError::MissingObject(format!("file://{}", self.path.display()))
        } else {
            SyncError::SourceFile { path: self.path.clone(), source: err }
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
        let credentials = Credentials::new(
            Some(s3.access_key_id.expose_secret()),
            Some(s3.secret_access_key.expose_secret()),
            None,
            None,
            None,
        )?;
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
            other => SyncError::Network(other.into()),
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
                .ok_or(SyncError::IncompleteAnswer("valid Last-Modified"))?;
            let size = head
                .content_length
                .and_then(|len| u64::try_from(len).ok())
                .ok_or(SyncError::IncompleteAnswer("Content-Length"))?;
            Ok(RemoteObject { modified, size, etag: head.e_tag })
        })
    }

    fn read(&self) -> BoxFuture<'_, Result<ByteStream, SyncError>> {
        Box::pin(async move {
            let response = self.answered(self.bucket.get_object_stream(&self.key)).await?;
            if !(200..300).contains(&response.status_code) {
                return Err(SyncError::BucketStatus { status: response.status_code });
            }
            let stream = response.bytes.map_err(|err| SyncError::Network(err.into()));
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

    fn database_sha256(&self) -> BoxFuture<'_, Result<Option<String>, SyncError>> {
        Box::pin(async move {
            match self.answered(self.bucket.head_object(&self.key)).await {
                Ok((head, _)) => Ok(head.metadata.and_then(|mut metadata| metadata.remove(SHA256_METADATA))),
                Err(SyncError::MissingObject(_)) => Ok(None),
                Err(err) => Err(err),
            }
        })
    }

    fn put_database<'a>(&'a self, path: &'a Path, sha256: &'a str) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async move {
            let mut file = tokio::fs::File::open(path)
                .await
                .map_err(|source| SyncError::LocalFile { path: path.to_path_buf(), source })?;
            // Large files go up in parts (8 MB each, a few at once); the bucket shows the new
            // object only once every part is in.
            let upload = self
                .bucket
                .put_object_stream_builder(&self.key)
                .with_content_type("application/vnd.sqlite3")
                .with_metadata(SHA256_METADATA, sha256)
                .map_err(|err| self.error(err))?
                .with_max_concurrent_chunks(MAX_PARTS_AT_ONCE);
            upload.execute_stream(&mut file).await.map(drop).map_err(|err| self.error(err))
        })
    }

    fn put_sibling<'a>(&'a self, relative: &'a str, bytes: Bytes) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async move {
            let key = self.sibling_key(relative);
            let put = self.bucket.put_object_with_content_type(&key, &bytes, content_type_of(relative));
            self.answered(put).await.map(drop)
        })
    }

    fn put_sibling_file<'a>(&'a self, relative: &'a str, path: &'a Path) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async move {
            let mut file = tokio::fs::File::open(path).await.map_err(SyncError::from_local_io)?;
            let upload = self
                .bucket
                .put_object_stream_builder(self.sibling_key(relative))
                .with_content_type(content_type_of(relative))
                .with_max_concurrent_chunks(MAX_PARTS_AT_ONCE);
            upload.execute_stream(&mut file).await.map(drop).map_err(|err| self.error(err))
        })
    }

    fn delete_sibling<'a>(&'a self, relative: &'a str) -> BoxFuture<'a, Result<(), SyncError>> {
        Box::pin(async move {
            match self.answered(self.bucket.delete_object(self.sibling_key(relative))).await {
                Ok(_) | Err(SyncError::MissingObject(_)) => Ok(()),
                Err(err) => Err(err),
            }
        })
    }

    fn list_siblings<'a>(&'a self, folder: &'a str) -> BoxFuture<'a, Result<HashMap<String, u64>, SyncError>> {
        Box::pin(async move {
            let prefix = match folder {
                "" => self.sibling_key(""),
                folder => format!("{}/", self.sibling_key(folder)),
            };
            let pages = match self.answered(self.bucket.list(prefix.clone(), None)).await {
                Err(SyncError::MissingObject(_)) => return Err(SyncError::MissingBucket(self.bucket.name())),
                other => other?,
            };
            let objects = pages.into_iter().flat_map(|page| page.contents);
            Ok(objects
                .filter_map(|object| {
                    let name = object.key.strip_prefix(&prefix)?;
                    (!name.is_empty() && !name.contains('/')).then(|| (name.to_string(), object.size))
                })
                .collect())
        })
    }
}

/// The metadata key (`x-amz-meta-sha256`) under which `push` records the database's hash, so a
/// second push of the same bytes uploads nothing.
const SHA256_METADATA: &str = "sha256";

/// Parts of a large database uploaded at once (8 MB each).
const MAX_PARTS_AT_ONCE: usize = 4;
