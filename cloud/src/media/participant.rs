//! One participant's media in the conference pipeline: its RTP leg
//! (`roomterm-rtp`: rtpbin, RTCP, NACK/RTX, key-frame requests) and the
//! chains on either side of it.
//!
//! ```text
//! in:  leg session 1 → rtph264depay → <decoder> → videoconvert → textoverlay (its name) → tee (→ each view's compositor, view.rs)
//!      leg session 0 → depay → decoder → audioconvert → audioresample → caps → tee (→ the others' mixers)
//! out: silence + the others' tees → audiomixer → audioconvert → audioresample → caps → encoder → payloader → leg session 0
//!      its class's tee → queue → leg session 1 (encoders.rs)
//! ```

use gst::prelude::*;
use roomterm_rtp::{MediumSpec, Remote, Rtp};

use super::config::MediaBind;
use super::elements::{
    add_linked, capsfilter, link_to_request, make, start_at_first_input, MediaError,
};

// Opus and the mixers run at 48 kHz mono, the format both sides share.
pub(super) use roomterm_rtp::{mono_s16_caps as mono_s16, AUDIO_RATE};
/// rtpbin's sessions in each leg.
pub(super) const AUDIO: u32 = 0;
pub(super) const VIDEO: u32 = 1;
/// How long the jitter buffers wait for a late or lost packet, ms: video
/// long enough for a lost retransmission to be asked for again (as the
/// terminal's; `./run bench loss` measured why). In-order packets pass at
/// once, so a clean network never waits.
const VIDEO_LATENCY_MS: u32 = 300;
const AUDIO_LATENCY_MS: u32 = 60;
const AUDIO_KBPS: u32 = 64;

pub type ParticipantId = u64;

/// The audio codec a participant speaks (the offer/answer settles it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    Opus,
    /// G.711 µ-law, for endpoints without Opus.
    Pcmu,
    /// G.711 A-law.
    Pcma,
}

impl AudioCodec {
    /// RTP clock rate, `encoding-name`, depayloader, decoder, encoder,
    /// payloader.
    pub(super) fn elements(self) -> (i32, &'static str, [&'static str; 4]) {
        match self {
            Self::Opus => (
                AUDIO_RATE,
                "OPUS",
                ["rtpopusdepay", "opusdec", "opusenc", "rtpopuspay"],
            ),
            Self::Pcmu => (
                8_000,
                "PCMU",
                ["rtppcmudepay", "mulawdec", "mulawenc", "rtppcmupay"],
            ),
            Self::Pcma => (
                8_000,
                "PCMA",
                ["rtppcmadepay", "alawdec", "alawenc", "rtppcmapay"],
            ),
        }
    }

    /// Mixed mono sound → RTP with payload type `pt`: converter,
    /// resampler to the codec's rate, encoder, and the payloader last.
    pub(super) fn encoding(self, pt: u8) -> Result<Vec<gst::Element>, MediaError> {
        let (rate, _, [_, _, encoder, payloader]) = self.elements();
        let pay = make(payloader)?;
        pay.set_property("pt", u32::from(pt));
        Ok(vec![
            make("audioconvert")?,
            make("audioresample")?,
            capsfilter(
                gst::Caps::builder("audio/x-raw")
                    .field("rate", rate)
                    .field("channels", 1i32)
                    .build(),
            )?,
            make(encoder)?,
            pay,
        ])
    }
}

/// What one participant receives: picture size and bit rate (from the
/// negotiated resolution class).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClassSpec {
    pub width: u32,
    pub height: u32,
    pub bitrate_kbps: u32,
}

/// A participant as the call's offer/answer settled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantSpec {
    pub id: ParticipantId,
    /// Where the participant wants our video (`None`: an audio-only
    /// caller, e.g. a phone: it hears the meeting and is heard, but has
    /// no picture and receives none) and audio, RTP and RTCP.
    pub video_to: Option<Remote>,
    pub audio_to: Remote,
    /// Dynamic payload types, the same both ways.
    pub video_pt: u8,
    pub audio_pt: u8,
    /// RFC 4588 retransmission of video, both ways (`None`: the caller
    /// did not offer it; lost packets then cost a key frame).
    pub video_rtx_pt: Option<u8>,
    pub audio_codec: AudioCodec,
    pub class: ClassSpec,
    /// Receive on these ports (a waiting room held them, and the answer
    /// named them); `None`: free ones.
    pub ports: Option<MediaPorts>,
    /// The site's name, drawn on its picture wherever it is shown.
    pub name: String,
}

/// Where the participant sends its media to us (RTP; RTCP on the next
/// port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaPorts {
    /// `None` for an audio-only participant.
    pub video: Option<u16>,
    pub audio: u16,
}

/// A chain added to the pipeline (stopped), upstream first, and the
/// element where it meets the rest of the conference: the tee of the
/// participant's picture or sound, its mixer.
pub(super) struct Chain<End> {
    pub elements: Vec<gst::Element>,
    pub end: End,
}

/// The participant's pictures: its leg's video session → a tee each
/// view takes them from.
pub(super) fn video_input(
    pipeline: &gst::Pipeline,
    rtp: &Rtp,
    spec: &ParticipantSpec,
    bind: MediaBind,
    decoder: &str,
) -> Result<(Chain<gst::Element>, u16), MediaError> {
    let depay = make("rtph264depay")?;
    // A picture nothing could repair is not composed: wait for the key
    // frame the depayloader asks for at once.
    depay.set_property("wait-for-keyframe", true);
    depay.set_property("request-keyframe", true);
    let tee = make("tee")?;
    tee.set_property("allow-not-linked", true);
    let mut elements = vec![depay.clone(), make(decoder)?, make("videoconvert")?];
    elements.extend(name_label(&spec.name));
    elements.push(tee.clone());
    add_linked(pipeline, &elements)?;
    let medium = MediumSpec {
        session: VIDEO,
        caps: roomterm_rtp::h264_caps(spec.video_pt),
        pt: spec.video_pt,
        rtx_pt: spec.video_rtx_pt,
        latency_ms: VIDEO_LATENCY_MS,
        bandwidth_kbps: spec.class.bitrate_kbps,
        key_frames: true,
        port: spec.ports.and_then(|p| p.video),
        port_range: bind.ports,
    };
    let port = rtp
        .receive(medium, bind.ip, &depay)
        .map_err(|e| MediaError::Pipeline(e.to_string()))?;
    Ok((Chain { elements, end: tee }, port))
}

/// The factory that draws a site's name on its picture.
pub(super) const LABEL: &str = "textoverlay";

/// The site's name at the bottom left of its picture, on a shaded band, in
/// a font with CJK glyphs; sized with the picture, so it stays in
/// proportion in any tile. `None` (and a warning) where the Pango plugin
/// is missing: the pictures are composed unnamed.
fn name_label(name: &str) -> Option<gst::Element> {
    let label = match make(LABEL) {
        Ok(label) => label,
        Err(err) => {
            tracing::warn!(%err, "site names are not drawn (gstreamer1.0-x is missing)");
            return None;
        }
    };
    label.set_property("text", gst::glib::markup_escape_text(name).as_str());
    label.set_property("font-desc", "Noto Sans CJK SC, Sans 14");
    label.set_property_from_str("halignment", "left");
    label.set_property_from_str("valignment", "bottom");
    label.set_property("xpad", 8i32);
    label.set_property("ypad", 6i32);
    label.set_property("shaded-background", true);
    label.set_property("shading-value", 160u32);
    label.set_property("draw-shadow", false);
    label.set_property("draw-outline", false);
    Some(label)
}

/// The participant's sound: its leg's audio session → a gate (`volume`,
/// the element before the tee) → a tee the others' mixes take it from.
pub(super) fn audio_input(
    pipeline: &gst::Pipeline,
    rtp: &Rtp,
    spec: &ParticipantSpec,
    bind: MediaBind,
) -> Result<(Chain<gst::Element>, u16), MediaError> {
    let (rate, name, [depay, decoder, _, _]) = spec.audio_codec.elements();
    let depay = make(depay)?;
    let tee = make("tee")?;
    tee.set_property("allow-not-linked", true);
    // The host's mute: silence from here on, so the participant is in no
    // mix and never the speaker, whatever its endpoint sends.
    let gate = make("volume")?;
    let elements = vec![
        depay.clone(),
        make(decoder)?,
        make("audioconvert")?,
        make("audioresample")?,
        capsfilter(mono_s16())?,
        gate,
        tee.clone(),
    ];
    add_linked(pipeline, &elements)?;
    let medium = MediumSpec {
        session: AUDIO,
        caps: roomterm_rtp::audio_caps(name, rate, spec.audio_pt),
        pt: spec.audio_pt,
        rtx_pt: None,
        latency_ms: AUDIO_LATENCY_MS,
        bandwidth_kbps: AUDIO_KBPS,
        key_frames: false,
        port: spec.ports.map(|p| p.audio),
        port_range: bind.ports,
    };
    let port = rtp
        .receive(medium, bind.ip, &depay)
        .map_err(|e| MediaError::Pipeline(e.to_string()))?;
    Ok((Chain { elements, end: tee }, port))
}

/// The participant's mix (everyone else; silence keeps it clocked when
/// nobody else is there) → its leg's audio session.
pub(super) fn audio_output(
    pipeline: &gst::Pipeline,
    rtp: &Rtp,
    spec: &ParticipantSpec,
    mixer_latency_ns: u64,
) -> Result<Chain<gst::Element>, MediaError> {
    let silence = make("audiotestsrc")?;
    silence.set_property("is-live", true);
    silence.set_property_from_str("wave", "silence");
    let silence_caps = capsfilter(mono_s16())?;
    let mixer = make("audiomixer")?;
    mixer.set_property("latency", mixer_latency_ns);
    start_at_first_input(&mixer);
    let encoding = spec.audio_codec.encoding(spec.audio_pt)?;
    let pay = encoding.last().expect("a payloader ends the chain").clone();
    let mut chain = vec![mixer.clone()];
    chain.extend(encoding);
    add_linked(pipeline, &chain)?;
    add_linked(pipeline, &[silence.clone(), silence_caps.clone()])?;
    link_to_request(&silence_caps, &mixer)?;
    rtp.send(AUDIO, spec.audio_to, Some(&pay))
        .map_err(|e| MediaError::Pipeline(e.to_string()))?;
    let mut elements = vec![silence, silence_caps];
    elements.extend(chain);
    Ok(Chain {
        elements,
        end: mixer,
    })
}
