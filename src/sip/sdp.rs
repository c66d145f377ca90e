//! The terminal's side of SDP (RFC 3264), pure: the offer, the answer to
//! an offer (its media lines in order, the ones we do not take refused
//! with port 0) and where the far end's SDP says to send. Read and written
//! with GStreamer's SDP library, as the content lines (`content_sdp.rs`)
//! and the cloud's side are.
//!
//! Video carries RTCP feedback (RFC 4585: `nack`, `nack pli`, `ccm fir`)
//! and, when both ends name one, an RFC 4588 retransmission payload type
//! (`rtx`, `apt=` the H.264 one). RTCP goes to the port after RTP unless
//! `a=rtcp` (RFC 3605) names another. The camera's video is the first
//! video line that is not shared content (RFC 4796 `a=content:slides`).
//!
//! The camera's line says we send any picture size asked for (RFC 6236
//! `a=imageattr:<pt> send * recv *`): a focus that composes our picture as
//! a thumbnail asks for its size in a re-INVITE (`recv [x=W,y=H]`), which
//! [`asked_size`] reads and [`size_answer`] answers (`send [x=W,y=H]`).

use std::net::{IpAddr, SocketAddr};

use gst_sdp::{SDPMedia, SDPMediaRef, SDPMessage};
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
/// rate, received at `ip` on the given ports; the content line after
/// them when `local` has one.
pub fn offer(local: &LocalMedia) -> String {
    let mut lines = vec![audio_line(local), video_line(local)];
    if let Some((port, pt)) = local.content {
        lines.push(content_line(port, pt));
    }
    print(local.ip, lines)
}

/// Our answer to `offer` (RFC 3264 §6): a line for each of its media
/// lines, in its order: our audio for its first audio line, our video for
/// its camera's, the others (shared content, data, a second camera)
/// refused with port 0. `None` if the offer has no audio and video line.
pub fn answer(offer: &str, local: &LocalMedia) -> Option<String> {
    let offer = SDPMessage::parse_buffer(offer.as_bytes()).ok()?;
    let audio = offer.medias().position(is_audio)?;
    let camera = offer.medias().position(is_camera)?;
    let lines = offer
        .medias()
        .enumerate()
        .map(|(at, media)| match at {
            _ if at == audio => audio_line(local),
            _ if at == camera => video_line(local),
            _ => refused_line(media),
        })
        .collect();
    Some(print(local.ip, lines))
}

/// The session's lines around `media`.
fn print(ip: IpAddr, media: Vec<SDPMedia>) -> String {
    let family = if ip.is_ipv6() { "IP6" } else { "IP4" };
    let ip = ip.to_string();
    // `t=0 0` comes parsed: the binding's `add_time` hands GStreamer an
    // empty repeat list, which it then prints as an `r=` line.
    let Ok(mut message) = SDPMessage::parse_buffer(b"v=0\r\nt=0 0\r\n") else {
        return String::new();
    };
    let session = rand::random::<u32>().to_string();
    message.set_origin("roomterm", &session, "1", "IN", family, &ip);
    message.set_session_name("roomterm");
    message.set_connection("IN", family, &ip, 0, 0);
    for line in media {
        message.add_media(line);
    }
    message.as_text().unwrap_or_else(|err| {
        tracing::error!(%err, "our SDP does not print");
        String::new()
    })
}

/// `m=<media> <port> RTP/AVP`, formats to be added.
fn media_line(media: &str, port: u16) -> SDPMedia {
    let mut line = SDPMedia::new();
    line.set_media(media);
    line.set_port_info(u32::from(port), 1);
    line.set_proto("RTP/AVP");
    line
}

fn audio_line(local: &LocalMedia) -> SDPMedia {
    let pt = local.audio_pt;
    let mut line = media_line("audio", local.audio_port);
    line.add_format(&pt.to_string());
    line.add_attribute("rtpmap", Some(&format!("{pt} opus/48000/2")));
    line.add_attribute("fmtp", Some(&format!("{pt} useinbandfec=1")));
    let rtcp = local.audio_port.wrapping_add(1).to_string();
    line.add_attribute("rtcp", Some(&rtcp));
    line.add_attribute("sendrecv", None);
    line
}

fn video_line(local: &LocalMedia) -> SDPMedia {
    let pt = local.video_pt;
    let level = match local.kbps {
        2000.. => "42e028",
        1000.. => "42e01f",
        _ => "42e01e",
    };
    let mut line = media_line("video", local.video_port);
    line.add_format(&pt.to_string());
    if let Some(rtx) = local.video_rtx_pt {
        line.add_format(&rtx.to_string());
    }
    line.add_bandwidth("AS", local.kbps);
    line.add_attribute("rtpmap", Some(&format!("{pt} H264/90000")));
    let fmtp = format!("{pt} packetization-mode=1;profile-level-id={level}");
    line.add_attribute("fmtp", Some(&fmtp));
    for feedback in ["nack", "nack pli", "ccm fir"] {
        line.add_attribute("rtcp-fb", Some(&format!("{pt} {feedback}")));
    }
    if let Some(rtx) = local.video_rtx_pt {
        line.add_attribute("rtpmap", Some(&format!("{rtx} rtx/90000")));
        line.add_attribute("fmtp", Some(&format!("{rtx} apt={pt}")));
    }
    // Any size asked for: the encoder is fed through a scaler.
    line.add_attribute("imageattr", Some(&format!("{pt} send * recv *")));
    let rtcp = local.video_port.wrapping_add(1).to_string();
    line.add_attribute("rtcp", Some(&rtcp));
    line.add_attribute("sendrecv", None);
    line
}

/// `offer` (ours, for a re-INVITE) with `o=`'s version above the
/// session's now (`ours`): in a session versions only go up (RFC 3264
/// §8), whichever copy of our SDP the offer was built on. `None` if
/// either does not parse.
pub fn after_session(ours: &str, offer: &str) -> Option<String> {
    let current = session_version(&SDPMessage::parse_buffer(ours.as_bytes()).ok()?)?;
    let mut message = SDPMessage::parse_buffer(offer.as_bytes()).ok()?;
    let offered = session_version(&message)?;
    set_version(&mut message, offered.max(current + 1))?;
    message.as_text().ok()
}

fn session_version(message: &SDPMessage) -> Option<u64> {
    message.origin()?.sess_version()?.parse().ok()
}

fn set_version(message: &mut SDPMessage, version: u64) -> Option<()> {
    let origin = message.origin()?;
    let (user, id, net, addr_type, addr) = (
        origin.username()?.to_string(),
        origin.sess_id()?.to_string(),
        origin.nettype()?.to_string(),
        origin.addrtype()?.to_string(),
        origin.addr()?.to_string(),
    );
    message.set_origin(&user, &id, &version.to_string(), &net, &addr_type, &addr);
    Some(())
}

/// The picture size an offer asks us to send on the camera's line: its
/// RFC 6236 `a=imageattr` `recv` set, `[x=W,y=H]` with single values
/// (what a focus asks). `None`: no size asked (send the class's).
pub fn asked_size(offer: &str) -> Option<(u32, u32)> {
    let offer = SDPMessage::parse_buffer(offer.as_bytes()).ok()?;
    let camera = camera_media(&offer)?;
    let value = attributes(camera, "imageattr").next()?;
    let recv = value.split_once("recv")?.1;
    // The first set after `recv`, up to a `send` part if one follows.
    let recv = recv.split("send").next()?;
    let set = recv.trim().strip_prefix('[')?.split(']').next()?;
    let mut size = (None, None);
    for field in set.split(',') {
        match field.trim().split_once('=') {
            Some(("x", v)) => size.0 = v.trim().parse::<u32>().ok(),
            Some(("y", v)) => size.1 = v.trim().parse::<u32>().ok(),
            _ => {}
        }
    }
    match size {
        (Some(w), Some(h)) if (16..=4096).contains(&w) && (16..=4096).contains(&h) => {
            Some((w & !1, h & !1))
        }
        _ => None,
    }
}

/// Our answer to a re-INVITE in the session we described with `ours`:
/// the same media, `o=`'s version raised (RFC 3264 §8), and the camera's
/// `a=imageattr` saying the size we now send (`None`: whatever is asked).
pub fn size_answer(ours: &str, size: Option<(u32, u32)>) -> Option<String> {
    let mut message = SDPMessage::parse_buffer(ours.as_bytes()).ok()?;
    let version = session_version(&message)? + 1;
    set_version(&mut message, version)?;
    let camera = message.medias().position(is_camera)?;
    let line = message.media_mut(camera as u32)?;
    let pt = line.format(0)?.to_string();
    let sent = match size {
        Some((w, h)) => format!("[x={w},y={h}]"),
        None => "*".into(),
    };
    while let Some(at) = (0..line.attributes_len())
        .find(|&i| line.attribute(i).map(|a| a.key()) == Some("imageattr"))
    {
        line.remove_attribute(at).ok()?;
    }
    line.add_attribute("imageattr", Some(&format!("{pt} send {sent} recv *")));
    message.as_text().ok()
}

/// Content up to 1080p (level 4.0), received only; key frames asked for
/// as for the camera.
fn content_line(port: u16, pt: u8) -> SDPMedia {
    let mut line = media_line("video", port);
    line.add_format(&pt.to_string());
    line.add_attribute("rtpmap", Some(&format!("{pt} H264/90000")));
    let fmtp = format!("{pt} packetization-mode=1;profile-level-id=42e028");
    line.add_attribute("fmtp", Some(&fmtp));
    line.add_attribute("rtcp-fb", Some(&format!("{pt} nack pli")));
    line.add_attribute("rtcp-fb", Some(&format!("{pt} ccm fir")));
    line.add_attribute("rtcp", Some(&port.wrapping_add(1).to_string()));
    line.add_attribute("content", Some("slides"));
    line.add_attribute("recvonly", None);
    line
}

/// An offered line we do not take: its media, port 0, its protocol and
/// first format (RFC 3264 §6).
fn refused_line(offered: &SDPMediaRef) -> SDPMedia {
    let mut line = SDPMedia::new();
    line.set_media(offered.media().unwrap_or("video"));
    line.set_port_info(0, 1);
    line.set_proto(offered.proto().unwrap_or("RTP/AVP"));
    line.add_format(offered.format(0).unwrap_or("0"));
    if is_slides(offered) {
        line.add_attribute("content", Some("slides"));
    }
    line
}

/// The first audio line.
fn audio_media(message: &SDPMessage) -> Option<&SDPMediaRef> {
    message.medias().find(|m| is_audio(m))
}

/// The first live video line that is not shared content: the camera's.
fn camera_media(message: &SDPMessage) -> Option<&SDPMediaRef> {
    message.medias().find(|m| is_camera(m))
}

fn is_audio(media: &SDPMediaRef) -> bool {
    media.media() == Some("audio")
}

/// A live video line that is not shared content (a refused line may have
/// lost its `a=content`).
fn is_camera(media: &SDPMediaRef) -> bool {
    media.media() == Some("video") && media.port() != 0 && !is_slides(media)
}

/// Whether a line is shared content (RFC 4796 `a=content:slides`).
pub(crate) fn is_slides(media: &SDPMediaRef) -> bool {
    media.attribute_val("content").is_some_and(|v| {
        v.split(',')
            .any(|c| c.trim().eq_ignore_ascii_case("slides"))
    })
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

/// The payload types of an offer: H.264 of the camera's line
/// (packetization mode 1, or the default mode if that is all it has) and
/// Opus; `None` when either is missing.
pub fn offered_payloads(offer: &str) -> Option<OfferedPayloads> {
    let message = SDPMessage::parse_buffer(offer.as_bytes()).ok()?;
    let audio = rtpmaps(audio_media(&message)?)
        .find(|(_, codec)| codec.starts_with("opus/48000"))
        .map(|(pt, _)| pt)?;
    let camera = camera_media(&message)?;
    let h264: Vec<u8> = rtpmaps(camera)
        .filter(|(_, codec)| codec.starts_with("h264/90000"))
        .map(|(pt, _)| pt)
        .collect();
    let mode1 = |pt: &&u8| {
        fmtps(camera).any(|(p, params)| {
            p == **pt && params.replace(' ', "").contains("packetization-mode=1")
        })
    };
    let video = h264.iter().find(mode1).or(h264.first()).copied()?;
    Some(OfferedPayloads {
        video,
        audio,
        video_rtx: retransmission(camera, video),
    })
}

/// `a=rtpmap:<pt> <codec>` of a line, the codec lower-cased.
fn rtpmaps(media: &SDPMediaRef) -> impl Iterator<Item = (u8, String)> + '_ {
    attributes(media, "rtpmap").filter_map(|value| {
        let (pt, codec) = value.split_once(' ').unwrap_or((value, ""));
        Some((pt.trim().parse().ok()?, codec.trim().to_ascii_lowercase()))
    })
}

/// `a=fmtp:<pt> <parameters>` of a line.
fn fmtps(media: &SDPMediaRef) -> impl Iterator<Item = (u8, &str)> + '_ {
    attributes(media, "fmtp").filter_map(|value| {
        let (pt, params) = value.split_once(' ').unwrap_or((value, ""));
        Some((pt.trim().parse().ok()?, params.trim()))
    })
}

/// The values of a line's `a=<key>:` attributes.
fn attributes<'a>(media: &'a SDPMediaRef, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    media
        .attributes()
        .filter(move |a| a.key() == key)
        .filter_map(|a| a.value())
}

/// The retransmission payload type for `video_pt` on the camera's line,
/// if it also asks for generic NACKs on it.
fn retransmission(camera: &SDPMediaRef, video_pt: u8) -> Option<u8> {
    let nack = attributes(camera, "rtcp-fb").any(|value| {
        let mut words = value.split_whitespace();
        let applies = words
            .next()
            .is_some_and(|pt| pt == "*" || pt.parse() == Ok(video_pt));
        // Plain `nack` only: `nack pli` is a key-frame request.
        applies && words.next() == Some("nack") && words.next().is_none()
    });
    if !nack {
        return None;
    }
    let rtx: Vec<u8> = rtpmaps(camera)
        .filter(|(_, codec)| codec.starts_with("rtx/90000"))
        .map(|(pt, _)| pt)
        .collect();
    fmtps(camera)
        .find(|(pt, params)| {
            rtx.contains(pt)
                && params.split(';').any(|p| {
                    p.trim().strip_prefix("apt=").and_then(|v| v.parse().ok()) == Some(video_pt)
                })
        })
        .map(|(pt, _)| pt)
}

/// Where a live line of `message` wants RTP (its own `c=`, else the
/// session's) and RTCP (`a=rtcp:<port> [IN IP4 <address>]`, else the next
/// port); `None` at port 0 or with no address.
pub(crate) fn media_remote(message: &SDPMessage, media: &SDPMediaRef) -> Option<Remote> {
    let port = u16::try_from(media.port()).ok().filter(|p| *p != 0)?;
    let session_ip = message.connection().and_then(|c| c.address());
    let ip: IpAddr = media
        .connection(0)
        .and_then(|c| c.address())
        .or(session_ip)?
        .parse()
        .ok()?;
    let rtcp = media.attribute_val("rtcp").and_then(|value| {
        let mut parts = value.split_whitespace();
        let port = parts.next()?.parse().ok()?;
        let rtcp_ip = parts.nth(2).and_then(|a| a.parse().ok()).unwrap_or(ip);
        Some(SocketAddr::new(rtcp_ip, port))
    });
    Some(Remote::new(SocketAddr::new(ip, port), rtcp))
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
    let message = SDPMessage::parse_buffer(sdp.as_bytes()).ok()?;
    let remote = |media: &SDPMediaRef| media_remote(&message, media);
    let camera = camera_media(&message)?;
    let retransmission =
        ours.video_rtx_pt.is_some() && retransmission(camera, ours.video_pt) == ours.video_rtx_pt;
    Some(RemoteMedia {
        video: remote(camera)?,
        audio: remote(audio_media(&message)?)?,
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
    fn a_size_asked_in_a_reoffer_is_read_and_answered_in_the_same_session() {
        crate::media::init().unwrap();
        let local = ours();
        let ours = offer(&local);
        assert!(ours.contains("a=imageattr:96 send * recv *\r\n"), "{ours}");
        let reoffer =
            "v=0\r\no=roomcloud 7 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
                       m=audio 4000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n\
                       m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
                       a=imageattr:96 recv [x=480,y=270] send *\r\n";
        assert_eq!(asked_size(reoffer), Some((480, 270)));
        // A first offer that asks nothing, and nonsense, ask for no size.
        assert_eq!(asked_size(&ours), None);
        for junk in [
            "a=imageattr:96 recv [x=0,y=270]",
            "a=imageattr:96 recv [x=480]",
            "a=imageattr:96 recv [x=[320:640],y=270]",
            "a=imageattr:96 recv",
        ] {
            let text = reoffer.replace("a=imageattr:96 recv [x=480,y=270] send *", junk);
            assert_eq!(asked_size(&text), None, "{junk}");
        }
        let answer = size_answer(&ours, Some((480, 270))).unwrap();
        let parsed = SDPMessage::parse_buffer(answer.as_bytes()).unwrap();
        let first = SDPMessage::parse_buffer(ours.as_bytes()).unwrap();
        let (o1, o2) = (first.origin().unwrap(), parsed.origin().unwrap());
        assert_eq!(o2.sess_id(), o1.sess_id(), "the same session");
        assert_eq!(o2.sess_version(), Some("2"));
        assert!(answer.contains("a=imageattr:96 send [x=480,y=270] recv *\r\n"));
        assert_eq!(answer.matches("a=imageattr").count(), 1);
        assert_eq!(remote_media(&answer, &local), remote_media(&ours, &local));
        // An offer built on an older copy of our SDP still goes up.
        let reoffer = after_session(&answer, &ours).unwrap();
        let parsed = SDPMessage::parse_buffer(reoffer.as_bytes()).unwrap();
        assert_eq!(parsed.origin().unwrap().sess_version(), Some("3"));
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
    fn an_answer_has_the_offers_lines_in_order_and_refuses_what_it_does_not_take() {
        let offer = "v=0\r\no=x 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
                     m=video 5000 RTP/AVP 100\r\na=rtpmap:100 H264/90000\r\na=content:slides\r\n\
                     m=audio 5002 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n\
                     m=video 5004 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
                     m=application 5006 UDP/BFCP *\r\n";
        // The camera's payload type, not the content's that comes first.
        let offered = offered_payloads(offer).unwrap();
        assert_eq!((offered.video, offered.audio), (96, 111));
        let text = answer(offer, &ours()).unwrap();
        let back = SDPMessage::parse_buffer(text.as_bytes()).unwrap();
        let lines: Vec<(&str, u32, &str)> = back
            .medias()
            .map(|m| (m.media().unwrap(), m.port(), m.proto().unwrap()))
            .collect();
        assert_eq!(
            lines,
            [
                ("video", 0, "RTP/AVP"),
                ("audio", 4002, "RTP/AVP"),
                ("video", 4000, "RTP/AVP"),
                ("application", 0, "UDP/BFCP"),
            ]
        );
        assert_eq!(back.medias().nth(3).unwrap().format(0), Some("*"));
        // Read back, the answer says where we receive.
        let remote = remote_media(&text, &ours()).unwrap();
        assert_eq!(remote.video.rtp, "127.0.0.1:4000".parse().unwrap());
        assert_eq!(remote.audio.rtp, "127.0.0.1:4002".parse().unwrap());
        assert_eq!(answer("v=0\r\nm=audio 1 RTP/AVP 111\r\n", &ours()), None);
        assert_eq!(answer("garbage", &ours()), None);
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
