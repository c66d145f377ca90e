//! Linux key codes (`KEY_*`, from keyboards and from remotes with a kernel
//! keymap) → the terminal's [`Key`], and which keys repeat while held.

use evdev::KeyCode;

use crate::keys::Key;

/// The terminal key a Linux key code stands for, if any.
pub fn key_for(code: KeyCode) -> Option<Key> {
    use KeyCode as K;
    let key = match code {
        K::KEY_UP => Key::Up,
        K::KEY_DOWN => Key::Down,
        K::KEY_LEFT => Key::Left,
        K::KEY_RIGHT => Key::Right,
        K::KEY_OK | K::KEY_ENTER | K::KEY_KPENTER | K::KEY_SELECT => Key::Ok,
        K::KEY_BACK | K::KEY_ESC | K::KEY_EXIT | K::KEY_BACKSPACE => Key::Back,
        K::KEY_HOME | K::KEY_HOMEPAGE => Key::Home,
        // KEY_COMPOSE is the menu key of PC keyboards.
        K::KEY_MENU | K::KEY_CONTEXT_MENU | K::KEY_COMPOSE => Key::Menu,
        K::KEY_0 | K::KEY_KP0 | K::KEY_NUMERIC_0 => Key::Digit0,
        K::KEY_1 | K::KEY_KP1 | K::KEY_NUMERIC_1 => Key::Digit1,
        K::KEY_2 | K::KEY_KP2 | K::KEY_NUMERIC_2 => Key::Digit2,
        K::KEY_3 | K::KEY_KP3 | K::KEY_NUMERIC_3 => Key::Digit3,
        K::KEY_4 | K::KEY_KP4 | K::KEY_NUMERIC_4 => Key::Digit4,
        K::KEY_5 | K::KEY_KP5 | K::KEY_NUMERIC_5 => Key::Digit5,
        K::KEY_6 | K::KEY_KP6 | K::KEY_NUMERIC_6 => Key::Digit6,
        K::KEY_7 | K::KEY_KP7 | K::KEY_NUMERIC_7 => Key::Digit7,
        K::KEY_8 | K::KEY_KP8 | K::KEY_NUMERIC_8 => Key::Digit8,
        K::KEY_9 | K::KEY_KP9 | K::KEY_NUMERIC_9 => Key::Digit9,
        K::KEY_VOLUMEUP => Key::VolumeUp,
        K::KEY_VOLUMEDOWN => Key::VolumeDown,
        K::KEY_MUTE => Key::Mute,
        K::KEY_PHONE | K::KEY_PICKUP_PHONE => Key::Call,
        // Not KEY_STOP: on media remotes and PC keyboards it means "stop
        // playback", and hanging up a meeting by accident is costly.
        K::KEY_HANGUP_PHONE => Key::HangUp,
        _ => return None,
    };
    Some(key)
}

/// Keys that act again while held (moving focus, volume); everything else
/// acts once per press, so holding OK or Call never fires twice.
pub fn repeats(key: Key) -> bool {
    matches!(
        key,
        Key::Up | Key::Down | Key::Left | Key::Right | Key::VolumeUp | Key::VolumeDown
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyboard_and_remote_codes_map() {
        let cases = [
            (KeyCode::KEY_ENTER, Key::Ok),
            (KeyCode::KEY_KPENTER, Key::Ok),
            (KeyCode::KEY_OK, Key::Ok),
            (KeyCode::KEY_SELECT, Key::Ok),
            (KeyCode::KEY_ESC, Key::Back),
            (KeyCode::KEY_BACKSPACE, Key::Back),
            (KeyCode::KEY_EXIT, Key::Back),
            (KeyCode::KEY_HOMEPAGE, Key::Home),
            (KeyCode::KEY_0, Key::Digit0),
            (KeyCode::KEY_1, Key::Digit1),
            (KeyCode::KEY_9, Key::Digit9),
            (KeyCode::KEY_KP5, Key::Digit5),
            (KeyCode::KEY_NUMERIC_7, Key::Digit7),
            (KeyCode::KEY_PHONE, Key::Call),
            (KeyCode::KEY_HANGUP_PHONE, Key::HangUp),
            (KeyCode::KEY_VOLUMEDOWN, Key::VolumeDown),
        ];
        for (code, key) in cases {
            assert_eq!(key_for(code), Some(key), "{code:?}");
        }
        for code in [KeyCode::KEY_A, KeyCode::KEY_STOP, KeyCode::BTN_LEFT] {
            assert_eq!(key_for(code), None, "{code:?}");
        }
    }

    #[test]
    fn only_movement_and_volume_repeat() {
        assert!(repeats(Key::Left) && repeats(Key::VolumeUp));
        assert!(!repeats(Key::Ok) && !repeats(Key::Call) && !repeats(Key::Digit1));
    }
}
