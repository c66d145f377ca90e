//! The answer to an offer, built and printed by GStreamer's SDP library.

use std::net::IpAddr;

use super::{AudioOffer, Feedback, Line, Offer, VideoOffer};
use crate::media::AudioCodec;

/// Where the focus receives a call's media.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    pub ip: IpAddr,
    pub video_port: u16,
    pub audio_port: u16,
    /// Where shared content is received, while the caller shares.
    pub content_port: Option<u16>,
    /// Where content leaves for a caller that receives it apart.
    pub content_out_port: Option<u16>,
}

/// The answer to `offer`: our address and ports, the chosen formats, the
/// offer's media lines in order. Built and printed by GStreamer's SDP
/// library, as the offer was read.
pub fn answer(offer: &Offer, local: Local, session_id: u64) -> String {
    answer_version(offer, local, session_id, 1)
}

/// The answer to a later offer in the same session (a re-INVITE's):
/// `o=`'s version says the session changed (RFC 3264 §8).
pub fn answer_version(offer: &Offer, local: Local, session_id: u64, version: u32) -> String {
    let family = if local.ip.is_ipv6() { "IP6" } else { "IP4" };
    let ip = local.ip.to_string();
    // `t=0 0` comes parsed: the binding's `add_time` hands GStreamer an
    // empty repeat list, which it then prints as an `r=` line and crashes.
    let Ok(mut message) = gst_sdp::SDPMessage::parse_buffer(b"v=0\r\nt=0 0\r\n") else {
        return String::new();
    };
    message.set_origin(
        "roomcloud",
        &session_id.to_string(),
        &version.to_string(),
        "IN",
        family,
        &ip,
    );
    message.set_session_name("roomcloud");
    message.set_connection("IN", family, &ip, 0, 0);
    for line in &offer.lines {
        let media = match line {
            Line::Audio => match &offer.audio {
                Some(audio) => audio_answer(audio, local.audio_port),
                None => continue,
            },
            Line::Video => match &offer.video {
                Some(video) => video_answer(video, local.video_port),
                None => continue,
            },
            Line::Content => match content_line(offer, local) {
                Some(line) => line,
                None => continue,
            },
            Line::Refused {
                media,
                proto,
                format,
            } => {
                let mut refused = media_line(media, 0, proto);
                refused.add_format(format);
                refused
            }
        };
        message.add_media(media);
    }
    message.as_text().unwrap_or_else(|err| {
        tracing::error!(%err, "the SDP answer does not print");
        String::new()
    })
}

/// `m=<media> <port> <proto>`, formats to be added.
fn media_line(media: &str, port: u16, proto: &str) -> gst_sdp::SDPMedia {
    let mut line = gst_sdp::SDPMedia::new();
    line.set_media(media);
    line.set_port_info(u32::from(port), 1);
    line.set_proto(proto);
    line
}

fn audio_answer(audio: &AudioOffer, port: u16) -> gst_sdp::SDPMedia {
    let pt = audio.pt;
    let mut line = media_line("audio", port, "RTP/AVP");
    line.add_format(&pt.to_string());
    if let Some((event, _)) = audio.telephone_event {
        line.add_format(&event.to_string());
    }
    line.add_attribute("rtcp", Some(&(port + 1).to_string()));
    match audio.codec {
        AudioCodec::Opus => {
            line.add_attribute("rtpmap", Some(&format!("{pt} opus/48000/2")));
            line.add_attribute("fmtp", Some(&format!("{pt} useinbandfec=1")));
        }
        AudioCodec::Pcmu => line.add_attribute("rtpmap", Some(&format!("{pt} PCMU/8000"))),
        AudioCodec::Pcma => line.add_attribute("rtpmap", Some(&format!("{pt} PCMA/8000"))),
    }
    // Keypad presses: the meeting password in the waiting room.
    if let Some((event, rate)) = audio.telephone_event {
        let rtpmap = format!("{event} telephone-event/{rate}");
        line.add_attribute("rtpmap", Some(&rtpmap));
        line.add_attribute("fmtp", Some(&format!("{event} 0-15")));
    }
    line.add_attribute("sendrecv", None);
    line
}

/// The content line's answer: received from a sharer, sent to a
/// watcher, or refused (as RFC 3264 refuses a line) when it could not be
/// set up.
fn content_line(offer: &Offer, local: Local) -> Option<gst_sdp::SDPMedia> {
    let (content, port, direction) = match (&offer.content, &offer.content_watch) {
        (Some(content), _) => (content, local.content_port, "recvonly"),
        (None, Some(watch)) => (watch, local.content_out_port, "sendonly"),
        (None, None) => return None,
    };
    let Some(port) = port else {
        let mut refused = media_line("video", 0, "RTP/AVP");
        refused.add_format(&content.pt.to_string());
        return Some(refused);
    };
    let mut line = video_line(content, port);
    line.add_attribute("content", Some("slides"));
    line.add_attribute(direction, None);
    Some(line)
}

fn video_answer(video: &VideoOffer, port: u16) -> gst_sdp::SDPMedia {
    let mut line = video_line(video, port);
    line.add_attribute("sendrecv", None);
    line
}

/// An H.264 line as `video` asked for it; its direction to be added.
fn video_line(video: &VideoOffer, port: u16) -> gst_sdp::SDPMedia {
    let pt = video.pt;
    let mut line = media_line("video", port, "RTP/AVP");
    line.add_format(&pt.to_string());
    if let Some(rtx) = video.rtx_pt {
        line.add_format(&rtx.to_string());
    }
    line.add_bandwidth("AS", video.class.spec().bitrate_kbps);
    line.add_attribute("rtcp", Some(&(port + 1).to_string()));
    line.add_attribute("rtpmap", Some(&format!("{pt} H264/90000")));
    let fmtp = format!(
        "{pt} packetization-mode=1;profile-level-id={}",
        video.class.profile_level_id()
    );
    line.add_attribute("fmtp", Some(&fmtp));
    let Feedback { nack, pli, fir } = video.feedback;
    for (wanted, kind) in [(nack, "nack"), (pli, "nack pli"), (fir, "ccm fir")] {
        if wanted {
            line.add_attribute("rtcp-fb", Some(&format!("{pt} {kind}")));
        }
    }
    if let Some(rtx) = video.rtx_pt {
        line.add_attribute("rtpmap", Some(&format!("{rtx} rtx/90000")));
        line.add_attribute("fmtp", Some(&format!("{rtx} apt={pt}")));
    }
    line
}
