//! Each room's recent events, as the console's room page lists them:
//! recorded where they happen (added, code reset, activated, the config
//! channel opening and closing, renamed, update offers and the room's
//! reports on them). Recording never fails what it records: a store error
//! is logged.

use super::Devices;
use crate::error::{CloudError, CloudResult};
use crate::store::DeviceEventRow;

/// Events the room page shows.
pub const EVENTS_SHOWN: i64 = 50;

impl Devices {
    /// Records `kind` (with `detail`) for the device `device_id`, now.
    pub(crate) async fn record(&self, device_id: i64, kind: &str, detail: &str) {
        let at_ms = self.clock.now_ms();
        if let Err(err) = self
            .store
            .record_device_event(device_id, at_ms, kind, detail)
            .await
        {
            tracing::warn!(%err, device_id, kind, "device event not recorded");
        }
    }

    /// Whether the device is still there (not removed).
    pub(crate) async fn exists(&self, device_id: i64) -> bool {
        self.store.device_by_id(device_id).await.is_ok()
    }

    /// The room `sn`'s newest events first.
    pub async fn recent_events(&self, sn: &str) -> CloudResult<Vec<DeviceEventRow>> {
        let row = self
            .store
            .device_by_sn(sn)
            .await
            .map_err(CloudError::from_store("device"))?;
        Ok(self.store.device_events(row.id, EVENTS_SHOWN).await?)
    }
}
