//! Failures and locks per client address (migration 0009): the store half
//! of `devices::lockout`, shared by every node.

use super::{on_pool, Store, StoreResult, WritePool};

/// How failures turn into a lock.
#[derive(Debug, Clone, Copy)]
pub struct LockRule {
    /// This many failures…
    pub failures: i64,
    /// …within this many seconds…
    pub window_secs: i64,
    /// …lock the address for this long.
    pub lock_secs: i64,
}

impl Store {
    /// Until when (unix seconds) `address` is locked out of `scope`, if it is.
    pub async fn address_locked_until(
        &self,
        scope: &str,
        address: &str,
        now: i64,
    ) -> StoreResult<Option<i64>> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT locked_until FROM address_locks
                 WHERE scope = $1 AND address = $2 AND locked_until > $3",
            )
            .bind(scope)
            .bind(address)
            .bind(now)
            .fetch_optional(pool)
            .await?)
        })
    }

    /// Counts a failure of `address` in `scope`; when it makes `rule`'s
    /// count, the address is locked and its count starts again. Returns
    /// until when it is locked, if this failure locked it. Failures older
    /// than the window and locks that ran out go at the same time.
    pub async fn record_address_failure(
        &self,
        scope: &str,
        address: &str,
        now: i64,
        rule: LockRule,
    ) -> StoreResult<Option<i64>> {
        on_pool!(self, |pool| {
            // One writer at a time, on every node: two failures at once
            // both count, and exactly one of them locks.
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM address_failures WHERE at <= $1")
                .bind(now - rule.window_secs)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM address_locks WHERE locked_until <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO address_failures (scope, address, at) VALUES ($1, $2, $3)")
                .bind(scope)
                .bind(address)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM address_failures WHERE scope = $1 AND address = $2",
            )
            .bind(scope)
            .bind(address)
            .fetch_one(&mut *tx)
            .await?;
            let locked = count >= rule.failures;
            if locked {
                sqlx::query("DELETE FROM address_failures WHERE scope = $1 AND address = $2")
                    .bind(scope)
                    .bind(address)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO address_locks (scope, address, locked_until) VALUES ($1, $2, $3)
                     ON CONFLICT (scope, address) DO UPDATE SET locked_until = excluded.locked_until",
                )
                .bind(scope)
                .bind(address)
                .bind(now + rule.lock_secs)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(locked.then_some(now + rule.lock_secs))
        })
    }
}
