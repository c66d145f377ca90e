//! roomterm: the meeting-room terminal appliance.
//!
//! The terminal process (UI, provisioning client, SIP user agent, media) is
//! built on top of this crate in the coming milestones; for now it exposes
//! the wire types it shares with the cloud.

pub use roomterm_proto as proto;

pub mod app;
pub mod board;
pub mod input;
pub mod media;
pub mod net;
pub mod provision;
pub mod screen;
pub mod sip;
pub mod store;
pub mod update;
pub mod web;

/// A mutex's guard; a panic elsewhere while it was held leaves the data as
/// it was, which every user here can live with (no poisoning cascade).
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
