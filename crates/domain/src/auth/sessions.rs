//! Sessions that can end: each login opens a session with a random id, kept in the app database
//! (so they survive a restart) and in memory (so checking one costs no I/O). Logging out ends
//! it on the server: a copied cookie is worthless afterwards. A session opened with another
//! password hash, or expired, is dropped when the store opens.

use super::AuthError;
use parking_lot::{Mutex, RwLock};
use rusqlite::{params, Connection};
use std::collections::HashMap;

/// Live sessions kept at most; the oldest ends first (bounds memory and the table).
const MAX_SESSIONS: usize = 1_000;

struct Live {
    user: String,
    /// Unix seconds.
    expires: u64,
}

pub struct SessionStore {
    conn: Mutex<Connection>,
    live: RwLock<HashMap<String, Live>>,
    password_tag: String,
}

impl SessionStore {
    /// Loads the sessions of the app database that are current at `now` (unix seconds) and
    /// were opened with the password `password_tag` names; deletes the others.
    pub fn open(conn: Connection, password_tag: &str, now: u64) -> Result<SessionStore, AuthError> {
        conn.execute(
            "DELETE FROM session WHERE expires <= ?1 OR password_tag != ?2",
            params![now as i64, password_tag],
        )?;
        let live = {
            let mut statement = conn.prepare("SELECT id, user, expires FROM session")?;
            let rows = statement.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, Live { user: row.get(1)?, expires: row.get::<_, i64>(2)? as u64 }))
            })?;
            rows.collect::<Result<HashMap<_, _>, _>>()?
        };
        Ok(SessionStore { conn: Mutex::new(conn), live: RwLock::new(live), password_tag: password_tag.to_string() })
    }

    /// Opens a session for `user` until `expires` (unix seconds); returns its id. Blocking.
    pub fn open_session(&self, user: &str, expires: u64) -> Result<String, AuthError> {
        let id = super::random_token();
        let conn = self.conn.lock();
        conn.execute(
            "INSERT INTO session (id, user, password_tag, expires) VALUES (?1, ?2, ?3, ?4)",
            params![id, user, self.password_tag, expires as i64],
        )?;
        let mut live = self.live.write();
        live.insert(id.clone(), Live { user: user.to_string(), expires });
        if live.len() > MAX_SESSIONS {
            let oldest = live.iter().min_by_key(|(_, session)| session.expires).map(|(id, _)| id.clone());
            if let Some(oldest) = oldest {
                live.remove(&oldest);
                let _ = conn.execute("DELETE FROM session WHERE id = ?1", [oldest]);
            }
        }
        Ok(id)
    }

    /// Whether session `id` is open for `user` at `now` (unix seconds). No I/O.
    pub fn is_live(&self, id: &str, user: &str, now: u64) -> bool {
        let live = self.live.read();
        live.get(id).is_some_and(|session| session.user == user && now < session.expires)
    }

    /// Ends session `id` (logout). Blocking.
    pub fn end(&self, id: &str) -> Result<(), AuthError> {
        self.live.write().remove(id);
        self.conn.lock().execute("DELETE FROM session WHERE id = ?1", [id])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &std::path::Path, tag: &str, now: u64) -> SessionStore {
        SessionStore::open(crate::appdb::open(dir).unwrap(), tag, now).unwrap()
    }

    #[test]
    fn a_session_lives_until_it_ends_or_expires_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = store(dir.path(), "pw1", 100);
        let id = sessions.open_session("reader", 200).unwrap();
        assert!(sessions.is_live(&id, "reader", 150));
        assert!(!sessions.is_live(&id, "other", 150), "for its own user only");
        assert!(!sessions.is_live(&id, "reader", 200), "expired");
        let ended = sessions.open_session("reader", 200).unwrap();
        sessions.end(&ended).unwrap();
        assert!(!sessions.is_live(&ended, "reader", 150));
        drop(sessions);
        let restarted = store(dir.path(), "pw1", 150);
        assert!(restarted.is_live(&id, "reader", 150), "kept across a restart");
        assert!(!restarted.is_live(&ended, "reader", 150), "an ended session stays ended");
    }

    #[test]
    fn a_new_password_ends_every_session() {
        let dir = tempfile::tempdir().unwrap();
        let id = store(dir.path(), "pw1", 100).open_session("reader", 200).unwrap();
        assert!(!store(dir.path(), "pw2", 100).is_live(&id, "reader", 150));
    }

    #[test]
    fn the_number_of_sessions_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = store(dir.path(), "pw", 0);
        let first = sessions.open_session("reader", 1_000).unwrap();
        for i in 0..MAX_SESSIONS as u64 {
            sessions.open_session("reader", 2_000 + i).unwrap();
        }
        assert!(!sessions.is_live(&first, "reader", 10), "the oldest ended");
        assert_eq!(sessions.live.read().len(), MAX_SESSIONS);
    }
}
