//! SDP offer/answer for meeting calls (RFC 3264), on GStreamer's SDP
//! library. The focus answers what the caller offered: H.264 with
//! packetization-mode 1 for video, Opus (else PCMU, else PCMA) for audio,
//! media lines in the offer's order, refused ones with port 0. The video
//! class comes from the offer's bandwidth and H.264 level, as the bandwidth
//! table says: 4CIF at 512 kbit/s, 720p at 1 Mbit/s, 1080p at 2 Mbit/s.
//!
//! RTCP feedback (RFC 4585) is answered with what the offer asked for of
//! `nack`, `nack pli` and `ccm fir`; an RFC 4588 `rtx` payload type for the
//! chosen H.264 one is taken when the offer also asks for `nack`. RTCP goes
//! where the offer's `a=rtcp` (RFC 3605) says, else to the next port; the
//! answer names ours.
//!
//! Reading the offer is here; writing the answer is `answer.rs`.

mod answer;
mod size_request;

use std::net::{IpAddr, SocketAddr};

use crate::media::{AudioCodec, ClassSpec, Remote};
pub use answer::{answer, answer_version, Local};
pub use size_request::size_request;

/// The resolution classes of the bandwidth table (30 fps each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VideoClass {
    Cif4,
    Hd720,
    Hd1080,
}

impl VideoClass {
    pub fn spec(self) -> ClassSpec {
        let (width, height, bitrate_kbps) = match self {
            Self::Cif4 => (704, 576, 512),
            Self::Hd720 => (1280, 720, 1024),
            Self::Hd1080 => (1920, 1080, 2048),
        };
        ClassSpec {
            width,
            height,
            bitrate_kbps,
        }
    }

    /// The highest class `kbps` of video pays for.
    fn for_bandwidth(kbps: u32) -> Self {
        match kbps {
            2000.. => Self::Hd1080,
            1000.. => Self::Hd720,
            _ => Self::Cif4,
        }
    }

    /// The highest class an H.264 level decodes (`level_idc` ×10).
    fn for_level(level_idc: u8) -> Self {
        match level_idc {
            40.. => Self::Hd1080,
            31.. => Self::Hd720,
            _ => Self::Cif4,
        }
    }

    /// `profile-level-id` of our answer: constrained baseline at the
    /// class's level (3.0, 3.1, 4.0).
    fn profile_level_id(self) -> &'static str {
        match self {
            Self::Cif4 => "42e01e",
            Self::Hd720 => "42e01f",
            Self::Hd1080 => "42e028",
        }
    }
}

/// The RTCP feedback an offer asks for on its H.264 format.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Feedback {
    pub nack: bool,
    pub pli: bool,
    pub fir: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoOffer {
    pub to: Remote,
    pub pt: u8,
    pub class: VideoClass,
    pub feedback: Feedback,
    /// The retransmission payload type (with `nack`), if offered.
    pub rtx_pt: Option<u8>,
    /// The caller sends the picture size asked of it (RFC 6236
    /// `a=imageattr` with a `send` part on its camera's line): the focus
    /// asks for no more than its largest tile (`focus/sizing.rs`).
    pub sizes_on_request: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudioOffer {
    pub to: Remote,
    pub pt: u8,
    pub codec: AudioCodec,
    /// RFC 4733 telephone-events (keypad presses): payload type and clock
    /// rate, if offered.
    pub telephone_event: Option<(u8, u32)>,
}

/// One `m=` line of the offer, as the answer must mirror it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Video,
    Audio,
    /// Content (RFC 4796 `a=content:slides`) the caller sends us, or
    /// receives from us.
    Content,
    /// Another media type, or one we cannot take: answered with port 0.
    Refused {
        media: String,
        proto: String,
        format: String,
    },
}

/// What the caller offered that the focus can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offer {
    pub video: Option<VideoOffer>,
    pub audio: Option<AudioOffer>,
    /// A second video stream of content (slides, a screen) the caller
    /// shares, when its line is live and sends (`sendonly`, `sendrecv`).
    pub content: Option<VideoOffer>,
    /// A content line the caller only receives (`recvonly`): it takes
    /// shared content as a stream of its own, beside the people.
    pub content_watch: Option<VideoOffer>,
    lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("the body is not SDP: {0}")]
    Unparseable(String),
    #[error(
        "no audio or video the conference can take (H.264 packetization-mode 1, Opus, PCMU, PCMA)"
    )]
    NothingAcceptable,
}

/// Reads an offer. `max_class` caps the video class (the conference's).
pub fn read_offer(body: &[u8], max_class: VideoClass) -> Result<Offer, SdpError> {
    // gstreamer-sdp's accessors unwrap UTF-8 (a peer's bad bytes would
    // panic), and the C parser may cut long fields mid-character: nothing
    // we read is outside ASCII, so everything else becomes '?'.
    let ascii: Vec<u8> = body
        .iter()
        .map(|&b| if b.is_ascii() { b } else { b'?' })
        .collect();
    if ascii.is_empty() {
        // The C parser asserts on an empty buffer (a critical on stderr).
        return Err(SdpError::Unparseable("empty".into()));
    }
    let sdp = gst_sdp::SDPMessage::parse_buffer(&ascii)
        .map_err(|e| SdpError::Unparseable(e.to_string()))?;
    if sdp.version().is_none() || sdp.medias_len() == 0 {
        return Err(SdpError::Unparseable("no version or no media line".into()));
    }
    let session_addr = sdp
        .connection()
        .and_then(|c| c.address())
        .map(str::to_string);
    let session_kbps = bandwidth_kbps((0..sdp.bandwidths_len()).filter_map(|i| sdp.bandwidth(i)));
    let mut offer = Offer {
        video: None,
        audio: None,
        content: None,
        content_watch: None,
        lines: Vec::new(),
    };
    for i in 0..sdp.medias_len() {
        let Some(media) = sdp.media(i) else { continue };
        let kind = media.media().unwrap_or_default().to_string();
        let proto = media.proto().unwrap_or_default().to_string();
        let format = media.format(0).unwrap_or("0").to_string();
        let refused = Line::Refused {
            media: kind.clone(),
            proto: proto.clone(),
            format,
        };
        let addr = media
            .connection(0)
            .and_then(|c| c.address())
            .map(str::to_string)
            .or_else(|| session_addr.clone())
            .and_then(|a| a.parse::<IpAddr>().ok());
        let port = u16::try_from(media.port()).unwrap_or(0);
        let usable = proto == "RTP/AVP" || proto == "RTP/AVPF";
        let (Some(ip), true, true) = (addr, port != 0, usable) else {
            offer.lines.push(refused);
            continue;
        };
        let to = Remote::new(SocketAddr::new(ip, port), rtcp_address(media, ip));
        if kind == "video" && is_slides(media) {
            // Content we receive, up to 1080p whatever the meeting's class
            // (text wants the pixels more than the frames); one line only.
            let first = offer.content.is_none() && offer.content_watch.is_none();
            match pick_h264(media).filter(|_| first) {
                Some((pt, level)) if sends(media) => {
                    let feedback = feedback(media, pt);
                    offer.content = Some(VideoOffer {
                        to,
                        pt,
                        class: level.map_or(VideoClass::Hd1080, VideoClass::for_level),
                        feedback,
                        rtx_pt: rtx_for(media, pt).filter(|_| feedback.nack),
                        sizes_on_request: false,
                    });
                    offer.lines.push(Line::Content);
                }
                // Content it receives: the sharer's as it came, with the
                // key frames it asks for (no retransmission on this leg).
                Some((pt, _)) if receives(media) => {
                    offer.content_watch = Some(VideoOffer {
                        to,
                        pt,
                        class: VideoClass::Hd1080,
                        feedback: Feedback {
                            nack: false,
                            ..feedback(media, pt)
                        },
                        rtx_pt: None,
                        sizes_on_request: false,
                    });
                    offer.lines.push(Line::Content);
                }
                _ => offer.lines.push(refused),
            }
            continue;
        }
        match kind.as_str() {
            "video" if offer.video.is_none() => match pick_h264(media) {
                Some((pt, level)) => {
                    let kbps = bandwidth_kbps(media.bandwidths()).or(session_kbps);
                    let by_bandwidth = kbps.map_or(max_class, VideoClass::for_bandwidth);
                    let by_level = level.map_or(max_class, VideoClass::for_level);
                    let class = max_class.min(by_bandwidth).min(by_level);
                    let feedback = feedback(media, pt);
                    let rtx_pt = rtx_for(media, pt).filter(|_| feedback.nack);
                    offer.video = Some(VideoOffer {
                        to,
                        pt,
                        class,
                        feedback,
                        rtx_pt,
                        sizes_on_request: sends_sizes_asked(media, pt),
                    });
                    offer.lines.push(Line::Video);
                }
                None => offer.lines.push(refused),
            },
            "audio" if offer.audio.is_none() => match pick_audio(media) {
                Some((pt, codec)) => {
                    let telephone_event = rtpmaps(media)
                        .into_iter()
                        .find(|(p, name, _)| {
                            name == "TELEPHONE-EVENT" && media.formats().any(|f| f == p.to_string())
                        })
                        .map(|(p, _, rate)| (p, rate));
                    offer.audio = Some(AudioOffer {
                        to,
                        pt,
                        codec,
                        telephone_event,
                    });
                    offer.lines.push(Line::Audio);
                }
                None => offer.lines.push(refused),
            },
            _ => offer.lines.push(refused),
        }
    }
    if offer.video.is_none() && offer.audio.is_none() {
        return Err(SdpError::NothingAcceptable);
    }
    Ok(offer)
}

/// RFC 4796: the line carries slides (`a=content:slides`, maybe among
/// other values).
fn is_slides(media: &gst_sdp::SDPMediaRef) -> bool {
    media.attribute_val("content").is_some_and(|v| {
        v.split(',')
            .any(|c| c.trim().eq_ignore_ascii_case("slides"))
    })
}

/// RFC 6236: an `a=imageattr` for `pt` (or every format, `*`) with a
/// `send` part — the caller sends what a re-INVITE's `recv` asks for.
fn sends_sizes_asked(media: &gst_sdp::SDPMediaRef, pt: u8) -> bool {
    media
        .attributes()
        .filter(|a| a.key() == "imageattr")
        .filter_map(|a| a.value())
        .any(|value| {
            let mut words = value.split_whitespace();
            let applies = words
                .next()
                .is_some_and(|p| p == "*" || p.parse() == Ok(pt));
            applies && words.any(|w| w == "send")
        })
}

/// The line's direction lets the caller send (`sendrecv` when unsaid).
fn sends(media: &gst_sdp::SDPMediaRef) -> bool {
    !media
        .attributes()
        .any(|a| matches!(a.key(), "recvonly" | "inactive"))
}

/// The line's direction lets the caller receive (`sendrecv` when unsaid).
fn receives(media: &gst_sdp::SDPMediaRef) -> bool {
    !media
        .attributes()
        .any(|a| matches!(a.key(), "sendonly" | "inactive"))
}

/// `b=AS` (kbit/s) or `b=TIAS` (bit/s), whichever is given.
fn bandwidth_kbps<'a>(lines: impl Iterator<Item = &'a gst_sdp::SDPBandwidth>) -> Option<u32> {
    let mut best = None;
    for line in lines {
        match line.bwtype() {
            Some("AS") => best = Some(line.value()),
            Some("TIAS") if best.is_none() => best = Some(line.value() / 1000),
            _ => {}
        }
    }
    best
}

/// Where the offer wants RTCP: `a=rtcp:<port> [IN IP4 <address>]`.
fn rtcp_address(media: &gst_sdp::SDPMediaRef, media_ip: IpAddr) -> Option<SocketAddr> {
    let value = media.attribute_val("rtcp")?;
    let mut parts = value.split_whitespace();
    let port: u16 = parts.next()?.parse().ok().filter(|p| *p != 0)?;
    let ip = parts
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(media_ip);
    Some(SocketAddr::new(ip, port))
}

/// The `a=rtcp-fb` the offer gives `pt` (or every format, `*`).
fn feedback(media: &gst_sdp::SDPMediaRef, pt: u8) -> Feedback {
    let mut feedback = Feedback::default();
    for value in media
        .attributes()
        .filter(|a| a.key() == "rtcp-fb")
        .filter_map(|a| a.value())
    {
        let mut words = value.split_whitespace();
        let applies = words
            .next()
            .is_some_and(|p| p == "*" || p.parse::<u8>() == Ok(pt));
        if !applies {
            continue;
        }
        match (words.next(), words.next()) {
            (Some("nack"), None) => feedback.nack = true,
            (Some("nack"), Some("pli")) => feedback.pli = true,
            (Some("ccm"), Some("fir")) => feedback.fir = true,
            _ => {}
        }
    }
    feedback
}

/// The `rtx/90000` payload type whose `apt` is `pt`.
fn rtx_for(media: &gst_sdp::SDPMediaRef, pt: u8) -> Option<u8> {
    let maps = rtpmaps(media);
    media.formats().find_map(|format| {
        let rtx: u8 = format.parse().ok()?;
        let (_, name, rate) = maps.iter().find(|(p, _, _)| *p == rtx)?;
        if name != "RTX" || *rate != 90_000 {
            return None;
        }
        let apt: u8 = fmtp_param(fmtp(media, rtx)?, "apt")?.parse().ok()?;
        (apt == pt).then_some(rtx)
    })
}

/// `(payload type, codec name, clock rate)` of each `a=rtpmap`.
fn rtpmaps(media: &gst_sdp::SDPMediaRef) -> Vec<(u8, String, u32)> {
    media
        .attributes()
        .filter(|a| a.key() == "rtpmap")
        .filter_map(|a| {
            let (pt, rest) = a.value()?.split_once(' ')?;
            let mut parts = rest.split('/');
            let name = parts.next()?.to_ascii_uppercase();
            let rate = parts.next()?.trim().parse().ok()?;
            Some((pt.trim().parse().ok()?, name, rate))
        })
        .collect()
}

fn fmtp(media: &gst_sdp::SDPMediaRef, pt: u8) -> Option<&str> {
    media
        .attributes()
        .filter(|a| a.key() == "fmtp")
        .filter_map(|a| a.value())
        .find_map(|v| {
            let (p, params) = v.split_once(' ')?;
            (p.trim().parse::<u8>().ok()? == pt).then_some(params)
        })
}

/// The value of `key` among `a=fmtp` parameters (`k=v;k=v`), whose
/// names are case-insensitive (RFC 4566 §6).
fn fmtp_param<'a>(params: &'a str, key: &str) -> Option<&'a str> {
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case(key).then_some(v.trim())
    })
}

/// The first H.264 format with packetization-mode 1 in the offer's order
/// of preference, with its level (`level_idc`) if it names one.
fn pick_h264(media: &gst_sdp::SDPMediaRef) -> Option<(u8, Option<u8>)> {
    let maps = rtpmaps(media);
    media.formats().find_map(|format| {
        let pt: u8 = format.parse().ok()?;
        let (_, name, rate) = maps.iter().find(|(p, _, _)| *p == pt)?;
        if name != "H264" || *rate != 90_000 {
            return None;
        }
        let params = fmtp(media, pt).unwrap_or_default();
        if fmtp_param(params, "packetization-mode") != Some("1") {
            return None;
        }
        let level = fmtp_param(params, "profile-level-id")
            .filter(|id| id.len() == 6)
            .and_then(|id| u8::from_str_radix(&id[4..6], 16).ok());
        Some((pt, level))
    })
}

/// Opus first, then G.711 in the offer's order (static 0 and 8 need no
/// rtpmap).
fn pick_audio(media: &gst_sdp::SDPMediaRef) -> Option<(u8, AudioCodec)> {
    let maps = rtpmaps(media);
    let formats: Vec<u8> = media.formats().filter_map(|f| f.parse().ok()).collect();
    let named = |wanted: &str, rate: u32| {
        formats.iter().copied().find(|pt| {
            maps.iter()
                .any(|(p, name, r)| p == pt && name == wanted && *r == rate)
        })
    };
    if let Some(pt) = named("OPUS", 48_000) {
        return Some((pt, AudioCodec::Opus));
    }
    // Between the two G.711 laws, the offer's order decides (RFC 3264 §6.1).
    formats.iter().find_map(|&pt| {
        let name = maps
            .iter()
            .find(|(p, _, r)| *p == pt && *r == 8_000)
            .map(|(_, name, _)| name.as_str());
        match (pt, name) {
            (_, Some("PCMU")) | (0, None) => Some((pt, AudioCodec::Pcmu)),
            (_, Some("PCMA")) | (8, None) => Some((pt, AudioCodec::Pcma)),
            _ => None,
        }
    })
}

/// Whether `text` parses as SDP with at least one media line (the fuzz
/// target's and the tests' check on answers).
pub fn reparses(text: &str) -> bool {
    !text.is_empty()
        && gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).is_ok_and(|m| m.medias_len() > 0)
}

#[cfg(test)]
mod tests;
