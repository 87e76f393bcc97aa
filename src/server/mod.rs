//! Everything that runs only on the server: the services (reading the Kobo file, syncing it,
//! search, markups, login, settings…), which know nothing of HTTP, and `http` above them.

pub mod appdb;
pub mod archive;
pub mod auth;
pub mod cli;
pub mod covers;
pub mod dates;
pub mod demo;
pub mod export;
pub mod http;
pub mod markups;
pub mod precompressed;
pub mod push;
pub mod rendered;
pub mod replica;
pub mod request;
pub mod search;
pub mod services;
pub mod settings;
pub mod shelf;
pub mod sibling_cache;
pub mod sync;

pub use http::request_theme;
