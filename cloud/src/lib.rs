//! roomcloud: the cloud a roomterm terminal activates with, registers to over
//! SIP, and (later) meets through. See docs/ARCHITECTURE.md.

pub mod api;
pub mod calls;
pub mod client;
pub mod clock;
pub mod devices;
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
