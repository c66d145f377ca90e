//! Software updates. An operator drops a signed RAUC bundle into
//! `<data>/updates/` and offers it to a device; the offer rides on the
//! device's config (so an offline device hears of it when it connects),
//! the device downloads the bundle from the device API, installs it and
//! reports each step on its config channel. The cloud checks nothing about
//! the bundle's content: the device verifies its signature.

use std::io::Read;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{DeviceView, Devices};
use crate::error::{CloudError, CloudResult};
use crate::store::{DeviceRow, NewOffer, UpdateReport};
use roomterm_proto::{UpdateOffer, UpdateState, DEVICE_API};

/// An offer and the device's last word on it, as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateView {
    pub offer: i64,
    pub version: String,
    pub bundle: String,
    pub size: i64,
    /// `null` until the device reports; then `deferred`, `downloading`,
    /// `installing`, `waiting_for_call`, `rebooting`, `installed`, `failed`
    /// or `rolled_back`.
    pub state: Option<String>,
    pub progress: Option<i64>,
    pub message: Option<String>,
    pub reported_at: Option<i64>,
}

/// A release name: what image/build writes as `IMAGE_VERSION`.
fn check_version(version: &str) -> CloudResult<&str> {
    let ok = !version.is_empty()
        && version.len() <= 64
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+' | b'~'));
    ok.then_some(version).ok_or_else(|| {
        CloudError::InvalidInput(
            "version must be 1 to 64 letters, digits or . - _ + ~ (the image's IMAGE_VERSION)"
                .into(),
        )
    })
}

impl Devices {
    /// The bundles in the updates folder that may be offered, by name.
    pub fn bundles(&self) -> Vec<String> {
        let Some(dir) = &self.updates_dir else {
            return Vec::new();
        };
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| self.bundle_path(name).is_ok())
            .collect();
        names.sort();
        names
    }

    /// The bundle file `name` in the updates folder; only plain file names
    /// ending in `.raucb` (no paths).
    pub fn bundle_path(&self, name: &str) -> CloudResult<PathBuf> {
        let dir = self
            .updates_dir
            .as_ref()
            .ok_or(CloudError::NotFound("updates folder"))?;
        let plain = name.len() <= 128
            && name.ends_with(".raucb")
            && !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'));
        if !plain {
            return Err(CloudError::InvalidInput(
                "bundle must be a file name in the updates folder, ending in .raucb".into(),
            ));
        }
        let path = dir.join(name);
        if !path.is_file() {
            return Err(CloudError::NotFound("bundle"));
        }
        Ok(path)
    }

    /// The bundle file `name` for the device `row`: only the one offered to
    /// it now. Any other name, another device's bundle included, is not
    /// found, so a device learns nothing about offers made to others.
    pub fn offered_bundle_path(&self, row: &DeviceRow, name: &str) -> CloudResult<PathBuf> {
        if row.update_bundle.as_deref() != Some(name) {
            return Err(CloudError::NotFound("bundle"));
        }
        self.bundle_path(name)
    }

    /// Offers the bundle `bundle` (release `version`) to the device `sn`.
    pub async fn offer_update(
        &self,
        sn: &str,
        version: &str,
        bundle: &str,
    ) -> CloudResult<DeviceView> {
        let version = check_version(version.trim())?;
        let path = self.bundle_path(bundle)?;
        let (sha256, size) = tokio::task::spawn_blocking(move || hash_file(&path))
            .await
            .map_err(|e| CloudError::Internal(e.into()))?
            .map_err(|e| CloudError::Internal(e.into()))?;
        let offer = NewOffer {
            version,
            bundle,
            sha256: &sha256,
            size: i64::try_from(size).unwrap_or(i64::MAX),
        };
        let row = self
            .store
            .offer_update(sn, &offer)
            .await
            .map_err(CloudError::from_store("device"))?;
        tracing::info!(sn, version, bundle, "update offered");
        self.record(row.id, "update_offered", version).await;
        self.changed(row.id).await;
        Ok(self.view(&row, &self.registered_elsewhere().await))
    }

    /// Withdraws the device's update offer.
    pub async fn cancel_update(&self, sn: &str) -> CloudResult<DeviceView> {
        let row = self
            .store
            .cancel_update(sn)
            .await
            .map_err(CloudError::from_store("device"))?;
        self.record(row.id, "update_withdrawn", "").await;
        self.changed(row.id).await;
        Ok(self.view(&row, &self.registered_elsewhere().await))
    }

    /// A device's report on its config channel.
    pub async fn update_reported(
        &self,
        row: &DeviceRow,
        offer: i64,
        state: UpdateState,
        progress: Option<u8>,
        message: Option<&str>,
    ) -> CloudResult<()> {
        let state = state.as_str();
        // A message from the device is shown to operators: keep it short.
        let message: Option<String> = message.map(|m| m.chars().take(500).collect());
        let report = UpdateReport {
            offer_id: offer,
            state,
            progress: progress.map(|p| i64::from(p.min(100))),
            message: message.as_deref(),
        };
        let recorded = self
            .store
            .record_update_report(row.id, &report, self.now())
            .await
            .map_err(CloudError::from_store("device"))?;
        if recorded {
            tracing::info!(sn = %row.sn, offer, state, ?progress, ?message, "update report");
            // Progress reports are many: a step's start and end are events.
            if progress.is_none_or(|p| p == 0) {
                let detail = message.as_deref().unwrap_or_default();
                self.record(row.id, &format!("update_{state}"), detail)
                    .await;
            }
        }
        Ok(())
    }

    /// The offer in a device's config.
    pub(super) fn update_offer(row: &DeviceRow) -> Option<UpdateOffer> {
        Some(UpdateOffer {
            id: row.update_offer_id?,
            version: row.update_version.clone()?,
            url: format!("{DEVICE_API}/updates/{}", row.update_bundle.as_deref()?),
            sha256: row.update_sha256.clone()?,
            size: u64::try_from(row.update_size?).ok()?,
        })
    }

    pub(super) fn update_view(row: &DeviceRow) -> Option<UpdateView> {
        Some(UpdateView {
            offer: row.update_offer_id?,
            version: row.update_version.clone()?,
            bundle: row.update_bundle.clone()?,
            size: row.update_size?,
            state: row.update_state.clone(),
            progress: row.update_progress,
            message: row.update_message.clone(),
            reported_at: row.update_reported_at,
        })
    }
}

/// Lowercase hex SHA-256 and length of a file.
fn hash_file(path: &std::path::Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        size += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_release_names() {
        for good in ["0.1.0+gd77e6ee764", "1.2.3-rc1", "2026.12~1"] {
            assert!(check_version(good).is_ok(), "{good}");
        }
        for bad in ["", "a b", "1/2", &"9".repeat(65), "v\n1"] {
            assert!(check_version(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn files_hash_like_sha256sum() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.raucb");
        std::fs::write(&path, b"abc").unwrap();
        let (hash, size) = hash_file(&path).unwrap();
        assert_eq!(size, 3);
        assert_eq!(
            hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
