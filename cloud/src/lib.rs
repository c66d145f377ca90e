//! roomcloud: the cloud a roomterm terminal activates with, registers to over
//! SIP, and meets through. See docs/ARCHITECTURE.md.

pub mod accounts;
pub mod api;
pub mod calls;
pub mod cast;
pub mod client;
pub mod clock;
pub mod devices;
pub mod dialog;
pub mod error;
pub mod focus;
pub mod media;
pub mod meetings;
pub mod secrets;
pub mod server;
pub mod sip;
pub mod store;
pub mod tls;

pub use server::{start, CloudConfig, Endpoints, RunningCloud};

/// Locks a mutex, taking over one a panicking thread left poisoned: the
/// state it guards stays consistent between statements, so the cloud goes
/// on rather than failing every later call.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
