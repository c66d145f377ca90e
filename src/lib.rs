//! roomterm: the meeting-room terminal appliance, as a library the
//! `roomterm` binary (`main.rs`) wires together and the tests drive.
//!
//! Modules depend one way, bottom to top (docs/ARCHITECTURE.md has the
//! map): `keys`, `store`, `board` (profiles) → `net`, `provision`, `sip`,
//! `media`, `cast` (a browser's screen cast, on `media`), `update` →
//! `status` (what every view reads) and `ui` (the pure page state
//! machine) → `app` (the runtime) → `web`, `line`, `screen`, `input`,
//! `gpio`, `cec` (its faces and inputs) and `self_check`.

pub use roomterm_proto as proto;

pub mod app;
pub mod board;
pub mod cast;
pub mod cec;
pub mod gpio;
pub mod input;
pub mod keys;
pub mod line;
pub mod logs;
pub mod media;
pub mod net;
pub mod provision;
pub mod screen;
pub mod self_check;
pub mod sip;
pub mod status;
pub mod store;
pub mod ui;
pub mod update;
pub mod web;

/// A mutex's guard; a panic elsewhere while it was held leaves the data as
/// it was, which every user here can live with (no poisoning cascade).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
