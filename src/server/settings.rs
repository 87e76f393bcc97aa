//! The app's settings: `Leptos.toml` (the documented settings file) overridden by environment
//! variables. Every value is validated at start; a bad one stops the server with one line naming
//! the setting. Secrets come only from the environment and never appear in `Debug` output.

use crate::model::{BadgeSettings, SettingOrigin, SettingRow};
use std::{
    collections::HashMap,
    fmt,
    path::{Path, PathBuf},
    time::Duration,
};

/// File name of the local copy inside the data directory.
pub const DATABASE_FILE_NAME: &str = "KoboReader.sqlite";

/// One setting: its environment variable and, unless it is a secret, its key in `Leptos.toml`.
struct Key {
    env: &'static str,
    file: Option<&'static str>,
}

const fn key(env: &'static str, file: &'static str) -> Key {
    Key { env, file: Some(file) }
}

/// A secret: read only from the environment.
const fn secret(env: &'static str) -> Key {
    Key { env, file: None }
}

const DATA_DIR: Key = key("KOBO_SHELF_DATA_DIR", "data_dir");
const SOURCE: Key = key("KOBO_SHELF_SOURCE", "source");
const S3_ENDPOINT: Key = key("KOBO_SHELF_S3_ENDPOINT", "s3.endpoint");
const S3_REGION: Key = key("KOBO_SHELF_S3_REGION", "s3.region");
const S3_PATH_STYLE: Key = key("KOBO_SHELF_S3_PATH_STYLE", "s3.path_style");
const S3_ACCESS_KEY_ID: Key = secret("KOBO_SHELF_S3_ACCESS_KEY_ID");
const S3_SECRET_ACCESS_KEY: Key = secret("KOBO_SHELF_S3_SECRET_ACCESS_KEY");
const CHECK_INTERVAL: Key = key("KOBO_SHELF_CHECK_INTERVAL_SECS", "sync.check_interval_secs");
const STALL_TIMEOUT: Key = key("KOBO_SHELF_STALL_TIMEOUT_SECS", "sync.stall_timeout_secs");
const DOWNLOAD_TIMEOUT: Key = key("KOBO_SHELF_DOWNLOAD_TIMEOUT_SECS", "sync.download_timeout_secs");
const BADGE_POLL: Key = key("KOBO_SHELF_BADGE_POLL_INTERVAL_MS", "badge.poll_interval_ms");
const BADGE_ATTEMPTS: Key = key("KOBO_SHELF_BADGE_MAX_ATTEMPTS", "badge.max_attempts");
const USERNAME: Key = key("KOBO_SHELF_USERNAME", "login.username");
const PASSWORD_HASH: Key = key("KOBO_SHELF_PASSWORD_HASH", "login.password_hash");
const SESSION_SECRET: Key = secret("KOBO_SHELF_SESSION_SECRET");
const SESSION_DAYS: Key = key("KOBO_SHELF_SESSION_DAYS", "login.session_days");
const SECURE_COOKIE: Key = key("KOBO_SHELF_SECURE_COOKIE", "login.secure_cookie");
const BEHIND_PROXY: Key = key("KOBO_SHELF_BEHIND_PROXY", "login.behind_proxy");
const PUBLIC_URL: Key = key("KOBO_SHELF_PUBLIC_URL", "public_url");
const EXPORT_TEMPLATE: Key = key("KOBO_SHELF_EXPORT_TEMPLATE", "export.template");
const API_TOKEN: Key = secret("KOBO_SHELF_API_TOKEN");

/// A session secret or API token shorter than this is refused.
const MIN_SESSION_SECRET: usize = 32;

const ALL_KEYS: [&Key; 21] = [
    &DATA_DIR,
    &SOURCE,
    &S3_ENDPOINT,
    &S3_REGION,
    &S3_PATH_STYLE,
    &S3_ACCESS_KEY_ID,
    &S3_SECRET_ACCESS_KEY,
    &CHECK_INTERVAL,
    &STALL_TIMEOUT,
    &DOWNLOAD_TIMEOUT,
    &BADGE_POLL,
    &BADGE_ATTEMPTS,
    &USERNAME,
    &PASSWORD_HASH,
    &SESSION_SECRET,
    &SESSION_DAYS,
    &SECURE_COOKIE,
    &BEHIND_PROXY,
    &PUBLIC_URL,
    &EXPORT_TEMPLATE,
    &API_TOKEN,
];

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
        match ALL_KEYS.iter().find(|key| key.env == env) {
            Some(key) => SettingsError::new(key, problem),
            None => SettingsError { setting: env.to_string(), problem: problem.into() },
        }
    }

    fn file(path: &Path, problem: impl Into<String>) -> SettingsError {
        SettingsError { setting: path.display().to_string(), problem: problem.into() }
    }
}

/// A value that must never be logged or shown.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Secret {
        Secret(text.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

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

impl fmt::Display for SourceLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceLocation::File(path) => write!(f, "file://{}", path.display()),
            SourceLocation::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

/// How to reach an S3-compatible service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Settings {
    pub endpoint: String,
    pub region: String,
    pub path_style: bool,
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
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

/// Single-user login; absent when no username is set (login off).
#[derive(Clone, Debug, PartialEq, Eq)]
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

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub config_file: Option<PathBuf>,
    pub data_dir: PathBuf,
    pub source: SourceLocation,
    /// The source is the embedded default (the demo library is written there when missing).
    pub source_is_default: bool,
    pub s3: Option<S3Settings>,
    pub sync: SyncSettings,
    pub badge: BadgeSettings,
    pub login: Option<LoginSettings>,
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
        let data_dir = PathBuf::from(raw.text(&DATA_DIR).unwrap_or("./data"));
        let (source, source_is_default) = match raw.text(&SOURCE) {
            Some(text) => (parse_source(text)?, false),
            None => (SourceLocation::File(default_source_path(&data_dir)), true),
        };
        let s3 = match source {
            SourceLocation::S3 { .. } => Some(raw.s3()?),
            SourceLocation::File(_) => None,
        };
        let sync = SyncSettings {
            check_interval: Duration::from_secs(raw.number(&CHECK_INTERVAL, 10, 0..=86_400)?),
            stall_timeout: Duration::from_secs(raw.number(&STALL_TIMEOUT, 30, 1..=3_600)?),
            download_timeout: Duration::from_secs(raw.number(&DOWNLOAD_TIMEOUT, 3_600, 1..=86_400)?),
        };
        let badge = BadgeSettings {
            poll_interval_ms: raw.number(&BADGE_POLL, 1_000, 50..=60_000)? as u32,
            max_attempts: raw.number(&BADGE_ATTEMPTS, 120, 1..=10_000)? as u32,
        };
        Ok(Settings {
            config_file: file.map(|(path, _)| path.to_path_buf()),
            data_dir,
            source,
            source_is_default,
            s3,
            sync,
            badge,
            login: raw.login()?,
            public_origin: raw.text(&PUBLIC_URL).map(parse_public_url).transpose()?,
            export_template: raw.text(&EXPORT_TEMPLATE).map(PathBuf::from),
            origins: raw.origins(),
        })
    }

    /// The local copy that is served: `<data dir>/KoboReader.sqlite`.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE_NAME)
    }

    /// What the settings page shows, secrets masked.
    pub fn rows(&self) -> Vec<SettingRow> {
        ALL_KEYS
            .iter()
            .map(|key| SettingRow {
                env: key.env.to_string(),
                file_key: key.file.map(str::to_string),
                value: self.display_value(key),
                origin: self.origins.get(key.env).copied().unwrap_or(SettingOrigin::Default),
            })
            .collect()
    }

    fn display_value(&self, key: &Key) -> String {
        let s3 = self.s3.as_ref();
        let not_used = || "(not used: the source is not S3)".to_string();
        match key.env {
            "KOBO_SHELF_DATA_DIR" => self.data_dir.display().to_string(),
            "KOBO_SHELF_SOURCE" => self.source.to_string(),
            "KOBO_SHELF_S3_ENDPOINT" => s3.map_or_else(not_used, |s3| s3.endpoint.clone()),
            "KOBO_SHELF_S3_REGION" => s3.map_or_else(not_used, |s3| s3.region.clone()),
            "KOBO_SHELF_S3_PATH_STYLE" => s3.map_or_else(not_used, |s3| s3.path_style.to_string()),
            "KOBO_SHELF_S3_ACCESS_KEY_ID" => s3.map_or_else(not_used, |s3| mask_key_id(s3.access_key_id.expose())),
            "KOBO_SHELF_S3_SECRET_ACCESS_KEY" => s3.map_or_else(not_used, |_| "set (hidden)".to_string()),
            "KOBO_SHELF_CHECK_INTERVAL_SECS" => self.sync.check_interval.as_secs().to_string(),
            "KOBO_SHELF_STALL_TIMEOUT_SECS" => self.sync.stall_timeout.as_secs().to_string(),
            "KOBO_SHELF_DOWNLOAD_TIMEOUT_SECS" => self.sync.download_timeout.as_secs().to_string(),
            "KOBO_SHELF_BADGE_POLL_INTERVAL_MS" => self.badge.poll_interval_ms.to_string(),
            "KOBO_SHELF_BADGE_MAX_ATTEMPTS" => self.badge.max_attempts.to_string(),
            "KOBO_SHELF_USERNAME" => {
                self.login.as_ref().map_or_else(|| "(not set: login is off)".into(), |l| l.username.clone())
            }
            "KOBO_SHELF_PASSWORD_HASH" | "KOBO_SHELF_SESSION_SECRET" => {
                self.login.as_ref().map_or_else(login_off, |_| "set (hidden)".into())
            }
            "KOBO_SHELF_SESSION_DAYS" => {
                self.login.as_ref().map_or_else(login_off, |l| (l.session_length.as_secs() / 86_400).to_string())
            }
            "KOBO_SHELF_SECURE_COOKIE" => self.login.as_ref().map_or_else(login_off, |l| l.secure_cookie.to_string()),
            "KOBO_SHELF_BEHIND_PROXY" => self.login.as_ref().map_or_else(login_off, |l| l.behind_proxy.to_string()),
            "KOBO_SHELF_PUBLIC_URL" => {
                self.public_origin.clone().unwrap_or_else(|| "(not set: the request's Host is the site)".into())
            }
            "KOBO_SHELF_EXPORT_TEMPLATE" => self
                .export_template
                .as_ref()
                .map_or_else(|| "(not set: the built-in layout)".into(), |path| path.display().to_string()),
            "KOBO_SHELF_API_TOKEN" => self.login.as_ref().map_or_else(login_off, |login| match login.api_token {
                Some(_) => "set (hidden)".into(),
                None => "(not set: only a login opens the API)".into(),
            }),
            _ => String::new(),
        }
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

fn login_off() -> String {
    "(not used: login is off)".to_string()
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
        if !ALL_KEYS.iter().any(|key| key.file == Some(name.as_str())) {
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
    if let Some(rest) = text.strip_prefix("s3://") {
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() || key.is_empty() || key.ends_with('/') {
            return Err(SettingsError::new(
                &SOURCE,
                format!("expected s3://<bucket>/<key of KoboReader.sqlite>, got `{text}`"),
            ));
        }
        Ok(SourceLocation::S3 { bucket: bucket.to_string(), key: key.to_string() })
    } else if let Some(path) = text.strip_prefix("file://") {
        if !path.starts_with('/') {
            return Err(SettingsError::new(
                &SOURCE,
                format!("a file:// source needs an absolute path (file:///path/to/KoboReader.sqlite), got `{text}`"),
            ));
        }
        Ok(SourceLocation::File(PathBuf::from(path)))
    } else {
        Err(SettingsError::new(&SOURCE, format!("must start with s3:// or file://, got `{text}`")))
    }
}

/// The values found for each key, before they are typed.
struct RawSettings {
    values: HashMap<&'static str, (String, SettingOrigin)>,
}

impl RawSettings {
    fn collect(table: &toml::Table, env: &impl Fn(&str) -> Option<String>) -> Result<RawSettings, SettingsError> {
        let mut values = HashMap::new();
        for key in ALL_KEYS {
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

    fn number(&self, key: &Key, default: u64, range: std::ops::RangeInclusive<u64>) -> Result<u64, SettingsError> {
        let Some(text) = self.text(key) else { return Ok(default) };
        match text.parse::<u64>() {
            Ok(value) if range.contains(&value) => Ok(value),
            _ => Err(SettingsError::new(
                key,
                format!("expected a whole number from {} to {}, got `{text}`", range.start(), range.end()),
            )),
        }
    }

    fn boolean(&self, key: &Key, default: bool) -> Result<bool, SettingsError> {
        match self.text(key).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(default),
            Some("true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(other) => Err(SettingsError::new(key, format!("expected true or false, got `{other}`"))),
        }
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
            session_secret: Secret(session_secret.to_string()),
            session_length: Duration::from_secs(self.number(&SESSION_DAYS, 7, 1..=365)? * 86_400),
            secure_cookie: self.boolean(&SECURE_COOKIE, false)?,
            behind_proxy: self.boolean(&BEHIND_PROXY, false)?,
            api_token: self.long_secret(&API_TOKEN)?.map(|token| Secret(token.to_string())),
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
        let region = self.text(&S3_REGION).unwrap_or("us-east-1").to_string();
        let endpoint = match self.text(&S3_ENDPOINT) {
            Some(endpoint) => validate_endpoint(endpoint)?,
            None => format!("https://s3.{region}.amazonaws.com"),
        };
        let custom_endpoint = self.text(&S3_ENDPOINT).is_some();
        let why = "when the source is s3://";
        Ok(S3Settings {
            endpoint,
            region,
            path_style: self.boolean(&S3_PATH_STYLE, custom_endpoint)?,
            access_key_id: Secret(self.required(&S3_ACCESS_KEY_ID, why)?.to_string()),
            secret_access_key: Secret(self.required(&S3_SECRET_ACCESS_KEY, why)?.to_string()),
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
        Some(other) => {
            Err(SettingsError::new(key, format!("expected text, a number or true/false, got {}", other.type_str())))
        }
    }
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
        let cases: [Case; 6] = [
            ("", &[("KOBO_SHELF_SOURCE", "ftp://x/y")], "KOBO_SHELF_SOURCE"),
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
        assert_eq!(load("", &[]).unwrap().login, None);
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
        assert_eq!(login.api_token, None);
        let token = "t".repeat(32);
        let with_token = [&full[..], &[("KOBO_SHELF_API_TOKEN", token.as_str())]].concat();
        let settings = load("", &with_token).unwrap();
        assert_eq!(settings.login.as_ref().unwrap().api_token.as_ref().map(Secret::expose), Some(token.as_str()));
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
    fn the_file_rejects_unknown_keys_secrets_and_bad_toml() {
        let err = load("data_dri = \"x\"", &[]).unwrap_err();
        assert!(err.problem.contains("unknown setting `data_dri`"), "{err}");
        let err = load("[s3]\nsecret_access_key = \"x\"", &[]).unwrap_err();
        assert!(err.problem.contains("secrets are read only from the environment"), "{err}");
        let err = load("data_dir = ", &[]).unwrap_err();
        assert_eq!(err.setting, "Leptos.toml");
    }
}
