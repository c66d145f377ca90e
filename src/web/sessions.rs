//! Signed-in browsers of the web admin: a random id in a Secure, HttpOnly,
//! SameSite=Strict cookie, kept here only as its SHA-256, with the CSRF
//! token the pages' forms and script send back. In memory: a restart signs
//! everyone out, which a room terminal can afford. At most [`MAX`] at once
//! (the oldest goes), so no number of sign-ins grows the table.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::lock;

/// The cookie's name.
pub const COOKIE: &str = "roomterm_admin";
/// How long a sign-in lasts.
pub const LIFETIME: Duration = Duration::from_secs(8 * 3600);
/// Sessions kept at most.
pub const MAX: usize = 32;

/// What a request's cookie proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub csrf: String,
    /// Signed in with the factory password: only the change is open.
    pub must_change: bool,
}

struct Entry {
    session: Session,
    started: Instant,
}

#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<[u8; 32], Entry>>,
}

fn key(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

fn random_token() -> String {
    format!(
        "{:032x}{:032x}",
        rand::random::<u128>(),
        rand::random::<u128>()
    )
}

impl Sessions {
    /// A new session; returns the cookie's id.
    pub fn start(&self, must_change: bool) -> String {
        let id = random_token();
        let mut live = lock(&self.live);
        live.retain(|_, e| e.started.elapsed() < LIFETIME);
        if live.len() >= MAX {
            let oldest = live.iter().min_by_key(|(_, e)| e.started).map(|(k, _)| *k);
            if let Some(oldest) = oldest {
                live.remove(&oldest);
            }
        }
        live.insert(
            key(&id),
            Entry {
                session: Session {
                    csrf: random_token(),
                    must_change,
                },
                started: Instant::now(),
            },
        );
        id
    }

    /// The session of a cookie's id, if it is live.
    pub fn get(&self, id: &str) -> Option<Session> {
        let live = lock(&self.live);
        let entry = live.get(&key(id))?;
        (entry.started.elapsed() < LIFETIME).then(|| entry.session.clone())
    }

    pub fn end(&self, id: &str) {
        lock(&self.live).remove(&key(id));
    }

    /// After a password change: every other session ends, this one is
    /// no longer held to the change.
    pub fn password_changed(&self, id: &str) {
        let keep = key(id);
        let mut live = lock(&self.live);
        live.retain(|k, _| *k == keep);
        if let Some(entry) = live.get_mut(&keep) {
            entry.session.must_change = false;
        }
    }

    /// After a factory reset: nobody stays signed in.
    pub fn end_all(&self) {
        lock(&self.live).clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_change_ends_the_other_sessions() {
        let sessions = Sessions::default();
        let mine = sessions.start(true);
        let other = sessions.start(true);
        assert!(sessions.get(&mine).unwrap().must_change);
        sessions.password_changed(&mine);
        assert!(!sessions.get(&mine).unwrap().must_change);
        assert_eq!(sessions.get(&other), None);
        assert_eq!(sessions.get("forged"), None);
    }

    #[test]
    fn the_table_never_grows_past_its_maximum() {
        let sessions = Sessions::default();
        let first = sessions.start(false);
        for _ in 0..MAX {
            sessions.start(false);
        }
        assert_eq!(lock(&sessions.live).len(), MAX);
        assert_eq!(sessions.get(&first), None);
    }
}
