//! The SIP account the terminal works with: who it is at the cloud, where
//! the proxy is, and over which transport (from the activation answer).

use std::net::SocketAddr;

/// UDP or TCP, as the cloud's activation answer names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SipTransport {
    Udp,
    Tcp,
}

impl SipTransport {
    /// The transport the cloud's activation answer names; one this build
    /// does not know falls back to UDP, which every registrar serves.
    pub fn from_offer(offer: roomterm_proto::SipTransport) -> Self {
        match offer {
            roomterm_proto::SipTransport::Udp => Self::Udp,
            roomterm_proto::SipTransport::Tcp => Self::Tcp,
            roomterm_proto::SipTransport::Unknown => {
                tracing::warn!("the cloud offers an unknown SIP transport; using UDP");
                Self::Udp
            }
        }
    }

    /// The transport as rsip names it (Via, `;transport=`).
    pub fn rsip(self) -> rsip::Transport {
        match self {
            Self::Udp => rsip::Transport::Udp,
            Self::Tcp => rsip::Transport::Tcp,
        }
    }
}

/// What the terminal registers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub username: String,
    pub password: String,
    pub domain: String,
    pub proxy: SocketAddr,
    pub transport: SipTransport,
    pub expires: u32,
    /// `+sip.instance` for the Contact (see `instance.rs`), if any.
    pub instance: Option<String>,
}

#[cfg(test)]
impl Account {
    /// An account at `roomcloud.local` through a proxy on loopback, for
    /// the state machines' unit tests.
    pub(crate) fn for_tests(username: &str, transport: SipTransport) -> Self {
        Account {
            username: username.into(),
            password: "pw".into(),
            domain: "roomcloud.local".into(),
            proxy: "127.0.0.1:5060".parse().unwrap(),
            transport,
            expires: 3600,
            instance: None,
        }
    }
}
