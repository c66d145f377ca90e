//! Enterprises and the SIP accounts of third-party endpoints (Cisco, Polycom,
//! softphones) that join with manually configured credentials.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::Devices;
use crate::error::{check_name, check_token, CloudError, CloudResult};
use crate::secrets;
use crate::sip::digest::{format_algorithms, parse_algorithms};
use crate::sip::{directory_sync, Account};
use crate::store::{Enterprise, SipAccountRow};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SipAccountView {
    pub username: String,
    pub display_name: String,
    pub enterprise_id: i64,
    /// SN of the device owning it; `None` for third-party accounts.
    pub device_sn: Option<String>,
    pub sip_registered: bool,
    /// Digest algorithms offered to this account, e.g. `MD5` or `SHA-256,MD5`.
    pub digest_algorithms: String,
    /// Shown only in the answer that created the account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl Devices {
    pub async fn create_enterprise(&self, name: &str) -> CloudResult<Enterprise> {
        let name = check_name("name", name)?;
        self.store
            .create_enterprise(&name, self.now())
            .await
            .map_err(CloudError::from_store("enterprise"))
    }

    pub async fn list_enterprises(&self) -> CloudResult<Vec<Enterprise>> {
        Ok(self.store.list_enterprises().await?)
    }

    /// Creates a third-party account. Without a password, one is generated
    /// and returned once.
    pub async fn create_sip_account(
        &self,
        username: &str,
        password: Option<&str>,
        enterprise: &str,
        display_name: Option<&str>,
        digest_algorithms: Option<&str>,
    ) -> CloudResult<SipAccountView> {
        let algorithms = parse_algorithms(digest_algorithms.unwrap_or("MD5"))
            .map(|list| format_algorithms(&list))
            .ok_or_else(|| {
                CloudError::InvalidInput(
                    "digest_algorithms is a comma-separated list of SHA-256 and MD5".into(),
                )
            })?;
        let username = check_token("username", username)?;
        // rsip (0.4) reads `a.b@domain` as a host with no user: an account
        // with a dot could never register nor be called.
        if username.contains('.') {
            return Err(CloudError::InvalidInput(
                "username must be letters, digits, '-' or '_' (no '.')".into(),
            ));
        }
        let display_name = check_name("display_name", display_name.unwrap_or(&username))?;
        let password = match password {
            Some(p) if p.chars().count() < 8 || p.chars().any(char::is_control) => {
                return Err(CloudError::InvalidInput(
                    "password must be at least 8 characters without control characters".into(),
                ))
            }
            Some(p) => p.to_string(),
            None => secrets::new_sip_password(),
        };
        let enterprise = self
            .store
            .find_enterprise(enterprise)
            .await
            .map_err(CloudError::from_store("enterprise"))?;
        let ha1 = secrets::ha1(&username, &self.sip.domain, &password);
        let row = self
            .store
            .create_sip_account(
                &username,
                enterprise.id,
                &display_name,
                &ha1,
                &algorithms,
                self.now(),
            )
            .await
            .map_err(CloudError::from_store("SIP account"))?;
        self.directory
            .set(&row.username, Account::new(ha1, &row.digest_algorithms));
        directory_sync::announce(&self.store, &row.username).await;
        let mut view = self.account_view(&row, None, &HashSet::new());
        view.password = Some(password);
        Ok(view)
    }

    pub async fn list_sip_accounts(&self) -> CloudResult<Vec<SipAccountView>> {
        let rows = self.store.list_sip_accounts().await?;
        let devices = self.store.list_devices(None).await?;
        let elsewhere = self.registered_elsewhere().await;
        Ok(rows
            .iter()
            .map(|row| {
                let sn = devices
                    .iter()
                    .find(|d| Some(d.id) == row.device_id)
                    .map(|d| d.sn.clone());
                self.account_view(row, sn, &elsewhere)
            })
            .collect())
    }

    pub async fn delete_sip_account(&self, username: &str) -> CloudResult<()> {
        self.store
            .delete_sip_account(username)
            .await
            .map_err(CloudError::from_store("third-party SIP account"))?;
        self.directory.remove(username);
        self.location.clear(username);
        directory_sync::announce(&self.store, username).await;
        Ok(())
    }

    fn account_view(
        &self,
        row: &SipAccountRow,
        device_sn: Option<String>,
        elsewhere: &HashSet<String>,
    ) -> SipAccountView {
        SipAccountView {
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            enterprise_id: row.enterprise_id,
            device_sn,
            sip_registered: !self
                .location
                .bindings(&row.username, self.clock.now_ms())
                .is_empty()
                || elsewhere.contains(&row.username),
            digest_algorithms: row.digest_algorithms.clone(),
            password: None,
        }
    }
}
