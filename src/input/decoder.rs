//! The pure core: evdev events, with the timestamps the kernel put on them,
//! become terminal keys — at most one per frame (events up to SYN_REPORT).
//!
//! - Key events (keyboards, remotes with a kernel keymap): a press acts; an
//!   autorepeat acts only for [`repeats`] keys; releases do nothing.
//! - IR receivers (rc-core): every frame carries `MSC_SCAN` with the
//!   scancode, NEC repeat frames included. Scancodes go through the board's
//!   [`IrKeymap`], the single source of truth. The same scancode again
//!   within [`HOLD_GAP`] is the button still held: no new press; after
//!   [`REPEAT_DELAY`] held, a repeating key acts again at most every
//!   [`REPEAT_INTERVAL`]. A scancode the keymap does not know falls back to
//!   the key event of the same frame. While a known button is held, the
//!   kernel's own autorepeat of it is ignored (we repeat it ourselves).

use std::collections::BTreeMap;
use std::time::{Duration, UNIX_EPOCH};

use evdev::{EventSummary, InputEvent, KeyCode, MiscCode, SynchronizationCode};

use super::keycodes::{key_for, repeats};
use crate::board::IrKeymap;
use crate::keys::Key;

/// A frame of the same scancode within this time of the last one means the
/// button is still held.
pub const HOLD_GAP: Duration = Duration::from_millis(200);
/// How long a button is held before a repeating key acts again.
pub const REPEAT_DELAY: Duration = Duration::from_millis(500);
/// The shortest time between two repeats.
pub const REPEAT_INTERVAL: Duration = Duration::from_millis(125);

/// Turns one device's events into keys.
#[derive(Debug, Clone)]
pub struct Decoder {
    /// Scancode → key, for IR receivers and CEC; `None` for keyboards.
    ir_keymap: Option<BTreeMap<u32, Key>>,
    frame: Frame,
    held: Option<Held>,
}

/// What one frame said so far.
#[derive(Debug, Clone, Default)]
struct Frame {
    scancode: Option<u32>,
    /// The first key event that means something: (key, 1 or 2).
    key: Option<(Key, i32)>,
    /// After SYN_DROPPED the kernel lost events: ignore up to SYN_REPORT.
    dropped: bool,
}

/// The IR button being held.
#[derive(Debug, Clone)]
struct Held {
    scancode: u32,
    since: Duration,
    last_seen: Duration,
    last_acted: Duration,
}

impl Decoder {
    /// For keyboards and other devices that send key codes.
    pub fn keyboard() -> Self {
        Self {
            ir_keymap: None,
            frame: Frame::default(),
            held: None,
        }
    }

    /// For an HDMI-CEC adapter's remote-control input: its scancodes are
    /// CEC's UI commands, read through their standard table.
    pub fn cec() -> Self {
        Self {
            ir_keymap: Some(super::cec_keys::cec_keymap()),
            ..Self::keyboard()
        }
    }

    /// For an rc-core IR receiver, with the board's keymap.
    pub fn ir(keymap: &IrKeymap) -> Self {
        Self {
            ir_keymap: Some(keymap.keys.clone()),
            ..Self::keyboard()
        }
    }

    /// Takes one event; returns a key when it completes a frame that means one.
    pub fn feed(&mut self, event: InputEvent) -> Option<Key> {
        let at = event
            .timestamp()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        match event.destructure() {
            EventSummary::Misc(_, MiscCode::MSC_SCAN, value) => {
                // rc-core scancodes are u32 carried in the i32 value.
                self.frame.scancode = Some(value as u32);
            }
            EventSummary::Key(_, code, value) => self.key_event(code, value),
            EventSummary::Synchronization(_, SynchronizationCode::SYN_REPORT, _) => {
                let frame = std::mem::take(&mut self.frame);
                if !frame.dropped {
                    return self.finish(frame, at);
                }
            }
            EventSummary::Synchronization(_, SynchronizationCode::SYN_DROPPED, _) => {
                self.frame = Frame {
                    dropped: true,
                    ..Frame::default()
                };
            }
            _ => {}
        }
        None
    }

    fn key_event(&mut self, code: KeyCode, value: i32) {
        if self.frame.key.is_some() || !(value == 1 || value == 2) {
            return;
        }
        if let Some(key) = key_for(code) {
            self.frame.key = Some((key, value));
        }
    }

    fn finish(&mut self, frame: Frame, at: Duration) -> Option<Key> {
        if let (Some(keymap), Some(scancode)) = (&self.ir_keymap, frame.scancode) {
            match keymap.get(&scancode) {
                Some(&key) => return self.ir_frame(scancode, key, at),
                // Another button, which only the kernel keymap may know.
                None => self.held = None,
            }
        }
        let (key, value) = frame.key?;
        if value == 1 {
            return Some(key);
        }
        // Autorepeat: ours for a known IR button still held, else the kernel's.
        let ours = self.held.as_ref().is_some_and(|held| {
            at.checked_sub(held.last_seen)
                .is_some_and(|gap| gap <= HOLD_GAP)
        });
        (!ours && repeats(key)).then_some(key)
    }

    fn ir_frame(&mut self, scancode: u32, key: Key, at: Duration) -> Option<Key> {
        if let Some(held) = self.held.as_mut().filter(|h| h.scancode == scancode) {
            // A clock stepped backwards counts as a new press.
            let gap = at.checked_sub(held.last_seen);
            if gap.is_some_and(|gap| gap <= HOLD_GAP) {
                held.last_seen = at;
                let due = repeats(key)
                    && at.saturating_sub(held.since) >= REPEAT_DELAY
                    && at.saturating_sub(held.last_acted) >= REPEAT_INTERVAL;
                if due {
                    held.last_acted = at;
                }
                return due.then_some(key);
            }
        }
        self.held = Some(Held {
            scancode,
            since: at,
            last_seen: at,
            last_acted: at,
        });
        Some(key)
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::{self, event, ir_press, key, scan, syn};
    use super::*;
    use evdev::EventType;

    const T0: Duration = Duration::from_secs(1_700_000_000);

    fn ms(n: u64) -> Duration {
        T0 + Duration::from_millis(n)
    }

    fn run(decoder: &mut Decoder, events: Vec<InputEvent>) -> Vec<Key> {
        events.into_iter().filter_map(|e| decoder.feed(e)).collect()
    }

    fn remote() -> IrKeymap {
        IrKeymap {
            protocol: "nec".into(),
            keys: [
                (0x46, Key::Up),
                (0x15, Key::Down),
                (0x40, Key::Ok),
                (0x0c, Key::Digit1),
                (0x41, Key::Call),
            ]
            .into(),
        }
    }

    #[test]
    fn keyboard_press_acts_release_does_not() {
        let mut d = Decoder::keyboard();
        assert_eq!(run(&mut d, key(ms(0), KeyCode::KEY_ENTER, 1)), [Key::Ok]);
        assert_eq!(run(&mut d, key(ms(90), KeyCode::KEY_ENTER, 0)), []);
        assert_eq!(
            run(&mut d, key(ms(200), KeyCode::KEY_KP7, 1)),
            [Key::Digit7]
        );
        // Keys the terminal has no use for, and non-key events.
        assert_eq!(run(&mut d, key(ms(300), KeyCode::KEY_A, 1)), []);
        let motion = vec![event(ms(400), EventType::RELATIVE, 0, 5), syn(ms(400))];
        assert_eq!(run(&mut d, motion), []);
    }

    #[test]
    fn a_tv_remote_through_cec_is_read_by_its_ui_commands() {
        let mut d = Decoder::cec();
        // As the kernel reports a CEC press when the rc device's table does
        // not know the code (another keymap loaded onto it): a scancode only.
        assert_eq!(run(&mut d, scan(ms(0), 0x04, None)), [Key::Right]);
        // The same code with a key from some other table: CEC's meaning wins.
        let other = Some((KeyCode::KEY_F13, 1));
        assert_eq!(run(&mut d, scan(ms(700), 0x00, other)), [Key::Ok]);
        // Play means nothing here.
        assert_eq!(run(&mut d, scan(ms(1400), 0x44, None)), []);
    }

    #[test]
    fn keyboard_autorepeat_only_for_repeating_keys() {
        let mut d = Decoder::keyboard();
        let mut events = key(ms(0), KeyCode::KEY_DOWN, 1);
        events.extend(key(ms(250), KeyCode::KEY_DOWN, 2));
        events.extend(key(ms(283), KeyCode::KEY_DOWN, 2));
        events.extend(key(ms(300), KeyCode::KEY_DOWN, 0));
        assert_eq!(run(&mut d, events), [Key::Down; 3]);
        let mut events = key(ms(1000), KeyCode::KEY_ENTER, 1);
        events.extend(key(ms(1250), KeyCode::KEY_ENTER, 2));
        events.extend(key(ms(1283), KeyCode::KEY_ENTER, 2));
        assert_eq!(run(&mut d, events), [Key::Ok]);
    }

    #[test]
    fn one_key_per_frame_and_keyboards_ignore_scancodes() {
        let mut d = Decoder::keyboard();
        // A USB keyboard reports the HID usage as MSC_SCAN: not ours to map.
        let frame = vec![
            event(ms(0), EventType::MISC, MiscCode::MSC_SCAN.0, 0x40),
            event(ms(0), EventType::KEY, KeyCode::KEY_A.0, 1),
            event(ms(0), EventType::KEY, KeyCode::KEY_LEFT.0, 1),
            event(ms(0), EventType::KEY, KeyCode::KEY_RIGHT.0, 1),
            syn(ms(0)),
        ];
        assert_eq!(run(&mut d, frame), [Key::Left]);
    }

    #[test]
    fn dropped_events_are_ignored_up_to_the_next_report() {
        let mut d = Decoder::keyboard();
        let frame = vec![
            event(ms(0), EventType::KEY, KeyCode::KEY_UP.0, 1),
            event(
                ms(0),
                EventType::SYNCHRONIZATION,
                SynchronizationCode::SYN_DROPPED.0,
                0,
            ),
            event(ms(0), EventType::KEY, KeyCode::KEY_DOWN.0, 1),
            syn(ms(0)),
        ];
        assert_eq!(run(&mut d, frame), []);
        assert_eq!(run(&mut d, key(ms(10), KeyCode::KEY_UP, 1)), [Key::Up]);
    }

    #[test]
    fn held_ok_acts_once() {
        let mut d = Decoder::ir(&remote());
        let events = ir_press(ms(0), 0x40, None, Duration::from_millis(2000));
        assert_eq!(run(&mut d, events), [Key::Ok]);
        // With a kernel keymap too: its autorepeat is not a second press.
        let events = ir_press(
            ms(5000),
            0x40,
            Some(KeyCode::KEY_OK),
            Duration::from_secs(2),
        );
        assert_eq!(run(&mut d, events), [Key::Ok]);
    }

    #[test]
    fn held_arrow_repeats_after_the_delay_at_most_every_interval() {
        let mut d = Decoder::ir(&remote());
        // NEC frames every 108 ms: 0 acts; 540, 756, 972 repeat (>= 500 ms
        // held, >= 125 ms since the last); the frames between do not.
        let mut acted = Vec::new();
        for n in 0..10u64 {
            let at = ms(n * 108);
            if run(&mut d, scan(at, 0x15, None)) == [Key::Down] {
                acted.push(n * 108);
            }
        }
        assert_eq!(acted, [0, 540, 756, 972]);
        // Kernel autorepeat while held is ignored: still 4 keys in total.
        let mut d = Decoder::ir(&remote());
        let events = ir_press(
            ms(0),
            0x15,
            Some(KeyCode::KEY_DOWN),
            Duration::from_millis(1000),
        );
        assert_eq!(run(&mut d, events), [Key::Down; 4]);
    }

    #[test]
    fn a_gap_longer_than_the_hold_window_is_a_new_press() {
        let mut d = Decoder::ir(&remote());
        assert_eq!(run(&mut d, scan(ms(0), 0x40, None)), [Key::Ok]);
        assert_eq!(run(&mut d, scan(ms(150), 0x40, None)), []);
        assert_eq!(run(&mut d, scan(ms(400), 0x40, None)), [Key::Ok]);
        // Another button in between ends the hold at once.
        assert_eq!(run(&mut d, scan(ms(450), 0x0c, None)), [Key::Digit1]);
        assert_eq!(run(&mut d, scan(ms(500), 0x40, None)), [Key::Ok]);
        // A clock stepped backwards: a new press, no panic.
        assert_eq!(run(&mut d, scan(ms(100), 0x40, None)), [Key::Ok]);
    }

    #[test]
    fn unknown_scancodes_fall_back_to_the_kernel_keymap() {
        let mut d = Decoder::ir(&remote());
        let frame = scan(ms(0), 0xff07, Some((KeyCode::KEY_NUMERIC_7, 1)));
        assert_eq!(run(&mut d, frame), [Key::Digit7]);
        // Unknown to both: nothing.
        assert_eq!(run(&mut d, scan(ms(500), 0xff08, None)), []);
        let frame = scan(ms(1000), 0xff09, Some((KeyCode::KEY_A, 1)));
        assert_eq!(run(&mut d, frame), []);
        // Known scancode wins over the kernel's key: one key for one frame.
        let frame = scan(ms(1500), 0x41, Some((KeyCode::KEY_HANGUP_PHONE, 1)));
        assert_eq!(run(&mut d, frame), [Key::Call]);
        // A fallback volume button repeats by the kernel's autorepeat.
        let events = ir_press(
            ms(3000),
            0xff10,
            Some(KeyCode::KEY_VOLUMEUP),
            Duration::from_millis(800),
        );
        let keys = run(&mut d, events);
        assert!(
            keys.len() > 2 && keys.iter().all(|k| *k == Key::VolumeUp),
            "{keys:?}"
        );
    }

    #[test]
    fn synthetic_frames_carry_their_time() {
        let e = frames::event(ms(1234), EventType::KEY, 1, 1);
        assert_eq!(e.timestamp().duration_since(UNIX_EPOCH).unwrap(), ms(1234));
    }
}
