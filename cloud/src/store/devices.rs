use super::{conflict_as, findable, on_pool, Ha1Pair, Store, StoreError, StoreResult, WritePool};

/// First device number; numbers are `FIRST_NUMBER + id`, skipping any taken
/// by a third-party SIP account.
const FIRST_NUMBER: i64 = 100_000;

/// Digest algorithms of device accounts: terminals speak RFC 8760, and MD5
/// stays for tools that do not.
pub const DEVICE_ALGORITHMS: &str = "SHA-256,MD5";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: i64,
    pub sn: String,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub name: String,
    pub model: Option<String>,
    pub state: String,
    pub number: String,
    pub code_hash: Option<String>,
    pub code_created_at: Option<i64>,
    pub code_expires_at: Option<i64>,
    pub code_used_at: Option<i64>,
    pub activated_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub software_version: Option<String>,
    pub config_version: i64,
    pub created_at: i64,
    pub update_offer_id: Option<i64>,
    pub update_version: Option<String>,
    pub update_bundle: Option<String>,
    pub update_sha256: Option<String>,
    pub update_size: Option<i64>,
    pub update_state: Option<String>,
    pub update_progress: Option<i64>,
    pub update_message: Option<String>,
    pub update_reported_at: Option<i64>,
    pub storage_total_bytes: Option<i64>,
    pub storage_free_bytes: Option<i64>,
}

pub struct NewDevice<'a> {
    pub sn: &'a str,
    pub enterprise_id: i64,
    pub name: &'a str,
    pub model: Option<&'a str>,
    pub code_hash: &'a str,
    pub code_expires_at: i64,
}

const SELECT_DEVICE: &str =
    "SELECT d.id, d.sn, d.enterprise_id, e.name AS enterprise, d.name, d.model,
        d.state, d.number, d.code_hash, d.code_created_at, d.code_expires_at, d.code_used_at,
        d.activated_at, d.last_seen_at, d.software_version, d.config_version, d.created_at,
        d.update_offer_id, d.update_version, d.update_bundle, d.update_sha256, d.update_size,
        d.update_state, d.update_progress, d.update_message, d.update_reported_at,
        d.storage_total_bytes, d.storage_free_bytes
     FROM devices d JOIN enterprises e ON e.id = d.enterprise_id";

impl Store {
    /// Adds a device in state `pending`, with its device number and an
    /// (as yet credential-less) SIP account.
    pub async fn insert_device(&self, new: &NewDevice<'_>, now: i64) -> StoreResult<DeviceRow> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO devices (sn, enterprise_id, name, model, state, number, code_hash,
                                      code_created_at, code_expires_at, created_at)
                 VALUES ($1, $2, $3, $4, 'pending', $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(new.sn)
            .bind(new.enterprise_id)
            .bind(new.name)
            .bind(new.model)
            // Placeholder until the id is known; unique because SNs are.
            .bind(format!("sn:{}", new.sn))
            .bind(new.code_hash)
            .bind(now)
            .bind(new.code_expires_at)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict_as("SN"))?;

            let mut number = FIRST_NUMBER + id;
            loop {
                let taken: Option<i64> =
                    sqlx::query_scalar("SELECT id FROM sip_accounts WHERE username = $1")
                        .bind(number.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                if taken.is_none() {
                    break;
                }
                number += 1;
            }
            let number = number.to_string();
            sqlx::query("UPDATE devices SET number = $1 WHERE id = $2")
                .bind(&number)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO sip_accounts (username, enterprise_id, device_id, display_name,
                                           digest_algorithms, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&number)
            .bind(new.enterprise_id)
            .bind(id)
            .bind(new.name)
            .bind(DEVICE_ALGORITHMS)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            self.device_by_sn(new.sn).await
        })
    }

    pub async fn device_by_sn(&self, sn: &str) -> StoreResult<DeviceRow> {
        findable(sn)?;
        on_pool!(self, |pool| {
            sqlx::query_as(&format!("{SELECT_DEVICE} WHERE d.sn = $1"))
                .bind(sn)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)
        })
    }

    pub async fn device_by_id(&self, id: i64) -> StoreResult<DeviceRow> {
        on_pool!(self, |pool| {
            sqlx::query_as(&format!("{SELECT_DEVICE} WHERE d.id = $1"))
                .bind(id)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)
        })
    }

    pub async fn device_by_number(&self, number: &str) -> StoreResult<DeviceRow> {
        findable(number)?;
        on_pool!(self, |pool| {
            sqlx::query_as(&format!("{SELECT_DEVICE} WHERE d.number = $1"))
                .bind(number)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)
        })
    }

    pub async fn device_by_token_hash(&self, token_hash: &str) -> StoreResult<DeviceRow> {
        on_pool!(self, |pool| {
            sqlx::query_as(&format!("{SELECT_DEVICE} WHERE d.token_hash = $1"))
                .bind(token_hash)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)
        })
    }

    pub async fn list_devices(&self, enterprise_id: Option<i64>) -> StoreResult<Vec<DeviceRow>> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(&format!(
                "{SELECT_DEVICE} WHERE $1 IS NULL OR d.enterprise_id = $2 ORDER BY d.id"
            ))
            .bind(enterprise_id)
            .bind(enterprise_id)
            .fetch_all(pool)
            .await?)
        })
    }

    /// Renames a device (and its SIP display name) and bumps its config version.
    pub async fn rename_device(&self, sn: &str, name: &str) -> StoreResult<DeviceRow> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "UPDATE devices SET name = $1, config_version = config_version + 1 WHERE sn = $2 RETURNING id",
            )
            .bind(name)
            .bind(sn)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            sqlx::query("UPDATE sip_accounts SET display_name = $1 WHERE device_id = $2")
                .bind(name)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            self.device_by_sn(sn).await
        })
    }

    /// Replaces the activation code; the old one stops working at once.
    pub async fn set_activation_code(
        &self,
        sn: &str,
        code_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<DeviceRow> {
        on_pool!(self, |pool| {
            let done = sqlx::query(
                "UPDATE devices SET code_hash = $1, code_created_at = $2, code_expires_at = $3, code_used_at = NULL
                 WHERE sn = $4",
            )
            .bind(code_hash)
            .bind(now)
            .bind(expires_at)
            .bind(sn)
            .execute(pool)
            .await?;
            self.updated_device(done.rows_affected(), sn).await
        })
    }

    /// The device `sn` as an UPDATE of its row left it; `NotFound` when
    /// the UPDATE matched no row.
    pub(super) async fn updated_device(
        &self,
        rows_affected: u64,
        sn: &str,
    ) -> StoreResult<DeviceRow> {
        if rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        self.device_by_sn(sn).await
    }

    /// Marks the code used, stores the new token and SIP credentials, and
    /// makes the device active — all or nothing. Fails with `Conflict` if the
    /// code was used concurrently.
    pub async fn activate_device(
        &self,
        device_id: i64,
        token_hash: &str,
        ha1: &Ha1Pair,
        model: Option<&str>,
        software_version: Option<&str>,
        now: i64,
    ) -> StoreResult<DeviceRow> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE devices SET state = 'active', code_used_at = $1, token_hash = $2, activated_at = $3,
                        last_seen_at = $4, model = COALESCE($5, model), software_version = COALESCE($6, software_version)
                 WHERE id = $7 AND code_used_at IS NULL",
            )
            .bind(now)
            .bind(token_hash)
            .bind(now)
            .bind(now)
            .bind(model)
            .bind(software_version)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict("activation"));
            }
            sqlx::query(
                "UPDATE sip_accounts SET ha1_md5 = $1, ha1_sha256 = $2 WHERE device_id = $3",
            )
            .bind(&ha1.md5)
            .bind(&ha1.sha256)
            .bind(device_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            self.device_by_id(device_id).await
        })
    }

    pub async fn touch_device(
        &self,
        device_id: i64,
        now: i64,
        software_version: Option<&str>,
        storage: Option<roomterm_proto::Storage>,
    ) -> StoreResult<()> {
        on_pool!(self, |pool| {
            // SQLite integers are i64; a disk beyond 8 EiB is not a concern.
            let bytes = |value: u64| i64::try_from(value).unwrap_or(i64::MAX);
            sqlx::query(
                "UPDATE devices SET last_seen_at = $1, software_version = COALESCE($2, software_version),
                    storage_total_bytes = COALESCE($3, storage_total_bytes),
                    storage_free_bytes = COALESCE($4, storage_free_bytes)
                 WHERE id = $5",
            )
            .bind(now)
            .bind(software_version)
            .bind(storage.map(|s| bytes(s.total_bytes)))
            .bind(storage.map(|s| bytes(s.free_bytes)))
            .bind(device_id)
            .execute(pool)
            .await?;
            Ok(())
        })
    }

    /// Removes a device and its SIP account; its SN becomes free again.
    pub async fn delete_device(&self, sn: &str) -> StoreResult<DeviceRow> {
        on_pool!(self, |pool| {
            let row = self.device_by_sn(sn).await?;
            sqlx::query("DELETE FROM devices WHERE id = $1")
                .bind(row.id)
                .execute(pool)
                .await?;
            Ok(row)
        })
    }
}
