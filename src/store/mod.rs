//! The terminal's persistent state in its data directory:
//!
//! | file | what | factory reset |
//! |---|---|---|
//! | `settings.json` | what the installer set: language, server, network | wiped |
//! | `credentials.json` | what activation returned: token, SIP account, config | wiped |
//! | `ca.pem` | the cloud CA pinned at activation | wiped |
//! | `*.corrupt-<time>` | a file that failed to load, kept for a post-mortem | wiped |
//! | `control-token` | the local control API's token (`web/`) | kept |
//!
//! Every write is atomic; a missing or corrupt file means factory defaults
//! (a corrupt one is kept aside, with a warning in the log).

mod admin_key;
mod atomic;
mod journald;

pub use atomic::{load_json, write_atomic, Loaded};

use std::path::{Path, PathBuf};

use roomterm_proto::{DeviceConfig, SipCredentials};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Language {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum NetworkSettings {
    #[default]
    Dhcp,
    Static {
        /// e.g. `192.168.1.20/24`
        address: String,
        gateway: String,
        dns: Vec<String>,
    },
}

/// What the installer and room users configure on the terminal.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub language: Language,
    /// Cloud API base URL, e.g. `https://cloud.example.com:8443`.
    pub server_url: Option<String>,
    pub network: NetworkSettings,
    pub auto_answer: bool,
    /// The speaker's level, 0–100 (`None`: [`DEFAULT_VOLUME`]).
    pub speaker_volume: Option<u8>,
    /// Who may replace a cast that is showing.
    pub cast_take_over: roomterm_proto::TakeOver,
    /// Idle minutes before the screen goes to standby (`None`:
    /// [`DEFAULT_STANDBY_MINUTES`]; 0: never).
    pub standby_minutes: Option<u32>,
    /// Where the room-controller line protocol listens on the network
    /// (`None`: off, as out of the box).
    pub line_protocol: Option<std::net::SocketAddr>,
}

/// The speaker's level out of the box, in percent.
pub const DEFAULT_VOLUME: u8 = 80;
/// Idle minutes before standby out of the box.
pub const DEFAULT_STANDBY_MINUTES: u32 = 30;

impl Settings {
    /// The idle time before standby; `None`: never.
    pub fn standby_after(&self) -> Option<std::time::Duration> {
        let minutes = self.standby_minutes.unwrap_or(DEFAULT_STANDBY_MINUTES);
        (minutes > 0).then(|| std::time::Duration::from_secs(u64::from(minutes) * 60))
    }

    pub fn volume(&self) -> u8 {
        self.speaker_volume.unwrap_or(DEFAULT_VOLUME).min(100)
    }
}

/// What activation returned; present only on an activated terminal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credentials {
    pub server_url: String,
    pub device_token: String,
    pub sip: SipCredentials,
    pub config: DeviceConfig,
    pub channel_path: String,
}

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
    /// The system journal's folder when it lives with the data (the
    /// image's `/data/log/journal`): a factory reset erases it too.
    journal: Option<PathBuf>,
}

impl DataDir {
    pub fn new(root: &Path) -> std::io::Result<Self> {
        std::fs::create_dir_all(root)?;
        Ok(Self {
            root: root.to_path_buf(),
            journal: None,
        })
    }

    /// A factory reset also erases the system journal in `dir`.
    pub fn with_journal(mut self, dir: Option<PathBuf>) -> Self {
        self.journal = dir;
        self
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Size and free space (for an unprivileged writer) of the file system
    /// holding the data; `None` when it cannot be read.
    pub fn storage(&self) -> Option<roomterm_proto::Storage> {
        let stat = rustix::fs::statvfs(&self.root).ok()?;
        Some(roomterm_proto::Storage {
            total_bytes: stat.f_blocks.saturating_mul(stat.f_frsize),
            free_bytes: stat.f_bavail.saturating_mul(stat.f_frsize),
        })
    }

    fn settings_path(&self) -> PathBuf {
        self.root.join("settings.json")
    }

    fn credentials_path(&self) -> PathBuf {
        self.root.join("credentials.json")
    }

    fn ca_path(&self) -> PathBuf {
        self.root.join("ca.pem")
    }

    pub fn load_settings(&self) -> Settings {
        load_or_default(&self.settings_path(), "settings")
    }

    pub fn save_settings(&self, settings: &Settings) -> std::io::Result<()> {
        save_json(&self.settings_path(), settings)
    }

    pub fn load_credentials(&self) -> Option<Credentials> {
        load_or_default(&self.credentials_path(), "credentials")
    }

    pub fn save_credentials(&self, credentials: &Credentials) -> std::io::Result<()> {
        save_json(&self.credentials_path(), credentials)
    }

    /// The pinned CA, if activation stored one.
    pub fn pinned_ca(&self) -> Option<String> {
        std::fs::read_to_string(self.ca_path())
            .ok()
            .filter(|pem| pem.contains("BEGIN CERTIFICATE"))
    }

    pub fn save_pinned_ca(&self, pem: &str) -> std::io::Result<()> {
        write_atomic(&self.ca_path(), pem.as_bytes())
    }

    /// Forgets settings, credentials, the pinned CA, the web admin's
    /// password and certificate — and the copies of
    /// them a corrupt load set aside (`<name>.corrupt-<time>`), which may
    /// still hold a device token or SIP password.
    pub fn factory_reset(&self) -> std::io::Result<()> {
        let mut paths = vec![
            self.settings_path(),
            self.credentials_path(),
            self.ca_path(),
            // An image's pre-activation (image/seed; systemd reads it into
            // the environment): its code is spent, and a reset terminal
            // must start the wizard, not retry it.
            self.root.join("seed.env"),
            // The web admin's password: `Change_Me` again.
            self.root.join("admin-password.json"),
            // The web admin's certificate, signed for the enterprise it
            // was activated with: a self-signed one is made at next start.
            self.root.join("tls/admin.key"),
            self.root.join("tls/admin.pem"),
        ];
        for entry in std::fs::read_dir(&self.root)? {
            let path = entry?.path();
            let set_aside = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.starts_with("corrupt-"));
            if set_aside {
                paths.push(path);
            }
        }
        for path in paths {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(err),
            }
        }
        // The web admin's folder, once its key and certificate are gone
        // (left alone if anything else is in it).
        let _ = std::fs::remove_dir(self.root.join("tls"));
        if let Some(dir) = &self.journal {
            let erased = journald::erase(dir)?;
            tracing::info!(erased, dir = %dir.display(), "journal erased");
        }
        Ok(())
    }
}

fn save_json<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    let bytes = serde_json::to_vec_pretty(value).map_err(std::io::Error::other)?;
    write_atomic(path, &bytes)
}

fn load_or_default<T: serde::de::DeserializeOwned + Default>(path: &Path, what: &str) -> T {
    match load_json(path) {
        Loaded::Found(value) => value,
        Loaded::Missing => T::default(),
        Loaded::Corrupt { moved_to, reason } => {
            tracing::warn!(
                file = %path.display(), kept_as = %moved_to.display(), %reason,
                "{what} unreadable; using factory defaults"
            );
            T::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Credentials {
        Credentials {
            server_url: "https://127.0.0.1:8443".into(),
            device_token: "rtd_x".into(),
            sip: SipCredentials {
                username: "100001".into(),
                password: "pw".into(),
                domain: "roomcloud.local".into(),
                proxy: "127.0.0.1:5060".into(),
                register_expires: 3600,
                transport: Default::default(),
            },
            config: DeviceConfig::default(),
            channel_path: "/api/device/v1/channel".into(),
        }
    }

    #[test]
    fn state_round_trips_and_factory_reset_wipes_it() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path()).unwrap();
        assert_eq!(data.load_settings(), Settings::default());
        assert_eq!(data.load_credentials(), None);

        let settings = Settings {
            language: Language::En,
            server_url: Some("https://cloud:8443".into()),
            ..Settings::default()
        };
        data.save_settings(&settings).unwrap();
        data.save_credentials(&credentials()).unwrap();
        data.save_pinned_ca("-----BEGIN CERTIFICATE-----\n...")
            .unwrap();
        assert_eq!(data.load_settings(), settings);
        assert_eq!(data.load_credentials(), Some(credentials()));
        assert!(data.pinned_ca().is_some());

        data.factory_reset().unwrap();
        assert_eq!(data.load_settings(), Settings::default());
        assert_eq!(data.load_credentials(), None);
        assert_eq!(data.pinned_ca(), None);
    }

    #[test]
    fn corrupt_files_fall_back_to_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path()).unwrap();
        std::fs::write(dir.path().join("settings.json"), b"{\"language\": 42").unwrap();
        std::fs::write(dir.path().join("credentials.json"), b"\xff\xfe").unwrap();
        assert_eq!(data.load_settings(), Settings::default());
        assert_eq!(data.load_credentials(), None);
        // Settings with unknown future fields or missing ones still load.
        std::fs::write(
            dir.path().join("settings.json"),
            b"{\"language\":\"en\",\"new\":1}",
        )
        .unwrap();
        assert_eq!(data.load_settings().language, Language::En);
    }

    #[test]
    fn factory_reset_also_wipes_set_aside_copies() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path()).unwrap();
        // A half-written credentials file still holding the token.
        std::fs::write(
            dir.path().join("credentials.json"),
            b"{\"device_token\":\"dt_secret\"",
        )
        .unwrap();
        assert_eq!(data.load_credentials(), None);
        let names = || -> Vec<String> {
            std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        };
        assert!(names()
            .iter()
            .any(|n| n.starts_with("credentials.corrupt-")));
        std::fs::write(dir.path().join("control-token"), b"rtc_keep").unwrap();
        std::fs::write(dir.path().join("seed.env"), b"ROOMTERM_CODE=spent").unwrap();
        data.factory_reset().unwrap();
        assert_eq!(names(), vec!["control-token".to_string()]);
    }

    #[test]
    fn factory_reset_erases_the_journal_it_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let logs = tempfile::tempdir().unwrap();
        let machine = logs.path().join("0123456789abcdef0123456789abcdef");
        std::fs::create_dir(&machine).unwrap();
        let old = machine.join("system@6f1e9a52-0000000000000001-0005f1e9a5200000.journal");
        std::fs::write(&old, b"LPKSHHRH room Yangtze 3F").unwrap();
        let data = DataDir::new(dir.path())
            .unwrap()
            .with_journal(Some(logs.path().to_path_buf()));
        data.save_settings(&Settings::default()).unwrap();
        data.factory_reset().unwrap();
        assert!(!old.exists(), "the old journal outlived the reset");
        assert!(machine.exists());
    }
}
