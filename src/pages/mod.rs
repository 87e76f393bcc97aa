//! One module per page, each with the server functions it calls.

pub mod book;
pub mod health;
pub mod library;
pub mod login;
pub mod review;
pub mod search;
pub mod settings;
pub mod stats;
pub mod tags;

pub use book::BookPage;
pub use health::HealthPage;
pub use library::LibraryPage;
pub use login::LoginPage;
pub use review::ReviewPage;
pub use search::SearchPage;
pub use settings::SettingsPage;
pub use stats::StatsPage;
pub use tags::TagsPage;
