//! Rooms' SIP bindings as each node last saw them (migration 0011): what
//! the other nodes behind a SIP edge read to recognise a caller registered
//! elsewhere and to reach it.

use super::{on_pool, Store, StoreResult, WritePool};

/// One binding of an AOR, kept by the node that took its REGISTER.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StoredBinding {
    pub node: String,
    pub contact_key: String,
    pub uri: String,
    pub params: String,
    /// Where its REGISTER came from (JSON of `sip::Source`).
    pub source: String,
    pub expires_at: i64,
}

impl Store {
    /// Replaces this node's bindings of `aor` (none: it has unregistered
    /// here). Expired rows of any node go at the same time.
    pub async fn replace_sip_bindings(
        &self,
        aor: &str,
        bindings: &[StoredBinding],
        now: i64,
    ) -> StoreResult<()> {
        let node = self.node.to_string();
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "DELETE FROM sip_bindings WHERE (node = $1 AND aor = $2) OR expires_at <= $3",
            )
            .bind(&node)
            .bind(aor)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            for b in bindings {
                sqlx::query(
                    "INSERT INTO sip_bindings (node, aor, contact_key, uri, params, source, expires_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&node)
                .bind(aor)
                .bind(&b.contact_key)
                .bind(&b.uri)
                .bind(&b.params)
                .bind(&b.source)
                .bind(b.expires_at)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The live bindings of `aor` that other nodes hold.
    pub async fn sip_bindings_elsewhere(
        &self,
        aor: &str,
        now: i64,
    ) -> StoreResult<Vec<StoredBinding>> {
        let node = self.node.to_string();
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT node, contact_key, uri, params, source, expires_at FROM sip_bindings
                 WHERE aor = $1 AND node <> $2 AND expires_at > $3",
            )
            .bind(aor)
            .bind(&node)
            .bind(now)
            .fetch_all(pool)
            .await?)
        })
    }

    /// The AORs other nodes hold live bindings of: who is registered
    /// elsewhere, for the lists that show registration.
    pub async fn sip_aors_elsewhere(&self, now: i64) -> StoreResult<Vec<String>> {
        let node = self.node.to_string();
        on_pool!(self, |pool| {
            Ok(sqlx::query_scalar(
                "SELECT DISTINCT aor FROM sip_bindings WHERE node <> $1 AND expires_at > $2",
            )
            .bind(&node)
            .bind(now)
            .fetch_all(pool)
            .await?)
        })
    }
}
