//! Components shared by the pages.

pub mod header;
pub mod shelf_message;
pub mod sync_badge;

pub use header::Header;
pub use shelf_message::{NotFound, ShelfMessage};
