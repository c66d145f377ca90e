//! The keys a room user or operator presses: D-pad, OK, Back, digits,
//! volume — from a keyboard, an IR remote or the control API alike.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Key {
    Up,
    Down,
    Left,
    Right,
    Ok,
    Back,
    Home,
    Menu,
    Digit0,
    Digit1,
    Digit2,
    Digit3,
    Digit4,
    Digit5,
    Digit6,
    Digit7,
    Digit8,
    Digit9,
    VolumeUp,
    VolumeDown,
    Mute,
    Call,
    HangUp,
}

impl Key {
    /// The digit this key types, if it is a digit key.
    pub fn digit(self) -> Option<char> {
        let d = match self {
            Key::Digit0 => '0',
            Key::Digit1 => '1',
            Key::Digit2 => '2',
            Key::Digit3 => '3',
            Key::Digit4 => '4',
            Key::Digit5 => '5',
            Key::Digit6 => '6',
            Key::Digit7 => '7',
            Key::Digit8 => '8',
            Key::Digit9 => '9',
            _ => return None,
        };
        Some(d)
    }
}
