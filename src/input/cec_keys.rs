//! HDMI-CEC's UI command codes (the operand of <User Control Pressed>, CEC
//! 1.4 and 2.0 alike) → the terminal's keys. The kernel hands them over as
//! the rc device's `MSC_SCAN` scancodes; the terminal reads those itself
//! instead of trusting the device's key table, which userspace may have
//! replaced (ir-keytable's `rc_maps.cfg` rule loads the IR remote's keymap
//! onto every rc device, the CEC adapters' included).

use std::collections::BTreeMap;

use crate::keys::Key;

/// The UI commands a room's TV remote sends that mean something here.
pub fn cec_keymap() -> BTreeMap<u32, Key> {
    let digits = [
        Key::Digit0,
        Key::Digit1,
        Key::Digit2,
        Key::Digit3,
        Key::Digit4,
        Key::Digit5,
        Key::Digit6,
        Key::Digit7,
        Key::Digit8,
        Key::Digit9,
    ];
    let named = [
        (0x00, Key::Ok), // Select
        (0x01, Key::Up),
        (0x02, Key::Down),
        (0x03, Key::Left),
        (0x04, Key::Right),
        (0x09, Key::Home), // Root Menu
        (0x0a, Key::Menu), // Setup Menu
        (0x0d, Key::Back), // Exit
        (0x2b, Key::Ok),   // Enter
        (0x41, Key::VolumeUp),
        (0x42, Key::VolumeDown),
        (0x43, Key::Mute),
    ];
    let numbers = digits
        .into_iter()
        .zip(0x20..)
        .map(|(key, code)| (code, key));
    named.into_iter().chain(numbers).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_remotes_arrows_select_exit_and_numbers() {
        let keys = cec_keymap();
        assert_eq!(keys[&0x00], Key::Ok);
        assert_eq!(keys[&0x04], Key::Right);
        assert_eq!(keys[&0x0d], Key::Back);
        assert_eq!(keys[&0x20], Key::Digit0);
        assert_eq!(keys[&0x29], Key::Digit9);
        // Play, Power: nothing here.
        assert!(!keys.contains_key(&0x44) && !keys.contains_key(&0x40));
    }
}
