//! Binding RTP on an even port and RTCP on the next one: anywhere the
//! system hands out, or within a configured range (what a firewall in
//! front of a media server opens).

use std::fmt;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::str::FromStr;

use gst::prelude::*;

use crate::error::{make, RtpError};

/// Tries this many pairs: another program may take a port between our
/// pick and the bind.
const ATTEMPTS: u32 = 32;

/// UDP ports `first..=last` for media: pairs from an even `first`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    first: u16,
    last: u16,
}

impl PortRange {
    /// At least two pairs, from an even port of 1024 or above.
    pub fn new(first: u16, last: u16) -> Result<Self, String> {
        if first < 1024 || !first.is_multiple_of(2) {
            return Err(format!(
                "{first}: the range starts on an even port from 1024"
            ));
        }
        if last < first.saturating_add(3) {
            return Err(format!(
                "{first}-{last}: at least two RTP/RTCP pairs (4 ports)"
            ));
        }
        Ok(Self { first, last })
    }

    pub fn first(&self) -> u16 {
        self.first
    }

    pub fn last(&self) -> u16 {
        self.last
    }

    /// The range without its first pair (kept for something else).
    pub fn after_first_pair(&self) -> Option<Self> {
        Self::new(self.first + 2, self.last).ok()
    }

    /// Every whole pair's even port once, from the pair `seed` picks,
    /// wrapping around.
    fn pairs_from(&self, seed: u16) -> impl Iterator<Item = u16> {
        let count = u32::from(self.last - self.first + 1) / 2;
        let first = u32::from(self.first);
        let offset = u32::from(seed) / 2 % count;
        (0..count).map(move |i| (first + (offset + i) % count * 2) as u16)
    }
}

impl FromStr for PortRange {
    type Err = String;

    /// `40000-40999`.
    fn from_str(text: &str) -> Result<Self, String> {
        let (first, last) = text
            .split_once('-')
            .ok_or_else(|| format!("{text}: a range is FIRST-LAST, e.g. 40000-40999"))?;
        let port = |p: &str| {
            p.trim()
                .parse::<u16>()
                .map_err(|_| format!("{text}: {p} is not a port"))
        };
        Self::new(port(first)?, port(last)?)
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

/// Two `udpsrc` bound (READY) on an even port and the next one of
/// `local`, the first with `caps`; returns them and the even port. The
/// ports are any the system hands out, or with `range` a free pair in it,
/// looked for from a place the system's own pick makes random (so calls do
/// not all probe the same ports first).
pub fn bind_pair(
    local: IpAddr,
    caps: &gst::Caps,
    range: Option<PortRange>,
) -> Result<(gst::Element, gst::Element, u16), RtpError> {
    let Some(range) = range else {
        return bind(local, caps, None);
    };
    let seed = even_port(local).unwrap_or(range.first);
    let mut tried = 0;
    for port in range.pairs_from(seed) {
        tried += 1;
        if let Ok(pair) = bind(local, caps, Some(port)) {
            return Ok(pair);
        }
    }
    Err(RtpError::NoPorts {
        address: format!("{local} in {range}"),
        attempts: tried,
    })
}

/// As [`bind_pair`], on `port` and `port + 1` exactly (ports held until
/// now by another part of the program, handed over).
pub fn bind_pair_at(
    local: IpAddr,
    caps: &gst::Caps,
    port: u16,
) -> Result<(gst::Element, gst::Element, u16), RtpError> {
    bind(local, caps, Some(port))
}

fn bind(
    local: IpAddr,
    caps: &gst::Caps,
    fixed: Option<u16>,
) -> Result<(gst::Element, gst::Element, u16), RtpError> {
    let attempts = if fixed.is_some() { 1 } else { ATTEMPTS };
    for _ in 0..attempts {
        let Some(port) = fixed.or_else(|| even_port(local)) else {
            continue;
        };
        let rtp = udpsrc(local, port, caps.clone())?;
        if rtp.set_state(gst::State::Ready).is_err() {
            let _ = rtp.set_state(gst::State::Null);
            continue;
        }
        let rtcp = udpsrc(
            local,
            port + 1,
            gst::Caps::new_empty_simple("application/x-rtcp"),
        )?;
        if rtcp.set_state(gst::State::Ready).is_err() {
            let _ = rtcp.set_state(gst::State::Null);
            let _ = rtp.set_state(gst::State::Null);
            continue;
        }
        return Ok((rtp, rtcp, port));
    }
    Err(RtpError::NoPorts {
        address: local.to_string(),
        attempts,
    })
}

/// An even port the system would hand out now (ephemeral range).
fn even_port(local: IpAddr) -> Option<u16> {
    let socket = UdpSocket::bind(SocketAddr::new(local, 0)).ok()?;
    let port = socket.local_addr().ok()?.port() & !1;
    (port >= 1024).then_some(port)
}

fn udpsrc(local: IpAddr, port: u16, caps: gst::Caps) -> Result<gst::Element, RtpError> {
    let src = make("udpsrc")?;
    src.set_property("address", local.to_string());
    src.set_property("port", i32::from(port));
    // The default SO_REUSEADDR would let two calls bind one port.
    src.set_property("reuse", false);
    src.set_property("caps", caps);
    Ok(src)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_pairs_stay_inside() {
        assert_eq!("40000-40999".parse(), PortRange::new(40000, 40999));
        for bad in [
            "40001-40999",
            "40000-40002",
            "80-200",
            "40000",
            "a-b",
            "40000-70000",
        ] {
            assert!(bad.parse::<PortRange>().is_err(), "{bad}");
        }
        gst::init().unwrap();
        let caps = gst::Caps::new_empty_simple("application/x-rtp");
        let local = IpAddr::from([127, 0, 0, 1]);
        // A free range of 3 pairs: 3 pairs fit, all inside, the 4th fails.
        let range = (20_000..60_000)
            .step_by(2)
            .filter_map(|first| PortRange::new(first, first + 5).ok())
            .find(|r| (r.first..=r.last).all(|p| UdpSocket::bind((local, p)).is_ok()))
            .unwrap();
        let pairs: Vec<_> = (0..3)
            .map(|_| bind_pair(local, &caps, Some(range)).unwrap())
            .collect();
        let mut ports: Vec<u16> = pairs.iter().map(|(_, _, p)| *p).collect();
        ports.sort_unstable();
        assert_eq!(ports, [range.first, range.first + 2, range.first + 4]);
        assert!(bind_pair(local, &caps, Some(range)).is_err());
        assert_eq!(
            range.after_first_pair(),
            PortRange::new(range.first + 2, range.last).ok()
        );
        for (rtp, rtcp, _) in pairs {
            rtp.set_state(gst::State::Null).unwrap();
            rtcp.set_state(gst::State::Null).unwrap();
        }
    }

    #[test]
    fn pairs_are_even_and_consecutive_and_never_shared() {
        gst::init().unwrap();
        let caps = gst::Caps::new_empty_simple("application/x-rtp");
        let local = IpAddr::from([127, 0, 0, 1]);
        let pairs: Vec<_> = (0..8)
            .map(|_| bind_pair(local, &caps, None).unwrap())
            .collect();
        let mut ports: Vec<u16> = pairs.iter().map(|(_, _, p)| *p).collect();
        for (rtp, rtcp, port) in &pairs {
            assert_eq!(port % 2, 0);
            assert_eq!(rtp.property::<i32>("port"), i32::from(*port));
            assert_eq!(rtcp.property::<i32>("port"), i32::from(*port) + 1);
            // Really bound: the system refuses the port to anyone else.
            assert!(UdpSocket::bind(SocketAddr::new(local, *port)).is_err());
            assert!(UdpSocket::bind(SocketAddr::new(local, *port + 1)).is_err());
        }
        ports.sort_unstable();
        ports.dedup();
        assert_eq!(ports.len(), 8);
        for (rtp, rtcp, _) in pairs {
            rtp.set_state(gst::State::Null).unwrap();
            rtcp.set_state(gst::State::Null).unwrap();
        }
    }
}
