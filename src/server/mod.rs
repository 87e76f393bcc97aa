//! Everything that runs only on the server.

mod api;
mod app_state;
pub mod auth;
pub mod cli;
pub mod demo;
pub mod export;
pub mod kobo;
pub mod markups;
pub mod search;
mod serve;
pub mod settings;
mod theme;
pub mod sync;

pub use app_state::{app_state, blocking, request_snapshot, request_theme, signed_in_user, AppState, RequestLibrary};
