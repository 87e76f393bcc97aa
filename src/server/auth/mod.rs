//! Single-user login: an argon2 password hash, signed expiring session cookies (`HttpOnly`,
//! `SameSite=Lax`, `Secure` by setting), a per-address limit on login attempts, and the
//! middleware that protects every page, server function and API endpoint.

mod rate_limit;
mod routes;
mod session;

pub use routes::{reject_cross_site, require_login, routes, safe_next};
pub use session::cookie_value;

use super::settings::LoginSettings;
use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use axum::http::{header, HeaderMap};
use rate_limit::LoginRateLimit;
use session::{SessionKey, COOKIE_NAME};
use std::{
    net::IpAddr,
    time::{Duration, SystemTime},
};
use subtle::ConstantTimeEq;

/// Login attempts allowed per client address and minute.
const ATTEMPTS_PER_MINUTE: usize = 5;

/// The signed-in user of a request (a request extension).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIn(pub String);

pub struct Auth {
    username: String,
    password_hash: String,
    key: SessionKey,
    session_length: Duration,
    secure_cookie: bool,
    behind_proxy: bool,
    limiter: LoginRateLimit,
}

impl Auth {
    pub fn new(settings: &LoginSettings) -> Auth {
        Auth {
            username: settings.username.clone(),
            password_hash: settings.password_hash.clone(),
            key: SessionKey::new(settings.session_secret.expose()),
            session_length: settings.session_length,
            secure_cookie: settings.secure_cookie,
            behind_proxy: settings.behind_proxy,
            limiter: LoginRateLimit::new(ATTEMPTS_PER_MINUTE, Duration::from_secs(60)),
        }
    }

    /// The user a request's session cookie names, if it is genuine, current and for this user.
    pub fn user_of(&self, headers: &HeaderMap) -> Option<String> {
        let cookies = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok());
        cookies
            .filter_map(|header| cookie_value(header, COOKIE_NAME))
            .find_map(|value| self.key.verify(value, SystemTime::now()))
            .filter(|user| *user == self.username)
    }

    /// Constant-time over the username, and the (slow) password check always runs, so timing
    /// says nothing about which of the two was wrong.
    pub fn credentials_match(&self, username: &str, password: &str) -> bool {
        let name_matches: bool = username.as_bytes().ct_eq(self.username.as_bytes()).into();
        let password_matches = PasswordHash::new(&self.password_hash)
            .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok());
        name_matches & password_matches
    }

    /// The address login attempts are counted for: the peer, or behind a trusted reverse proxy
    /// the last address it appended to `X-Forwarded-For` (earlier ones the client can forge).
    fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.behind_proxy {
            return peer;
        }
        let forwarded = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).next_back();
        forwarded
            .and_then(|list| list.rsplit(',').next())
            .and_then(|last| last.trim().parse().ok())
            .unwrap_or(peer)
    }

    /// `Set-Cookie` value that signs the user in.
    fn session_cookie(&self) -> String {
        let value = self.key.issue(&self.username, SystemTime::now() + self.session_length);
        self.cookie(&value, self.session_length.as_secs())
    }

    /// `Set-Cookie` value that signs out.
    fn expired_cookie(&self) -> String {
        self.cookie("", 0)
    }

    fn cookie(&self, value: &str, max_age: u64) -> String {
        let secure = if self.secure_cookie { "; Secure" } else { "" };
        format!("{COOKIE_NAME}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
    }
}

/// An argon2id hash (PHC string) of a password, for `KOBO_SHELF_PASSWORD_HASH`.
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| err.to_string())
}

/// Whether a setting holds an argon2 hash this server can check passwords against.
pub fn is_argon2_hash(text: &str) -> bool {
    PasswordHash::new(text).is_ok_and(|hash| hash.algorithm.as_str().starts_with("argon2"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::settings::Secret;

    fn auth() -> Auth {
        Auth::new(&LoginSettings {
            username: "reader".into(),
            password_hash: hash_password("correct horse").unwrap(),
            session_secret: Secret::new("0123456789abcdef0123456789abcdef"),
            session_length: Duration::from_secs(3600),
            secure_cookie: true,
            behind_proxy: true,
        })
    }

    #[test]
    fn behind_a_proxy_the_last_forwarded_address_counts() {
        let auth = auth();
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let mut headers = HeaderMap::new();
        assert_eq!(auth.client_address(proxy, &headers), proxy);
        headers.insert("x-forwarded-for", "1.2.3.4, 203.0.113.9".parse().unwrap());
        assert_eq!(auth.client_address(proxy, &headers), "203.0.113.9".parse::<IpAddr>().unwrap());
        headers.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(auth.client_address(proxy, &headers), proxy);
        let direct = Auth { behind_proxy: false, ..auth };
        headers.insert("x-forwarded-for", "203.0.113.9".parse().unwrap());
        assert_eq!(direct.client_address(proxy, &headers), proxy, "a forged header is ignored without a proxy");
    }

    #[test]
    fn credentials_need_both_name_and_password() {
        let auth = auth();
        assert!(auth.credentials_match("reader", "correct horse"));
        assert!(!auth.credentials_match("reader", "wrong"));
        assert!(!auth.credentials_match("Reader", "correct horse"));
        assert!(!auth.credentials_match("", ""));
    }

    #[test]
    fn the_session_cookie_signs_in_and_is_locked_down() {
        let auth = auth();
        let set_cookie = auth.session_cookie();
        assert!(set_cookie.contains("; HttpOnly; SameSite=Lax; Max-Age=3600; Secure"), "{set_cookie}");
        let value = set_cookie.split(';').next().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, format!("other=1; {value}").parse().unwrap());
        assert_eq!(auth.user_of(&headers).as_deref(), Some("reader"));
        headers.insert(header::COOKIE, "kobo_shelf_session=forged.value".parse().unwrap());
        assert_eq!(auth.user_of(&headers), None);
        assert!(auth.expired_cookie().contains("Max-Age=0"));
    }

    #[test]
    fn hashes_are_argon2() {
        let hash = hash_password("pw").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(is_argon2_hash(&hash));
        assert!(!is_argon2_hash("plain text"));
        assert!(!is_argon2_hash("$2b$12$abcdefghijklmnopqrstuv"));
    }
}
