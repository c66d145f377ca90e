//! evdev frames as the kernel sends them, with timestamps: for tests and
//! tools that feed the decoder or the pump without a device.
//!
//! Times are durations since the Unix epoch (the kernel stamps input events
//! with `CLOCK_REALTIME` unless told otherwise).

use std::time::Duration;

use evdev::{EventType, InputEvent, KeyCode, MiscCode, SynchronizationCode};

/// NEC remotes send a repeat frame every ~108 ms while a button is held.
pub const NEC_REPEAT: Duration = Duration::from_millis(108);
/// rc-core's autorepeat settings for IR input devices (REP_DELAY, REP_PERIOD).
pub const RC_REP_DELAY: Duration = Duration::from_millis(500);
pub const RC_REP_PERIOD: Duration = Duration::from_millis(125);
/// How long after the last frame rc-core reports the key released.
pub const RC_KEYUP: Duration = Duration::from_millis(160);

/// One event stamped `at`.
pub fn event(at: Duration, type_: EventType, code: u16, value: i32) -> InputEvent {
    InputEvent::from(libc::input_event {
        time: libc::timeval {
            tv_sec: at.as_secs() as libc::time_t,
            tv_usec: at.subsec_micros() as libc::suseconds_t,
        },
        type_: type_.0,
        code,
        value,
    })
}

/// The SYN_REPORT that closes a frame.
pub fn syn(at: Duration) -> InputEvent {
    event(
        at,
        EventType::SYNCHRONIZATION,
        SynchronizationCode::SYN_REPORT.0,
        0,
    )
}

/// A keyboard frame: one key press (1), autorepeat (2) or release (0).
pub fn key(at: Duration, code: KeyCode, value: i32) -> Vec<InputEvent> {
    vec![event(at, EventType::KEY, code.0, value), syn(at)]
}

/// An rc-core frame: the scancode, and the key event the kernel keymap
/// produced for it, if any.
pub fn scan(at: Duration, scancode: u32, key: Option<(KeyCode, i32)>) -> Vec<InputEvent> {
    let mut events = vec![event(
        at,
        EventType::MISC,
        MiscCode::MSC_SCAN.0,
        scancode as i32,
    )];
    if let Some((code, value)) = key {
        events.push(event(at, EventType::KEY, code.0, value));
    }
    events.push(syn(at));
    events
}

/// Everything rc-core sends for one IR button held from `at` for `held`:
/// the first frame, NEC repeat frames, and — when the kernel keymap knows
/// the button (`code`) — its autorepeat and the release.
pub fn ir_press(
    at: Duration,
    scancode: u32,
    code: Option<KeyCode>,
    held: Duration,
) -> Vec<InputEvent> {
    let mut frames: Vec<(Duration, Vec<InputEvent>)> = Vec::new();
    frames.push((at, scan(at, scancode, code.map(|c| (c, 1)))));
    let mut last = at;
    let mut t = at + NEC_REPEAT;
    while t <= at + held {
        frames.push((t, scan(t, scancode, None)));
        last = t;
        t += NEC_REPEAT;
    }
    let up = last + RC_KEYUP;
    if let Some(code) = code {
        let mut t = at + RC_REP_DELAY;
        while t < up {
            frames.push((t, key(t, code, 2)));
            t += RC_REP_PERIOD;
        }
        frames.push((up, key(up, code, 0)));
    }
    frames.sort_by_key(|(t, _)| *t);
    frames.into_iter().flat_map(|(_, events)| events).collect()
}
