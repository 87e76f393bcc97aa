//! The served database as a series of immutable snapshots, one per file version.
//!
//! The local copy is only ever replaced by an atomic rename, so a file version is identified by
//! its inode, size and mtime. A snapshot opens its file read-only and `immutable` (the bytes of an
//! inode never change here), preloads the library list, and keeps a small pool of connections.
//! A request takes one snapshot and uses it throughout, so it sees one consistent file even
//! while a sync swaps in the next one; the next request sees the new file.

use super::{error::KoboError, library::Entries, schema::Columns, walk::Locations};
use parking_lot::{Mutex, RwLock};
use rusqlite::{Connection, OpenFlags};
use std::{
    os::unix::fs::MetadataExt,
    path::{Path, PathBuf},
    sync::{Arc, OnceLock},
    time::Instant,
};

/// What distinguishes one version of the file at a path from the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileIdentity {
    device: u64,
    inode: u64,
    size: u64,
    mtime_ns: i128,
}

impl FileIdentity {
    pub fn of(path: &Path) -> std::io::Result<FileIdentity> {
        let meta = std::fs::metadata(path)?;
        let mtime_ns = meta.mtime() as i128 * 1_000_000_000 + meta.mtime_nsec() as i128;
        Ok(FileIdentity { device: meta.dev(), inode: meta.ino(), size: meta.len(), mtime_ns })
    }

    /// A short text that changes with every swap and survives restarts: mtime and size.
    pub fn version(&self) -> String {
        format!("{}-{}", self.mtime_ns, self.size)
    }
}

/// The 100-byte header of a SQLite file, or `None` when the file is not one.
pub fn sqlite_header(path: &Path) -> std::io::Result<Option<[u8; 100]>> {
    use std::io::Read;
    let mut header = [0u8; 100];
    let mut file = std::fs::File::open(path)?;
    match file.read_exact(&mut header) {
        Ok(()) if header.starts_with(b"SQLite format 3\0") => Ok(Some(header)),
        Ok(()) => Ok(None),
        Err(err) if err.kind() == std::io::ErrorKind::UnexpectedEof => Ok(None),
        Err(err) => Err(err),
    }
}

/// Opens a SQLite file read-only as an immutable file: no locks, no journal, no `-wal`/`-shm`
/// side files, nothing ever written.
pub fn open_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let uri = format!("file:{}?mode=ro&immutable=1", escape_uri_path(path));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags)?;
    conn.execute_batch("PRAGMA query_only = 1;")?;
    // `rarray(?)`: a list of rowids as a table (a walk reads each book's rows by rowid).
    rusqlite::vtab::array::load_module(&conn)?;
    Ok(conn)
}

/// Opens a database another program may be using (a Kobo's own): read-only, but unlike
/// [`open_read_only`] honouring its locks, journal and WAL, so a read is consistent.
pub fn open_shared_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let uri = format!("file:{}?mode=ro", escape_uri_path(path));
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags)?;
    conn.execute_batch("PRAGMA query_only = 1;")?;
    Ok(conn)
}

/// Escapes the characters that have a meaning in a SQLite URI.
fn escape_uri_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3f"),
            '#' => escaped.push_str("%23"),
            _ => escaped.push(c),
        }
    }
    escaped
}

/// One version of the library file, loaded and ready to serve.
pub struct Snapshot {
    pub version: String,
    identity: FileIdentity,
    path: PathBuf,
    pub(super) columns: Columns,
    pub(super) entries: Entries,
    /// Where each book's rows are, found by the first walk over the library (the search
    /// index's, after a sync), so later walks (downloads) start at once.
    pub(super) locations: OnceLock<Locations>,
    idle_connections: Mutex<Vec<Connection>>,
}

impl Snapshot {
    /// Loads the file at `read_from`, which is (or is about to be renamed to) `path`.
    fn load(read_from: &Path, path: &Path, identity: FileIdentity) -> Result<Snapshot, KoboError> {
        if sqlite_header(read_from)?.is_none() {
            return Err(KoboError::NotSqlite);
        }
        let conn = open_read_only(read_from).map_err(KoboError::Database)?;
        let columns = Columns::detect(&conn)?;
        let entries = Entries::load(&conn, &columns).map_err(KoboError::reading("its library"))?;
        Ok(Snapshot {
            version: identity.version(),
            identity,
            path: path.to_path_buf(),
            columns,
            entries,
            locations: OnceLock::new(),
            idle_connections: Mutex::new(vec![conn]),
        })
    }

    /// Runs `work` on a connection to this snapshot's file. Returns `None` when the file has
    /// been swapped since and no open connection to this version is idle; the caller then
    /// retries on the current snapshot.
    pub fn with_connection<T>(&self, work: impl FnOnce(&Connection) -> T) -> Option<T> {
        let idle = self.idle_connections.lock().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => self.open_same_version()?,
        };
        let result = work(&conn);
        self.idle_connections.lock().push(conn);
        Some(result)
    }

    /// A new connection, only if the path still holds this snapshot's inode before and after
    /// opening it (an inode never returns to the path once renamed over).
    fn open_same_version(&self) -> Option<Connection> {
        let unchanged = || FileIdentity::of(&self.path).ok() == Some(self.identity);
        if !unchanged() {
            return None;
        }
        let conn = open_read_only(&self.path).ok()?;
        unchanged().then_some(conn)
    }
}

struct Loaded {
    identity: FileIdentity,
    snapshot: Result<Arc<Snapshot>, Arc<KoboError>>,
}

/// The library file at a path, reloaded whenever the file there is replaced.
pub struct LibraryStore {
    path: PathBuf,
    loaded: Mutex<Option<Loaded>>,
    /// Version of the last snapshot loaded: what pages are served from. Read on every status
    /// poll, so it is kept apart from the load lock and costs no system call.
    served_version: RwLock<Option<String>>,
}

impl LibraryStore {
    pub fn new(path: PathBuf) -> LibraryStore {
        LibraryStore { path, loaded: Mutex::new(None), served_version: RwLock::new(None) }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The snapshot of the file now at the path, loading it on first use of a new version.
    /// A file that cannot be read is remembered per version, so it is not reopened per request.
    pub fn current(&self) -> Result<Arc<Snapshot>, KoboError> {
        let identity = match FileIdentity::of(&self.path) {
            Ok(identity) => identity,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Err(KoboError::Missing),
            Err(err) => return Err(KoboError::Open(err)),
        };
        let mut loaded = self.loaded.lock();
        if let Some(current) = loaded.as_ref().filter(|l| l.identity == identity) {
            return current.snapshot.clone().map_err(KoboError::Remembered);
        }
        let started = Instant::now();
        let snapshot = Snapshot::load(&self.path, &self.path, identity).map(Arc::new).map_err(Arc::new);
        match &snapshot {
            Ok(snapshot) => tracing::info!(
                version = %snapshot.version,
                items = snapshot.entries.len(),
                elapsed_ms = started.elapsed().as_millis() as u64,
                "library loaded"
            ),
            Err(err) => tracing::warn!(path = %self.path.display(), error = %err, "library cannot be served"),
        }
        if let Ok(snapshot) = &snapshot {
            *self.served_version.write() = Some(snapshot.version.clone());
        }
        *loaded = Some(Loaded { identity, snapshot: snapshot.clone() });
        snapshot.map_err(KoboError::Remembered)
    }

    /// Loads a downloaded file before it is renamed into place (its inode, size and mtime are
    /// already final), so the swap can install it at once; see [`LibraryStore::install`].
    pub fn load_before_swap(&self, downloaded: &Path) -> Result<Arc<Snapshot>, KoboError> {
        let identity = FileIdentity::of(downloaded)?;
        Snapshot::load(downloaded, &self.path, identity).map(Arc::new)
    }

    /// Serves a snapshot from [`LibraryStore::load_before_swap`] once its file is in place.
    pub fn install(&self, snapshot: Arc<Snapshot>) {
        let mut loaded = self.loaded.lock();
        *self.served_version.write() = Some(snapshot.version.clone());
        tracing::info!(version = %snapshot.version, items = snapshot.entries.len(), "library installed");
        *loaded = Some(Loaded { identity: snapshot.identity, snapshot: Ok(snapshot) });
    }

    /// Version of the library now served (the last one loaded), `None` before the first.
    pub fn served_version(&self) -> Option<String> {
        self.served_version.read().clone()
    }
}
