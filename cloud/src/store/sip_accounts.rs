use super::{conflict_as, findable, on_pool, Store, StoreError, StoreResult, WritePool};

/// Digest HA1 values (`H(username:realm:password)`) for both algorithms the
/// registrar offers. The password itself is never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ha1Pair {
    pub md5: String,
    pub sha256: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SipAccountRow {
    pub id: i64,
    pub username: String,
    pub enterprise_id: i64,
    pub device_id: Option<i64>,
    pub display_name: String,
    pub ha1_md5: Option<String>,
    pub ha1_sha256: Option<String>,
    pub digest_algorithms: String,
    pub created_at: i64,
}

impl SipAccountRow {
    pub fn ha1(&self) -> Option<Ha1Pair> {
        Some(Ha1Pair {
            md5: self.ha1_md5.clone()?,
            sha256: self.ha1_sha256.clone()?,
        })
    }
}

impl Store {
    /// Creates an account for a third-party endpoint (not bound to a device).
    pub async fn create_sip_account(
        &self,
        username: &str,
        enterprise_id: i64,
        display_name: &str,
        ha1: &Ha1Pair,
        digest_algorithms: &str,
        now: i64,
    ) -> StoreResult<SipAccountRow> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            // Device numbers are reserved even before activation.
            let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM devices WHERE number = $1")
                .bind(username)
                .fetch_optional(&mut *tx)
                .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict("SIP account"));
            }
            let row = sqlx::query_as(
                "INSERT INTO sip_accounts (username, enterprise_id, display_name, ha1_md5, ha1_sha256,
                                           digest_algorithms, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
            )
            .bind(username)
            .bind(enterprise_id)
            .bind(display_name)
            .bind(&ha1.md5)
            .bind(&ha1.sha256)
            .bind(digest_algorithms)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict_as("SIP account"))?;
            tx.commit().await?;
            Ok(row)
        })
    }

    pub async fn list_sip_accounts(&self) -> StoreResult<Vec<SipAccountRow>> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as("SELECT * FROM sip_accounts ORDER BY id")
                .fetch_all(pool)
                .await?)
        })
    }

    pub async fn find_sip_account(&self, username: &str) -> StoreResult<SipAccountRow> {
        findable(username)?;
        on_pool!(self, |pool| {
            sqlx::query_as("SELECT * FROM sip_accounts WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)
        })
    }

    /// Deletes a third-party account. Device accounts go with their device.
    pub async fn delete_sip_account(&self, username: &str) -> StoreResult<()> {
        findable(username)?;
        on_pool!(self, |pool| {
            let done =
                sqlx::query("DELETE FROM sip_accounts WHERE username = $1 AND device_id IS NULL")
                    .bind(username)
                    .execute(pool)
                    .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
    }
}
