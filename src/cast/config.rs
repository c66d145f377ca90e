//! How a cast is received: decoders from the board's plan, the codec
//! preference, where tab audio plays, and the jitter buffer's wait.

use std::net::IpAddr;
use std::time::Duration;

use crate::media::MediaPlan;

/// H.264 decoders that run on the CPU: with one of these, VP8 (lighter to
/// decode in software) is preferred.
const SOFTWARE_H264_DECODERS: [&str; 2] = ["avdec_h264", "openh264dec"];

#[derive(Debug, Clone, PartialEq)]
pub struct CastConfig {
    pub h264_decoder: String,
    pub vp8_decoder: String,
    /// Answer H.264 before VP8 when the offer has both.
    pub prefer_h264: bool,
    /// The playback element tab audio plays on (`autoaudiosink`,
    /// `alsasink`…) and its device; `None`: not played.
    pub speaker: Option<String>,
    pub speaker_device: Option<String>,
    /// webrtcbin's jitter buffer wait: tens of ms on a LAN, where a lost
    /// packet is asked again within a round trip of a few ms; the default
    /// 200 ms would put the room's picture visibly behind the laptop's.
    pub latency_ms: u32,
    /// Silence (no RTP or RTCP) after which a connected caster is gone.
    pub silence: Duration,
    /// Addresses ICE gathers candidates on; empty: every interface.
    pub ice_addresses: Vec<IpAddr>,
}

impl CastConfig {
    /// The plan's decoders; H.264 first when its decoder is hardware.
    pub fn from_plan(plan: &MediaPlan) -> Self {
        CastConfig {
            h264_decoder: plan.h264_decoder.clone(),
            vp8_decoder: plan.vp8_decoder.clone(),
            prefer_h264: !SOFTWARE_H264_DECODERS.contains(&plan.h264_decoder.as_str()),
            speaker: None,
            speaker_device: None,
            latency_ms: 50,
            silence: Duration::from_millis(1500),
            ice_addresses: Vec::new(),
        }
    }
}
