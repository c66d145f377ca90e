//! Update offers on devices and what devices report about them.

use super::{on_pool, DeviceRow, Store, StoreResult};

/// The bundle an offer points at.
pub struct NewOffer<'a> {
    pub version: &'a str,
    pub bundle: &'a str,
    pub sha256: &'a str,
    pub size: i64,
}

/// A device's report on an offer.
pub struct UpdateReport<'a> {
    pub offer_id: i64,
    pub state: &'a str,
    pub progress: Option<i64>,
    pub message: Option<&'a str>,
}

impl Store {
    /// Offers a bundle to the device `sn`: a config change (the device
    /// hears of it on its channel), the offer's id the new config version.
    pub async fn offer_update(&self, sn: &str, offer: &NewOffer<'_>) -> StoreResult<DeviceRow> {
        on_pool!(self, |pool| {
            let done = sqlx::query(
                "UPDATE devices SET config_version = config_version + 1,
                    update_offer_id = config_version + 1, update_version = $1, update_bundle = $2,
                    update_sha256 = $3, update_size = $4, update_state = NULL, update_progress = NULL,
                    update_message = NULL, update_reported_at = NULL
                 WHERE sn = $5",
            )
            .bind(offer.version)
            .bind(offer.bundle)
            .bind(offer.sha256)
            .bind(offer.size)
            .bind(sn)
            .execute(pool)
            .await?;
            self.updated_device(done.rows_affected(), sn).await
        })
    }

    /// Withdraws the offer (a device already installing finishes).
    pub async fn cancel_update(&self, sn: &str) -> StoreResult<DeviceRow> {
        on_pool!(self, |pool| {
            let done = sqlx::query(
                "UPDATE devices SET config_version = config_version + 1, update_offer_id = NULL,
                    update_version = NULL, update_bundle = NULL, update_sha256 = NULL,
                    update_size = NULL
                 WHERE sn = $1",
            )
            .bind(sn)
            .execute(pool)
            .await?;
            self.updated_device(done.rows_affected(), sn).await
        })
    }

    /// Records a device's report; one about an older offer is dropped.
    /// Whether it was recorded.
    pub async fn record_update_report(
        &self,
        device_id: i64,
        report: &UpdateReport<'_>,
        now: i64,
    ) -> StoreResult<bool> {
        on_pool!(self, |pool| {
            let done = sqlx::query(
                "UPDATE devices SET update_state = $1, update_progress = $2, update_message = $3,
                    update_reported_at = $4
                 WHERE id = $5 AND update_offer_id = $6",
            )
            .bind(report.state)
            .bind(report.progress)
            .bind(report.message)
            .bind(now)
            .bind(device_id)
            .bind(report.offer_id)
            .execute(pool)
            .await?;
            Ok(done.rows_affected() == 1)
        })
    }
}
