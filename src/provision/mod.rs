//! Provisioning ("ACS") client: activation, the config channel and the
//! enterprise directory.

mod backoff;
mod channel;
mod client;
mod directory;
mod server_url;
pub mod tls;

pub use backoff::Backoff;
pub use channel::{run as run_channel, CastSignal, ChannelEvent, ChannelSettings};
pub use client::{activate, ActivationError};
pub use directory::{device_client, fetch_directory, fetch_meetings};
pub use server_url::parse_server_url;
