//! The terminal's own network: the saved settings applied to the OS, the
//! network line kept current (netlink events, a poll as the fallback), the
//! diagnostics page's ping to the cloud, and the web admin's reachability
//! check (the ping and the SIP port over UDP and TCP).

use std::time::Duration;

use tokio::time::Interval;

use super::published::Published;
use crate::net::{AddressWatch, NetworkConfigurator};
use crate::status::PingState;
use crate::store::NetworkSettings;

/// How often the terminal's own addresses are read for the network line
/// when no netlink event says they changed.
const ADDRESS_CHECK: Duration = Duration::from_secs(10);

/// Whether the cloud answers from here: its API port (TCP handshakes) and,
/// once activated, its SIP port over UDP and over TCP (an OPTIONS each).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Reachability {
    /// `None`: no server known yet.
    pub api: Option<crate::net::PingReport>,
    /// Empty before activation (no SIP account to probe with).
    pub sip: Vec<crate::sip::ProbeReport>,
    /// UDP to the cloud's media address (its echo), once activated with
    /// a cloud that has one.
    pub media: Option<crate::net::EchoReport>,
}

/// Checks the activated cloud, else the server typed in the wizard.
pub async fn reachability(
    credentials: Option<crate::store::Credentials>,
    wizard_url: String,
) -> Reachability {
    let url = credentials
        .as_ref()
        .map(|c| c.server_url.clone())
        .unwrap_or(wizard_url);
    let api = async {
        if url.is_empty() {
            None
        } else {
            Some(crate::net::ping_server(&url).await)
        }
    };
    let sip = async {
        let Some(c) = &credentials else {
            return Vec::new();
        };
        let (proxy, domain, user) = (&c.sip.proxy, &c.sip.domain, &c.sip.username);
        let (udp, tcp) = tokio::join!(
            crate::sip::probe(proxy, domain, user, crate::sip::SipTransport::Udp),
            crate::sip::probe(proxy, domain, user, crate::sip::SipTransport::Tcp),
        );
        vec![udp, tcp]
    };
    let media = async {
        let target = credentials.as_ref()?.config.media_echo.as_deref()?;
        Some(crate::net::media_echo(target).await)
    };
    let (api, sip, media) = tokio::join!(api, sip, media);
    Reachability { api, sip, media }
}

pub struct Network {
    configurator: NetworkConfigurator,
    published: Published,
    addresses: AddressWatch,
    check: Interval,
}

impl Network {
    pub fn new(configurator: NetworkConfigurator, published: Published) -> Self {
        Self {
            configurator,
            published,
            addresses: AddressWatch::new(),
            check: tokio::time::interval(ADDRESS_CHECK),
        }
    }

    /// Writes `settings` for the OS (networkd), logging what happened.
    pub async fn apply(&self, settings: &NetworkSettings) {
        match self.configurator.apply(settings).await {
            Ok(Some(path)) => {
                tracing::info!(path = %path.display(), ?settings, "network settings applied")
            }
            Ok(None) => {}
            Err(err) => tracing::error!(%err, "cannot apply the network settings"),
        }
    }

    /// Resolves when the addresses may have changed: an event, or the poll.
    pub async fn changed(&mut self) {
        tokio::select! {
            _ = self.check.tick() => {}
            _ = self.addresses.changed() => {}
        }
    }

    /// Reads the addresses now into the network line.
    pub async fn refresh(&self) {
        let now = tokio::task::spawn_blocking(crate::net::current_addresses)
            .await
            .unwrap_or_default();
        self.published.status.send_if_modified(|s| {
            let changed = s.network != now;
            s.network = now;
            changed
        });
    }

    /// Starts the diagnostics ping to `url` unless one runs; the result
    /// lands in the status.
    pub fn ping(&self, url: String) {
        if self.published.status.borrow().ping == PingState::Running {
            return;
        }
        self.published.status(|s| s.ping = PingState::Running);
        let status = self.published.status.clone();
        tokio::spawn(async move {
            let report = crate::net::ping_server(&url).await;
            status.send_modify(|s| s.ping = PingState::Done(report));
        });
    }
}
