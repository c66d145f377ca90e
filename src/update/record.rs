//! What the updater remembers across a reboot (`update.json` in the data
//! directory): which offer it acted on and how far it got, so that after
//! the reboot it can tell the cloud whether the new release came up, and
//! never retries an offer it gave up on.

use std::path::{Path, PathBuf};

use roomterm_proto::{UpdateOffer, UpdateState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Installed; the reboot into it was started.
    Rebooting,
    /// Running the offered release.
    Installed,
    Failed,
    RolledBack,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub offer: i64,
    pub version: String,
    pub phase: Phase,
}

/// The record file and its last entry.
pub struct UpdateRecord {
    path: PathBuf,
    pub entry: Option<Entry>,
}

impl UpdateRecord {
    /// Reads `dir/update.json`; a missing or unreadable one is empty (the
    /// worst that follows is one needless download).
    pub fn load(dir: &Path) -> Self {
        let path = dir.join("update.json");
        let entry = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        Self { path, entry }
    }

    pub fn save(&mut self, offer: i64, version: &str, phase: Phase) -> std::io::Result<()> {
        let entry = Entry {
            offer,
            version: version.to_string(),
            phase,
        };
        let temp = self.path.with_extension("tmp");
        std::fs::write(&temp, serde_json::to_vec(&entry)?)?;
        std::fs::File::open(&temp)?.sync_all()?;
        std::fs::rename(&temp, &self.path)?;
        self.entry = Some(entry);
        Ok(())
    }

    /// After a start: the outcome of an install that rebooted, if one did
    /// (`running` is the release running now).
    pub fn outcome_after_reboot(&self, running: &str) -> Option<(i64, String, UpdateState)> {
        let entry = self.entry.as_ref()?;
        if entry.phase != Phase::Rebooting {
            return None;
        }
        let state = if entry.version == running {
            UpdateState::Installed
        } else {
            UpdateState::RolledBack
        };
        Some((entry.offer, entry.version.clone(), state))
    }

    /// Whether `offer` is still to be acted on: not one already finished,
    /// failed or rolled back here.
    pub fn is_new(&self, offer: &UpdateOffer) -> bool {
        self.entry.as_ref().is_none_or(|e| e.offer != offer.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(id: i64, version: &str) -> UpdateOffer {
        UpdateOffer {
            id,
            version: version.into(),
            url: "/api/device/v1/updates/b.raucb".into(),
            sha256: "00".into(),
            size: 1,
        }
    }

    #[test]
    fn a_reboot_ends_installed_or_rolled_back_and_offers_are_acted_on_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut record = UpdateRecord::load(dir.path());
        assert!(record.is_new(&offer(7, "2.0")));
        assert_eq!(record.outcome_after_reboot("1.0"), None);
        record.save(7, "2.0", Phase::Rebooting).unwrap();

        // The new release came up.
        let after = UpdateRecord::load(dir.path());
        assert_eq!(
            after.outcome_after_reboot("2.0"),
            Some((7, "2.0".into(), UpdateState::Installed))
        );
        // The old one is running again: the bootloader fell back.
        assert_eq!(
            after.outcome_after_reboot("1.0"),
            Some((7, "2.0".into(), UpdateState::RolledBack))
        );
        assert!(!after.is_new(&offer(7, "2.0")), "never retried");
        assert!(after.is_new(&offer(9, "2.0")), "offered anew: tried again");
    }

    #[test]
    fn a_damaged_record_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("update.json"), b"{not json").unwrap();
        assert_eq!(UpdateRecord::load(dir.path()).entry, None);
    }
}
