//! Types shared by the server and the browser, one file per subject.
//!
//! Everything here derives serde once and is used on both sides (server functions carry these
//! types; the browser decodes those its island calls). Re-exported flat so callers write `model::BookDetail`.

mod book;
mod error;
#[cfg(feature = "ssr")]
mod from_device;
mod health;
mod library;
mod search;
mod site;
mod stats;
mod sync;
mod url;

pub use book::*;
pub use error::*;
pub use health::*;
pub use library::*;
pub use search::*;
pub use site::*;
pub use stats::*;
pub use sync::*;
pub use url::*;
