//! Provisioning ("ACS") client: activation and the config channel.

mod backoff;
mod channel;
mod client;
pub mod tls;

pub use backoff::Backoff;
pub use channel::{run as run_channel, ChannelEvent, ChannelSettings};
pub use client::{activate, ActivationError};
