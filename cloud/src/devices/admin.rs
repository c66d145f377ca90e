//! Operator actions on devices.

use super::{DeviceView, Devices, CODE_VALID_SECS};
use crate::error::{check_name, check_token, CloudError, CloudResult};
use crate::secrets;
use crate::sip::directory_sync;
use crate::store::NewDevice;

/// A device together with the activation code just issued for it. The code
/// is shown this once; only its hash is kept.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct IssuedCode {
    pub device: DeviceView,
    pub activation_code: String,
}

impl Devices {
    pub async fn add_device(
        &self,
        sn: &str,
        enterprise: &str,
        name: Option<&str>,
        model: Option<&str>,
    ) -> CloudResult<IssuedCode> {
        let sn = check_token("sn", sn.trim())?;
        let name = check_name("name", name.unwrap_or(&sn))?;
        let model = model.map(|m| check_name("model", m)).transpose()?;
        let enterprise = self
            .store
            .find_enterprise(enterprise)
            .await
            .map_err(CloudError::from_store("enterprise"))?;
        let code = secrets::new_activation_code();
        let code_hash = secrets::hash_code_blocking(code.clone()).await?;
        let now = self.now();
        let row = self
            .store
            .insert_device(
                &NewDevice {
                    sn: &sn,
                    enterprise_id: enterprise.id,
                    name: &name,
                    model: model.as_deref(),
                    code_hash: &code_hash,
                    code_expires_at: now + CODE_VALID_SECS,
                },
                now,
            )
            .await
            .map_err(CloudError::from_store("device"))?;
        tracing::info!(sn = %row.sn, enterprise = %row.enterprise, "device added");
        self.record(row.id, "added", "").await;
        Ok(IssuedCode {
            device: self.view(&row, &self.registered_elsewhere().await),
            activation_code: code,
        })
    }

    /// Issues a new code (valid 10 days from now); the old one stops working.
    /// An activated device keeps running until it activates again.
    pub async fn reset_code(&self, sn: &str) -> CloudResult<IssuedCode> {
        let code = secrets::new_activation_code();
        let code_hash = secrets::hash_code_blocking(code.clone()).await?;
        let now = self.now();
        let row = self
            .store
            .set_activation_code(sn, &code_hash, now, now + CODE_VALID_SECS)
            .await
            .map_err(CloudError::from_store("device"))?;
        tracing::info!(%sn, "activation code reset");
        self.record(row.id, "code_reset", "").await;
        Ok(IssuedCode {
            device: self.view(&row, &self.registered_elsewhere().await),
            activation_code: code,
        })
    }

    pub async fn rename_device(&self, sn: &str, name: &str) -> CloudResult<DeviceView> {
        let name = check_name("name", name)?;
        let row = self
            .store
            .rename_device(sn, &name)
            .await
            .map_err(CloudError::from_store("device"))?;
        self.record(row.id, "renamed", &name).await;
        self.changed(row.id).await;
        Ok(self.view(&row, &self.registered_elsewhere().await))
    }

    /// Removes (unbinds) a device: its SN is free again, its SIP account and
    /// bindings are gone, and an open config channel is told so.
    pub async fn remove_device(&self, sn: &str) -> CloudResult<DeviceView> {
        let row = self
            .store
            .delete_device(sn)
            .await
            .map_err(CloudError::from_store("device"))?;
        self.directory.remove(&row.number);
        directory_sync::announce(&self.store, &row.number).await;
        self.location.clear(&row.number);
        self.changed(row.id).await;
        tracing::info!(%sn, "device removed");
        Ok(self.view(&row, &self.registered_elsewhere().await))
    }

    pub async fn list_devices(&self, enterprise: Option<&str>) -> CloudResult<Vec<DeviceView>> {
        let enterprise_id = self
            .store
            .enterprise_id(enterprise)
            .await
            .map_err(CloudError::from_store("enterprise"))?;
        let rows = self.store.list_devices(enterprise_id).await?;
        let elsewhere = self.registered_elsewhere().await;
        Ok(rows.iter().map(|row| self.view(row, &elsewhere)).collect())
    }

    pub async fn device(&self, sn: &str) -> CloudResult<DeviceView> {
        let row = self
            .store
            .device_by_sn(sn)
            .await
            .map_err(CloudError::from_store("device"))?;
        Ok(self.view(&row, &self.registered_elsewhere().await))
    }
}
