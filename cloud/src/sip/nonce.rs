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

    /// Checks that a nonce is ours and fresh, without consuming it (that is
    /// [`consume`](Self::consume), once the digest itself verified, so a
    /// forged response cannot burn counts). Needs no lock.
    pub fn check(&self, nonce: &str, now: Millis) -> NonceState {
        self.fresh_since(nonce, now)
            .map_or_else(|state| state, |_| NonceState::Fresh)
    }

    /// When a fresh nonce of ours was issued; else why it is not fresh.
    fn fresh_since(&self, nonce: &str, now: Millis) -> Result<Millis, NonceState> {
        let issued = self.issued_at(nonce).ok_or(NonceState::Forged)?;
        if now - issued > NONCE_TTL_MS || issued > now + 60_000 {
            return Err(NonceState::Stale);
        }
        Ok(issued)
    }

    /// Records `nc` for `nonce` if it was not used yet, checking and recording
    /// under one lock: of two requests carrying the same count, one wins.
    /// `Stale` for a used count (or a second use without `qop`).
    pub fn consume(&self, nonce: &str, nc: Option<u32>, now: Millis) -> NonceState {
        let issued = match self.fresh_since(nonce, now) {
            Ok(issued) => issued,
            Err(state) => return state,
        };
        let mut used = self.used.lock().expect("nonce table lock");
        if let Some(&(_, last)) = used.get(nonce) {
            // No count (no qop) was recorded as u32::MAX: single use.
            if nc.is_none_or(|nc| nc <= last) {
                return NonceState::Stale;
            }
        } else if used.len() >= MAX_TRACKED {
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
        NonceState::Fresh
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
        assert_eq!(keeper.check(&nonce, 2_000), NonceState::Fresh);
        assert_eq!(keeper.consume(&nonce, Some(1), 2_000), NonceState::Fresh);
        // Replaying nc=1 is refused; nc=2 is fine, once.
        assert_eq!(keeper.consume(&nonce, Some(1), 3_000), NonceState::Stale);
        assert_eq!(keeper.consume(&nonce, Some(2), 3_000), NonceState::Fresh);
        assert_eq!(keeper.consume(&nonce, Some(2), 3_000), NonceState::Stale);
        // Too old.
        let late = 1_000 + NONCE_TTL_MS + 1;
        assert_eq!(keeper.check(&nonce, late), NonceState::Stale);
        assert_eq!(keeper.consume(&nonce, Some(3), late), NonceState::Stale);
    }

    #[test]
    fn forged_and_foreign_nonces_are_detected() {
        let keeper = NonceKeeper::new();
        let other = NonceKeeper::new();
        assert_eq!(keeper.check("abc", 0), NonceState::Forged);
        assert_eq!(keeper.check(&other.issue(0), 0), NonceState::Forged);
        assert_eq!(
            keeper.consume(&other.issue(0), Some(1), 0),
            NonceState::Forged
        );
    }

    #[test]
    fn nonce_without_qop_is_single_use() {
        let keeper = NonceKeeper::new();
        let nonce = keeper.issue(0);
        assert_eq!(keeper.consume(&nonce, None, 1), NonceState::Fresh);
        assert_eq!(keeper.consume(&nonce, None, 2), NonceState::Stale);
        assert_eq!(keeper.consume(&nonce, Some(1), 2), NonceState::Stale);
    }

    #[test]
    fn a_count_used_concurrently_is_accepted_once() {
        let keeper = std::sync::Arc::new(NonceKeeper::new());
        let nonces: Vec<String> = (0..200).map(|_| keeper.issue(0)).collect();
        let nonces = std::sync::Arc::new(nonces);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (keeper, nonces) = (keeper.clone(), nonces.clone());
                std::thread::spawn(move || {
                    nonces
                        .iter()
                        .filter(|n| keeper.consume(n, Some(1), 1) == NonceState::Fresh)
                        .count()
                })
            })
            .collect();
        let accepted: usize = threads.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(accepted, nonces.len());
    }
}
