//! Who is signed in to the conference-control page: an enterprise admin
//! who gave the admin token gets a session (a random id in a Secure,
//! HttpOnly, SameSite=Strict cookie; only its hash is kept, in the store so
//! that every node knows it), for 8 hours.
//! Wrong tokens are locked out per address as wrong activation codes are
//! (10 in 5 minutes lock the address for 10 minutes).

use std::net::IpAddr;

use axum::http::HeaderMap;

use crate::clock::SharedClock;
use crate::devices::lockout::Lockout;
use crate::secrets;
use crate::store::{Store, StoreResult};

/// The session cookie's name.
pub const COOKIE: &str = "roomcloud_control";
/// How long a session lasts.
pub const SESSION_SECS: i64 = 8 * 3600;
/// At most this many sessions are kept (the oldest go first).
const MAX_SESSIONS: i64 = 1024;

/// Why a sign-in failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInError {
    Wrong,
    /// Seconds the address must wait.
    Locked(u64),
}

pub struct Sessions {
    clock: SharedClock,
    store: Store,
    /// Wrong tokens, counted with every node's.
    lockout: Lockout,
}

impl Sessions {
    pub fn new(clock: SharedClock, store: Store) -> Self {
        Self {
            clock,
            lockout: Lockout::new(store.clone(), "control"),
            store,
        }
    }

    /// Checks `token` against the admin token's hash; a new session id
    /// when it is right. Fails (closed) when the store cannot say whether
    /// the address is locked.
    pub async fn sign_in(
        &self,
        token: &str,
        admin_hash: &str,
        ip: IpAddr,
    ) -> StoreResult<Result<String, SignInError>> {
        let now = self.clock.now_secs();
        if let Some(secs) = self.lockout.locked_for(ip, now).await? {
            return Ok(Err(SignInError::Locked(secs)));
        }
        let given = secrets::hash_token(token.trim());
        let right: bool =
            subtle::ConstantTimeEq::ct_eq(given.as_bytes(), admin_hash.as_bytes()).into();
        if !right {
            return Ok(Err(match self.lockout.record_failure(ip, now).await? {
                Some(secs) => SignInError::Locked(secs),
                None => SignInError::Wrong,
            }));
        }
        let id = secrets::new_token("rcs_");
        self.store
            .insert_control_session(
                &secrets::hash_token(&id),
                now + SESSION_SECS,
                now,
                MAX_SESSIONS,
            )
            .await?;
        Ok(Ok(id))
    }

    /// Whether the request's cookie names a live session (not when the
    /// store cannot say).
    pub async fn signed_in(&self, headers: &HeaderMap) -> bool {
        let Some(id) = cookie(headers) else {
            return false;
        };
        let now = self.clock.now_secs();
        self.store
            .control_session_live(&secrets::hash_token(id), now)
            .await
            .inspect_err(|err| tracing::warn!(%err, "cannot check a control-page session"))
            .unwrap_or(false)
    }

    /// Ends the request's session.
    pub async fn sign_out(&self, headers: &HeaderMap) -> StoreResult<()> {
        if let Some(id) = cookie(headers) {
            self.store
                .delete_control_session(&secrets::hash_token(id))
                .await?;
        }
        Ok(())
    }
}

/// The session cookie's value in the request, if any.
fn cookie(headers: &HeaderMap) -> Option<&str> {
    crate::api::web::cookie(headers, COOKIE)
}

/// The `Set-Cookie` value that starts (`Some(id)`) or ends a session.
pub fn set_cookie(id: Option<&str>) -> String {
    crate::api::web::session_cookie(COOKIE, "/control", SESSION_SECS, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use axum::http::{header, HeaderValue};

    fn with_cookie(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(value).unwrap());
        h
    }

    async fn sessions(clock: SharedClock) -> (Sessions, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path()).await;
        (Sessions::new(clock, store), dir)
    }

    #[tokio::test]
    async fn the_admin_token_signs_in_for_eight_hours_and_sign_out_ends_it() {
        let clock = ManualClock::new();
        let (sessions, _dir) = sessions(clock.clone()).await;
        let hash = secrets::hash_token("rta_secret");
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert_eq!(
            sessions.sign_in("nope", &hash, ip).await.unwrap(),
            Err(SignInError::Wrong)
        );
        let id = sessions
            .sign_in(" rta_secret ", &hash, ip)
            .await
            .unwrap()
            .unwrap();
        let headers = with_cookie(&format!("a=b; {COOKIE}={id}"));
        assert!(sessions.signed_in(&headers).await);
        assert!(
            !sessions
                .signed_in(&with_cookie(&format!("{COOKIE}=rcs_forged")))
                .await
        );
        clock.advance_secs(SESSION_SECS);
        assert!(!sessions.signed_in(&headers).await);
        let id = sessions
            .sign_in("rta_secret", &hash, ip)
            .await
            .unwrap()
            .unwrap();
        let headers = with_cookie(&format!("{COOKIE}={id}"));
        sessions.sign_out(&headers).await.unwrap();
        assert!(!sessions.signed_in(&headers).await);
    }

    #[tokio::test]
    async fn ten_wrong_tokens_lock_the_address_even_for_the_right_one() {
        let (sessions, _dir) = sessions(ManualClock::new()).await;
        let hash = secrets::hash_token("rta_secret");
        let ip: IpAddr = "192.0.2.9".parse().unwrap();
        for _ in 0..9 {
            assert_eq!(
                sessions.sign_in("x", &hash, ip).await.unwrap(),
                Err(SignInError::Wrong)
            );
        }
        assert!(matches!(
            sessions.sign_in("x", &hash, ip).await.unwrap(),
            Err(SignInError::Locked(_))
        ));
        assert!(matches!(
            sessions.sign_in("rta_secret", &hash, ip).await.unwrap(),
            Err(SignInError::Locked(_))
        ));
        let other: IpAddr = "192.0.2.10".parse().unwrap();
        assert!(sessions
            .sign_in("rta_secret", &hash, other)
            .await
            .unwrap()
            .is_ok());
    }
}
