//! Single-user login, with no HTTP in it: an argon2 password hash, signed expiring session
//! tokens naming sessions that logout ends on the server, a per-client limit on login attempts,
//! and the read API's token. The web app's HTTP layer carries the tokens in cookies and headers and puts
//! the login in front of every page, server function and API.

mod rate_limit;
mod session;
mod sessions;

use super::{
    dates::unix_seconds,
    settings::{ExposeSecret, LoginSettings},
};
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use hmac::Mac;
use rate_limit::LoginRateLimit;
use session::SessionKey;
use sessions::SessionStore;
use std::{
    net::IpAddr,
    time::{Duration, Instant, SystemTime},
};
use subtle::ConstantTimeEq;

/// Why a login could not be opened, ended or set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the session store cannot be read or written: {0}")]
    Sessions(#[from] rusqlite::Error),
    #[error("the password cannot be hashed: {0}")]
    Hash(argon2::password_hash::Error),
}

/// Login attempts allowed per client and minute.
const ATTEMPTS_PER_MINUTE: usize = 5;

/// The signed-in user of a request (a request extension) and the session it came with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn {
    pub user: String,
    pub session_id: String,
}

pub struct Auth {
    username: String,
    password_hash: String,
    key: SessionKey,
    sessions: SessionStore,
    session_length: Duration,
    limiter: LoginRateLimit,
    /// SHA-256 of the read API's token, when one is set: compared digest to digest, so the
    /// comparison takes the same time whatever a guess's length or how much of it is right.
    api_token_digest: Option<[u8; 32]>,
}

impl Auth {
    /// Login with `settings`, its sessions kept in the app database `conn`.
    pub fn new(settings: &LoginSettings, conn: rusqlite::Connection) -> Result<Auth, AuthError> {
        let key = SessionKey::new(settings.session_secret.expose_secret());
        let sessions = SessionStore::open(conn, &password_tag(settings), unix_now())?;
        Ok(Auth {
            username: settings.username.clone(),
            password_hash: settings.password_hash.clone(),
            key,
            sessions,
            session_length: settings.session_length,
            limiter: LoginRateLimit::new(ATTEMPTS_PER_MINUTE, Duration::from_secs(60)),
            api_token_digest: settings.api_token.as_ref().map(|token| digest(token.expose_secret())),
        })
    }

    /// Whether `token` is the API token (constant time).
    pub fn api_token_matches(&self, token: &str) -> bool {
        let Some(expected) = &self.api_token_digest else { return false };
        bool::from(digest(token).ct_eq(expected))
    }

    /// The session of the first of `tokens` that is a genuine, current session token of this
    /// user, still open on the server.
    pub fn signed_in<'a>(&self, tokens: impl IntoIterator<Item = &'a str>) -> Option<SignedIn> {
        let now = SystemTime::now();
        tokens
            .into_iter()
            .filter_map(|token| self.key.verify(token, now))
            .find(|session| {
                session.user == self.username && self.sessions.is_live(&session.id, &session.user, unix_now())
            })
            .map(|session| SignedIn { user: session.user, session_id: session.id })
    }

    /// Constant-time over the username, and the (slow) password check always runs, so timing
    /// says nothing about which of the two was wrong. Blocking.
    pub fn credentials_match(&self, username: &str, password: &str) -> bool {
        let name_matches: bool = username.as_bytes().ct_eq(self.username.as_bytes()).into();
        let password_matches = PasswordHash::new(&self.password_hash)
            .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok());
        name_matches & password_matches
    }

    /// Records a login attempt from `client`, or says how long it must wait.
    pub fn attempt(&self, client: IpAddr) -> Result<(), Duration> {
        self.limiter.attempt(client, Instant::now())
    }

    /// Forgets `client`'s attempts after it signed in.
    pub fn forget_attempts(&self, client: IpAddr) {
        self.limiter.clear(client);
    }

    /// Opens a session; the token that names it, valid for [`Auth::session_length`]. Blocking
    /// (one database write).
    pub fn sign_in(&self) -> Result<String, AuthError> {
        let expires = SystemTime::now() + self.session_length;
        let id = self.sessions.open_session(&self.username, unix_seconds(expires))?;
        Ok(self.key.issue(&self.username, &id, expires))
    }

    /// How long a session lasts.
    pub fn session_length(&self) -> Duration {
        self.session_length
    }

    /// Ends `session` on the server. Blocking.
    pub fn sign_out(&self, session: &SignedIn) -> Result<(), AuthError> {
        self.sessions.end(&session.session_id)
    }
}

/// Names the configured password without revealing it: sessions opened with another password
/// hash end when the store opens.
fn password_tag(settings: &LoginSettings) -> String {
    let mut mac = <hmac::Hmac<sha2::Sha256>>::new_from_slice(settings.session_secret.expose_secret().as_bytes())
        .expect("HMAC takes a key of any length");
    mac.update(settings.password_hash.as_bytes());
    mac.finalize().into_bytes().iter().take(16).map(|byte| format!("{byte:02x}")).collect()
}

fn digest(text: &str) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).into()
}

fn unix_now() -> u64 {
    unix_seconds(SystemTime::now())
}

/// 32 random bytes from the operating system, as URL-safe base64 (43 characters): session
/// ids and the review feed's token.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    argon2::password_hash::rand_core::RngCore::fill_bytes(&mut OsRng, &mut bytes);
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
}

/// An argon2id hash (PHC string) of a password, for `KOBO_SHELF_PASSWORD_HASH`.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|hash| hash.to_string()).map_err(AuthError::Hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Secret;

    fn settings() -> LoginSettings {
        LoginSettings {
            username: "reader".into(),
            password_hash: hash_password("correct horse").unwrap(),
            session_secret: Secret::from("0123456789abcdef0123456789abcdef"),
            session_length: Duration::from_secs(3600),
            secure_cookie: true,
            behind_proxy: true,
            api_token: Some(Secret::from("an-api-token-for-scripts-0123456789")),
        }
    }

    fn auth(dir: &std::path::Path, settings: &LoginSettings) -> Auth {
        Auth::new(settings, crate::appdb::open(dir).unwrap()).unwrap()
    }

    #[test]
    fn only_the_exact_api_token_opens_the_api() {
        let dir = tempfile::tempdir().unwrap();
        let with_token = auth(dir.path(), &settings());
        assert!(with_token.api_token_matches("an-api-token-for-scripts-0123456789"));
        for wrong in ["", "an-api-token-for-scripts-012345678", "an-api-token-for-scripts-01234567890"] {
            assert!(!with_token.api_token_matches(wrong), "{wrong:?}");
        }
        let without = auth(dir.path(), &LoginSettings { api_token: None, ..settings() });
        assert!(!without.api_token_matches("an-api-token-for-scripts-0123456789"));
    }

    #[test]
    fn credentials_need_both_name_and_password() {
        let dir = tempfile::tempdir().unwrap();
        let auth = auth(dir.path(), &settings());
        assert!(auth.credentials_match("reader", "correct horse"));
        assert!(!auth.credentials_match("reader", "wrong"));
        assert!(!auth.credentials_match("Reader", "correct horse"));
        assert!(!auth.credentials_match("", ""));
    }

    #[test]
    fn a_session_token_signs_in_until_sign_out() {
        let dir = tempfile::tempdir().unwrap();
        let auth = auth(dir.path(), &settings());
        let token = auth.sign_in().unwrap();
        let signed_in = auth.signed_in(["forged.value", token.as_str()]).expect("signed in");
        assert_eq!(signed_in.user, "reader");
        assert_eq!(auth.signed_in(["forged.value"]), None);
        auth.sign_out(&signed_in).unwrap();
        assert_eq!(auth.signed_in([token.as_str()]), None, "the old token no longer works");
    }

    #[test]
    fn changing_the_password_ends_every_session() {
        let dir = tempfile::tempdir().unwrap();
        let old = settings();
        let token = auth(dir.path(), &old).sign_in().unwrap();
        assert!(auth(dir.path(), &old).signed_in([token.as_str()]).is_some(), "kept across a restart");
        let new = LoginSettings { password_hash: hash_password("new horse").unwrap(), ..old };
        assert_eq!(auth(dir.path(), &new).signed_in([token.as_str()]), None);
    }

    #[test]
    fn hashes_are_argon2id() {
        let hash = hash_password("pw").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
    }
}
