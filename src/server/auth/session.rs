//! Signed, expiring session cookies: `<payload>.<HMAC-SHA256 of payload>`, both base64url,
//! where the payload is `<expiry unix seconds>|<username>`. Nothing is stored on the server;
//! changing the session secret signs everyone out.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub const COOKIE_NAME: &str = "kobo_shelf_session";

type HmacSha256 = Hmac<Sha256>;

pub struct SessionKey {
    secret: Vec<u8>,
}

impl SessionKey {
    pub fn new(secret: &str) -> SessionKey {
        SessionKey { secret: secret.as_bytes().to_vec() }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.secret).expect("HMAC takes a key of any length")
    }

    /// A cookie value for `username`, valid until `expires`.
    pub fn issue(&self, username: &str, expires: SystemTime) -> String {
        let expiry = expires.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
        let payload = URL_SAFE_NO_PAD.encode(format!("{expiry}|{username}"));
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{payload}.{signature}")
    }

    /// The username of a genuine, unexpired cookie value.
    pub fn verify(&self, value: &str, now: SystemTime) -> Option<String> {
        let (payload, signature) = value.split_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        // Constant-time comparison of the signature.
        mac.verify_slice(&signature).ok()?;
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let (expiry, username) = payload.split_once('|')?;
        let expires = UNIX_EPOCH + Duration::from_secs(expiry.parse().ok()?);
        (now < expires).then(|| username.to_string())
    }
}

/// The value of cookie `name` in a `Cookie` request header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    #[test]
    fn a_genuine_cookie_names_its_user_until_it_expires() {
        let key = SessionKey::new("a session secret of some length, 32+");
        let value = key.issue("reader", now() + Duration::from_secs(60));
        assert_eq!(key.verify(&value, now()).as_deref(), Some("reader"));
        assert_eq!(key.verify(&value, now() + Duration::from_secs(61)), None, "expired");
    }

    #[test]
    fn forged_or_altered_cookies_are_rejected() {
        let key = SessionKey::new("a session secret of some length, 32+");
        let value = key.issue("reader", now() + Duration::from_secs(60));
        let other_key = SessionKey::new("another secret, also long enough!!");
        assert_eq!(other_key.verify(&value, now()), None, "signed with another secret");
        let (_, signature) = value.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode("99999999999|reader");
        assert_eq!(key.verify(&format!("{forged_payload}.{signature}"), now()), None, "longer expiry, old signature");
        for junk in ["", ".", "abc", "abc.def", "a.b.c", "%%%.%%%"] {
            assert_eq!(key.verify(junk, now()), None, "{junk:?}");
        }
    }

    #[test]
    fn cookie_values_are_found_by_name() {
        let header = "theme=dark; kobo_shelf_session=abc.def; other=1";
        assert_eq!(cookie_value(header, COOKIE_NAME), Some("abc.def"));
        assert_eq!(cookie_value(header, "missing"), None);
        assert_eq!(cookie_value("kobo_shelf_session_x=1", COOKIE_NAME), None);
    }
}
