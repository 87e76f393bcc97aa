//! The types the server and the browser share, one file per subject: what server functions
//! carry to pages (the library, a book, search results, statistics, the sync status, the
//! settings page) and how they read in URLs and on the page (`format`).
//!
//! Everything here derives serde once and compiles for both sides (the browser decodes what
//! its island calls); it knows no web framework. Re-exported flat so callers write
//! `model::BookDetail`. With the `kobo-reader` feature (the server's), the Kobo reader's records
//! convert into these types (`from_device`).

pub mod format;

mod book;
mod devices;
#[cfg(feature = "kobo-reader")]
mod from_device;
mod health;
mod library;
mod review;
mod search;
mod site;
mod stats;
mod sync;
mod url;

pub use book::*;
pub use devices::{combined as combined_sync_status, DeviceSyncStatus};
pub use health::*;
pub use library::*;
pub use review::*;
pub use search::*;
pub use site::*;
pub use stats::*;
pub use sync::*;
pub use url::*;
