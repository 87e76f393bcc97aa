//! Everything that runs only on the server.

mod api;
mod app_state;
pub mod cli;
pub mod demo;
pub mod kobo;
mod serve;
pub mod settings;
pub mod sync;

pub use app_state::{app_state, request_snapshot, AppState, RequestLibrary};
