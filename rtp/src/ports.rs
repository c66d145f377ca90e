//! Binding RTP on an even port and RTCP on the next one.

use std::net::{IpAddr, SocketAddr, UdpSocket};

use gst::prelude::*;

use crate::error::{make, RtpError};

/// Tries this many pairs: another program may take a port between our
/// pick and the bind.
const ATTEMPTS: u32 = 32;

/// Two `udpsrc` bound (READY) on an even port and the next one of
/// `local`, the first with `caps`; returns them and the even port.
pub fn bind_pair(
    local: IpAddr,
    caps: &gst::Caps,
) -> Result<(gst::Element, gst::Element, u16), RtpError> {
    bind(local, caps, None)
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
    fn pairs_are_even_and_consecutive_and_never_shared() {
        gst::init().unwrap();
        let caps = gst::Caps::new_empty_simple("application/x-rtp");
        let local = IpAddr::from([127, 0, 0, 1]);
        let pairs: Vec<_> = (0..8).map(|_| bind_pair(local, &caps).unwrap()).collect();
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
