//! The top Via value: what the transaction layer keys on and where responses go.

use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopVia {
    /// e.g. `UDP`, `TCP` (upper-cased).
    pub transport: String,
    /// `host[:port]` as sent.
    pub sent_by: String,
    pub branch: Option<String>,
    /// `rport` was present (RFC 3581): the client wants its source port back.
    pub rport: bool,
    /// What a proxy that received this hop filled in: `received` and the
    /// `rport` value.
    received: Option<IpAddr>,
    rport_value: Option<u16>,
    /// Everything after `SIP/2.0/XXX sent-by`, without the rport/received
    /// parameters (re-added when answering).
    other_params: Vec<String>,
}

impl TopVia {
    /// Parses one Via value such as `SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport`.
    pub fn parse(value: &str) -> Option<Self> {
        let (protocol, rest) = value.trim().split_once(char::is_whitespace)?;
        let mut proto = protocol.split('/');
        let (name, version, transport) = (proto.next()?, proto.next()?, proto.next()?);
        if !name.eq_ignore_ascii_case("SIP") || version != "2.0" || transport.is_empty() {
            return None;
        }
        let mut params = rest.trim().split(';');
        let sent_by = params.next()?.trim();
        if sent_by.is_empty() || sent_by.contains(char::is_whitespace) {
            return None;
        }
        let mut via = Self {
            transport: transport.to_ascii_uppercase(),
            sent_by: sent_by.to_string(),
            branch: None,
            rport: false,
            received: None,
            rport_value: None,
            other_params: Vec::new(),
        };
        for param in params.map(str::trim).filter(|p| !p.is_empty()) {
            let (key, val) = param.split_once('=').unwrap_or((param, ""));
            match key.trim().to_ascii_lowercase().as_str() {
                "branch" => via.branch = Some(val.trim().to_string()),
                "rport" => {
                    via.rport = true;
                    via.rport_value = val.trim().parse().ok();
                }
                "received" => via.received = val.trim().parse().ok(),
                _ => via.other_params.push(param.to_string()),
            }
        }
        Some(via)
    }

    /// The Via value for a response: `received` always (cheap and harmless),
    /// `rport` filled in when asked for (RFC 3261 §18.2.1, RFC 3581).
    pub fn answered_from(&self, source: SocketAddr) -> String {
        let mut out = format!("SIP/2.0/{} {}", self.transport, self.sent_by);
        if let Some(branch) = &self.branch {
            out.push_str(";branch=");
            out.push_str(branch);
        }
        for param in &self.other_params {
            out.push(';');
            out.push_str(param);
        }
        out.push_str(&format!(";received={}", source.ip()));
        if self.rport {
            out.push_str(&format!(";rport={}", source.port()));
        }
        out
    }

    /// Where the sender of this hop really was, as the proxy that received
    /// it recorded: `received` (else the sent-by host, when an address) and
    /// `rport` (else the sent-by port, else 5060). `None` when neither names
    /// an address (a host name the proxy did not correct).
    pub fn seen_at(&self) -> Option<SocketAddr> {
        let sent_by = self.sent_by.as_str();
        let (host, port) = match sent_by.parse::<SocketAddr>() {
            Ok(addr) => (Some(addr.ip()), Some(addr.port())),
            Err(_) => match sent_by.rsplit_once(':').filter(|(h, _)| !h.contains(':')) {
                Some((name, port)) => (name.parse().ok(), port.parse().ok()),
                None => (sent_by.trim_matches(['[', ']']).parse().ok(), None),
            },
        };
        let ip = self.received.or(host)?;
        Some(SocketAddr::new(
            ip,
            self.rport_value.or(port).unwrap_or(5060),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hop_is_seen_where_the_proxy_says() {
        let seen = |v: &str| TopVia::parse(v)?.seen_at().map(|a| a.to_string());
        assert_eq!(
            seen("SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bKa;received=198.51.100.9;rport=40123"),
            Some("198.51.100.9:40123".into())
        );
        assert_eq!(
            seen("SIP/2.0/UDP 127.0.0.1:5070;rport=5071;branch=z9hG4bKa"),
            Some("127.0.0.1:5071".into())
        );
        assert_eq!(
            seen("SIP/2.0/TCP 192.0.2.1;branch=z9hG4bKa"),
            Some("192.0.2.1:5060".into())
        );
        assert_eq!(
            seen("SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bKa"),
            Some("[2001:db8::1]:5070".into())
        );
        assert_eq!(
            seen("SIP/2.0/UDP room.example.com:5070;branch=z9hG4bKa"),
            None
        );
        assert_eq!(
            seen("SIP/2.0/UDP room.example.com;received=192.0.2.4"),
            Some("192.0.2.4:5060".into())
        );
        assert_eq!(seen("garbage"), None);
        assert_eq!(
            seen("SIP/2.0/UDP [2001:db8::1];branch=z9hG4bKa"),
            Some("[2001:db8::1]:5060".into())
        );
    }

    #[test]
    fn rport_and_received_are_filled_in() {
        let via = TopVia::parse("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKx;rport").unwrap();
        assert_eq!(via.branch.as_deref(), Some("z9hG4bKx"));
        let answered = via.answered_from("192.0.2.1:40000".parse().unwrap());
        assert_eq!(
            answered,
            "SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bKx;received=192.0.2.1;rport=40000"
        );
    }

    #[test]
    fn garbage_is_refused() {
        assert!(TopVia::parse("").is_none());
        assert!(TopVia::parse("SIP/2.0/UDP").is_none());
        assert!(TopVia::parse("HTTP/1.1/TCP host").is_none());
    }
}
