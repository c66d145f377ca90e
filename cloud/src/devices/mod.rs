//! Devices and their life cycle: added by SN with an activation code,
//! activated by the terminal (which receives a token and SIP credentials),
//! renamed, reset, removed. Also the enterprises they belong to and the SIP
//! accounts of third-party endpoints.
//!
//! Every change to an account goes to the store first and then to the SIP
//! [`Directory`], so the registrar never authenticates against stale data.

mod accounts;
mod activation;
mod admin;
mod events;
pub mod lockout;
pub mod presence;
pub mod presence_sync;
mod updates;

pub use accounts::SipAccountView;
pub use admin::IssuedCode;
pub use events::EVENTS_SHOWN;
pub use presence::{ChannelGuard, Presence};
pub use updates::UpdateView;

use std::collections::HashSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::clock::SharedClock;
use crate::sip::{BindingView, Directory, Location};
use crate::store::{DeviceRow, Store};
use lockout::Lockout;
use roomterm_proto::DeviceConfig;

/// Activation codes are valid this long after they are issued.
pub const CODE_VALID_SECS: i64 = 10 * 24 * 3600;
/// Heartbeat interval the cloud asks terminals to use.
pub const HEARTBEAT_SECS: u32 = 30;

/// What the cloud tells a device about reaching its SIP registrar.
#[derive(Debug, Clone)]
pub struct SipSettings {
    pub domain: String,
    /// `host:port` terminals send REGISTER to.
    pub proxy: String,
    pub transport: roomterm_proto::SipTransport,
    /// `host:port` of the media echo (`media/echo.rs`).
    pub media_echo: Option<String>,
}

pub struct Devices {
    store: Store,
    clock: SharedClock,
    lockout: Lockout,
    pub presence: Arc<Presence>,
    directory: Arc<Directory>,
    location: Arc<Location>,
    sip: SipSettings,
    ca_pem: String,
    /// Where offered update bundles are (`<data>/updates/`).
    updates_dir: Option<std::path::PathBuf>,
    /// Signs the terminals' web admin certificates (`None`: plain HTTP).
    device_certs: Option<Arc<crate::tls::DeviceCerts>>,
}

/// A device as the admin API and CLI show it, with its live state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceView {
    pub sn: String,
    pub name: String,
    pub model: Option<String>,
    pub enterprise: String,
    pub enterprise_id: i64,
    pub number: String,
    /// ID of the device's own meeting room: `8` + number.
    pub meeting_room: String,
    /// `pending` (waiting for activation) or `active`.
    pub state: String,
    /// Unix seconds; set while an unused code exists.
    pub activation_code_expires_at: Option<i64>,
    pub activated_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub software_version: Option<String>,
    /// The data partition's size and free space, as last reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<roomterm_proto::Storage>,
    /// The device's config channel is open right now.
    pub provisioning_connected: bool,
    /// The device's SIP account has at least one live binding.
    pub sip_registered: bool,
    pub sip_bindings: Vec<BindingView>,
    /// The update offered to the device and its progress (absent: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update: Option<UpdateView>,
}

impl Devices {
    pub fn new(
        store: Store,
        clock: SharedClock,
        directory: Arc<Directory>,
        location: Arc<Location>,
        sip: SipSettings,
        ca_pem: String,
    ) -> Self {
        Self {
            lockout: Lockout::new(store.clone(), "activation"),
            store,
            clock,
            presence: Arc::new(Presence::default()),
            directory,
            location,
            sip,
            ca_pem,
            updates_dir: None,
            device_certs: None,
        }
    }

    /// Signs the terminals' web admin certificates with `certs`.
    pub fn with_device_certs(mut self, certs: Arc<crate::tls::DeviceCerts>) -> Self {
        self.device_certs = Some(certs);
        self
    }

    /// Serves update bundles from `dir`.
    pub fn with_updates_dir(mut self, dir: std::path::PathBuf) -> Self {
        self.updates_dir = Some(dir);
        self
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    /// The room's record changed: its config channel reloads it, on
    /// whichever node it is open.
    async fn changed(&self, device_id: i64) {
        presence_sync::device_changed(&self.store, &self.presence, device_id).await;
    }

    /// The enterprise's meetings changed: its rooms fetch the day's again,
    /// on whichever node their channels are open.
    pub async fn schedule_changed(&self, enterprise_id: i64) {
        presence_sync::schedule_changed(&self.store, &self.presence, enterprise_id).await;
    }

    /// The cloud's clock, in unix seconds.
    pub fn now_secs(&self) -> i64 {
        self.now()
    }

    /// The SIP users registered on another node behind the SIP edge
    /// (none with one node): registered, as far as a room's user cares.
    async fn registered_elsewhere(&self) -> HashSet<String> {
        match self.store.sip_aors_elsewhere(self.clock.now_ms()).await {
            Ok(aors) => aors.into_iter().collect(),
            Err(err) => {
                tracing::warn!(%err, "cannot read the other nodes' registrations");
                HashSet::new()
            }
        }
    }

    /// A room as the admin API shows it; `elsewhere` from
    /// [`registered_elsewhere`](Self::registered_elsewhere).
    fn view(&self, row: &DeviceRow, elsewhere: &HashSet<String>) -> DeviceView {
        let bindings = self.location.views(&row.number, self.clock.now_ms());
        DeviceView {
            sn: row.sn.clone(),
            name: row.name.clone(),
            model: row.model.clone(),
            enterprise: row.enterprise.clone(),
            enterprise_id: row.enterprise_id,
            number: row.number.clone(),
            meeting_room: crate::meetings::room_id(&row.number),
            state: row.state.clone(),
            activation_code_expires_at: row
                .code_used_at
                .is_none()
                .then_some(row.code_expires_at)
                .flatten(),
            activated_at: row.activated_at,
            last_seen_at: row.last_seen_at,
            software_version: row.software_version.clone(),
            storage: Self::storage_view(row),
            provisioning_connected: self.presence.is_connected(row.id),
            sip_registered: !bindings.is_empty() || elsewhere.contains(&row.number),
            sip_bindings: bindings,
            update: Self::update_view(row),
        }
    }

    fn storage_view(row: &DeviceRow) -> Option<roomterm_proto::Storage> {
        let bytes = |value: i64| u64::try_from(value).unwrap_or(0);
        Some(roomterm_proto::Storage {
            total_bytes: bytes(row.storage_total_bytes?),
            free_bytes: bytes(row.storage_free_bytes?),
        })
    }

    /// The rooms `row` can call: the other activated devices of its
    /// enterprise, by name, with whether each is registered now.
    pub async fn directory_for(
        &self,
        row: &DeviceRow,
    ) -> crate::error::CloudResult<Vec<roomterm_proto::DirectoryEntry>> {
        let entries = self.directory(row.enterprise_id, Some(row.id)).await?;
        Ok(entries.into_iter().map(|(entry, _)| entry).collect())
    }

    /// The enterprise's directory: its activated rooms (but `except`) and
    /// third-party SIP endpoints, by name, each with whether it is
    /// registered now and whether it is a room.
    pub async fn directory(
        &self,
        enterprise_id: i64,
        except: Option<i64>,
    ) -> crate::error::CloudResult<Vec<(roomterm_proto::DirectoryEntry, bool)>> {
        let now = self.clock.now_ms();
        let elsewhere = self.registered_elsewhere().await;
        let online =
            |user: &str| !self.location.bindings(user, now).is_empty() || elsewhere.contains(user);
        let mut rooms: Vec<(roomterm_proto::DirectoryEntry, bool)> = self
            .store
            .list_devices(Some(enterprise_id))
            .await?
            .into_iter()
            .filter(|other| Some(other.id) != except && other.activated_at.is_some())
            .map(|other| {
                let entry = roomterm_proto::DirectoryEntry {
                    online: online(&other.number),
                    name: other.name,
                    number: other.number,
                };
                (entry, true)
            })
            .collect();
        // The enterprise's third-party SIP endpoints (Cisco, Polycom rooms,
        // softphones) are called the same way, by their account name.
        let endpoints = self
            .store
            .list_sip_accounts()
            .await?
            .into_iter()
            .filter(|a| a.enterprise_id == enterprise_id && a.device_id.is_none())
            .map(|a| roomterm_proto::DirectoryEntry {
                online: online(&a.username),
                name: if a.display_name.is_empty() {
                    a.username.clone()
                } else {
                    a.display_name
                },
                number: a.username,
            })
            .map(|entry| (entry, false));
        rooms.extend(endpoints);
        rooms.sort_by(|(a, _), (b, _)| a.name.cmp(&b.name).then_with(|| a.number.cmp(&b.number)));
        Ok(rooms)
    }

    pub fn config_for(&self, row: &DeviceRow) -> DeviceConfig {
        DeviceConfig {
            version: row.config_version,
            name: row.name.clone(),
            enterprise: row.enterprise.clone(),
            sn: row.sn.clone(),
            number: row.number.clone(),
            heartbeat_secs: HEARTBEAT_SECS,
            update: Self::update_offer(row),
            meeting_room: Some(crate::meetings::room_id(&row.number)),
            media_echo: self.sip.media_echo.clone(),
        }
    }
}
