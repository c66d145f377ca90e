//! Nonces that need no table to validate and resist replay.
//!
//! A nonce is `base64(issued_ms ‖ salt ‖ HMAC-SHA256(key, issued_ms ‖ salt)[..16])`:
//! the registrar can tell its own nonces from forged ones and knows their age
//! without remembering them, so a challenge (`401`) costs no memory. To stop
//! replays it does remember, per nonce used in a verified request, the
//! highest nonce-count it accepted; a request must use a higher one. A nonce
//! without `qop` (no nonce-count) is accepted once.
//!
//! The same entry recognises a retransmission: REGISTER is answered without
//! a transaction table, so a retransmitted request with credentials arrives
//! here again with a count already used. A short fingerprint of the request
//! that used the count, and what became of it, tell a retransmission (same
//! request, within Timer J) from a replay, so it is answered as the first
//! copy was instead of being challenged as stale (which is what nonce-count
//! checking without transaction state does, e.g. SER's auth module).

use std::collections::HashMap;
use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;

use crate::clock::Millis;
use crate::lock;

use super::transaction::TIMER_J_MS;

/// A nonce older than this is answered `stale=true` (the client retries with a
/// fresh one without asking its user).
pub const NONCE_TTL_MS: Millis = 5 * 60 * 1000;
/// The resolution of a nonce's time stamp: Timer J, the span over which a
/// request is retransmitted. Freshness is counted from the start of it.
pub const ISSUE_GRAIN_MS: Millis = TIMER_J_MS;
/// Bound on remembered nonces (≈ 48 bytes each, so ≈ 13 MiB with the hash
/// table's slack); when reached, expired ones are dropped first and then
/// the oldest half (those clients get a stale challenge at worst).
pub const MAX_TRACKED: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceState {
    /// Ours, fresh, and the nonce-count has not been seen.
    Fresh,
    /// Ours but too old, or its nonce-count was already used: challenge again with stale=true.
    Stale,
    /// Not issued by us.
    Forged,
    /// The request that used this count, again (a retransmission): answer
    /// it as it was answered.
    Again(Outcome),
}

/// What became of the request that used a nonce-count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Still being processed (a copy is in another worker's hands).
    Pending,
    /// The bindings were updated.
    Bound,
    /// The update was refused: CSeq out of order.
    OutOfOrder,
    /// The update was refused: too many bindings.
    TooManyBindings,
}

/// The MAC part of a nonce: unique per nonce, so it names it.
type Tag = [u8; 16];

#[derive(Clone, Copy)]
struct Used {
    issued: Millis,
    /// Highest accepted nonce-count; `u32::MAX` for a nonce used without qop.
    nc: u32,
    /// The request that used `nc`, when, and what became of it.
    request: u64,
    at: Millis,
    outcome: Outcome,
}

pub struct NonceKeeper {
    key: [u8; 32],
    used: Mutex<HashMap<Tag, Used>>,
    capacity: usize,
}

impl NonceKeeper {
    pub fn new() -> Self {
        Self::with_capacity(MAX_TRACKED)
    }

    fn with_capacity(capacity: usize) -> Self {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        Self {
            key,
            used: Mutex::default(),
            capacity: capacity.max(2),
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

    /// A nonce for a challenge. `salt` is a keyed hash of the request
    /// being challenged: unpredictable to others, and no syscall for
    /// randomness on the path a flood takes. The time is taken to
    /// [`ISSUE_GRAIN_MS`], so the retransmissions of one request are
    /// (almost always) challenged with the same nonce: the same 401 byte
    /// for byte, as a transaction would resend it.
    pub fn issue(&self, now: Millis, salt: u64) -> String {
        let issued = now - now.rem_euclid(ISSUE_GRAIN_MS);
        let mut raw = [0u8; 32];
        raw[..8].copy_from_slice(&issued.to_be_bytes());
        raw[8..16].copy_from_slice(&salt.to_be_bytes());
        let tag = self.mac(&raw[..16]);
        raw[16..].copy_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// When a nonce of ours was issued, and its tag.
    fn open(&self, nonce: &str) -> Option<(Millis, Tag)> {
        let mut raw = [0u8; 32];
        // A longer input is not ours either; decoding into a fixed buffer
        // keeps a huge one from being copied.
        if nonce.len() != 43 || URL_SAFE_NO_PAD.decode_slice(nonce, &mut raw) != Ok(32) {
            return None;
        }
        let expected = self.mac(&raw[..16]);
        // Constant-time: this compares a secret-derived tag.
        if !bool::from(subtle::ConstantTimeEq::ct_eq(&expected[..], &raw[16..])) {
            return None;
        }
        let issued = Millis::from_be_bytes(raw[..8].try_into().ok()?);
        Some((issued, raw[16..].try_into().ok()?))
    }

    /// Checks that a nonce is ours and fresh, without consuming it (that is
    /// [`consume`](Self::consume), once the digest itself verified, so a
    /// forged response cannot burn counts). Needs no lock.
    pub fn check(&self, nonce: &str, now: Millis) -> NonceState {
        self.fresh(nonce, now)
            .map_or_else(|state| state, |_| NonceState::Fresh)
    }

    /// When a fresh nonce of ours was issued, and its tag; else why it is not fresh.
    fn fresh(&self, nonce: &str, now: Millis) -> Result<(Millis, Tag), NonceState> {
        let (issued, tag) = self.open(nonce).ok_or(NonceState::Forged)?;
        if now - issued > NONCE_TTL_MS || issued > now + 60_000 {
            return Err(NonceState::Stale);
        }
        Ok((issued, tag))
    }

    /// Records `nc` for `nonce`, used by the request fingerprinted
    /// `request`, if it was not used yet; checks and records under one lock,
    /// so of two requests carrying the same count one wins. `Stale` for a
    /// used count (or a second use without `qop`), `Again` for the request
    /// that used it arriving again within Timer J.
    pub fn consume(&self, nonce: &str, nc: Option<u32>, request: u64, now: Millis) -> NonceState {
        let (issued, tag) = match self.fresh(nonce, now) {
            Ok(fresh) => fresh,
            Err(state) => return state,
        };
        // No count (no qop) is recorded as u32::MAX: single use.
        let nc = nc.unwrap_or(u32::MAX);
        let mut used = lock(&self.used);
        if let Some(last) = used.get(&tag) {
            if nc == last.nc && request == last.request && now - last.at <= TIMER_J_MS {
                return NonceState::Again(last.outcome);
            }
            if nc <= last.nc {
                return NonceState::Stale;
            }
        } else if used.len() >= self.capacity {
            used.retain(|_, u| now - u.issued <= NONCE_TTL_MS);
            if used.len() >= self.capacity {
                // Still full of live nonces: forget the half used longest ago.
                let mut by_use: Vec<(Millis, Tag)> = used.iter().map(|(t, u)| (u.at, *t)).collect();
                let half = by_use.len() / 2;
                by_use.select_nth_unstable(half);
                for (_, tag) in &by_use[..half] {
                    used.remove(tag);
                }
            }
        }
        used.insert(
            tag,
            Used {
                issued,
                nc,
                request,
                at: now,
                outcome: Outcome::Pending,
            },
        );
        NonceState::Fresh
    }

    /// Records what became of the request that last consumed `nonce`.
    pub fn settle(&self, nonce: &str, request: u64, outcome: Outcome) {
        let Some((_, tag)) = self.open(nonce) else {
            return;
        };
        if let Some(used) = lock(&self.used).get_mut(&tag) {
            if used.request == request {
                used.outcome = outcome;
            }
        }
    }

    /// Drops bookkeeping for nonces that are stale anyway, and gives the
    /// table's memory back once a flood has passed.
    pub fn purge(&self, now: Millis) {
        let mut used = lock(&self.used);
        used.retain(|_, u| now - u.issued <= NONCE_TTL_MS);
        if used.capacity() > 1024 && used.len() < used.capacity() / 4 {
            used.shrink_to_fit();
        }
    }

    /// How many nonces are remembered.
    pub fn tracked(&self) -> usize {
        lock(&self.used).len()
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
        let nonce = keeper.issue(1_000, 7);
        assert_eq!(keeper.check(&nonce, 2_000), NonceState::Fresh);
        assert_eq!(keeper.consume(&nonce, Some(1), 1, 2_000), NonceState::Fresh);
        // Replaying nc=1 in another request is refused; nc=2 is fine, once.
        assert_eq!(keeper.consume(&nonce, Some(1), 2, 3_000), NonceState::Stale);
        assert_eq!(keeper.consume(&nonce, Some(2), 3, 3_000), NonceState::Fresh);
        assert_eq!(keeper.consume(&nonce, Some(2), 4, 3_000), NonceState::Stale);
        // The first request again, after a later count was used: stale.
        assert_eq!(keeper.consume(&nonce, Some(1), 1, 3_000), NonceState::Stale);
        // Too old.
        let late = 1_000 + NONCE_TTL_MS + 1;
        assert_eq!(keeper.check(&nonce, late), NonceState::Stale);
        assert_eq!(keeper.consume(&nonce, Some(3), 5, late), NonceState::Stale);
    }

    #[test]
    fn a_retransmission_is_told_from_a_replay() {
        let keeper = NonceKeeper::new();
        let nonce = keeper.issue(0, 1);
        assert_eq!(keeper.consume(&nonce, Some(1), 42, 10), NonceState::Fresh);
        // A copy while the first is processed, then after it settled.
        assert_eq!(
            keeper.consume(&nonce, Some(1), 42, 20),
            NonceState::Again(Outcome::Pending)
        );
        keeper.settle(&nonce, 42, Outcome::Bound);
        assert_eq!(
            keeper.consume(&nonce, Some(1), 42, 10 + TIMER_J_MS),
            NonceState::Again(Outcome::Bound)
        );
        // Another request with that count, or the same one after Timer J: a replay.
        assert_eq!(keeper.consume(&nonce, Some(1), 43, 30), NonceState::Stale);
        assert_eq!(
            keeper.consume(&nonce, Some(1), 42, 11 + TIMER_J_MS),
            NonceState::Stale
        );
    }

    #[test]
    fn forged_and_foreign_nonces_are_detected() {
        let keeper = NonceKeeper::new();
        let other = NonceKeeper::new();
        assert_eq!(keeper.check("abc", 0), NonceState::Forged);
        assert_eq!(keeper.check(&"A".repeat(1 << 20), 0), NonceState::Forged);
        assert_eq!(keeper.check(&other.issue(0, 0), 0), NonceState::Forged);
        assert_eq!(
            keeper.consume(&other.issue(0, 0), Some(1), 0, 0),
            NonceState::Forged
        );
    }

    #[test]
    fn nonce_without_qop_is_single_use() {
        let keeper = NonceKeeper::new();
        let nonce = keeper.issue(0, 0);
        assert_eq!(keeper.consume(&nonce, None, 1, 1), NonceState::Fresh);
        assert_eq!(keeper.consume(&nonce, None, 2, 2), NonceState::Stale);
        assert_eq!(keeper.consume(&nonce, Some(1), 3, 2), NonceState::Stale);
    }

    #[test]
    fn a_count_used_concurrently_is_accepted_once() {
        let keeper = std::sync::Arc::new(NonceKeeper::new());
        let nonces: Vec<String> = (0..200).map(|n| keeper.issue(0, n)).collect();
        let nonces = std::sync::Arc::new(nonces);
        let threads: Vec<_> = (0..8u64)
            .map(|thread| {
                let (keeper, nonces) = (keeper.clone(), nonces.clone());
                std::thread::spawn(move || {
                    nonces
                        .iter()
                        .filter(|n| keeper.consume(n, Some(1), thread, 1) == NonceState::Fresh)
                        .count()
                })
            })
            .collect();
        let accepted: usize = threads.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(accepted, nonces.len());
    }

    #[test]
    fn the_table_is_bounded_and_shrinks_back() {
        let keeper = NonceKeeper::with_capacity(5_000);
        for n in 0..12_000u64 {
            let nonce = keeper.issue(n as Millis, n);
            assert_eq!(
                keeper.consume(&nonce, Some(1), n, n as Millis),
                NonceState::Fresh
            );
            assert!(keeper.tracked() <= 5_000);
        }
        keeper.purge(NONCE_TTL_MS * 2);
        assert_eq!(keeper.tracked(), 0);
        assert!(lock(&keeper.used).capacity() < 1024);
    }
}
