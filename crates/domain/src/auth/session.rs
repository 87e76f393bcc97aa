//! Signed, expiring session tokens: `<payload>.<HMAC-SHA256 of payload>`, both base64url,
//! where the payload is `<expiry unix seconds>|<session id>|<username>`. The signature proves
//! the server issued it (changing the session secret signs everyone out); the session id must
//! still be open in the `SessionStore` (logout ends it).

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

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

    /// A token for session `id` of `username`, valid until `expires`.
    pub fn issue(&self, username: &str, id: &str, expires: SystemTime) -> String {
        let expiry = crate::dates::unix_seconds(expires);
        let payload = URL_SAFE_NO_PAD.encode(format!("{expiry}|{id}|{username}"));
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{payload}.{signature}")
    }

    /// The session of a genuine, unexpired token.
    pub fn verify(&self, value: &str, now: SystemTime) -> Option<CookieSession> {
        let (payload, signature) = value.split_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        // Constant-time comparison of the signature.
        mac.verify_slice(&signature).ok()?;
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        let (expiry, rest) = payload.split_once('|')?;
        let (id, user) = rest.split_once('|')?;
        let expires = UNIX_EPOCH + Duration::from_secs(expiry.parse().ok()?);
        (now < expires).then(|| CookieSession { id: id.to_string(), user: user.to_string() })
    }
}

/// What a genuine token says: whose session, and which one.
#[derive(Debug, PartialEq, Eq)]
pub struct CookieSession {
    pub id: String,
    pub user: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000)
    }

    #[test]
    fn a_genuine_token_names_its_user_until_it_expires() {
        let key = SessionKey::new("a session secret of some length, 32+");
        let value = key.issue("reader", "s1", now() + Duration::from_secs(60));
        let session = CookieSession { id: "s1".into(), user: "reader".into() };
        assert_eq!(key.verify(&value, now()), Some(session));
        assert_eq!(key.verify(&value, now() + Duration::from_secs(61)), None, "expired");
    }

    #[test]
    fn forged_or_altered_tokens_are_rejected() {
        let key = SessionKey::new("a session secret of some length, 32+");
        let value = key.issue("reader", "s1", now() + Duration::from_secs(60));
        let other_key = SessionKey::new("another secret, also long enough!!");
        assert_eq!(other_key.verify(&value, now()), None, "signed with another secret");
        let (_, signature) = value.split_once('.').unwrap();
        let forged_payload = URL_SAFE_NO_PAD.encode("99999999999|s1|reader");
        assert_eq!(key.verify(&format!("{forged_payload}.{signature}"), now()), None, "longer expiry, old signature");
        for junk in ["", ".", "abc", "abc.def", "a.b.c", "%%%.%%%"] {
            assert_eq!(key.verify(junk, now()), None, "{junk:?}");
        }
    }
}
