//! Each room's recent events (the console's room page).

use super::{on_pool, Store, StoreResult, WritePool};

/// Events kept per device; older ones are deleted as new ones come.
pub const EVENTS_KEPT: i64 = 200;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct DeviceEventRow {
    pub at_ms: i64,
    /// `added`, `code_reset`, `activated`, `online`, `offline`, `renamed`,
    /// `update_offered`, `update_withdrawn`, `update_<state>`.
    pub kind: String,
    /// e.g. the address it activated from, the new name, the version.
    pub detail: String,
}

impl Store {
    pub async fn record_device_event(
        &self,
        device_id: i64,
        at_ms: i64,
        kind: &str,
        detail: &str,
    ) -> StoreResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(
                "INSERT INTO device_events (device_id, at_ms, kind, detail) VALUES ($1, $2, $3, $4)",
            )
            .bind(device_id)
            .bind(at_ms)
            .bind(kind)
            .bind(detail)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM device_events WHERE device_id = $1 AND id <= (
                   SELECT id FROM device_events WHERE device_id = $2 ORDER BY id DESC LIMIT 1 OFFSET $3)",
            )
            .bind(device_id)
            .bind(device_id)
            .bind(EVENTS_KEPT)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The device's newest events first, at most `limit`.
    pub async fn device_events(
        &self,
        device_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<DeviceEventRow>> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(
                "SELECT at_ms, kind, detail FROM device_events WHERE device_id = $1
                 ORDER BY id DESC LIMIT $2",
            )
            .bind(device_id)
            .bind(limit)
            .fetch_all(pool)
            .await?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_the_newest_events_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::open_for_test(dir.path()).await;
        let enterprise = store.create_enterprise("Acme", 0).await.unwrap();
        let device = store
            .insert_device(
                &crate::store::NewDevice {
                    sn: "SN-E1",
                    enterprise_id: enterprise.id,
                    name: "Room",
                    model: None,
                    code_hash: "x",
                    code_expires_at: 10,
                },
                0,
            )
            .await
            .unwrap();
        for i in 0..EVENTS_KEPT + 5 {
            store
                .record_device_event(device.id, i, "online", &i.to_string())
                .await
                .unwrap();
        }
        let events = store.device_events(device.id, 1000).await.unwrap();
        assert_eq!(events.len() as i64, EVENTS_KEPT);
        assert_eq!(events[0].detail, (EVENTS_KEPT + 4).to_string());
        // A removed room's events go with it.
        store.delete_device("SN-E1").await.unwrap();
        assert!(store.device_events(device.id, 10).await.unwrap().is_empty());
    }
}
