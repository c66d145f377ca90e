//! The media engine: choosing GStreamer elements for the board and running
//! real RTP pipelines.
//!
//! - `class.rs`: the bandwidth classes (4CIF, 720p, 1080p at 30 fps), pure.
//! - `probe.rs`: the [`MediaPlan`] — which encoder, decoder, sink and sources
//!   this machine uses, chosen from the board profile's preference lists by
//!   probing the GStreamer registry; [`require`] for fixed helper elements.
//! - `encoder.rs`: encoder properties per class and encoder family (x264enc,
//!   openh264enc, vah264enc, mpph264enc, v4l2h264enc), set only where the
//!   element really has the property.
//! - `pipeline.rs`: element construction and bus errors, handled in one place.
//! - `level.rs`: decoded-frame and audio-level arithmetic, pure.
//! - `loopback.rs`: H.264 and Opus over RTP/UDP on 127.0.0.1 into appsinks —
//!   the tests' (and later the diagnostics') proof that media really flows.
//! - `quality.rs`: network quality from arriving RTP (6-second loss
//!   windows, jitter, the loss icon and warning), pure.
//! - `receive.rs`, `send.rs`: the decoding chains after the RTP layer and
//!   the camera/microphone chains before it; `capture.rs`: the board's
//!   camera and microphone (or test signals), a missing one replaced by
//!   black or silence and reported.
//! - `config.rs`: how a call's media is set up ([`CallMediaConfig`]) and
//!   which capture devices were missing.
//! - `sink.rs`: pulling decoded pictures and sound out of appsinks, and the
//!   one format decoded sound has.
//! - `content.rs`: content shared into a meeting (RFC 4796 slides) — a
//!   screen cast's pictures encoded at 1080p15 on an RTP leg of its own.
//! - `call.rs`: a call's media — one pipeline around an RTP leg (rtpbin,
//!   RTCP, NACK/RTX), receivers bound first (ports for the SDP), senders to
//!   the far end's addresses, mute; decoded pictures and sound.

mod call;
mod capture;
mod class;
mod config;
mod content;
mod encoder;
mod error;
mod level;
mod loopback;
pub(crate) mod pipeline;
mod probe;
mod quality;
pub(crate) mod receive;
mod send;
pub(crate) mod sink;
pub(crate) mod voice;

pub use call::CallMedia;
pub use class::VideoClass;
pub use config::{CallMediaConfig, Devices};
pub use content::{
    ContentConfig, ContentSender, CONTENT_FPS, CONTENT_HEIGHT, CONTENT_KBPS, CONTENT_WIDTH,
};
pub use encoder::{
    apply_encoder_settings, encoder_settings, encoder_settings_at, AppliedSettings, Setting,
};
pub use error::MediaError;
pub use level::{tone_rms, AudioLevel, RgbFrame};
pub use loopback::{AudioLoopback, AudioLoopbackConfig, VideoLoopback, VideoLoopbackConfig};
pub use probe::{
    element_exists, package_hint, require, MediaPlan, MissingRole, ProbeError, Source, SourceMode,
};
pub use quality::{
    rtp_packet, LossIcon, QualityLevel, QualityMeter, QualityReport, RtpHeader, StreamFigures,
    StreamStats,
};

/// Initialises GStreamer once per process (idempotent, thread-safe).
pub fn init() -> Result<(), MediaError> {
    gst::init().map_err(|e| MediaError::Init(e.to_string()))
}
