//! Console accounts and their sessions (migration 0007).

use super::{conflict_as, findable, on_pool, Store, StoreError, StoreResult, WritePool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub id: i64,
    pub enterprise_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
}

/// A new account's fields.
pub struct NewAccount<'a> {
    pub enterprise_id: i64,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: &'a str,
    pub password_hash: &'a str,
}

impl Store {
    pub async fn insert_account(&self, new: &NewAccount<'_>, now: i64) -> StoreResult<AccountRow> {
        on_pool!(self, |pool| {
            sqlx::query_as(
                "INSERT INTO accounts (enterprise_id, username, display_name, role, password_hash,
                                       created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING *",
            )
            .bind(new.enterprise_id)
            .bind(new.username)
            .bind(new.display_name)
            .bind(new.role)
            .bind(new.password_hash)
            .bind(now)
            .fetch_one(pool)
            .await
            .map_err(conflict_as("account"))
        })
    }

    pub async fn account_by_username(&self, username: &str) -> StoreResult<AccountRow> {
        findable(username)?;
        on_pool!(self, |pool| {
            sqlx::query_as("SELECT * FROM accounts WHERE username = $1")
                .bind(username)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)
        })
    }

    /// The accounts of an enterprise, or all.
    pub async fn list_accounts(&self, enterprise_id: Option<i64>) -> StoreResult<Vec<AccountRow>> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT * FROM accounts WHERE $1 IS NULL OR enterprise_id = $1 ORDER BY username",
            )
            .bind(enterprise_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Counts a wrong password; from the `limit`th in a row the account is
    /// locked until `lock_until`. Returns the account as it is now.
    pub async fn record_failed_login(
        &self,
        id: i64,
        limit: i64,
        lock_until: i64,
    ) -> StoreResult<AccountRow> {
        on_pool!(self, |pool| {
            // One statement, so two processes counting at once both count.
            sqlx::query_as(
                "UPDATE accounts SET failed_logins = failed_logins + 1,
                        locked_until = CASE WHEN failed_logins + 1 >= $1 THEN $2 ELSE locked_until END
                 WHERE id = $3 RETURNING *",
            )
            .bind(limit)
            .bind(lock_until)
            .bind(id)
            .fetch_optional(pool)
            .await?
            .ok_or(StoreError::NotFound)
        })
    }

    /// A right password (or a lock that ran out): the count starts again.
    pub async fn clear_failed_logins(&self, id: i64) -> StoreResult<()> {
        on_pool!(self, |pool| {
            sqlx::query("UPDATE accounts SET failed_logins = 0, locked_until = NULL WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
            Ok(())
        })
    }

    /// A new password; every session of the account ends but `keep` (the
    /// one that changed it).
    pub async fn set_account_password(
        &self,
        id: i64,
        password_hash: &str,
        keep: Option<&str>,
    ) -> StoreResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let changed = sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            if changed.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM console_sessions WHERE account_id = $1 AND id_hash IS DISTINCT FROM $2")
                .bind(id)
                .bind(keep)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn delete_account(&self, username: &str) -> StoreResult<AccountRow> {
        findable(username)?;
        on_pool!(self, |pool| {
            sqlx::query_as("DELETE FROM accounts WHERE username = $1 RETURNING *")
                .bind(username)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)
        })
    }

    /// A new session; expired ones go at the same time.
    pub async fn insert_console_session(
        &self,
        id_hash: &str,
        account_id: i64,
        csrf_token: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM console_sessions WHERE expires_at <= $1")
                .bind(now)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO console_sessions (id_hash, account_id, csrf_token, expires_at)
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(id_hash)
            .bind(account_id)
            .bind(csrf_token)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The live session with this id hash: its account and CSRF token.
    pub async fn console_session(
        &self,
        id_hash: &str,
        now: i64,
    ) -> StoreResult<(AccountRow, String)> {
        on_pool!(self, |pool| {
            let csrf: Option<(i64, String)> = sqlx::query_as(
                "SELECT account_id, csrf_token FROM console_sessions
                 WHERE id_hash = $1 AND expires_at > $2",
            )
            .bind(id_hash)
            .bind(now)
            .fetch_optional(pool)
            .await?;
            let (account_id, csrf) = csrf.ok_or(StoreError::NotFound)?;
            let account = sqlx::query_as("SELECT * FROM accounts WHERE id = $1")
                .bind(account_id)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)?;
            Ok((account, csrf))
        })
    }

    pub async fn delete_console_session(&self, id_hash: &str) -> StoreResult<()> {
        on_pool!(self, |pool| {
            sqlx::query("DELETE FROM console_sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(pool)
                .await?;
            Ok(())
        })
    }
}
