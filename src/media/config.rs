//! How a call's media is set up: the codecs and sources from the board's
//! plan, the payload types the SDP agreed, where to listen and play; and
//! which capture devices turned out missing.

use std::net::IpAddr;

use super::probe::{MediaPlan, Source};
use super::VideoClass;

/// What this end sends and how it decodes.
#[derive(Debug, Clone, PartialEq)]
pub struct CallMediaConfig {
    pub encoder: String,
    pub decoder: String,
    pub class: VideoClass,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// The camera and microphone: the board plan's devices, or the test
    /// signals below.
    pub camera: Source,
    pub microphone: Source,
    /// The test camera's solid colour, `0xAARRGGBB`.
    pub colour: u32,
    /// The test microphone's sine.
    pub tone_hz: f64,
    pub tone_volume: f64,
    pub video_pt: u8,
    pub audio_pt: u8,
    /// The RFC 4588 retransmission payload type for video (`None`: no
    /// NACK/RTX); whether the far end takes part is `CallMedia::set_retransmission`.
    pub video_rtx_pt: Option<u8>,
    /// Shared content received apart from the people (a meeting call's
    /// content line): its H.264 payload type; `None`: not received.
    pub content_pt: Option<u8>,
    /// The address the receivers listen on.
    pub local: IpAddr,
    /// The playback element the far end is heard on (`autoaudiosink`,
    /// `alsasink`…) and its device; `None`: not played (headless tests).
    pub speaker: Option<String>,
    pub speaker_device: Option<String>,
    /// The microphone is a real one: noise suppression and gain control
    /// (a test tone would be suppressed as noise).
    pub real_microphone: bool,
}

impl CallMediaConfig {
    /// The plan's codecs at 320×240, 30 fps, 4CIF bit rate, on loopback.
    pub fn small(plan: &MediaPlan, colour: u32, tone_hz: f64) -> Self {
        Self {
            encoder: plan.h264_encoder.clone(),
            decoder: plan.h264_decoder.clone(),
            class: VideoClass::Cif4,
            width: 320,
            height: 240,
            fps: 30,
            camera: plan.camera.clone(),
            microphone: plan.microphone.clone(),
            colour,
            tone_hz,
            tone_volume: 0.5,
            video_pt: 96,
            audio_pt: 111,
            video_rtx_pt: Some(97),
            content_pt: None,
            local: IpAddr::from([127, 0, 0, 1]),
            speaker: None,
            speaker_device: None,
            real_microphone: false,
        }
    }
}

/// Which capture devices are missing (and why), once sending started.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Devices {
    pub camera_missing: Option<String>,
    pub microphone_missing: Option<String>,
}
