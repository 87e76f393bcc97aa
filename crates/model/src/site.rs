//! What every page needs: settings shown, the header, login state, the theme.

use super::BadgeSettings;
use serde::{Deserialize, Serialize};

/// Where a setting's value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SettingOrigin {
    Default,
    File,
    Environment,
}

impl SettingOrigin {
    pub fn label(self) -> &'static str {
        match self {
            SettingOrigin::Default => "default",
            SettingOrigin::File => "Leptos.toml",
            SettingOrigin::Environment => "environment",
        }
    }
}

/// One line of the settings page; secrets arrive here already masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingRow {
    pub env: String,
    pub file_key: Option<String>,
    pub value: String,
    pub origin: SettingOrigin,
    /// What the setting does.
    pub doc: String,
}

/// The settings page: every setting and the state of the served database.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingsInfo {
    pub rows: Vec<SettingRow>,
    pub config_file: Option<String>,
    pub database_path: String,
    pub db_version: Option<String>,
    pub items: Option<usize>,
    /// Why the database cannot be served, when it cannot.
    pub library_problem: Option<String>,
    /// The login user, or `None` when login is off.
    pub login_user: Option<String>,
    pub app_version: String,
    /// "N annotations (M deleted on the device), K versions, S MB", or why it is unknown.
    pub archive: String,
    /// The archive's copies off the machine; `None` when replication is off.
    pub replica: Option<ReplicaInfo>,
    /// The review feed's address (path and secret token); `None` when it could not be made.
    pub review_feed: Option<String>,
}

/// The archive's replication, as the settings page tells it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaInfo {
    /// Where the copies are kept (`s3://bucket/folder`).
    pub folder: String,
    pub encrypted: bool,
    /// "copy 12: 1.21 MB, 4000 annotations, made 3 min ago"; `None` before the first.
    pub last_copy: Option<String>,
    /// The last upload's failure, while uploads fail.
    pub last_error: Option<String>,
    /// Why no copy is made.
    pub paused: Option<String>,
    /// The copy this archive was restored from at start.
    pub restored_from: Option<String>,
}

/// What the header needs from the server when the page is rendered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HeaderInfo {
    /// Version of the database this page was rendered from.
    pub db_version: Option<String>,
    pub badge: BadgeSettings,
    pub login_enabled: bool,
    /// The signed-in user, when login is on.
    pub user: Option<String>,
    pub theme: Theme,
    /// Cards of today's review still to answer; `None` for a visitor who may not see them.
    #[serde(default)]
    pub review_open: Option<usize>,
}

/// What the login page needs to know.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginState {
    pub enabled: bool,
    pub user: Option<String>,
    /// Where to go after logging in: the page's `next`, if it is a path on this site, else `/`.
    pub next: String,
}

/// Colour theme: the system's, or one the reader chose (remembered in a cookie, so the server
/// renders it and nothing flashes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    #[default]
    System,
    Light,
    Dark,
}

impl Theme {
    pub const COOKIE: &'static str = "kobo_shelf_theme";

    pub fn from_slug(slug: &str) -> Theme {
        match slug {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::System,
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// What the theme button switches to.
    pub fn next(self) -> Theme {
        match self {
            Theme::System => Theme::Light,
            Theme::Light => Theme::Dark,
            Theme::Dark => Theme::System,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "Theme: system",
            Theme::Light => "Theme: light",
            Theme::Dark => "Theme: dark",
        }
    }
}
