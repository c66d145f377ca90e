//! Which input devices the terminal reads: IR receivers named by the board
//! profile always; keyboards (devices with Enter and the arrow keys) only
//! when headless — with a window, the window system already delivers
//! keyboard keys to Slint.

use std::collections::HashSet;
use std::path::PathBuf;

use evdev::{Device, KeyCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceKind {
    /// An rc-core receiver: grabbed, scancodes through the board's keymap.
    IrReceiver,
    /// An HDMI-CEC adapter's remote-control passthrough: the TV's remote,
    /// grabbed, its keys already key codes (the kernel's `rc-cec` keymap).
    CecRemote,
    Keyboard,
}

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct DiscoveryRules {
    /// evdev names of IR receivers (the profile's `input.ir_device_names`).
    pub ir_device_names: Vec<String>,
    /// evdev names of CEC remote-control inputs (the profile's
    /// `cec.input_names`).
    pub cec_device_names: Vec<String>,
    /// Whether to read keyboards too.
    pub keyboards: bool,
}

impl DiscoveryRules {
    /// Whether to read a device called `name` that has the keys `has_key` says.
    pub fn classify(&self, name: &str, has_key: impl Fn(KeyCode) -> bool) -> Option<DeviceKind> {
        if self.ir_device_names.iter().any(|n| n == name) {
            return Some(DeviceKind::IrReceiver);
        }
        if self.cec_device_names.iter().any(|n| n == name) {
            return Some(DeviceKind::CecRemote);
        }
        let keyboard = [
            KeyCode::KEY_ENTER,
            KeyCode::KEY_UP,
            KeyCode::KEY_DOWN,
            KeyCode::KEY_LEFT,
            KeyCode::KEY_RIGHT,
        ]
        .into_iter()
        .all(has_key);
        (self.keyboards && keyboard).then_some(DeviceKind::Keyboard)
    }
}

/// A device to read, opened.
pub struct Found {
    pub path: PathBuf,
    pub name: String,
    pub kind: DeviceKind,
    pub device: Device,
}

/// Opens the devices in `/dev/input` that `rules` want, except those at
/// `skip` (already being read). Blocking: it opens device nodes. Devices
/// that cannot be opened (permissions, gone meanwhile) are left out; no
/// `/dev/input` at all means no devices.
pub fn scan(rules: &DiscoveryRules, skip: &HashSet<PathBuf>) -> Vec<Found> {
    evdev::enumerate()
        .filter(|(path, _)| !skip.contains(path))
        .filter_map(|(path, device)| {
            let name = device.name().unwrap_or_default().to_string();
            let keys = device.supported_keys();
            let kind = rules.classify(&name, |k| keys.is_some_and(|keys| keys.contains(k)))?;
            Some(Found {
                path,
                name,
                kind,
                device,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(keyboards: bool) -> DiscoveryRules {
        DiscoveryRules {
            ir_device_names: vec!["gpio_ir_recv".into()],
            cec_device_names: vec!["vc4-hdmi-0".into()],
            keyboards,
        }
    }

    #[test]
    fn ir_receivers_by_name_keyboards_only_when_wanted() {
        let everything = |_: KeyCode| true;
        let nothing = |_: KeyCode| false;
        let ir = Some(DeviceKind::IrReceiver);
        assert_eq!(rules(false).classify("gpio_ir_recv", nothing), ir);
        assert_eq!(rules(true).classify("gpio_ir_recv", everything), ir);
        let kb = "AT Translated Set 2 keyboard";
        assert_eq!(rules(false).classify(kb, everything), None);
        assert_eq!(
            rules(true).classify(kb, everything),
            Some(DeviceKind::Keyboard)
        );
        // A power button or a mouse is no keyboard.
        let power = |k: KeyCode| k == KeyCode::KEY_POWER;
        assert_eq!(rules(true).classify("Power Button", power), None);
        let no_arrows = |k: KeyCode| k == KeyCode::KEY_ENTER;
        assert_eq!(rules(true).classify("Numpad", no_arrows), None);
    }

    #[test]
    fn the_tvs_remote_through_cec_is_read_with_a_window_too() {
        // rc-cec's keys: OK, not Enter, so no keyboard; named by the profile.
        let cec_keys = |k: KeyCode| matches!(k, KeyCode::KEY_OK | KeyCode::KEY_UP);
        let cec = Some(DeviceKind::CecRemote);
        assert_eq!(rules(false).classify("vc4-hdmi-0", cec_keys), cec);
        assert_eq!(rules(true).classify("vc4-hdmi-1", cec_keys), None);
    }

    #[test]
    fn scanning_without_input_devices_finds_nothing() {
        // This runs on CI machines and VMs without /dev/input: no error, no
        // devices. Where /dev/input exists it must still not panic.
        let found = scan(&rules(true), &HashSet::new());
        if !std::path::Path::new("/dev/input").exists() {
            assert!(found.is_empty());
        }
    }
}
