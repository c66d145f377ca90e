//! A trickled ICE candidate line (RFC 8839 §5.1), checked before webrtcbin
//! gets it: it comes from the network. Browsers hide their host addresses
//! behind mDNS names (`<uuid>.local`); those are accepted as they are —
//! webrtcbin resolves them where the system can, and otherwise the
//! browser's own connectivity checks reach the room's candidates and
//! become peer-reflexive candidates there.

use std::net::IpAddr;

use super::CastError;

/// Longer lines are refused (a browser's are about 120 bytes).
const MAX_LINE: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    Ip(IpAddr),
    /// An mDNS name (`….local`).
    Mdns(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub component: u16,
    /// `udp` or `tcp`.
    pub transport: String,
    pub address: Address,
    pub port: u16,
    /// `host`, `srflx`, `prflx`, `relay`.
    pub kind: String,
    /// The line as webrtcbin takes it: `candidate:…`, no `a=`, no line end.
    pub line: String,
}

impl Candidate {
    /// Reads `candidate:…` or `a=candidate:…`; `BadCandidate` says why not.
    pub fn parse(text: &str) -> Result<Self, CastError> {
        let bad = |why: &str| CastError::BadCandidate(why.to_string());
        let line = text.trim();
        if line.len() > MAX_LINE {
            return Err(bad("longer than 512 bytes"));
        }
        if line.chars().any(|c| c.is_control()) {
            return Err(bad("control characters"));
        }
        let line = line.strip_prefix("a=").unwrap_or(line);
        let body = line
            .strip_prefix("candidate:")
            .ok_or_else(|| bad("does not start with candidate:"))?;
        let fields: Vec<&str> = body.split_ascii_whitespace().collect();
        if fields.len() < 8 || fields[6] != "typ" {
            return Err(bad(
                "expected foundation component transport priority address port typ type",
            ));
        }
        let foundation = fields[0];
        if foundation.is_empty()
            || foundation.len() > 32
            || !foundation
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        {
            return Err(bad("bad foundation"));
        }
        let component: u16 = fields[1]
            .parse()
            .ok()
            .filter(|c| (1..=256).contains(c))
            .ok_or_else(|| bad("bad component id"))?;
        let transport = fields[2].to_ascii_lowercase();
        if transport != "udp" && transport != "tcp" {
            return Err(bad("transport is neither udp nor tcp"));
        }
        fields[3].parse::<u32>().map_err(|_| bad("bad priority"))?;
        let address = address(fields[4]).ok_or_else(|| bad("bad address"))?;
        let port: u16 = fields[5].parse().map_err(|_| bad("bad port"))?;
        let kind = fields[7].to_ascii_lowercase();
        if !matches!(kind.as_str(), "host" | "srflx" | "prflx" | "relay") {
            return Err(bad("unknown candidate type"));
        }
        Ok(Candidate {
            component,
            transport,
            address,
            port,
            kind,
            line: line.to_string(),
        })
    }
}

fn address(text: &str) -> Option<Address> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(Address::Ip(ip));
    }
    let name = text.strip_suffix(".local")?;
    let ok = !name.is_empty()
        && text.len() <= 253
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    ok.then(|| Address::Mdns(text.to_ascii_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_lines() {
        let chrome = "candidate:3848114235 1 udp 2122260223 192.168.1.20 51000 typ host generation 0 ufrag EsAw network-id 1";
        let c = Candidate::parse(chrome).unwrap();
        assert_eq!(c.component, 1);
        assert_eq!(c.transport, "udp");
        assert_eq!(c.address, Address::Ip([192, 168, 1, 20].into()));
        assert_eq!((c.port, c.kind.as_str()), (51000, "host"));
        assert_eq!(c.line, chrome);

        let mdns = "a=candidate:1 1 UDP 2122252543 5c1e4a4e-8e35-4a8c-9a52-7c8b0f0e9f11.local 60519 typ host\r\n";
        let c = Candidate::parse(mdns).unwrap();
        assert_eq!(
            c.address,
            Address::Mdns("5c1e4a4e-8e35-4a8c-9a52-7c8b0f0e9f11.local".into())
        );
        assert!(c.line.starts_with("candidate:1 1 UDP"), "{}", c.line);
        assert!(!c.line.ends_with('\n'));

        let v6 = "candidate:2 1 tcp 1518280447 fe80::1 9 typ host tcptype active";
        assert_eq!(Candidate::parse(v6).unwrap().transport, "tcp");
        let relay = "candidate:4 1 udp 41885439 203.0.113.7 3478 typ relay raddr 0.0.0.0 rport 0";
        assert_eq!(Candidate::parse(relay).unwrap().kind, "relay");
    }

    #[test]
    fn refusals() {
        for (line, why) in [
            ("", "candidate:"),
            ("ice:1 1 udp 1 10.0.0.1 5 typ host", "candidate:"),
            ("candidate:1 1 udp 1 10.0.0.1 5 host", "expected"),
            ("candidate:1 0 udp 1 10.0.0.1 5 typ host", "component"),
            ("candidate:1 1 sctp 1 10.0.0.1 5 typ host", "transport"),
            ("candidate:1 1 udp -1 10.0.0.1 5 typ host", "priority"),
            ("candidate:1 1 udp 1 example.com 5 typ host", "address"),
            ("candidate:1 1 udp 1 .local 5 typ host", "address"),
            ("candidate:1 1 udp 1 10.0.0.1 70000 typ host", "port"),
            ("candidate:1 1 udp 1 10.0.0.1 5 typ magic", "type"),
            ("candidate:a;b 1 udp 1 10.0.0.1 5 typ host", "foundation"),
            ("candidate:1 1 udp 1 10.0.0.1 5 typ host\0", "control"),
        ] {
            match Candidate::parse(line) {
                Err(CastError::BadCandidate(reason)) => {
                    assert!(reason.contains(why), "{line:?}: {reason}")
                }
                other => panic!("{line:?}: {other:?}"),
            }
        }
        let long = format!(
            "candidate:1 1 udp 1 10.0.0.1 5 typ host {}",
            "x".repeat(600)
        );
        assert!(Candidate::parse(&long).is_err());
    }
}
