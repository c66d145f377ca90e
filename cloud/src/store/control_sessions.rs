//! The conference-control page's sessions (migration 0010).

use super::{on_pool, Store, StoreResult, WritePool};

impl Store {
    /// A new session; expired ones go at the same time, and the oldest
    /// beyond `most` (so a flood of sign-ins cannot grow the table).
    pub async fn insert_control_session(
        &self,
        id_hash: &str,
        expires_at: i64,
        now: i64,
        most: i64,
    ) -> StoreResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM control_sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM control_sessions")
                .fetch_one(&mut *tx)
                .await?;
            if kept >= most {
                sqlx::query(
                    "DELETE FROM control_sessions WHERE id_hash IN (
                       SELECT id_hash FROM control_sessions ORDER BY expires_at LIMIT $1)",
                )
                .bind(kept - most + 1)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("INSERT INTO control_sessions (id_hash, expires_at) VALUES ($1, $2)")
                .bind(id_hash)
                .bind(expires_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Whether the session with this id hash is live.
    pub async fn control_session_live(&self, id_hash: &str, now: i64) -> StoreResult<bool> {
        on_pool!(self, |pool| {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT expires_at FROM control_sessions WHERE id_hash = $1 AND expires_at > $2",
            )
            .bind(id_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            Ok(found.is_some())
        })
    }

    pub async fn delete_control_session(&self, id_hash: &str) -> StoreResult<()> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM control_sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    /// Past `most` sessions, the one closest to expiring goes; an expired
    /// one is not live.
    #[tokio::test]
    async fn the_oldest_session_goes_past_the_most_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path()).await;
        for (id, expires) in [("a", 100), ("b", 200), ("c", 300)] {
            store
                .insert_control_session(id, expires, 10, 2)
                .await
                .unwrap();
        }
        let live = |id| store.control_session_live(id, 50);
        assert!(!live("a").await.unwrap());
        assert!(live("b").await.unwrap());
        assert!(live("c").await.unwrap());
        assert!(!store.control_session_live("b", 200).await.unwrap());
        store.delete_control_session("c").await.unwrap();
        assert!(!live("c").await.unwrap());
    }
}
