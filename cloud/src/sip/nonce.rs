//! Nonces that need no table to validate and resist replay.
//!
//! A nonce is `base64(issued_ms ‖ random ‖ HMAC-SHA256(key, issued_ms ‖ random)[..16])`:
//! the registrar can tell its own nonces from forged ones and knows their age
//! without remembering them. To stop replays it does remember, per nonce, the
//! highest nonce-count it accepted; a request must use a higher one. A nonce
//! without `qop` (no nonce-count) is accepted once.

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;

use crate::clock::Millis;

/// A nonce older than this is answered `stale=true` (the client retries with a
/// fresh one without asking its user).
pub const NONCE_TTL_MS: Millis = 5 * 60 * 1000;
/// Bound on remembered nonces; when reached, expired ones are dropped first and
/// then the oldest.
const MAX_TRACKED: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceState {
    /// Ours, fresh, and the nonce-count has not been seen.
    Fresh,
    /// Ours but too old, or its nonce-count was already used: challenge again with stale=true.
    Stale,
    /// Not issued by us.
    Forged,
}

pub struct NonceKeeper {
    key: [u8; 32],
    /// nonce → (issued_ms, highest accepted nc; 0 = none yet).
    used: Mutex<HashMap<String, (Millis, u32)>>,
}

impl NonceKeeper {
    pub fn new() -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Self {
            key,
            used: Mutex::new(HashMap::new()),
        }
    }

    fn mac(&self, payload: &[u8]) -> [u8; 16] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("any key size works");
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        out
    }

    pub fn issue(&self, now: Millis) -> String {
        let mut raw = [0u8; 32];
        raw[..8].copy_from_slice(&now.to_be_bytes());
        OsRng.fill_bytes(&mut raw[8..16]);
        let tag = self.mac(&raw[..16]);
        raw[16..].copy_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(raw)
    }

    fn issued_at(&self, nonce: &str) -> Option<Millis> {
        let raw = URL_SAFE_NO_PAD.decode(nonce).ok()?;
        if raw.len() != 32 {
            return None;
        }
        let expected = self.mac(&raw[..16]);
        // Constant-time: this compares a secret-derived tag.
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], &raw[16..])) {
            return None;
        }
        Some(Millis::from_be_bytes(raw[..8].try_into().ok()?))
    }

    /// Checks a nonce without consuming it (call [`accept`](Self::accept) once
    /// the digest itself verified, so a forged response cannot burn counts).
    pub fn check(&self, nonce: &str, nc: Option<u32>, now: Millis) -> NonceState {
        let Some(issued) = self.issued_at(nonce) else {
            return NonceState::Forged;
        };
        if now - issued > NONCE_TTL_MS || issued > now + 60_000 {
            return NonceState::Stale;
        }
        let used = self.used.lock().expect("nonce table lock");
        match (used.get(nonce), nc) {
            (Some(&(_, last)), Some(nc)) if nc <= last => NonceState::Stale,
            (Some(_), None) => NonceState::Stale,
            _ => NonceState::Fresh,
        }
    }

    /// Records that `nc` was accepted for `nonce`.
    pub fn accept(&self, nonce: &str, nc: Option<u32>, now: Millis) {
        let Some(issued) = self.issued_at(nonce) else {
            return;
        };
        let mut used = self.used.lock().expect("nonce table lock");
        if used.len() >= MAX_TRACKED && !used.contains_key(nonce) {
            used.retain(|_, (at, _)| now - *at <= NONCE_TTL_MS);
            if used.len() >= MAX_TRACKED {
                // Still full of live nonces: forget the oldest half. Those
                // clients get a stale challenge at worst.
                let mut ages: Vec<Millis> = used.values().map(|(at, _)| *at).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                used.retain(|_, (at, _)| *at > cut);
            }
        }
        let entry = used.entry(nonce.to_string()).or_insert((issued, 0));
        entry.1 = entry.1.max(nc.unwrap_or(u32::MAX));
    }

    /// Drops bookkeeping for nonces that are stale anyway.
    pub fn purge(&self, now: Millis) {
        let mut used = self.used.lock().expect("nonce table lock");
        used.retain(|_, (at, _)| now - *at <= NONCE_TTL_MS);
    }
}

impl Default for NonceKeeper {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonce_lifecycle() {
        let keeper = NonceKeeper::new();
        let nonce = keeper.issue(1_000);
        assert_eq!(keeper.check(&nonce, Some(1), 2_000), NonceState::Fresh);
        keeper.accept(&nonce, Some(1), 2_000);
        // Replaying nc=1 is refused; nc=2 is fine.
        assert_eq!(keeper.check(&nonce, Some(1), 3_000), NonceState::Stale);
        assert_eq!(keeper.check(&nonce, Some(2), 3_000), NonceState::Fresh);
        // Too old.
        assert_eq!(
            keeper.check(&nonce, Some(3), 1_000 + NONCE_TTL_MS + 1),
            NonceState::Stale
        );
    }

    #[test]
    fn forged_and_foreign_nonces_are_detected() {
        let keeper = NonceKeeper::new();
        let other = NonceKeeper::new();
        assert_eq!(keeper.check("abc", None, 0), NonceState::Forged);
        assert_eq!(keeper.check(&other.issue(0), None, 0), NonceState::Forged);
    }

    #[test]
    fn nonce_without_qop_is_single_use() {
        let keeper = NonceKeeper::new();
        let nonce = keeper.issue(0);
        assert_eq!(keeper.check(&nonce, None, 1), NonceState::Fresh);
        keeper.accept(&nonce, None, 1);
        assert_eq!(keeper.check(&nonce, None, 2), NonceState::Stale);
    }
}
