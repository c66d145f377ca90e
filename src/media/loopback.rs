//! Media over real RTP/UDP on 127.0.0.1: a test signal is encoded,
//! packetised and sent to a receiving pipeline that depacketises, decodes
//! and hands the result to an appsink, where it can be measured.
//!
//! ```text
//! video: videotestsrc (solid colour) → caps → videoconvert → <encoder> → rtph264pay → udpsink
//!        udpsrc (RTP H264) → rtpjitterbuffer → rtph264depay → <decoder> → videoconvert → appsink (RGB)
//! audio: audiotestsrc (sine) → volume (mute) → audioconvert → audioresample → caps → opusenc → rtpopuspay → udpsink
//!        udpsrc (RTP OPUS) → rtpjitterbuffer → rtpopusdepay → opusdec → audioconvert → audioresample → appsink (S16)
//! ```
//!
//! The receiver binds an ephemeral port first and the sender is pointed at
//! it, so parallel tests never collide. The decoding chains are a call's
//! (`receive.rs`), behind a plain socket and jitter buffer instead of a
//! call's RTP session: this is the media path with nothing else in it.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use gst::prelude::*;

use super::encoder::{apply_encoder_settings, encoder_settings, AppliedSettings};
use super::pipeline::{capsfilter, make, Running};
use super::probe::{require, MediaPlan};
use super::receive::{self, Decoding};
use super::sink::{pull, rgb_frame, s16_samples, AUDIO_RATE};
use super::{init, AudioLevel, MediaError, RgbFrame, VideoClass};

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
/// Dynamic RTP payload type used on both sides.
const PAYLOAD_TYPE: u8 = 96;
/// Jitter buffer on loopback: enough to reorder, small enough to be quick.
const JITTER_MS: u32 = 50;

const VIDEO_ELEMENTS: &[&str] = &[
    "videotestsrc",
    "videoconvert",
    "rtph264pay",
    "rtph264depay",
    "rtpjitterbuffer",
    "udpsrc",
    "udpsink",
    "appsink",
];
const AUDIO_ELEMENTS: &[&str] = &[
    "audiotestsrc",
    "volume",
    "audioconvert",
    "audioresample",
    "opusenc",
    "opusdec",
    "rtpopuspay",
    "rtpopusdepay",
    "rtpjitterbuffer",
    "udpsrc",
    "udpsink",
    "appsink",
];

/// What the video loopback sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoLoopbackConfig {
    pub encoder: String,
    pub decoder: String,
    /// Bitrate and tuning come from the class; the picture size from below.
    pub class: VideoClass,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// The solid colour sent, `0xAARRGGBB` as `videotestsrc` takes it.
    pub colour: u32,
}

impl VideoLoopbackConfig {
    /// The plan's codec pair at 320×240, 30 fps, with the 4CIF budget.
    pub fn small(plan: &MediaPlan, colour: u32) -> Self {
        VideoLoopbackConfig {
            encoder: plan.h264_encoder.clone(),
            decoder: plan.h264_decoder.clone(),
            class: VideoClass::Cif4,
            width: 320,
            height: 240,
            fps: 30,
            colour,
        }
    }
}

/// A running H.264 loopback.
pub struct VideoLoopback {
    // Field order is drop order: the sender stops first.
    sender: Running,
    receiver: Running,
    appsink: gst_app::AppSink,
    port: u16,
    settings: AppliedSettings,
}

impl VideoLoopback {
    pub fn start(config: &VideoLoopbackConfig) -> Result<Self, MediaError> {
        init()?;
        require("video loopback", VIDEO_ELEMENTS)?;
        require("video loopback", &[&config.encoder, &config.decoder])?;

        let receiver = Running::new("video-receiver");
        let decoding = receive::video(&receiver, &config.decoder)?;
        let (appsink, port) =
            plain_receiver(&receiver, receive::h264_caps(PAYLOAD_TYPE), decoding)?;

        let source = make("videotestsrc")?;
        source.set_property("is-live", true);
        source.set_property_from_str("pattern", "solid-color");
        source.set_property("foreground-color", config.colour);
        let raw_caps = gst_video::VideoCapsBuilder::new()
            .width(config.width as i32)
            .height(config.height as i32)
            .framerate(gst::Fraction::new(config.fps as i32, 1))
            .build();
        let encoder = make(&config.encoder)?;
        let settings =
            apply_encoder_settings(&encoder, &encoder_settings(&config.encoder, config.class));
        let pay = make("rtph264pay")?;
        pay.set_property("pt", u32::from(PAYLOAD_TYPE));
        // SPS/PPS with every IDR: a receiver that starts late still decodes.
        pay.set_property("config-interval", -1i32);
        let sender = Running::link(
            "video-sender",
            &[
                source,
                capsfilter(raw_caps)?,
                make("videoconvert")?,
                encoder,
                pay,
                udpsink(SocketAddr::new(LOOPBACK, port))?,
            ],
        )?;
        sender.play()?;
        Ok(VideoLoopback {
            sender,
            receiver,
            appsink,
            port,
            settings,
        })
    }

    /// The UDP port the receiver listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The encoder settings applied and skipped.
    pub fn encoder_settings(&self) -> &AppliedSettings {
        &self.settings
    }

    /// The next decoded frame, or the first pipeline error, or a timeout.
    pub fn next_frame(&self, timeout: Duration) -> Result<RgbFrame, MediaError> {
        let sample = pull(&self.appsink, timeout, &[&self.sender, &self.receiver])?;
        rgb_frame(&sample, &self.receiver)
    }
}

/// What the audio loopback sends.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioLoopbackConfig {
    /// Sine frequency in Hz.
    pub frequency: f64,
    /// Sine amplitude, full scale = 1.0.
    pub volume: f64,
    pub muted: bool,
}

impl Default for AudioLoopbackConfig {
    fn default() -> Self {
        AudioLoopbackConfig {
            frequency: 440.0,
            volume: 0.5,
            muted: false,
        }
    }
}

/// A running Opus loopback, mono S16 at 48 kHz at the receiving end.
pub struct AudioLoopback {
    sender: Running,
    receiver: Running,
    appsink: gst_app::AppSink,
    volume: gst::Element,
    port: u16,
}

impl AudioLoopback {
    pub fn start(config: &AudioLoopbackConfig) -> Result<Self, MediaError> {
        init()?;
        require("audio loopback", AUDIO_ELEMENTS)?;

        let receiver = Running::new("audio-receiver");
        let decoding = receive::audio(&receiver, Default::default())?;
        let (appsink, port) =
            plain_receiver(&receiver, receive::opus_caps(PAYLOAD_TYPE), decoding)?;

        let source = make("audiotestsrc")?;
        source.set_property("is-live", true);
        source.set_property("freq", config.frequency);
        source.set_property("volume", config.volume);
        let volume = make("volume")?;
        volume.set_property("mute", config.muted);
        let pay = make("rtpopuspay")?;
        pay.set_property("pt", u32::from(PAYLOAD_TYPE));
        let sender = Running::link(
            "audio-sender",
            &[
                source,
                volume.clone(),
                make("audioconvert")?,
                make("audioresample")?,
                capsfilter(
                    gst::Caps::builder("audio/x-raw")
                        .field("rate", AUDIO_RATE)
                        .field("channels", 1i32)
                        .build(),
                )?,
                make("opusenc")?,
                pay,
                udpsink(SocketAddr::new(LOOPBACK, port))?,
            ],
        )?;
        sender.play()?;
        Ok(AudioLoopback {
            sender,
            receiver,
            appsink,
            volume,
            port,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Mutes or unmutes the microphone side (the stream keeps flowing).
    pub fn set_muted(&self, muted: bool) {
        self.volume.set_property("mute", muted);
    }

    /// The next decoded buffer's samples.
    pub fn next_samples(&self, timeout: Duration) -> Result<Vec<i16>, MediaError> {
        let sample = pull(&self.appsink, timeout, &[&self.sender, &self.receiver])?;
        s16_samples(&sample, &self.receiver)
    }

    /// The level of everything received during `window` (at least one buffer).
    pub fn measure(&self, window: Duration) -> Result<AudioLevel, MediaError> {
        let deadline = Instant::now() + window;
        let mut samples = self.next_samples(window.max(Duration::from_secs(5)))?;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.next_samples(left) {
                Ok(more) => samples.extend(more),
                Err(MediaError::Timeout { .. }) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(AudioLevel::of(&samples))
    }
}

/// udpsrc on a free port of 127.0.0.1 → rtpjitterbuffer → `decoding`,
/// playing; returns its appsink and the port.
fn plain_receiver(
    receiver: &Running,
    caps: gst::Caps,
    decoding: Decoding,
) -> Result<(gst_app::AppSink, u16), MediaError> {
    let src = make("udpsrc")?;
    src.set_property("address", LOOPBACK.to_string());
    src.set_property("port", 0i32);
    src.set_property("caps", caps);
    let jitterbuffer = make("rtpjitterbuffer")?;
    jitterbuffer.set_property("latency", JITTER_MS);
    receiver.add_linked(&[src.clone(), jitterbuffer.clone()])?;
    jitterbuffer
        .link(&decoding.input)
        .map_err(|e| receiver.error(e.to_string()))?;
    receiver.play()?;
    let port = bound_port(receiver, &src)?;
    Ok((decoding.sink, port))
}

fn udpsink(to: SocketAddr) -> Result<gst::Element, MediaError> {
    let sink = make("udpsink")?;
    sink.set_property("host", to.ip().to_string());
    sink.set_property("port", i32::from(to.port()));
    sink.set_property("sync", false);
    sink.set_property("async", false);
    Ok(sink)
}

/// The port udpsrc bound (it writes the ephemeral port back into `port`).
fn bound_port(receiver: &Running, udpsrc: &gst::Element) -> Result<u16, MediaError> {
    let port = udpsrc.property::<i32>("port");
    u16::try_from(port)
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| receiver.error(format!("udpsrc did not report its bound port ({port})")))
}
