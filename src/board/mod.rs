//! Board profiles: what a board has and prefers, as data (`board/*.toml`).
//! Loaded and validated at start; the media engine, GPIO and input layers
//! read their choices from here; `crate::self_check` proves a build works
//! on the board it runs on.

mod serial;

pub use serial::read_serial;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::keys::Key;

/// The profile used when nothing else is named or detected: the generic
/// one of the architecture this build runs on.
pub const FALLBACK_BOARD: &str = if cfg!(target_arch = "aarch64") {
    "generic-arm64"
} else {
    "generic-x86_64"
};

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BoardProfile {
    pub board: BoardInfo,
    pub media: MediaPrefs,
    pub audio: AudioDevices,
    pub gpio: GpioPins,
    pub input: InputDevices,
    /// A room controller's serial port, if the board has one wired.
    #[serde(default)]
    pub control: ControlPort,
    /// HDMI-CEC with the display, if the board's HDMI has it wired.
    #[serde(default)]
    pub cec: CecPort,
    /// Loaded from the file `input.ir_keymap` names.
    #[serde(skip)]
    pub ir_keymap: IrKeymap,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BoardInfo {
    pub id: String,
    pub name: String,
    /// Device-tree `compatible` strings that identify this board.
    pub compatible: Vec<String>,
    pub arch: String,
}

/// GStreamer element names in order of preference.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MediaPrefs {
    pub h264_encoders: Vec<String>,
    pub h264_decoders: Vec<String>,
    /// For a browser's screen cast (`src/cast/`).
    pub vp8_decoders: Vec<String>,
    pub video_sinks: Vec<String>,
    pub camera_source: String,
    pub camera_device: String,
    pub microphone_source: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AudioDevices {
    pub capture_device: String,
    pub playback_device: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GpioBackend {
    /// Linux GPIO character device (Rockchip and most boards).
    Cdev,
    /// rppal (Raspberry Pi).
    Rppal,
    /// No hardware: tests and PCs.
    Simulated,
}

/// Where a room controller connects by wire: the line protocol on a
/// serial port (`crate::line`).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ControlPort {
    /// e.g. `/dev/ttyS3`; none: no serial control.
    pub serial: Option<PathBuf>,
    pub baud: u32,
}

/// HDMI-CEC with the room's display (`crate::cec`): the kernel's CEC
/// adapter, and the input device its remote-control passthrough appears as
/// (rc-core's `rc-cec` keymap: the TV remote's arrows, OK, Back… as keys).
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CecPort {
    /// e.g. `/dev/cec0`; none: no CEC.
    pub device: Option<PathBuf>,
    /// evdev names of the adapter's remote-control input, as
    /// `/proc/bus/input/devices` lists them.
    pub input_names: Vec<String>,
}

impl Default for ControlPort {
    fn default() -> Self {
        Self {
            serial: None,
            baud: 115_200,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GpioPins {
    pub backend: GpioBackend,
    pub chip: String,
    pub reset_button: u32,
    pub reset_active_low: bool,
    pub led_registered: u32,
    pub led_in_call: u32,
    pub led_error: u32,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InputDevices {
    /// evdev device names of IR receivers (rc-core).
    pub ir_device_names: Vec<String>,
    pub ir_protocol: String,
    /// Keymap file, relative to the profile's folder.
    pub ir_keymap: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct IrKeymap {
    pub protocol: String,
    pub keys: BTreeMap<u32, Key>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IrKeymapFile {
    protocol: String,
    scancodes: BTreeMap<String, Key>,
}

#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    #[error("no board profile {id:?} in {dir} (known: {known})")]
    Unknown {
        id: String,
        dir: PathBuf,
        known: String,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not a valid profile: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl BoardProfile {
    /// Loads `<dir>/<id>.toml` and the keymap it names, and validates both.
    pub fn load(dir: &Path, id: &str) -> Result<Self, BoardError> {
        let path = dir.join(format!("{id}.toml"));
        if !path.exists() {
            return Err(BoardError::Unknown {
                id: id.to_string(),
                dir: dir.to_path_buf(),
                known: known_profiles(dir).join(", "),
            });
        }
        let mut profile: BoardProfile = read_toml(&path)?;
        let invalid = |message: String| BoardError::Invalid {
            path: path.clone(),
            message,
        };
        if profile.board.id != id {
            return Err(invalid(format!(
                "board.id is {:?}, expected {id:?}",
                profile.board.id
            )));
        }
        let lists = [
            ("media.h264_encoders", &profile.media.h264_encoders),
            ("media.h264_decoders", &profile.media.h264_decoders),
            ("media.vp8_decoders", &profile.media.vp8_decoders),
            ("media.video_sinks", &profile.media.video_sinks),
        ];
        for (name, list) in lists {
            if list.is_empty() || list.iter().any(|e| !is_element_name(e)) {
                return Err(invalid(format!("{name} must list GStreamer element names")));
            }
        }
        for (name, element) in [
            ("media.camera_source", &profile.media.camera_source),
            ("media.microphone_source", &profile.media.microphone_source),
        ] {
            if !is_element_name(element) {
                return Err(invalid(format!("{name} must be a GStreamer element name")));
            }
        }
        let pins = &profile.gpio;
        let used = [
            pins.reset_button,
            pins.led_registered,
            pins.led_in_call,
            pins.led_error,
        ];
        if (1..used.len()).any(|i| used[..i].contains(&used[i])) {
            return Err(invalid("gpio lines must all differ".into()));
        }
        if pins.backend != GpioBackend::Simulated && !pins.chip.starts_with("/dev/gpiochip") {
            return Err(invalid("gpio.chip must be a /dev/gpiochipN path".into()));
        }
        let keymap_path = dir.join(&profile.input.ir_keymap);
        let keymap: IrKeymapFile = read_toml(&keymap_path)?;
        let mut keys = BTreeMap::new();
        for (code, key) in keymap.scancodes {
            let parsed = code
                .strip_prefix("0x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .ok_or_else(|| BoardError::Invalid {
                    path: keymap_path.clone(),
                    message: format!("scancode {code:?} is not hexadecimal (0x…)"),
                })?;
            keys.insert(parsed, key);
        }
        profile.ir_keymap = IrKeymap {
            protocol: keymap.protocol,
            keys,
        };
        Ok(profile)
    }

    /// The profile for this machine: `requested` if given, else the one whose
    /// `compatible` matches the device tree, else [`FALLBACK_BOARD`].
    pub fn select(
        dir: &Path,
        requested: Option<&str>,
        device_tree: Option<&[u8]>,
    ) -> Result<Self, BoardError> {
        if let Some(id) = requested {
            return Self::load(dir, id);
        }
        if let Some(compatible) = device_tree {
            let wanted: Vec<&str> = compatible
                .split(|b| *b == 0)
                .filter_map(|s| std::str::from_utf8(s).ok())
                .filter(|s| !s.is_empty())
                .collect();
            for id in known_profiles(dir) {
                // A broken profile for some other board must not keep this
                // one from starting: say so and look at the next.
                let profile = match Self::load(dir, &id) {
                    Ok(profile) => profile,
                    Err(err) => {
                        tracing::warn!(%err, "skipping an invalid board profile");
                        continue;
                    }
                };
                if profile
                    .board
                    .compatible
                    .iter()
                    .any(|c| wanted.contains(&c.as_str()))
                {
                    return Ok(profile);
                }
            }
        }
        Self::load(dir, FALLBACK_BOARD)
    }
}

fn read_toml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, BoardError> {
    let text = std::fs::read_to_string(path).map_err(|source| BoardError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| BoardError::Invalid {
        path: path.to_path_buf(),
        message: e.message().to_string(),
    })
}

fn is_element_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Profile ids in `dir` (every `*.toml` but the keymap), sorted.
pub fn known_profiles(dir: &Path) -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            let id = name.strip_suffix(".toml")?;
            (!id.contains("keymap")).then(|| id.to_string())
        })
        .collect();
    ids.sort();
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boards() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("board")
    }

    #[test]
    fn every_shipped_profile_loads() {
        let ids = known_profiles(&boards());
        for wanted in [
            "generic-x86_64",
            "generic-arm64",
            "rk3568",
            "rk3588",
            "rpi4",
            "rpi5",
        ] {
            assert!(ids.iter().any(|id| id == wanted), "{wanted} missing");
        }
        for id in ids {
            let profile = BoardProfile::load(&boards(), &id).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(profile.ir_keymap.keys.get(&0x40), Some(&Key::Ok), "{id}");
        }
    }

    #[test]
    fn boards_with_audio_devices_route_them_in_their_alsa_config() {
        for id in known_profiles(&boards()) {
            let profile = BoardProfile::load(&boards(), &id).unwrap();
            let audio = &profile.audio;
            if audio.capture_device == "default" && audio.playback_device == "default" {
                continue; // PCs and CI: the machine's own default
            }
            let path = boards().join("audio").join(format!("{id}.conf"));
            let conf = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            for device in [&audio.capture_device, &audio.playback_device] {
                assert!(
                    conf.contains(&format!("\"{device}\"")),
                    "{id}: {device} not in {}",
                    path.display()
                );
            }
        }
    }

    #[test]
    fn device_tree_picks_the_board_and_falls_back() {
        let dt = b"radxa,rock-5b\0rockchip,rk3588\0";
        let profile = BoardProfile::select(&boards(), None, Some(dt)).unwrap();
        assert_eq!(profile.board.id, "rk3588");
        let profile = BoardProfile::select(&boards(), None, Some(b"acme,unknown\0")).unwrap();
        assert_eq!(profile.board.id, FALLBACK_BOARD);
        let profile = BoardProfile::select(&boards(), Some("rpi4"), Some(dt)).unwrap();
        assert_eq!(profile.board.id, "rpi4");
    }

    #[test]
    fn a_broken_profile_of_another_board_does_not_block_detection() {
        let dir = tempfile::tempdir().unwrap();
        for entry in std::fs::read_dir(boards()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
            }
        }
        // Sorted before rk3588, and unreadable.
        std::fs::write(dir.path().join("rk3568.toml"), "[board\nid =").unwrap();
        let dt = b"radxa,rock-5b\0rockchip,rk3588\0";
        let profile = BoardProfile::select(dir.path(), None, Some(dt)).unwrap();
        assert_eq!(profile.board.id, "rk3588");
        // Asked for by name, the broken one is still a clear error.
        let err = BoardProfile::select(dir.path(), Some("rk3568"), Some(dt)).unwrap_err();
        assert!(err.to_string().contains("rk3568"), "{err}");
    }

    #[test]
    fn bad_profiles_give_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(
            boards().join("ir-keymap.toml"),
            dir.path().join("ir-keymap.toml"),
        )
        .unwrap();
        let good = std::fs::read_to_string(boards().join("rk3588.toml")).unwrap();
        let cases = [
            (good.replace("mpph264enc", "mpp h264enc"), "h264_encoders"),
            (
                good.replace("led_in_call = 13", "led_in_call = 12"),
                "differ",
            ),
            (
                good.replace("id = \"rk3588\"", "id = \"other\""),
                "board.id",
            ),
            (good.replace("[gpio]", "[gpio]\nextra = 1"), "unknown field"),
            (
                good.replace("chip = \"/dev/gpiochip3\"", "chip = \"gpio3\""),
                "gpiochip",
            ),
            ("not toml [".to_string(), "valid profile"),
        ];
        for (text, expect) in cases {
            std::fs::write(dir.path().join("rk3588.toml"), &text).unwrap();
            let err = BoardProfile::load(dir.path(), "rk3588")
                .unwrap_err()
                .to_string();
            assert!(err.contains(expect), "{expect}: {err}");
        }
        let err = BoardProfile::load(dir.path(), "nope")
            .unwrap_err()
            .to_string();
        assert!(err.contains("known: rk3588"), "{err}");
    }
}
