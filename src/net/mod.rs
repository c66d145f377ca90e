//! The terminal's own network: checking what the installer typed for a
//! static address, handing the settings to the OS (systemd-networkd on the
//! appliance image), and reading which addresses the terminal has now.

mod addresses;
mod media_probe;
mod networkd;
mod ping;
mod static_config;
mod watch;

pub use addresses::{current_addresses, InterfaceAddress};
pub use media_probe::{media_echo, EchoReport};
pub use networkd::{render_networkd, NetworkConfigurator};
pub use ping::{ping_server, PingReport, PING_COUNT};
pub use static_config::{parse_static, NetError};
pub use watch::AddressWatch;
