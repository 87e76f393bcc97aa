//! Why a device file cannot be served: one error type for everything `kobo` reads. Its words
//! are for the reader ("it is not a Kobo database"): the page says "The library file cannot be
//! read: " before them.

/// What went wrong reading one `KoboReader.sqlite`.
#[derive(Debug, thiserror::Error)]
pub enum KoboError {
    /// No file at the path yet: the first sync has not finished.
    #[error("the library has not been fetched yet")]
    Missing,
    #[error("it is not a SQLite database")]
    NotSqlite,
    /// A SQLite file without the tables and columns a Kobo writes.
    #[error("it is not a Kobo database ({0})")]
    NotKobo(String),
    #[error("it cannot be opened ({0})")]
    Open(#[from] std::io::Error),
    /// SQLite refused the file itself (corrupt, not a database).
    #[error("{}", describe_sqlite_error(.0))]
    Database(#[source] rusqlite::Error),
    /// A query failed; `what` names what it was reading ("its statistics").
    #[error("{what} cannot be read ({source})")]
    Read {
        what: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    /// The file was replaced by a sync while a request was reading it.
    #[error("the library file changed while it was read; reload the page")]
    Swapped,
    /// A version that failed to load, remembered so it is not reopened for every request.
    #[error(transparent)]
    Remembered(std::sync::Arc<KoboError>),
}

impl KoboError {
    /// A failed query reading `what`.
    pub fn reading(what: &'static str) -> impl FnOnce(rusqlite::Error) -> KoboError {
        move |source| KoboError::Read { what, source }
    }
}

/// Turns SQLite's open/read errors into what a reader of the page understands.
pub fn describe_sqlite_error(err: &rusqlite::Error) -> String {
    match err.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => "it is not a SQLite database".to_string(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => "the SQLite file is corrupt".to_string(),
        Some(rusqlite::ErrorCode::CannotOpen) => "it cannot be opened".to_string(),
        _ => format!("SQLite says: {err}"),
    }
}
