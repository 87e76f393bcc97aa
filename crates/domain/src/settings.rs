//! The app's settings: `Leptos.toml` (the documented settings file) overridden by environment
//! variables. Every value is validated at start; a bad one stops the server with one line naming
//! the setting. Secrets come only from the environment and never appear in `Debug` output.

use crate::model::{BadgeSettings, HighlightColor, OfflineSettings, SettingOrigin, SettingRow};
pub use secrecy::ExposeSecret;
use std::{
    collections::HashMap,
    fmt,
    path::{Path, PathBuf},
    time::Duration,
};

/// File name of the local copy inside the data directory.
pub const DATABASE_FILE_NAME: &str = "KoboReader.sqlite";

/// One setting, declared once in [`SETTINGS`]: where it is read, its default, what it does
/// and how `check-config` and the settings page show the value in use.
pub struct Key {
    pub env: &'static str,
    /// Its key in `Leptos.toml`; `None` for a secret, read only from the environment.
    pub file: Option<&'static str>,
    fallback: Fallback,
    /// One line on what it does, for the settings page and `check-config`.
    pub doc: &'static str,
    /// The value in use as shown: secrets masked, "not used" where another setting turns it off.
    show: fn(&Settings) -> String,
}

/// What a setting is when neither the file nor the environment sets it.
enum Fallback {
    /// This value, parsed like a given one.
    Value(&'static str),
    /// Worked out from other settings, as described.
    Derived(&'static str),
    /// Nothing: the feature it configures is off.
    Unset,
}

impl Key {
    /// The default as the docs state it.
    pub fn default_text(&self) -> &'static str {
        match self.fallback {
            Fallback::Value(text) | Fallback::Derived(text) => text,
            Fallback::Unset => "not set",
        }
    }
}

/// Declares each setting once: a constant the parsing code names, and its row in [`SETTINGS`].
macro_rules! settings {
    ($($name:ident = $env:literal, $file:expr, $fallback:expr, $doc:literal, $show:expr;)+) => {
        $(const $name: Key = Key { env: $env, file: $file, fallback: $fallback, doc: $doc, show: $show };)+
        /// Every setting, in the order they are shown.
        pub const SETTINGS: &[&Key] = &[$(&$name),+];
    };
}

use Fallback::{Derived, Unset, Value};

settings! {
    DATA_DIR = "KOBO_SHELF_DATA_DIR", Some("data_dir"), Value("./data"),
        "folder of the local copy (<data dir>/KoboReader.sqlite) and the archive",
        |s| s.data_dir.display().to_string();
    SOURCE = "KOBO_SHELF_SOURCE", Some("source"),
        Derived("file://<data dir>/source/KoboReader.sqlite, where the demo library is written"),
        "where the database comes from: s3://<bucket>/<key> or file:///<path>",
        |s| s.source.to_string();
    DEVICES = "KOBO_SHELF_DEVICES", Some("devices"),
        Derived("one device, `kobo`, whose database is the source above"),
        "several Kobos, instead of the one source: name=source pairs, comma-separated ([[devices]] tables in Leptos.toml)",
        |s| s.devices.iter().map(|device| format!("{}={}", device.name, device.source)).collect::<Vec<_>>().join(", ");
    S3_ENDPOINT = "KOBO_SHELF_S3_ENDPOINT", Some("s3.endpoint"), Derived("https://s3.<region>.amazonaws.com"),
        "endpoint URL of the S3 service",
        |s| s3_value(s, |s3| s3.endpoint.clone());
    S3_REGION = "KOBO_SHELF_S3_REGION", Some("s3.region"), Value("us-east-1"),
        "region name used to sign requests",
        |s| s3_value(s, |s3| s3.region.clone());
    S3_PATH_STYLE = "KOBO_SHELF_S3_PATH_STYLE", Some("s3.path_style"), Derived("true with a custom endpoint"),
        "path-style addressing (https://host/bucket/key)",
        |s| s3_value(s, |s3| s3.path_style.to_string());
    S3_ACCESS_KEY_ID = "KOBO_SHELF_S3_ACCESS_KEY_ID", None, Unset,
        "the S3 access key id (environment only)",
        |s| s3_value(s, |s3| mask_key_id(s3.access_key_id.expose_secret()));
    S3_SECRET_ACCESS_KEY = "KOBO_SHELF_S3_SECRET_ACCESS_KEY", None, Unset,
        "the S3 secret access key (environment only)",
        |s| s3_value(s, |_| HIDDEN.into());
    CHECK_INTERVAL = "KOBO_SHELF_CHECK_INTERVAL_SECS", Some("sync.check_interval_secs"), Value("10"),
        "after a check found the copy current, checks within this many seconds do not ask the bucket",
        |s| s.sync.check_interval.as_secs().to_string();
    STALL_TIMEOUT = "KOBO_SHELF_STALL_TIMEOUT_SECS", Some("sync.stall_timeout_secs"), Value("30"),
        "a download that receives no byte for this many seconds fails",
        |s| s.sync.stall_timeout.as_secs().to_string();
    DOWNLOAD_TIMEOUT = "KOBO_SHELF_DOWNLOAD_TIMEOUT_SECS", Some("sync.download_timeout_secs"), Value("3600"),
        "a download that takes longer than this many seconds in all fails",
        |s| s.sync.download_timeout.as_secs().to_string();
    BADGE_POLL = "KOBO_SHELF_BADGE_POLL_INTERVAL_MS", Some("badge.poll_interval_ms"), Value("1000"),
        "how often the header badge polls the sync status, in milliseconds",
        |s| s.badge.poll_interval_ms.to_string();
    BADGE_ATTEMPTS = "KOBO_SHELF_BADGE_MAX_ATTEMPTS", Some("badge.max_attempts"), Value("120"),
        "how many polls before the badge says the sync timed out",
        |s| s.badge.max_attempts.to_string();
    USERNAME = "KOBO_SHELF_USERNAME", Some("login.username"), Unset,
        "turns the single-user login on",
        |s| s.login.as_ref().map_or_else(|| "(not set: login is off)".into(), |login| login.username.clone());
    PASSWORD_HASH = "KOBO_SHELF_PASSWORD_HASH", Some("login.password_hash"), Unset,
        "argon2 hash of the password (`kobo-shelf hash-password`)",
        |s| login_value(s, |_| HIDDEN.into());
    SESSION_SECRET = "KOBO_SHELF_SESSION_SECRET", None, Unset,
        "signs session cookies, 32+ characters (environment only)",
        |s| login_value(s, |_| HIDDEN.into());
    SESSION_DAYS = "KOBO_SHELF_SESSION_DAYS", Some("login.session_days"), Value("7"),
        "how many days a login lasts",
        |s| login_value(s, |login| (login.session_length.as_secs() / 86_400).to_string());
    SECURE_COOKIE = "KOBO_SHELF_SECURE_COOKIE", Some("login.secure_cookie"), Value("false"),
        "mark the session cookie Secure (the site is served over HTTPS)",
        |s| login_value(s, |login| login.secure_cookie.to_string());
    BEHIND_PROXY = "KOBO_SHELF_BEHIND_PROXY", Some("login.behind_proxy"), Value("false"),
        "count login attempts per X-Forwarded-For client (behind a reverse proxy)",
        |s| login_value(s, |login| login.behind_proxy.to_string());
    PUBLIC_URL = "KOBO_SHELF_PUBLIC_URL", Some("public_url"), Derived("the request's Host is the site"),
        "the site's origin as browsers see it; requests that change state must come from it",
        |s| s.public_origin.clone().unwrap_or_else(|| "(not set: the request's Host is the site)".into());
    EXPORT_TEMPLATE = "KOBO_SHELF_EXPORT_TEMPLATE", Some("export.template"), Derived("the built-in layout"),
        "a Jinja2 template for the Markdown export",
        |s| s.export_template.as_ref().map_or_else(|| "(not set: the built-in layout)".into(), |path| path.display().to_string());
    ARCHIVE_REPLICA = "KOBO_SHELF_ARCHIVE_REPLICA", Some("archive.replica"),
        Derived("the folder archive/ beside the source's database; off for the embedded demo"),
        "where copies of the archive are kept: s3://<bucket>/<folder>, file:///<folder>, or off",
        |s| s.replica.as_ref().map_or_else(|| "off".into(), |replica| replica.folder.to_string());
    ARCHIVE_KEEP = "KOBO_SHELF_ARCHIVE_KEEP", Some("archive.keep"), Value("10"),
        "how many copies of the archive are kept (older ones are deleted)",
        |s| replica_value(s, |replica| replica.keep.to_string());
    ARCHIVE_KEY = "KOBO_SHELF_ARCHIVE_KEY", None, Unset,
        "encrypts the archive's copies: an age identity (`kobo-shelf archive new-key`; environment only)",
        |s| replica_value(s, |replica| match replica.key {
            Some(_) => HIDDEN.into(),
            None => "(not set: copies are not encrypted)".into(),
        });
    OFFLINE_PAGES = "KOBO_SHELF_OFFLINE_PAGES", Some("offline.pages"), Value("200"),
        "pages each browser keeps for reading offline at most (least recently used out first); 0 turns it off",
        |s| s.offline.pages.to_string();
    OFFLINE_MB = "KOBO_SHELF_OFFLINE_MB", Some("offline.megabytes"), Value("50"),
        "megabytes of pages each browser keeps for reading offline at most",
        |s| s.offline.megabytes.to_string();
    REVIEW_CARDS = "KOBO_SHELF_REVIEW_CARDS", Some("review.cards"), Value("10"),
        "highlights in a day's review at most",
        |s| s.review.cards_per_day.to_string();
    REVIEW_NEW = "KOBO_SHELF_REVIEW_NEW_PER_DAY", Some("review.new_per_day"), Value("5"),
        "highlights never reviewed that enter the review each day at most",
        |s| s.review.new_per_day.to_string();
    REVIEW_COLOURS = "KOBO_SHELF_REVIEW_COLOURS", Some("review.colours"), Derived("every colour"),
        "only highlights of these colours enter the review: yellow, pink, blue, green, grey, comma-separated",
        |s| if s.review.colours.is_empty() { "(not set: every colour)".into() } else { s.review.colours.join(", ") };
    REVIEW_COLLECTIONS = "KOBO_SHELF_REVIEW_COLLECTIONS", Some("review.collections"), Derived("every book"),
        "only highlights of books in these Kobo collections enter the review, comma-separated",
        |s| if s.review.collections.is_empty() { "(not set: every book)".into() } else { s.review.collections.join(", ") };
    API_TOKEN = "KOBO_SHELF_API_TOKEN", None, Unset,
        "opens the read API (/api/v1/) as a bearer token, 32+ characters (environment only)",
        |s| login_value(s, |login| match login.api_token {
            Some(_) => HIDDEN.into(),
            None => "(not set: only a login opens the API)".into(),
        });
}

/// A comma-separated list, each item trimmed, empty ones left out.
fn list(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|item| !item.is_empty()).map(String::from).collect()
}

/// How a secret that is set is shown.
const HIDDEN: &str = "set (hidden)";

/// A setting of the S3 source, or why it is not used.
fn s3_value(settings: &Settings, show: impl Fn(&S3Settings) -> String) -> String {
    settings.s3.as_ref().map_or_else(|| "(not used: the source is not S3)".into(), show)
}

/// A setting of the archive's replication, or why it is not used.
fn replica_value(settings: &Settings, show: impl Fn(&ReplicaSettings) -> String) -> String {
    settings.replica.as_ref().map_or_else(|| "(not used: replication is off)".into(), show)
}

/// A setting of the login, or why it is not used.
fn login_value(settings: &Settings, show: impl Fn(&LoginSettings) -> String) -> String {
    settings.login.as_ref().map_or_else(|| "(not used: login is off)".into(), show)
}

/// A session secret or API token shorter than this is refused.
const MIN_SESSION_SECRET: usize = 32;

/// A setting that is missing or wrong; its `Display` is the one line the server stops with.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid setting {setting}: {problem}")]
pub struct SettingsError {
    pub setting: String,
    pub problem: String,
}

impl SettingsError {
    fn new(key: &Key, problem: impl Into<String>) -> SettingsError {
        let setting = match key.file {
            Some(file) => format!("{} (`{file}` in Leptos.toml)", key.env),
            None => key.env.to_string(),
        };
        SettingsError { setting, problem: problem.into() }
    }

    /// A problem with the setting whose environment variable is `env`, found outside this
    /// module (e.g. a template that does not compile).
    pub fn named(env: &str, problem: impl Into<String>) -> SettingsError {
        match SETTINGS.iter().find(|key| key.env == env) {
            Some(key) => SettingsError::new(key, problem),
            None => SettingsError { setting: env.to_string(), problem: problem.into() },
        }
    }

    fn file(path: &Path, problem: impl Into<String>) -> SettingsError {
        SettingsError { setting: path.display().to_string(), problem: problem.into() }
    }
}

/// A value that must never be logged or shown: its `Debug` prints `[REDACTED]`, and its memory
/// is zeroed when dropped. `expose_secret()` (trait `ExposeSecret`) is the one way to read it.
pub type Secret = secrecy::SecretString;

/// Where the database comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceLocation {
    /// A local file (a synced folder, or the embedded demo).
    File(PathBuf),
    S3 {
        bucket: String,
        key: String,
    },
}

impl SourceLocation {
    /// `name` in the folder this location is in: the archive's copies beside the database.
    pub fn sibling(&self, name: &str) -> SourceLocation {
        match self {
            SourceLocation::File(path) => SourceLocation::File(path.with_file_name(name)),
            SourceLocation::S3 { bucket, key } => {
                let folder = key.rsplit_once('/').map_or("", |(folder, _)| folder);
                let key = if folder.is_empty() { name.to_string() } else { format!("{folder}/{name}") };
                SourceLocation::S3 { bucket: bucket.clone(), key }
            }
        }
    }

    /// `name` inside this location, taken as a folder.
    pub fn child(&self, name: &str) -> SourceLocation {
        match self {
            SourceLocation::File(path) => SourceLocation::File(path.join(name)),
            SourceLocation::S3 { bucket, key } => {
                SourceLocation::S3 { bucket: bucket.clone(), key: format!("{}/{name}", key.trim_end_matches('/')) }
            }
        }
    }
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceLocation::File(path) => write!(f, "file://{}", path.display()),
            SourceLocation::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

/// How to reach an S3-compatible service.
#[derive(Clone, Debug)]
pub struct S3Settings {
    pub endpoint: String,
    pub region: String,
    pub path_style: bool,
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
}

/// How many highlights a day's review brings and which (see `review`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewSettings {
    /// Highlights in a day's review at most.
    pub cards_per_day: usize,
    /// Highlights never reviewed that enter it each day at most.
    pub new_per_day: usize,
    /// Only highlights of these colours (slugs) enter it; empty: every colour.
    pub colours: Vec<String>,
    /// Only highlights of books in these Kobo collections enter it; empty: every book.
    pub collections: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncSettings {
    /// After a check that found the copy current, further checks within this interval answer
    /// from memory instead of asking the bucket.
    pub check_interval: Duration,
    /// A download that receives no byte for this long fails.
    pub stall_timeout: Duration,
    /// A download that takes longer than this in all fails.
    pub download_timeout: Duration,
}

/// Copies of the archive kept off the machine (see `replica`); absent when replication is off.
#[derive(Clone, Debug)]
pub struct ReplicaSettings {
    /// The folder holding the copies and their manifests.
    pub folder: SourceLocation,
    /// How many copies are kept.
    pub keep: usize,
    /// An age identity (`AGE-SECRET-KEY-1…`): copies are encrypted to it.
    pub key: Option<Secret>,
}

/// Single-user login; absent when no username is set (login off).
#[derive(Clone, Debug)]
pub struct LoginSettings {
    pub username: String,
    /// argon2 PHC string (`kobo-shelf hash-password` makes one).
    pub password_hash: String,
    pub session_secret: Secret,
    pub session_length: Duration,
    /// Mark the cookie `Secure` (the site is served over HTTPS).
    pub secure_cookie: bool,
    /// A reverse proxy in front appends the client's address to `X-Forwarded-For`; login
    /// attempts are then counted per that address instead of the proxy's.
    pub behind_proxy: bool,
    /// Opens the read API (`/api/v1/*`) as `Authorization: Bearer <token>`, for scripts.
    pub api_token: Option<Secret>,
}

/// One Kobo the library takes in: its short name (in paths, keys and the archive) and where
/// its database comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSource {
    pub name: String,
    pub source: SourceLocation,
}

/// A device given this name continues the history of a single-source setup.
pub use crate::archive::SINGLE_DEVICE;

#[derive(Clone, Debug)]
pub struct Settings {
    pub config_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    /// Every device, the first the one whose folder the archive's copies go beside.
    pub devices: Vec<DeviceSource>,
    /// The first device's source.
    pub source: SourceLocation,
    /// The source is the embedded default (the demo library is written there when missing).
    pub source_is_default: bool,
    pub s3: Option<S3Settings>,
    pub sync: SyncSettings,
    pub badge: BadgeSettings,
    pub offline: OfflineSettings,
    pub review: ReviewSettings,
    pub login: Option<LoginSettings>,
    pub replica: Option<ReplicaSettings>,
    /// The site's origin as browsers see it (`https://books.example.org`), when set: requests
    /// that change state must come from it, even when a proxy rewrites `Host`.
    pub public_origin: Option<String>,
    /// The reader's Markdown export template (minijinja), instead of the built-in layout.
    pub export_template: Option<PathBuf>,
    origins: HashMap<&'static str, SettingOrigin>,
}

impl Settings {
    /// Reads `Leptos.toml` (or the file named by `KOBO_SHELF_CONFIG`) and the environment.
    pub fn from_environment() -> Result<Settings, SettingsError> {
        let (config_file, explicit) = match std::env::var_os("KOBO_SHELF_CONFIG") {
            Some(path) => (PathBuf::from(path), true),
            None => (PathBuf::from("Leptos.toml"), false),
        };
        let text = match std::fs::read_to_string(&config_file) {
            Ok(text) => Some(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound && !explicit => None,
            Err(err) => return Err(SettingsError::file(&config_file, format!("cannot read: {err}"))),
        };
        let file = text.as_deref().map(|text| (config_file.as_path(), text));
        Settings::load(file, |name| std::env::var(name).ok())
    }

    /// Builds settings from an optional settings file (path, text) and an environment lookup.
    pub fn load(file: Option<(&Path, &str)>, env: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let table = match file {
            Some((path, text)) => parse_file(path, text)?,
            None => toml::Table::new(),
        };
        let raw = RawSettings::collect(&table, &env)?;
        let data_dir = PathBuf::from(raw.value(&DATA_DIR).unwrap_or_default());
        let (devices, source_is_default) = raw.devices(&data_dir)?;
        let source = devices[0].source.clone();
        let replica = raw.replica(&source, source_is_default)?;
        let replica_in_s3 = matches!(replica, Some(ReplicaSettings { folder: SourceLocation::S3 { .. }, .. }));
        let any_in_s3 = devices.iter().any(|device| matches!(device.source, SourceLocation::S3 { .. }));
        let s3 = if any_in_s3 || replica_in_s3 { Some(raw.s3()?) } else { None };
        let sync = SyncSettings {
            check_interval: Duration::from_secs(raw.number(&CHECK_INTERVAL, 0..=86_400)?),
            stall_timeout: Duration::from_secs(raw.number(&STALL_TIMEOUT, 1..=3_600)?),
            download_timeout: Duration::from_secs(raw.number(&DOWNLOAD_TIMEOUT, 1..=86_400)?),
        };
        let badge = BadgeSettings {
            poll_interval_ms: raw.number(&BADGE_POLL, 50..=60_000)? as u32,
            max_attempts: raw.number(&BADGE_ATTEMPTS, 1..=10_000)? as u32,
        };
        Ok(Settings {
            config_file: file.map(|(path, _)| path.to_path_buf()),
            data_dir,
            devices,
            source,
            source_is_default,
            s3,
            sync,
            badge,
            offline: OfflineSettings {
                pages: raw.number(&OFFLINE_PAGES, 0..=10_000)? as u32,
                megabytes: raw.number(&OFFLINE_MB, 1..=2_000)? as u32,
            },
            review: raw.review()?,
            login: raw.login()?,
            replica,
            public_origin: raw.text(&PUBLIC_URL).map(parse_public_url).transpose()?,
            export_template: raw.text(&EXPORT_TEMPLATE).map(PathBuf::from),
            origins: raw.origins(),
        })
    }

    /// The local copy that is served: `<data dir>/KoboReader.sqlite`.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE_NAME)
    }

    /// The local copy of `device`: the single device's where it always was, any other's in
    /// `<data dir>/devices/<name>/`.
    pub fn database_path_of(&self, device: &str) -> PathBuf {
        match device {
            SINGLE_DEVICE => self.database_path(),
            name => self.data_dir.join("devices").join(name).join(DATABASE_FILE_NAME),
        }
    }

    /// What the settings page shows, secrets masked.
    pub fn rows(&self) -> Vec<SettingRow> {
        SETTINGS
            .iter()
            .map(|key| SettingRow {
                env: key.env.to_string(),
                file_key: key.file.map(str::to_string),
                value: (key.show)(self),
                doc: key.doc.to_string(),
                origin: self.origins.get(key.env).copied().unwrap_or(SettingOrigin::Default),
            })
            .collect()
    }
}

/// `https://books.example.org[:port][/]` → its origin `https://books.example.org[:port]`.
fn parse_public_url(text: &str) -> Result<String, SettingsError> {
    let problem =
        || SettingsError::new(&PUBLIC_URL, format!("must be http(s)://host[:port] with no path, got `{text}`"));
    let url = url::Url::parse(text).map_err(|_| problem())?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty();
    if !plain {
        return Err(problem());
    }
    Ok(url.origin().ascii_serialization())
}

/// Whether a setting holds an argon2 hash (PHC string) passwords can be checked against.
fn is_argon2_hash(text: &str) -> bool {
    argon2::PasswordHash::new(text).is_ok_and(|hash| hash.algorithm.as_str().starts_with("argon2"))
}

/// The embedded default source: a file under the data directory, where the demo is written.
pub fn default_source_path(data_dir: &Path) -> PathBuf {
    data_dir.join("source").join(DATABASE_FILE_NAME)
}

/// Shows the first four characters of an access key id, enough to tell keys apart.
fn mask_key_id(id: &str) -> String {
    let visible: String = id.chars().take(4).collect();
    format!("{visible}…")
}

fn parse_file(path: &Path, text: &str) -> Result<toml::Table, SettingsError> {
    let table: toml::Table =
        text.parse().map_err(|err: toml::de::Error| SettingsError::file(path, err.message().to_string()))?;
    for name in dotted_keys(&table, "") {
        if !SETTINGS.iter().any(|key| key.file == Some(name.as_str())) {
            let looks_secret = name.contains("secret") || name.contains("access_key");
            let problem = if looks_secret {
                format!("`{name}` is not allowed: secrets are read only from the environment")
            } else {
                format!("unknown setting `{name}`")
            };
            return Err(SettingsError::file(path, problem));
        }
    }
    Ok(table)
}

/// Every leaf key of a TOML table, as `section.key`.
fn dotted_keys(table: &toml::Table, prefix: &str) -> Vec<String> {
    table
        .iter()
        .flat_map(|(name, value)| {
            let full = format!("{prefix}{name}");
            match value {
                toml::Value::Table(inner) => dotted_keys(inner, &format!("{full}.")),
                _ => vec![full],
            }
        })
        .collect()
}

fn parse_source(text: &str) -> Result<SourceLocation, SettingsError> {
    parse_location(&SOURCE, text, "<key of KoboReader.sqlite>")
}

/// `s3://<bucket>/<key>` or `file:///<absolute path>`; `what` names the key in the error.
fn parse_location(setting: &Key, text: &str, what: &str) -> Result<SourceLocation, SettingsError> {
    if let Some(rest) = text.strip_prefix("s3://") {
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || key.is_empty() || key.ends_with('/') {
            return Err(SettingsError::new(setting, format!("expected s3://<bucket>/{what}, got `{text}`")));
        }
        Ok(SourceLocation::S3 { bucket: bucket.to_string(), key: key.to_string() })
    } else if let Some(path) = text.strip_prefix("file://") {
        if !path.starts_with('/') {
            return Err(SettingsError::new(
                setting,
                format!("a file:// location needs an absolute path (file:///path/to/…), got `{text}`"),
            ));
        }
        Ok(SourceLocation::File(PathBuf::from(path)))
    } else {
        Err(SettingsError::new(setting, format!("must start with s3:// or file://, got `{text}`")))
    }
}

/// The values found for each key, before they are typed.
struct RawSettings {
    values: HashMap<&'static str, (String, SettingOrigin)>,
}

impl RawSettings {
    fn collect(table: &toml::Table, env: &impl Fn(&str) -> Option<String>) -> Result<RawSettings, SettingsError> {
        let mut values = HashMap::new();
        for key in SETTINGS {
            let from_env = env(key.env).filter(|value| !value.trim().is_empty());
            let found = match from_env {
                Some(value) => Some((value.trim().to_string(), SettingOrigin::Environment)),
                None => lookup(table, key)?.map(|value| (value, SettingOrigin::File)),
            };
            if let Some(found) = found {
                values.insert(key.env, found);
            }
        }
        Ok(RawSettings { values })
    }

    fn origins(&self) -> HashMap<&'static str, SettingOrigin> {
        self.values.iter().map(|(env, (_, origin))| (*env, *origin)).collect()
    }

    fn text(&self, key: &Key) -> Option<&str> {
        self.values.get(key.env).map(|(value, _)| value.as_str())
    }

    fn required(&self, key: &Key, why: &str) -> Result<&str, SettingsError> {
        self.text(key).ok_or_else(|| SettingsError::new(key, format!("is required {why}")))
    }

    /// The value given, else the setting's default value.
    fn value(&self, key: &Key) -> Option<&str> {
        match key.fallback {
            Fallback::Value(default) => Some(self.text(key).unwrap_or(default)),
            Fallback::Derived(_) | Fallback::Unset => self.text(key),
        }
    }

    /// A whole number in `range` (a number setting always has a default value).
    fn number(&self, key: &Key, range: std::ops::RangeInclusive<u64>) -> Result<u64, SettingsError> {
        let text = self.value(key).unwrap_or_default();
        match text.parse::<u64>() {
            Ok(value) if range.contains(&value) => Ok(value),
            _ => Err(SettingsError::new(
                key,
                format!("expected a whole number from {} to {}, got `{text}`", range.start(), range.end()),
            )),
        }
    }

    /// True or false; `None` when not given and its default is derived.
    fn boolean(&self, key: &Key) -> Result<Option<bool>, SettingsError> {
        match self.value(key).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(None),
            Some("true" | "1" | "yes") => Ok(Some(true)),
            Some("false" | "0" | "no") => Ok(Some(false)),
            Some(other) => Err(SettingsError::new(key, format!("expected true or false, got `{other}`"))),
        }
    }

    /// The devices, and whether the one device is the embedded default: `KOBO_SHELF_DEVICES`
    /// (names unique, `[a-z0-9-]`, at most 32) or else the one device `kobo` of
    /// `KOBO_SHELF_SOURCE`; both at once is refused.
    fn devices(&self, data_dir: &Path) -> Result<(Vec<DeviceSource>, bool), SettingsError> {
        let Some(text) = self.text(&DEVICES) else {
            let (source, is_default) = match self.text(&SOURCE) {
                Some(text) => (parse_source(text)?, false),
                None => (SourceLocation::File(default_source_path(data_dir)), true),
            };
            return Ok((vec![DeviceSource { name: SINGLE_DEVICE.into(), source }], is_default));
        };
        if self.text(&SOURCE).is_some() {
            return Err(SettingsError::new(&DEVICES, "replaces KOBO_SHELF_SOURCE: set one of them, not both"));
        }
        let mut devices: Vec<DeviceSource> = Vec::new();
        for pair in list(text) {
            let (name, location) = pair.split_once('=').map(|(n, l)| (n.trim(), l.trim())).unwrap_or(("", ""));
            let valid = !name.is_empty()
                && name.len() <= 32
                && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
            if !valid {
                return Err(SettingsError::new(
                    &DEVICES,
                    format!("expected name=source with a name of a-z, 0-9 and -, at most 32, got `{pair}`"),
                ));
            }
            if devices.iter().any(|device| device.name == name) {
                return Err(SettingsError::new(&DEVICES, format!("names the device `{name}` twice")));
            }
            let source = parse_location(&DEVICES, location, "<key of KoboReader.sqlite>")?;
            devices.push(DeviceSource { name: name.to_string(), source });
        }
        if devices.is_empty() {
            return Err(SettingsError::new(&DEVICES, "names no device"));
        }
        Ok((devices, false))
    }

    /// The review's settings; colours by name, any case.
    fn review(&self) -> Result<ReviewSettings, SettingsError> {
        let colours = list(self.text(&REVIEW_COLOURS).unwrap_or_default());
        let colours = colours
            .iter()
            .map(|colour| match HighlightColor::parse(&colour.to_ascii_lowercase()) {
                Some(known) => Ok(known.slug().to_string()),
                None => Err(SettingsError::new(
                    &REVIEW_COLOURS,
                    format!("`{colour}` is not a colour (yellow, pink, blue, green, grey)"),
                )),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ReviewSettings {
            cards_per_day: self.number(&REVIEW_CARDS, 1..=500)? as usize,
            new_per_day: self.number(&REVIEW_NEW, 0..=500)? as usize,
            colours,
            collections: list(self.text(&REVIEW_COLLECTIONS).unwrap_or_default()),
        })
    }

    fn login(&self) -> Result<Option<LoginSettings>, SettingsError> {
        let Some(username) = self.text(&USERNAME) else { return Ok(None) };
        let why = "when KOBO_SHELF_USERNAME is set";
        let password_hash = self.required(&PASSWORD_HASH, why)?;
        if !is_argon2_hash(password_hash) {
            return Err(SettingsError::new(
                &PASSWORD_HASH,
                "is not an argon2 hash; make one with `kobo-shelf hash-password` (it reads the password on stdin)",
            ));
        }
        let session_secret = self
            .long_secret(&SESSION_SECRET)?
            .ok_or_else(|| SettingsError::new(&SESSION_SECRET, format!("is required {why}")))?;
        Ok(Some(LoginSettings {
            username: username.to_string(),
            password_hash: password_hash.to_string(),
            session_secret: Secret::from(session_secret),
            session_length: Duration::from_secs(self.number(&SESSION_DAYS, 1..=365)? * 86_400),
            secure_cookie: self.boolean(&SECURE_COOKIE)?.unwrap_or_default(),
            behind_proxy: self.boolean(&BEHIND_PROXY)?.unwrap_or_default(),
            api_token: self.long_secret(&API_TOKEN)?.map(Secret::from),
        }))
    }

    /// Replication of the archive: on by default beside a source the reader set (off for the
    /// embedded demo, whose folder is inside the data directory); `off` turns it off.
    fn replica(
        &self,
        source: &SourceLocation,
        source_is_default: bool,
    ) -> Result<Option<ReplicaSettings>, SettingsError> {
        let folder = match self.text(&ARCHIVE_REPLICA) {
            Some(text) if text.eq_ignore_ascii_case("off") => return Ok(None),
            Some(text) => parse_location(&ARCHIVE_REPLICA, text.trim_end_matches('/'), "<folder>")?,
            None if source_is_default => return Ok(None),
            None => source.sibling("archive"),
        };
        let key = self.text(&ARCHIVE_KEY).map(|key| match key.parse::<age::x25519::Identity>() {
            Ok(_) => Ok(Secret::from(key)),
            Err(_) => Err(SettingsError::new(
                &ARCHIVE_KEY,
                "must be an age identity (AGE-SECRET-KEY-1…): make one with `kobo-shelf archive new-key`",
            )),
        });
        Ok(Some(ReplicaSettings {
            folder,
            keep: self.number(&ARCHIVE_KEEP, 1..=1_000)? as usize,
            key: key.transpose()?,
        }))
    }

    /// A secret that must be long enough to guess: at least `MIN_SESSION_SECRET` characters.
    fn long_secret(&self, key: &Key) -> Result<Option<&str>, SettingsError> {
        match self.text(key) {
            Some(secret) if secret.chars().count() < MIN_SESSION_SECRET => Err(SettingsError::new(
                key,
                format!("must be at least {MIN_SESSION_SECRET} characters (e.g. `openssl rand -hex 32`)"),
            )),
            secret => Ok(secret),
        }
    }

    fn s3(&self) -> Result<S3Settings, SettingsError> {
        let region = self.value(&S3_REGION).unwrap_or_default().to_string();
        let endpoint = match self.text(&S3_ENDPOINT) {
            Some(endpoint) => validate_endpoint(endpoint)?,
            None => format!("https://s3.{region}.amazonaws.com"),
        };
        let custom_endpoint = self.text(&S3_ENDPOINT).is_some();
        let why = "when the source is s3://";
        Ok(S3Settings {
            endpoint,
            region,
            path_style: self.boolean(&S3_PATH_STYLE)?.unwrap_or(custom_endpoint),
            access_key_id: Secret::from(self.required(&S3_ACCESS_KEY_ID, why)?),
            secret_access_key: Secret::from(self.required(&S3_SECRET_ACCESS_KEY, why)?),
        })
    }
}

/// A value of the settings file as text, whatever its TOML type.
fn lookup(table: &toml::Table, key: &Key) -> Result<Option<String>, SettingsError> {
    let Some(path) = key.file else { return Ok(None) };
    let mut value: Option<&toml::Value> = None;
    let mut current = table;
    for part in path.split('.') {
        value = current.get(part);
        if let Some(toml::Value::Table(inner)) = value {
            current = inner;
        }
    }
    match value {
        None => Ok(None),
        Some(toml::Value::String(text)) if text.trim().is_empty() => Ok(None),
        Some(toml::Value::String(text)) => Ok(Some(text.trim().to_string())),
        Some(toml::Value::Integer(n)) => Ok(Some(n.to_string())),
        Some(toml::Value::Boolean(b)) => Ok(Some(b.to_string())),
        Some(toml::Value::Array(items)) if key.env == DEVICES.env => devices_text(items).map(Some),
        Some(other) => {
            Err(SettingsError::new(key, format!("expected text, a number or true/false, got {}", other.type_str())))
        }
    }
}

/// `[[devices]]` tables (`name`, `source`) as the environment's `name=source, …`.
fn devices_text(items: &[toml::Value]) -> Result<String, SettingsError> {
    let pair = |item: &toml::Value| {
        let field = |name: &str| item.get(name).and_then(toml::Value::as_str).map(str::trim);
        match (field("name"), field("source"), item.as_table().map(toml::Table::len)) {
            (Some(name), Some(source), Some(2)) => Ok(format!("{name}={source}")),
            _ => Err(SettingsError::new(&DEVICES, "each [[devices]] table has a name and a source, and nothing else")),
        }
    };
    Ok(items.iter().map(pair).collect::<Result<Vec<_>, _>>()?.join(", "))
}

fn validate_endpoint(endpoint: &str) -> Result<String, SettingsError> {
    let rest = endpoint.strip_prefix("https://").or_else(|| endpoint.strip_prefix("http://"));
    match rest {
        Some(host) if !host.is_empty() && !host.starts_with('/') && !host.contains(char::is_whitespace) => {
            Ok(endpoint.trim_end_matches('/').to_string())
        }
        _ => Err(SettingsError::new(
            &S3_ENDPOINT,
            format!("expected an http:// or https:// URL such as https://s3.eu-central-003.backblazeb2.com, got `{endpoint}`"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    fn load(file: &str, env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::load(Some((Path::new("Leptos.toml"), file)), env_of(env))
    }

    #[test]
    fn no_settings_at_all_use_the_embedded_demo_source() {
        let settings = Settings::load(None, env_of(&[])).unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("./data"));
        assert_eq!(settings.database_path(), PathBuf::from("./data/KoboReader.sqlite"));
        assert_eq!(settings.source, SourceLocation::File(PathBuf::from("./data/source/KoboReader.sqlite")));
        assert!(settings.source_is_default);
        assert_eq!(settings.sync.check_interval, Duration::from_secs(10));
        assert_eq!(settings.badge, BadgeSettings::default());
    }

    #[test]
    fn several_devices_each_with_a_name_and_a_source() {
        let s3 = [("KOBO_SHELF_S3_ACCESS_KEY_ID", "AKIAEXAMPLE"), ("KOBO_SHELF_S3_SECRET_ACCESS_KEY", "secret")];
        let devices = "libra=s3://books/libra/KoboReader.sqlite, kobo=file:///sync/old/KoboReader.sqlite";
        let settings = load("", &[&s3[..], &[("KOBO_SHELF_DEVICES", devices)]].concat()).unwrap();
        let names: Vec<(&str, String)> =
            settings.devices.iter().map(|device| (device.name.as_str(), device.source.to_string())).collect();
        assert_eq!(
            names,
            [
                ("libra", "s3://books/libra/KoboReader.sqlite".into()),
                ("kobo", "file:///sync/old/KoboReader.sqlite".into())
            ]
        );
        assert!(settings.s3.is_some() && !settings.source_is_default);
        assert_eq!(settings.database_path_of("kobo"), PathBuf::from("./data/KoboReader.sqlite"));
        assert_eq!(settings.database_path_of("libra"), PathBuf::from("./data/devices/libra/KoboReader.sqlite"));

        let file = "[[devices]]\nname = \"clara\"\nsource = \"file:///sync/clara/KoboReader.sqlite\"\n\n\
                    [[devices]]\nname = \"libra\"\nsource = \"file:///sync/libra/KoboReader.sqlite\"\n";
        let from_file = load(file, &[]).unwrap();
        assert_eq!(from_file.devices.iter().map(|device| device.name.as_str()).collect::<Vec<_>>(), ["clara", "libra"]);
        assert!(from_file.s3.is_none(), "no device in S3");

        let single = load("", &[("KOBO_SHELF_SOURCE", "file:///sync/KoboReader.sqlite")]).unwrap();
        assert_eq!(
            single.devices,
            [DeviceSource { name: "kobo".into(), source: SourceLocation::File("/sync/KoboReader.sqlite".into()) }],
            "today's settings are the one device `kobo`"
        );
    }

    #[test]
    fn bad_devices_are_refused_naming_the_problem() {
        let refused = |file: &str, env: &[(&str, &str)], says: &str| {
            let err = load(file, env).unwrap_err();
            assert!(err.to_string().contains(says), "{err}");
        };
        let devices = |text| [("KOBO_SHELF_DEVICES", text)];
        refused("", &devices("Libra=file:///a/KoboReader.sqlite"), "a-z, 0-9 and -");
        refused("", &devices("file:///a/KoboReader.sqlite"), "expected name=source");
        refused("", &devices("a=file:///x/K.sqlite, a=file:///y/K.sqlite"), "names the device `a` twice");
        refused("", &devices("a=ftp://x/y"), "must start with s3:// or file://");
        refused("", &devices(" , "), "names no device");
        refused("", &devices("a=s3://books/a/KoboReader.sqlite"), "KOBO_SHELF_S3_ACCESS_KEY_ID");
        let both = [("KOBO_SHELF_SOURCE", "file:///a/K.sqlite"), ("KOBO_SHELF_DEVICES", "b=file:///b/K.sqlite")];
        refused("", &both, "set one of them, not both");
        refused("[[devices]]\nname = \"a\"\n", &[], "has a name and a source");
    }

    #[test]
    fn environment_overrides_the_file() {
        let file = "data_dir = \"/srv/kobo\"\n[sync]\ncheck_interval_secs = 30\n";
        let settings = load(file, &[("KOBO_SHELF_CHECK_INTERVAL_SECS", "5")]).unwrap();
        assert_eq!(settings.data_dir, PathBuf::from("/srv/kobo"));
        assert_eq!(settings.sync.check_interval, Duration::from_secs(5));
        let rows = settings.rows();
        let row = rows.iter().find(|r| r.env == "KOBO_SHELF_CHECK_INTERVAL_SECS").unwrap();
        assert_eq!(row.origin, SettingOrigin::Environment);
        let row = rows.iter().find(|r| r.env == "KOBO_SHELF_DATA_DIR").unwrap();
        assert_eq!(row.origin, SettingOrigin::File);
    }

    #[test]
    fn s3_source_needs_credentials_and_masks_them() {
        let env = [
            ("KOBO_SHELF_SOURCE", "s3://books/kobo/KoboReader.sqlite"),
            ("KOBO_SHELF_S3_ENDPOINT", "http://127.0.0.1:9000/"),
        ];
        let err = load("", &env).unwrap_err();
        assert_eq!(err.setting, "KOBO_SHELF_S3_ACCESS_KEY_ID");
        let mut env = env.to_vec();
        env.push(("KOBO_SHELF_S3_ACCESS_KEY_ID", "AKIAEXAMPLE"));
        env.push(("KOBO_SHELF_S3_SECRET_ACCESS_KEY", "very-secret-value"));
        let settings = load("", &env).unwrap();
        let s3 = settings.s3.as_ref().unwrap();
        assert_eq!(s3.endpoint, "http://127.0.0.1:9000");
        assert!(s3.path_style);
        assert_eq!(
            settings.source,
            SourceLocation::S3 { bucket: "books".into(), key: "kobo/KoboReader.sqlite".into() }
        );
        let shown = format!("{settings:?} {:?}", settings.rows());
        assert!(!shown.contains("very-secret-value"), "{shown}");
        assert!(!shown.contains("AKIAEXAMPLE"), "{shown}");
    }

    #[test]
    fn the_archive_is_copied_beside_a_source_the_reader_set_unless_told_otherwise() {
        let s3 = [
            ("KOBO_SHELF_SOURCE", "s3://books/kobo/KoboReader.sqlite"),
            ("KOBO_SHELF_S3_ACCESS_KEY_ID", "AKIAEXAMPLE"),
            ("KOBO_SHELF_S3_SECRET_ACCESS_KEY", "very-secret-value"),
        ];
        let replica = load("", &s3).unwrap().replica.unwrap();
        assert_eq!(replica.folder, SourceLocation::S3 { bucket: "books".into(), key: "kobo/archive".into() });
        assert_eq!((replica.keep, replica.key.is_none()), (10, true));
        let at_root = load("", &[&s3[1..], &[("KOBO_SHELF_SOURCE", "s3://books/KoboReader.sqlite")]].concat());
        assert_eq!(at_root.unwrap().replica.unwrap().folder.to_string(), "s3://books/archive");
        let file = load("", &[("KOBO_SHELF_SOURCE", "file:///sync/kobo/KoboReader.sqlite")]).unwrap();
        assert_eq!(file.replica.unwrap().folder, SourceLocation::File(PathBuf::from("/sync/kobo/archive")));
        assert!(load("", &[]).unwrap().replica.is_none(), "the embedded demo keeps no copies");
        let off = [&s3[..], &[("KOBO_SHELF_ARCHIVE_REPLICA", "off")]].concat();
        assert!(load("", &off).unwrap().replica.is_none());

        // Another bucket (same service and keys) from a file source, and a key.
        let key = age::x25519::Identity::generate().to_string().expose_secret().to_string();
        let elsewhere = load(
            "[archive]\nreplica = \"s3://backups/kobo-shelf/\"\nkeep = 3\n",
            &[
                ("KOBO_SHELF_SOURCE", "file:///sync/KoboReader.sqlite"),
                ("KOBO_SHELF_S3_ACCESS_KEY_ID", "AKIAEXAMPLE"),
                ("KOBO_SHELF_S3_SECRET_ACCESS_KEY", "very-secret-value"),
                ("KOBO_SHELF_ARCHIVE_KEY", key.as_str()),
            ],
        )
        .unwrap();
        let replica = elsewhere.replica.as_ref().unwrap();
        assert_eq!(replica.folder.to_string(), "s3://backups/kobo-shelf");
        assert_eq!(replica.keep, 3);
        assert!(elsewhere.s3.is_some() && replica.key.is_some());
        let shown = format!("{elsewhere:?} {:?}", elsewhere.rows());
        assert!(!shown.contains(&key), "{shown}");

        for (name, value) in [
            ("KOBO_SHELF_ARCHIVE_REPLICA", "ftp://x/y"),
            ("KOBO_SHELF_ARCHIVE_REPLICA", "s3://bucket-only"),
            ("KOBO_SHELF_ARCHIVE_KEEP", "0"),
            ("KOBO_SHELF_ARCHIVE_KEY", "a passphrase"),
        ] {
            let err = load("", &[&s3[..], &[(name, value)]].concat()).unwrap_err();
            assert!(err.setting.starts_with(name), "{name}={value}: {err}");
        }
        let needs_keys = load("", &[("KOBO_SHELF_ARCHIVE_REPLICA", "s3://backups/kobo")]).unwrap_err();
        assert_eq!(needs_keys.setting, "KOBO_SHELF_S3_ACCESS_KEY_ID");
    }

    #[test]
    fn the_public_url_is_an_origin() {
        let settings = load("", &[("KOBO_SHELF_PUBLIC_URL", "https://Books.Example.org/")]).unwrap();
        assert_eq!(settings.public_origin.as_deref(), Some("https://books.example.org"));
        assert_eq!(load("", &[]).unwrap().public_origin, None);
        for bad in
            ["books.example.org", "https://books.example.org/shelf", "ftp://books.example.org", "https://u@x.org"]
        {
            let err = load("", &[("KOBO_SHELF_PUBLIC_URL", bad)]).unwrap_err();
            assert!(err.setting.starts_with("KOBO_SHELF_PUBLIC_URL"), "{bad}: {err}");
        }
    }

    #[test]
    fn bad_values_name_the_setting() {
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: [Case; 8] = [
            ("", &[("KOBO_SHELF_SOURCE", "ftp://x/y")], "KOBO_SHELF_SOURCE"),
            ("[review]\ncolours = \"pink, purple\"\n", &[], "KOBO_SHELF_REVIEW_COLOURS"),
            ("", &[("KOBO_SHELF_REVIEW_CARDS", "0")], "KOBO_SHELF_REVIEW_CARDS"),
            ("", &[("KOBO_SHELF_SOURCE", "s3://bucket-only")], "KOBO_SHELF_SOURCE"),
            ("", &[("KOBO_SHELF_SOURCE", "file://relative/path")], "KOBO_SHELF_SOURCE"),
            ("", &[("KOBO_SHELF_CHECK_INTERVAL_SECS", "soon")], "KOBO_SHELF_CHECK_INTERVAL_SECS"),
            ("[badge]\npoll_interval_ms = 1\n", &[], "KOBO_SHELF_BADGE_POLL_INTERVAL_MS"),
            (
                "",
                &[("KOBO_SHELF_SOURCE", "s3://b/k"), ("KOBO_SHELF_S3_ENDPOINT", "localhost:9000")],
                "KOBO_SHELF_S3_ENDPOINT",
            ),
        ];
        for (file, env, setting) in cases {
            let err = load(file, env).unwrap_err();
            assert!(err.setting.starts_with(setting), "{err}");
            assert!(err.to_string().starts_with("invalid setting "), "{err}");
        }
    }

    #[test]
    fn login_is_off_without_a_username_and_complete_with_one() {
        assert!(load("", &[]).unwrap().login.is_none());
        // An argon2id hash of "pw" (`kobo-shelf hash-password`): settings need not import auth.
        let hash = "$argon2id$v=19$m=19456,t=2,p=1$g7HTNM6uXIul3yYG342fGA$mrmUNUdkjWPsS/BkdHHfROu/UU32F/yaEUd/IrLPrzw";
        let secret = "s".repeat(40);
        let full = [
            ("KOBO_SHELF_USERNAME", "reader"),
            ("KOBO_SHELF_PASSWORD_HASH", hash),
            ("KOBO_SHELF_SESSION_SECRET", secret.as_str()),
        ];
        let login = load("", &full).unwrap().login.unwrap();
        assert_eq!(login.username, "reader");
        assert_eq!(login.session_length, Duration::from_secs(7 * 86_400));
        assert!(!login.secure_cookie);
        let rows = format!("{:?}", load("", &full).unwrap().rows());
        assert!(!rows.contains(&secret) && !rows.contains(hash), "{rows}");
        assert!(login.api_token.is_none());
        let token = "t".repeat(32);
        let with_token = [&full[..], &[("KOBO_SHELF_API_TOKEN", token.as_str())]].concat();
        let settings = load("", &with_token).unwrap();
        assert_eq!(
            settings.login.as_ref().unwrap().api_token.as_ref().map(ExposeSecret::expose_secret),
            Some(token.as_str())
        );
        let shown = format!("{settings:?} {:?}", settings.rows());
        assert!(!shown.contains(&token) && shown.contains("KOBO_SHELF_API_TOKEN"), "{shown}");
        let short = [&full[..], &[("KOBO_SHELF_API_TOKEN", "short")]].concat();
        assert!(load("", &short).unwrap_err().setting.starts_with("KOBO_SHELF_API_TOKEN"));
        let err = load("[login]\napi_token = \"x\"\n", &full).unwrap_err();
        assert!(err.problem.contains("unknown setting `login.api_token`"), "{err}");
        let cases: [(&[(&str, &str)], &str); 4] = [
            (&full[..1], "KOBO_SHELF_PASSWORD_HASH"),
            (&[full[0], ("KOBO_SHELF_PASSWORD_HASH", "hunter2"), full[2]], "KOBO_SHELF_PASSWORD_HASH"),
            (&full[..2], "KOBO_SHELF_SESSION_SECRET"),
            (&[full[0], full[1], ("KOBO_SHELF_SESSION_SECRET", "short")], "KOBO_SHELF_SESSION_SECRET"),
        ];
        for (env, setting) in cases {
            let err = load("", env).unwrap_err();
            assert!(err.setting.starts_with(setting), "{err}");
        }
    }

    #[test]
    fn every_setting_is_documented_where_operators_look() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
        let file = std::fs::read_to_string(root.join("Leptos.toml")).unwrap();
        for key in SETTINGS {
            assert!(readme.contains(&format!("`{}`", key.env)), "README's settings table lacks {}", key.env);
            assert!(file.contains(key.env), "Leptos.toml does not name {}", key.env);
            assert!(!key.doc.is_empty() && !key.default_text().is_empty(), "{}", key.env);
        }
        let rows = load("", &[]).unwrap().rows();
        assert_eq!(rows.len(), SETTINGS.len());
        assert!(rows.iter().all(|row| !row.value.is_empty() && !row.doc.is_empty()), "{rows:?}");
    }

    #[test]
    fn review_colours_are_read_from_the_file_or_the_environment() {
        let settings = load("[review]\ncolours = \" Pink,blue \"\n", &[]).unwrap();
        assert_eq!(settings.review.colours, ["pink", "blue"]);
        let settings = load("", &[("KOBO_SHELF_REVIEW_COLOURS", "GREEN"), ("KOBO_SHELF_REVIEW_CARDS", "3")]).unwrap();
        assert_eq!(
            (settings.review.colours.as_slice(), settings.review.cards_per_day),
            (&["green".to_string()][..], 3)
        );
        assert!(load("", &[]).unwrap().review.colours.is_empty(), "every colour by default");
    }

    #[test]
    fn the_file_rejects_unknown_keys_secrets_and_bad_toml() {
        let err = load("data_dri = \"x\"", &[]).unwrap_err();
        assert!(err.problem.contains("unknown setting `data_dri`"), "{err}");
        let err = load("[s3]\nsecret_access_key = \"x\"", &[]).unwrap_err();
        assert!(err.problem.contains("secrets are read only from the environment"), "{err}");
        let err = load("data_dir = ", &[]).unwrap_err();
        assert_eq!(err.setting, "Leptos.toml");
    }
}
