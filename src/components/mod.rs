//! Components shared by the pages.

pub mod annotation_edit;
pub mod charts;
pub mod color_filter;
pub mod cover;
pub mod filter_select;
pub mod header;
mod highlight;
mod loaded;
pub mod query;
pub mod save_offline;
pub mod share_card;
pub mod shelf_message;
pub mod sync_badge;

pub use header::Header;
pub use highlight::{HighlightItem, TagList};
pub use loaded::loaded;
pub use shelf_message::{NotFound, ShelfMessage};
