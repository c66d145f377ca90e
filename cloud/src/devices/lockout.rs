//! The brute-force rule for codes and tokens typed by hand: at least
//! [`MAX_FAILURES`] wrong ones from one address within [`WINDOW_SECS`] lock
//! that address out for [`LOCK_SECS`]. Each kind of secret (a scope:
//! activation codes, casting codes, the control page's token) counts apart.
//!
//! Failures and locks live in the store, not in one process: every node of
//! a cloud counts the same failures, so wrong codes spread over two nodes
//! lock an address as fast as on one. The caller passes the time in.

use std::net::IpAddr;

use crate::store::{LockRule, Store, StoreResult};

pub const MAX_FAILURES: usize = 10;
pub const WINDOW_SECS: i64 = 5 * 60;
pub const LOCK_SECS: i64 = 10 * 60;

const RULE: LockRule = LockRule {
    failures: MAX_FAILURES as i64,
    window_secs: WINDOW_SECS,
    lock_secs: LOCK_SECS,
};

#[derive(Debug, Clone)]
pub struct Lockout {
    store: Store,
    /// What is guessed: `activation`, `casting`, `control`.
    scope: &'static str,
}

impl Lockout {
    pub fn new(store: Store, scope: &'static str) -> Self {
        Self { store, scope }
    }

    /// Seconds the address must still wait, if it is locked.
    pub async fn locked_for(&self, ip: IpAddr, now: i64) -> StoreResult<Option<u64>> {
        let until = self
            .store
            .address_locked_until(self.scope, &ip.to_string(), now)
            .await?;
        Ok(until.map(|until| (until - now) as u64))
    }

    /// Records a wrong code; returns the lock's duration if this failure
    /// locked the address.
    pub async fn record_failure(&self, ip: IpAddr, now: i64) -> StoreResult<Option<u64>> {
        let until = self
            .store
            .record_address_failure(self.scope, &ip.to_string(), now, RULE)
            .await?;
        Ok(until.map(|until| (until - now) as u64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 8));

    async fn lockout(scope: &'static str) -> (Lockout, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path()).await;
        (Lockout::new(store, scope), dir)
    }

    #[tokio::test]
    async fn tenth_failure_within_window_locks_for_ten_minutes() {
        let (lock, _dir) = lockout("activation").await;
        for i in 0..9 {
            assert_eq!(lock.record_failure(IP, 1000 + i * 30).await.unwrap(), None);
        }
        assert_eq!(lock.locked_for(IP, 1270).await.unwrap(), None);
        assert_eq!(lock.record_failure(IP, 1290).await.unwrap(), Some(600));
        assert_eq!(lock.locked_for(IP, 1290).await.unwrap(), Some(600));
        assert_eq!(lock.locked_for(IP, 1590).await.unwrap(), Some(300));
        assert_eq!(lock.locked_for(OTHER, 1590).await.unwrap(), None);
        assert_eq!(lock.locked_for(IP, 1890).await.unwrap(), None);
        // The count started again with the lock.
        assert_eq!(lock.record_failure(IP, 1900).await.unwrap(), None);
    }

    #[tokio::test]
    async fn failures_older_than_five_minutes_do_not_count() {
        let (lock, _dir) = lockout("activation").await;
        for i in 0..9 {
            lock.record_failure(IP, i * 10).await.unwrap();
        }
        // The first failures (t=0..) leave the window at t=300.
        assert_eq!(lock.record_failure(IP, 305).await.unwrap(), None);
        assert_eq!(lock.locked_for(IP, 305).await.unwrap(), None);
    }

    #[tokio::test]
    async fn each_scope_counts_apart() {
        let (activation, _dir) = lockout("activation").await;
        let casting = Lockout::new(activation.store.clone(), "casting");
        for i in 0..9 {
            activation.record_failure(IP, i).await.unwrap();
        }
        assert_eq!(casting.record_failure(IP, 10).await.unwrap(), None);
        assert_eq!(activation.locked_for(IP, 10).await.unwrap(), None);
        assert_eq!(activation.record_failure(IP, 11).await.unwrap(), Some(600));
        assert_eq!(casting.locked_for(IP, 12).await.unwrap(), None);
    }
}
