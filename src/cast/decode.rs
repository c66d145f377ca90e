//! The decoding chains behind webrtcbin, built before negotiation (a
//! missing decoder is an error of `answer`, not of a streaming thread),
//! and the `pad-added` routing of each incoming stream by its caps.
//!
//! ```text
//! webrtcbin src (H264) → funnel → rtph264depay → h264parse → <h264 decoder> ┐
//! webrtcbin src (VP8)  → funnel → rtpvp8depay → <vp8 decoder> ──────────────┴→ tee → videoconvert → appsink (RGB, newest only)
//!                                                                               └→ content into a meeting (media/content.rs), while shared
//! webrtcbin src (OPUS) → funnel → rtpopusdepay → opusdec → convert → resample → tee → appsink (S16 mono 48 kHz)
//!                                                                                 └→ the speaker
//! anything else        → fakesink
//! ```
//!
//! A funnel takes a second stream of the same kind (a caster that
//! restarted its encoder under a new SSRC).

use std::sync::{Arc, OnceLock};

use gst::prelude::*;

use super::codecs::VideoCodec;
use super::CastConfig;
use crate::media::pipeline::{make, Running};
use crate::media::receive::{self, AudioOut};
use crate::media::voice::Speaker;
use crate::media::MediaError;

/// The chains a cast decodes into.
pub struct Chains {
    pub video: gst_app::AppSink,
    /// The decoded pictures, for content shared into a meeting.
    pub pictures: gst::Element,
    pub audio: Option<gst_app::AppSink>,
    video_in: gst::Element,
    audio_in: Option<gst::Element>,
    codec: VideoCodec,
}

impl Chains {
    /// Adds the video chain for `codec` (and the audio one if `audio`) to
    /// `running`, stopped.
    pub fn build(
        running: &Running,
        codec: VideoCodec,
        audio: bool,
        config: &CastConfig,
    ) -> Result<Self, MediaError> {
        let funnel = make("funnel")?;
        let mut elements = vec![funnel.clone()];
        match codec {
            VideoCodec::H264 => {
                elements.push(depayloader("rtph264depay")?);
                elements.push(make("h264parse")?);
                elements.push(make(&config.h264_decoder)?);
            }
            VideoCodec::Vp8 => {
                elements.push(depayloader("rtpvp8depay")?);
                elements.push(make(&config.vp8_decoder)?);
            }
        }
        let video = gst_app::AppSink::builder()
            .caps(
                &gst_video::VideoCapsBuilder::new()
                    .format(gst_video::VideoFormat::Rgb)
                    .build(),
            )
            // The screen wants the newest picture, never a queue of old ones.
            .max_buffers(1)
            .drop(true)
            .sync(false)
            // Never waits to preroll: the audio must not wait for a picture.
            .async_(false)
            .build();
        let pictures = make("tee")?;
        pictures.set_property("allow-not-linked", true);
        elements.push(pictures.clone());
        elements.push(make("videoconvert")?);
        elements.push(video.clone().upcast());
        running.add_linked(&elements)?;

        let (audio, audio_in) = if audio {
            let speaker = config
                .speaker
                .as_deref()
                .and_then(|s| Speaker::open(s, config.speaker_device.as_deref()));
            let decoding = receive::audio(
                running,
                AudioOut {
                    volume: None,
                    speaker: speaker.as_ref(),
                },
            )?;
            let funnel = make("funnel")?;
            running
                .pipeline()
                .add(&funnel)
                .and_then(|_| funnel.link(&decoding.input))
                .map_err(|e| running.error(e.to_string()))?;
            (Some(decoding.sink), Some(funnel))
        } else {
            (None, None)
        };
        Ok(Chains {
            video,
            pictures,
            audio,
            video_in: funnel,
            audio_in,
            codec,
        })
    }

    /// Where key-frame requests go up the video chain from.
    pub fn video_requests(&self) -> gst::Pad {
        self.video_in
            .static_pad("src")
            .expect("a funnel has a src pad")
    }

    /// Links each stream webrtcbin exposes to its chain; the video codec
    /// that arrived goes into `arrived`.
    pub fn route(
        &self,
        webrtc: &gst::Element,
        pipeline: &gst::Pipeline,
        arrived: Arc<OnceLock<&'static str>>,
    ) {
        let video_in = self.video_in.clone();
        let audio_in = self.audio_in.clone();
        let codec = self.codec;
        let pipeline = pipeline.downgrade();
        webrtc.connect_pad_added(move |_, pad| {
            if pad.direction() != gst::PadDirection::Src {
                return;
            }
            let caps = pad.current_caps().unwrap_or_else(|| pad.query_caps(None));
            let (media, encoding) = caps
                .structure(0)
                .map(|s| {
                    (
                        s.get::<&str>("media").unwrap_or_default().to_string(),
                        s.get::<&str>("encoding-name")
                            .unwrap_or_default()
                            .to_string(),
                    )
                })
                .unwrap_or_default();
            let target = if media == "video" && VideoCodec::from_encoding(&encoding) == Some(codec)
            {
                let _ = arrived.set(codec.name());
                Some(&video_in)
            } else if media == "audio" && encoding.eq_ignore_ascii_case("OPUS") {
                audio_in.as_ref()
            } else {
                None
            };
            let linked = match target {
                Some(funnel) => funnel
                    .request_pad_simple("sink_%u")
                    .is_some_and(|sink| pad.link(&sink).is_ok()),
                None => pipeline.upgrade().is_some_and(|p| drain(&p, pad)),
            };
            if linked {
                tracing::info!(%media, %encoding, pad = %pad.name(), "cast stream arrived");
            } else {
                tracing::warn!(%caps, "cast stream not linked");
            }
        });
    }
}

/// A depayloader that, after a loss nothing recovered, waits for a key
/// frame (no smeared picture) and asks for one at once (webrtcbin sends
/// the PLI or FIR the answer agreed).
fn depayloader(factory: &str) -> Result<gst::Element, MediaError> {
    let depay = make(factory)?;
    for property in ["request-keyframe", "wait-for-keyframe"] {
        if depay.find_property(property).is_some() {
            depay.set_property(property, true);
        }
    }
    Ok(depay)
}

/// A stream the room does not decode still has to flow somewhere.
fn drain(pipeline: &gst::Pipeline, pad: &gst::Pad) -> bool {
    let Ok(sink) = make("fakesink") else {
        return false;
    };
    sink.set_property("async", false);
    sink.set_property("sync", false);
    pipeline.add(&sink).is_ok()
        && sink.sync_state_with_parent().is_ok()
        && sink
            .static_pad("sink")
            .is_some_and(|sink| pad.link(&sink).is_ok())
}
