//! The reader's library, without the web: the device file synced from the bucket (`sync`), the
//! archive of everything it ever held (`archive`) and its copies off the machine (`replica`),
//! the one merge of both the pages see (`shelf`), search, the daily review, login without HTTP
//! (`auth`), exports,
//! settings, `kobo-shelf push`, the demo library, and `services`, the one place that builds
//! them all from the settings.
//!
//! It depends on the Kobo reader (`kobo-reader`) and the shared wire types
//! (`kobo-shelf-model`), on tokio and rust-s3; never on Leptos or axum (`cargo tree -p
//! kobo-shelf-domain`). Errors are `thiserror` enums that keep their sources; the web app maps
//! them to statuses once.

pub mod appdb;
pub mod archive;
pub mod auth;
pub mod cards;
pub mod covers;
pub mod dates;
pub mod demo;
pub mod drawn_text;
pub mod edits;
pub mod export;
pub mod markups;
pub mod memory;
pub mod push;
pub mod replica;
pub mod review;
pub mod search;
pub mod services;
pub mod settings;
pub mod shelf;
pub mod sibling_cache;
pub mod sync;

/// The wire types, as `crate::model` like everywhere in kobo-shelf.
use kobo_shelf_model as model;
