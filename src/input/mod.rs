//! Linux input devices (evdev) drive the terminal: keyboards, and IR remotes
//! through rc-core. Functional core, imperative shell:
//!
//! | file | job |
//! |---|---|
//! | `cec_keys.rs` | HDMI-CEC UI command codes (a TV remote's scancodes) → keys |
//! | `keycodes.rs` | Linux `KEY_*` codes → [`Key`](crate::keys::Key); which keys repeat |
//! | `decoder.rs` | the pure core: timestamped evdev events → keys, one per frame at most; IR scancodes through the board's keymap with hold/repeat timing |
//! | `discovery.rs` | which devices to read (IR receivers by name, keyboards when headless), opening them |
//! | `pump.rs` | any stream of events → decoder → `Terminal::key` |
//! | `watcher.rs` | rescans for hot-plugged devices, one pump task per device, drops vanished ones |
//! | `frames.rs` | frames as the kernel sends them, for tests and tools |
//!
//! The `evdev` crate (see Cargo.toml for why) does the device I/O.

mod cec_keys;
mod decoder;
mod discovery;
pub mod frames;
mod keycodes;
#[cfg(test)]
mod keytable;
mod pump;
mod watcher;

pub use decoder::{Decoder, HOLD_GAP, REPEAT_DELAY, REPEAT_INTERVAL};
pub use discovery::{scan, DeviceKind, DiscoveryRules, Found};
pub use keycodes::{key_for, repeats};
pub use pump::pump;
pub use watcher::{spawn, InputConfig, RESCAN};
