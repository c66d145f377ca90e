//! Activation: SN + code → device token, SIP credentials, config and the CA.

use std::net::IpAddr;

use roomterm_proto::{ActivateRequest, ActivateResponse, SipCredentials, DEVICE_API};

use super::Devices;
use crate::error::{check_token, CloudError, CloudResult};
use crate::secrets;
use crate::sip::{directory_sync, Account, DEFAULT_EXPIRES};
use crate::store::DEVICE_ALGORITHMS;
use crate::store::{DeviceRow, StoreError};

impl Devices {
    pub async fn activate(
        &self,
        ip: IpAddr,
        req: &ActivateRequest,
    ) -> CloudResult<ActivateResponse> {
        let now = self.now();
        if let Some(retry_after_secs) = self.lockout.locked_for(ip, now).await? {
            return Err(CloudError::IpLocked { retry_after_secs });
        }
        let row = match self.check_code(req).await? {
            Some(row) => row,
            None => {
                tracing::warn!(%ip, sn = %req.sn, "wrong activation code");
                let locked = self.lockout.record_failure(ip, now).await?;
                return Err(match locked {
                    Some(retry_after_secs) => {
                        tracing::warn!(%ip, "address locked out of activation");
                        CloudError::IpLocked { retry_after_secs }
                    }
                    None => CloudError::ActivationRefused,
                });
            }
        };
        // The code is right: now its state decides.
        if row.code_used_at.is_some() {
            return Err(CloudError::CodeUsed);
        }
        if row.code_expires_at.is_none_or(|at| now >= at) {
            return Err(CloudError::CodeExpired);
        }

        let token = secrets::new_token("rtd_");
        let password = secrets::new_sip_password();
        let ha1 = secrets::ha1(&row.number, &self.sip.domain, &password);
        let model = req
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty());
        let version = req
            .software_version
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty());
        let row = self
            .store
            .activate_device(
                row.id,
                &secrets::hash_token(&token),
                &ha1,
                model,
                version,
                now,
            )
            .await
            .map_err(|err| match err {
                StoreError::Conflict(_) => CloudError::CodeUsed,
                other => CloudError::from_store("device")(other),
            })?;
        // New credentials replace old ones at once; bindings made with the
        // old password must not outlive them.
        self.directory
            .set(&row.number, Account::new(ha1, DEVICE_ALGORITHMS));
        self.location.clear(&row.number);
        directory_sync::announce(&self.store, &row.number).await;
        self.changed(row.id).await;
        tracing::info!(sn = %row.sn, number = %row.number, %ip, "device activated");
        self.record(row.id, "activated", &ip.to_string()).await;

        Ok(ActivateResponse {
            device_token: token,
            sip: SipCredentials {
                username: row.number.clone(),
                password,
                domain: self.sip.domain.clone(),
                proxy: self.sip.proxy.clone(),
                register_expires: DEFAULT_EXPIRES,
                transport: self.sip.transport,
            },
            config: self.config_for(&row),
            ca_pem: self.ca_pem.clone(),
            channel_path: format!("{DEVICE_API}/channel"),
            admin_certificate: self.admin_certificate(&row.sn, req),
        })
    }

    /// The terminal's web admin certificate, if it sent a usable key.
    fn admin_certificate(&self, sn: &str, req: &ActivateRequest) -> Option<String> {
        let (certs, key) = (
            self.device_certs.as_ref()?,
            req.admin_public_key.as_deref()?,
        );
        let chain = certs.issue(sn, key);
        if chain.is_none() {
            tracing::warn!(%sn, "the web admin key sent is not a P-256 point: no certificate");
        }
        chain
    }

    /// The device if `req` names an existing SN with its (current) code.
    async fn check_code(&self, req: &ActivateRequest) -> CloudResult<Option<DeviceRow>> {
        let code = secrets::normalize_code(&req.code);
        let Ok(sn) = check_token("sn", req.sn.trim()) else {
            return Ok(None);
        };
        if code.len() != secrets::CODE_DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(None);
        }
        let row = match self.store.device_by_sn(&sn).await {
            Ok(row) => Some(row),
            Err(StoreError::NotFound) => None,
            Err(err) => return Err(err.into()),
        };
        // An unknown SN costs the same hashing as a wrong code (see
        // `verify_code`): its refusal must not come back sooner.
        let hash = row.as_ref().and_then(|row| row.code_hash.clone());
        let matches = secrets::verify_code_blocking(code, hash).await?;
        Ok(row.filter(|_| matches))
    }

    /// The device a bearer token belongs to.
    pub async fn device_for_token(&self, token: &str) -> CloudResult<DeviceRow> {
        match self
            .store
            .device_by_token_hash(&secrets::hash_token(token))
            .await
        {
            Ok(row) => Ok(row),
            Err(StoreError::NotFound) => Err(CloudError::Unauthorized),
            Err(err) => Err(err.into()),
        }
    }

    pub async fn heartbeat(
        &self,
        device_id: i64,
        software_version: Option<&str>,
        storage: Option<roomterm_proto::Storage>,
    ) -> CloudResult<()> {
        self.store
            .touch_device(device_id, self.now(), software_version, storage)
            .await?;
        Ok(())
    }
}
