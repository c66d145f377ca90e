//! Our own SIP address per transport, and the Contact naming it: in-dialog
//! requests (ACK, BYE, NOTIFY answers…) come back there, over the transport
//! the dialog began on.

use rsip::common::uri::Param;
use rsip::{Auth, HostWithPort, Scheme, Transport, Uri};

use super::address::host_port;
use crate::sip::ReplyPath;

/// The cloud's public host with the SIP ports really bound.
#[derive(Debug, Clone)]
pub struct Contacts {
    pub udp: HostWithPort,
    pub tcp: HostWithPort,
}

impl Contacts {
    pub fn new(public_host: &str, udp_port: u16, tcp_port: u16) -> Self {
        Self {
            udp: host_port(public_host, Some(udp_port)),
            tcp: host_port(public_host, Some(tcp_port)),
        }
    }

    /// Our transport and address for the flow `path` takes.
    pub fn for_path(&self, path: &ReplyPath) -> (Transport, HostWithPort) {
        match path {
            ReplyPath::Udp { .. } => (Transport::Udp, self.udp.clone()),
            ReplyPath::Tcp(_) => (Transport::Tcp, self.tcp.clone()),
        }
    }
}

/// `<sip:<user>@<at>[;transport=tcp]>`.
pub fn contact(user: &str, transport: Transport, at: &HostWithPort) -> rsip::typed::Contact {
    let mut params = Vec::new();
    if transport == Transport::Tcp {
        // Lowercase, as terminals and phones have always been sent it
        // (rsip's own `Param::Transport` prints `TCP`).
        params.push(Param::Other("transport".into(), Some("tcp".into())));
    }
    rsip::typed::Contact {
        display_name: None,
        uri: Uri {
            scheme: Some(Scheme::Sip),
            auth: Some(Auth {
                user: user.to_string(),
                password: None,
            }),
            host_with_port: at.clone(),
            params,
            ..Default::default()
        },
        params: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_name_the_transport_only_for_tcp() {
        let contacts = Contacts::new("127.0.0.1", 5060, 5061);
        assert_eq!(
            contact("calls", Transport::Udp, &contacts.udp).to_string(),
            "<sip:calls@127.0.0.1:5060>"
        );
        assert_eq!(
            contact("focus", Transport::Tcp, &contacts.tcp).to_string(),
            "<sip:focus@127.0.0.1:5061;transport=tcp>"
        );
        let v6 = Contacts::new("2001:db8::7", 5060, 5060);
        assert_eq!(v6.udp.to_string(), "[2001:db8::7]:5060");
    }
}
