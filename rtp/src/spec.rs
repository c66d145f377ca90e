//! What a call leg is told about each medium: how both ends agreed to
//! send it (payload types, caps, RTX, jitter, bandwidth, feedback) and
//! where the far end wants it; and the caps rtpbin asks for by payload
//! type.

use std::net::{IpAddr, SocketAddr};

/// One medium of a call as both ends agreed it.
#[derive(Debug, Clone)]
pub struct MediumSpec {
    /// rtpbin's session number: one per medium of the leg.
    pub session: u32,
    /// What arrives: `application/x-rtp` with media, clock-rate,
    /// encoding-name and payload.
    pub caps: gst::Caps,
    pub pt: u8,
    /// The RFC 4588 retransmission payload type (`apt` = `pt`), the same
    /// both ways; `None`: no NACK and no retransmission on this medium.
    pub rtx_pt: Option<u8>,
    /// How long the jitter buffer waits for a late or lost packet (and,
    /// with retransmission, for the retransmitted one), ms.
    pub latency_ms: u32,
    /// The medium's bit rate, kbit/s: RTCP gets 5 % of it, so feedback
    /// (NACKs above all) can go out within tens of milliseconds.
    pub bandwidth_kbps: u32,
    /// Ask the sender for a key frame (PLI, or FIR when the decoder wants
    /// the parameter sets too) when a picture cannot be decoded: video.
    pub key_frames: bool,
    /// Receive on this RTP port (RTCP the next) rather than free ones: the
    /// ports an SDP answer already named.
    pub port: Option<u16>,
    /// Free ports only within this range (a media server behind a
    /// firewall); `None`: any the system hands out.
    pub port_range: Option<crate::PortRange>,
}

impl MediumSpec {
    /// The caps rtpbin is told for our payload type: the session turns a
    /// decoder's key-frame request into feedback only for a payload type
    /// whose caps carry the `rtcp-fb-*` fields (as webrtcbin sets them
    /// from SDP).
    pub(crate) fn receive_caps(&self) -> gst::Caps {
        let mut caps = self.caps.clone();
        if self.key_frames {
            let caps = caps.make_mut();
            for field in ["rtcp-fb-nack-pli", "rtcp-fb-ccm-fir"] {
                caps.set(field, true);
            }
        }
        caps
    }
}

/// Where the far end receives one medium.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remote {
    pub rtp: SocketAddr,
    pub rtcp: SocketAddr,
}

/// RTP at this address, RTCP on the next port.
impl From<SocketAddr> for Remote {
    fn from(rtp: SocketAddr) -> Self {
        Self::new(rtp, None)
    }
}

/// RTP at this address and port, RTCP on the next port.
impl<I: Into<IpAddr>> From<(I, u16)> for Remote {
    fn from((ip, port): (I, u16)) -> Self {
        Self::new(SocketAddr::new(ip.into(), port), None)
    }
}

impl Remote {
    /// RTCP on the port after RTP (RFC 3550 §11), unless `rtcp` (an SDP
    /// `a=rtcp`, RFC 3605) names another.
    pub fn new(rtp: SocketAddr, rtcp: Option<SocketAddr>) -> Self {
        let next = SocketAddr::new(rtp.ip(), rtp.port().wrapping_add(1));
        Self {
            rtp,
            rtcp: rtcp.unwrap_or(next),
        }
    }
}

/// The caps of payload type `pt` on a medium: its own, or its RTX one's.
pub(crate) fn caps_for(spec: &MediumSpec, pt: u32) -> Option<gst::Caps> {
    if pt == u32::from(spec.pt) {
        return Some(spec.receive_caps());
    }
    let rtx_pt = spec.rtx_pt.filter(|rtx| u32::from(*rtx) == pt)?;
    let original = spec.caps.structure(0)?;
    let mut rtx = gst::Structure::builder("application/x-rtp")
        .field("payload", i32::from(rtx_pt))
        .field("encoding-name", "RTX")
        .field("apt", i32::from(spec.pt));
    for field in ["media", "clock-rate"] {
        if let Ok(value) = original.value(field) {
            rtx = rtx.field(field, value.clone());
        }
    }
    Some(gst::Caps::builder_full().structure(rtx.build()).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtcp_goes_to_the_next_port_unless_named() {
        let rtp: SocketAddr = "192.0.2.1:40000".parse().unwrap();
        assert_eq!(
            Remote::new(rtp, None).rtcp,
            "192.0.2.1:40001".parse().unwrap()
        );
        let named: SocketAddr = "192.0.2.9:41000".parse().unwrap();
        assert_eq!(Remote::new(rtp, Some(named)).rtcp, named);
    }

    #[test]
    fn the_rtx_payload_type_maps_to_its_clock_rate() {
        gst::init().unwrap();
        let spec = MediumSpec {
            session: 1,
            caps: crate::h264_caps(96),
            pt: 96,
            rtx_pt: Some(97),
            latency_ms: 100,
            bandwidth_kbps: 512,
            key_frames: true,
            port: None,
            port_range: None,
        };
        let own = caps_for(&spec, 96).unwrap();
        let own = own.structure(0).unwrap();
        assert_eq!(own.get::<&str>("encoding-name").unwrap(), "H264");
        assert!(own.get::<bool>("rtcp-fb-nack-pli").unwrap());
        let rtx = caps_for(&spec, 97).unwrap();
        let s = rtx.structure(0).unwrap();
        assert_eq!(s.get::<i32>("clock-rate").unwrap(), 90_000);
        assert_eq!(s.get::<i32>("apt").unwrap(), 96);
        assert_eq!(s.get::<&str>("encoding-name").unwrap(), "RTX");
        assert_eq!(caps_for(&spec, 98), None);
    }
}
