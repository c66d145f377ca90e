//! The terminal's side of SDP (RFC 3264), pure: the offer (or, mirroring
//! an offer's payload types, the answer) for its call media, and where the
//! far end's SDP says to send. The cloud and other rooms answer with one
//! `c=` line and one `m=` line per medium, which is all this reads.
//!
//! Video carries RTCP feedback (RFC 4585: `nack`, `nack pli`, `ccm fir`)
//! and, when both ends name one, an RFC 4588 retransmission payload type
//! (`rtx`, `apt=` the H.264 one). RTCP goes to the port after RTP unless
//! `a=rtcp` (RFC 3605) names another.

use std::net::{IpAddr, SocketAddr};

use roomterm_rtp::Remote;

/// Our media as the SDP describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalMedia {
    pub ip: IpAddr,
    /// RTP ports; RTCP is on the next one.
    pub video_port: u16,
    pub audio_port: u16,
    pub video_pt: u8,
    pub audio_pt: u8,
    /// Retransmission for video (`None`: no NACK/RTX).
    pub video_rtx_pt: Option<u8>,
    pub kbps: u32,
    /// A content line to receive shared content on, apart from the
    /// people (RFC 4796; a meeting's offer): its RTP port and H.264
    /// payload type.
    pub content: Option<(u16, u8)>,
}

/// Opus and H.264 (packetization-mode 1) at the class's level and bit
/// rate, received at `ip` on the given ports.
pub fn offer(local: &LocalMedia) -> String {
    let LocalMedia {
        ip,
        video_port,
        audio_port,
        video_pt,
        audio_pt,
        video_rtx_pt,
        kbps,
        content,
    } = *local;
    let family = if ip.is_ipv6() { "IP6" } else { "IP4" };
    let level = match kbps {
        2000.. => "42e028",
        1000.. => "42e01f",
        _ => "42e01e",
    };
    let formats = match video_rtx_pt {
        Some(rtx) => format!("{video_pt} {rtx}"),
        None => video_pt.to_string(),
    };
    let mut sdp = format!(
        "v=0\r\no=roomterm {session} 1 IN {family} {ip}\r\ns=roomterm\r\nc=IN {family} {ip}\r\nt=0 0\r\n\
         m=audio {audio_port} RTP/AVP {audio_pt}\r\na=rtpmap:{audio_pt} opus/48000/2\r\n\
         a=fmtp:{audio_pt} useinbandfec=1\r\na=rtcp:{audio_rtcp}\r\na=sendrecv\r\n\
         m=video {video_port} RTP/AVP {formats}\r\nb=AS:{kbps}\r\na=rtpmap:{video_pt} H264/90000\r\n\
         a=fmtp:{video_pt} packetization-mode=1;profile-level-id={level}\r\n\
         a=rtcp-fb:{video_pt} nack\r\na=rtcp-fb:{video_pt} nack pli\r\na=rtcp-fb:{video_pt} ccm fir\r\n",
        session = rand::random::<u32>(),
        audio_rtcp = audio_port.wrapping_add(1),
    );
    if let Some(rtx) = video_rtx_pt {
        sdp.push_str(&format!(
            "a=rtpmap:{rtx} rtx/90000\r\na=fmtp:{rtx} apt={video_pt}\r\n"
        ));
    }
    sdp.push_str(&format!(
        "a=rtcp:{}\r\na=sendrecv\r\n",
        video_port.wrapping_add(1)
    ));
    if let Some((port, pt)) = content {
        // Content up to 1080p (level 4.0), received only; key frames
        // asked for as for the camera.
        sdp.push_str(&format!(
            "m=video {port} RTP/AVP {pt}\r\na=rtpmap:{pt} H264/90000\r\n\
             a=fmtp:{pt} packetization-mode=1;profile-level-id=42e028\r\n\
             a=rtcp-fb:{pt} nack pli\r\na=rtcp-fb:{pt} ccm fir\r\n\
             a=rtcp:{rtcp}\r\na=content:slides\r\na=recvonly\r\n",
            rtcp = port.wrapping_add(1),
        ));
    }
    sdp
}

/// The payload types an offer gives H.264, Opus and H.264's retransmission,
/// to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfferedPayloads {
    pub video: u8,
    pub audio: u8,
    /// Only with the offer's `nack` feedback for that H.264 format.
    pub video_rtx: Option<u8>,
}

/// The payload types of an offer: H.264 (packetization mode 1, or the
/// default mode if that is all it has) and Opus; `None` when either is
/// missing.
pub fn offered_payloads(offer: &str) -> Option<OfferedPayloads> {
    let mut h264: Vec<u8> = Vec::new();
    let mut opus = None;
    let mut mode1 = Vec::new();
    for line in offer.lines().map(str::trim) {
        if let Some((pt, codec)) = rtpmap(line) {
            if codec.starts_with("h264/90000") {
                h264.push(pt);
            } else if codec.starts_with("opus/48000") && opus.is_none() {
                opus = Some(pt);
            }
        } else if let Some((pt, params)) = fmtp(line) {
            if params.replace(' ', "").contains("packetization-mode=1") {
                mode1.push(pt);
            }
        }
    }
    let video = h264
        .iter()
        .find(|pt| mode1.contains(pt))
        .or(h264.first())
        .copied()?;
    Some(OfferedPayloads {
        video,
        audio: opus?,
        video_rtx: retransmission(offer, video),
    })
}

/// `a=rtpmap:<pt> <codec>`, the codec lower-cased.
fn rtpmap(line: &str) -> Option<(u8, String)> {
    let rest = line.strip_prefix("a=rtpmap:")?;
    let (pt, codec) = rest.split_once(' ').unwrap_or((rest, ""));
    Some((pt.trim().parse().ok()?, codec.trim().to_ascii_lowercase()))
}

/// `a=fmtp:<pt> <parameters>`.
fn fmtp(line: &str) -> Option<(u8, &str)> {
    let rest = line.strip_prefix("a=fmtp:")?;
    let (pt, params) = rest.split_once(' ').unwrap_or((rest, ""));
    Some((pt.trim().parse().ok()?, params.trim()))
}

/// The retransmission payload type for `video_pt` in the video section,
/// if the SDP also asks for generic NACKs on it.
fn retransmission(sdp: &str, video_pt: u8) -> Option<u8> {
    let section = media_section(sdp, "video")?;
    let nack = section.iter().any(|line| {
        line.strip_prefix("a=rtcp-fb:").is_some_and(|rest| {
            let mut words = rest.split_whitespace();
            let applies = words
                .next()
                .is_some_and(|pt| pt == "*" || pt.parse() == Ok(video_pt));
            // Plain `nack` only: `nack pli` is a key-frame request.
            applies && words.next() == Some("nack") && words.next().is_none()
        })
    });
    if !nack {
        return None;
    }
    let rtx: Vec<u8> = section
        .iter()
        .filter_map(|line| rtpmap(line))
        .filter(|(_, codec)| codec.starts_with("rtx/90000"))
        .map(|(pt, _)| pt)
        .collect();
    section
        .iter()
        .filter_map(|line| fmtp(line))
        .find(|(pt, params)| {
            rtx.contains(pt)
                && params.split(';').any(|p| {
                    p.trim().strip_prefix("apt=").and_then(|v| v.parse().ok()) == Some(video_pt)
                })
        })
        .map(|(pt, _)| pt)
}

/// The lines of the first `m=<kind>` section (the `m=` line first).
fn media_section<'a>(sdp: &'a str, kind: &str) -> Option<Vec<&'a str>> {
    let mut lines = sdp.lines().map(str::trim);
    let first = lines.find(|line| {
        line.strip_prefix("m=")
            .is_some_and(|rest| rest.split_whitespace().next() == Some(kind))
    })?;
    let mut section = vec![first];
    section.extend(lines.take_while(|line| !line.starts_with("m=")));
    Some(section)
}

/// Where and how to send, from the far end's SDP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteMedia {
    pub video: Remote,
    pub audio: Remote,
    /// The far end retransmits on NACK, and its RTX payload type for our
    /// H.264 one is `video_rtx_pt` (ours: both ends use the same numbers).
    pub retransmission: bool,
}

/// Where the far end's SDP wants our (video, audio); `None` if it refused
/// either (port 0) or names no address for it. `ours` is what we offered
/// (or answered): retransmission needs its payload types on both sides.
pub fn remote_media(sdp: &str, ours: &LocalMedia) -> Option<RemoteMedia> {
    /// One `m=` section as far as addresses go.
    struct Section {
        kind: String,
        port: u16,
        /// Its own `c=` address.
        ip: Option<IpAddr>,
        /// `a=rtcp:<port> [IN IP4 <address>]`.
        rtcp: Option<(u16, Option<IpAddr>)>,
    }
    let mut session_ip: Option<IpAddr> = None;
    let mut media: Vec<Section> = Vec::new();
    for line in sdp.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("c=IN ") {
            let ip = rest.split_whitespace().nth(1).and_then(|a| a.parse().ok());
            match media.last_mut() {
                None => session_ip = ip,
                Some(medium) => medium.ip = ip,
            }
        } else if let Some(rest) = line.strip_prefix("m=") {
            let mut parts = rest.split_whitespace();
            media.push(Section {
                kind: parts.next().unwrap_or_default().to_string(),
                port: parts.next().and_then(|p| p.parse().ok()).unwrap_or(0),
                ip: None,
                rtcp: None,
            });
        } else if let Some(rest) = line.strip_prefix("a=rtcp:") {
            let mut parts = rest.split_whitespace();
            let port = parts.next().and_then(|p| p.parse().ok());
            let ip = parts.nth(2).and_then(|a| a.parse().ok());
            if let (Some(medium), Some(port)) = (media.last_mut(), port) {
                medium.rtcp = Some((port, ip));
            }
        }
    }
    let find = |wanted: &str| {
        let section = media
            .iter()
            .find(|s| s.kind == wanted)
            .filter(|s| s.port != 0)?;
        let ip = section.ip.or(session_ip)?;
        let rtcp = section
            .rtcp
            .map(|(port, rtcp_ip)| SocketAddr::new(rtcp_ip.unwrap_or(ip), port));
        Some(Remote::new(SocketAddr::new(ip, section.port), rtcp))
    };
    let retransmission =
        ours.video_rtx_pt.is_some() && retransmission(sdp, ours.video_pt) == ours.video_rtx_pt;
    Some(RemoteMedia {
        video: find("video")?,
        audio: find("audio")?,
        retransmission,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours() -> LocalMedia {
        LocalMedia {
            ip: [127, 0, 0, 1].into(),
            video_port: 4000,
            audio_port: 4002,
            video_pt: 96,
            audio_pt: 111,
            video_rtx_pt: Some(97),
            kbps: 512,
            content: None,
        }
    }

    #[test]
    fn the_answer_names_where_to_send_and_refusals_are_none() {
        let answer = "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 50000 RTP/AVP 111\r\n\
                      m=video 50002 RTP/AVP 96\r\nc=IN IP4 192.0.2.9\r\na=rtcp:50007\r\n";
        let remote = remote_media(answer, &ours()).unwrap();
        assert_eq!(remote.video.rtp, "192.0.2.9:50002".parse().unwrap());
        assert_eq!(remote.video.rtcp, "192.0.2.9:50007".parse().unwrap());
        assert_eq!(remote.audio.rtp, "192.0.2.1:50000".parse().unwrap());
        // No a=rtcp: the next port.
        assert_eq!(remote.audio.rtcp, "192.0.2.1:50001".parse().unwrap());
        assert!(!remote.retransmission, "no rtx in the answer");
        assert_eq!(remote_media(&answer.replace("50002", "0"), &ours()), None);
        assert_eq!(
            remote_media("v=0\r\nm=audio 1 RTP/AVP 0\r\n", &ours()),
            None
        );
        assert_eq!(remote_media("garbage", &ours()), None);
    }

    #[test]
    fn an_rtcp_address_can_differ_from_the_media_one() {
        let answer = "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 50000 RTP/AVP 111\r\n\
                      a=rtcp:53020 IN IP4 198.51.100.7\r\nm=video 50002 RTP/AVP 96\r\n";
        let remote = remote_media(answer, &ours()).unwrap();
        assert_eq!(remote.audio.rtcp, "198.51.100.7:53020".parse().unwrap());
    }

    #[test]
    fn retransmission_needs_nack_and_the_same_rtx_payload_type() {
        let ours = ours();
        let mirrored = offer(&ours);
        assert!(remote_media(&mirrored, &ours).unwrap().retransmission);
        let no_nack = mirrored.replace("a=rtcp-fb:96 nack\r\n", "");
        assert!(!remote_media(&no_nack, &ours).unwrap().retransmission);
        let other_rtx = mirrored
            .replace("rtpmap:97", "rtpmap:98")
            .replace("fmtp:97", "fmtp:98");
        assert!(!remote_media(&other_rtx, &ours).unwrap().retransmission);
        let wildcard = no_nack.replace("a=rtcp-fb:96 nack pli", "a=rtcp-fb:* nack");
        assert!(remote_media(&wildcard, &ours).unwrap().retransmission);
        let without = LocalMedia {
            video_rtx_pt: None,
            ..ours
        };
        assert!(!remote_media(&mirrored, &without).unwrap().retransmission);
    }

    #[test]
    fn an_offer_is_answered_with_its_own_payload_types() {
        let offered = offered_payloads(&offer(&ours())).unwrap();
        assert_eq!(
            offered,
            OfferedPayloads {
                video: 96,
                audio: 111,
                video_rtx: Some(97)
            }
        );
        let baresip = "v=0\r\nm=audio 1 RTP/AVP 102 0\r\na=rtpmap:102 opus/48000/2\r\n\
                       m=video 2 RTP/AVP 100 101\r\na=rtpmap:100 H264/90000\r\n\
                       a=fmtp:100 packetization-mode=0\r\na=rtpmap:101 H264/90000\r\n\
                       a=fmtp:101 packetization-mode=1;profile-level-id=42e01f\r\n\
                       a=rtcp-fb:* nack pli\r\n";
        let offered = offered_payloads(baresip).unwrap();
        assert_eq!(
            (offered.video, offered.audio, offered.video_rtx),
            (101, 102, None)
        );
        assert_eq!(offered_payloads("v=0\r\na=rtpmap:0 PCMU/8000\r\n"), None);
        assert_eq!(offered_payloads("a=rtpmap:x H264/90000\r\n"), None);
    }

    #[test]
    fn the_offer_carries_both_media_with_feedback_at_the_class_level() {
        let text = offer(&ours());
        assert!(text.contains("m=audio 4002 RTP/AVP 111\r\n"));
        assert!(text.contains("a=rtcp:4003\r\n"));
        assert!(text.contains("m=video 4000 RTP/AVP 96 97\r\n"));
        assert!(text.contains("packetization-mode=1;profile-level-id=42e01e"));
        assert!(text.contains("a=rtcp-fb:96 nack pli\r\n"));
        assert!(text.contains("a=rtcp-fb:96 ccm fir\r\n"));
        assert!(text.contains("a=fmtp:97 apt=96\r\n"));
        assert!(text.contains("a=rtcp:4001\r\n"));
        assert!(text.contains("b=AS:512"));
        let plain = offer(&LocalMedia {
            video_rtx_pt: None,
            ..ours()
        });
        assert!(plain.contains("m=video 4000 RTP/AVP 96\r\n"));
        assert!(!plain.contains("rtx"));
    }
}
