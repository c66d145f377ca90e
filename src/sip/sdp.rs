//! The terminal's side of SDP (RFC 3264), pure: the offer for its call
//! media, and where the answer says to send. The cloud answers with one
//! `c=` line and one `m=` line per medium, which is all this reads.

use std::net::{IpAddr, SocketAddr};

/// The offer: Opus and H.264 (packetization-mode 1) at the class's level
/// and bit rate, received at `ip` on the given ports.
pub fn offer(ip: IpAddr, video: u16, audio: u16, video_pt: u8, audio_pt: u8, kbps: u32) -> String {
    let family = if ip.is_ipv6() { "IP6" } else { "IP4" };
    let level = match kbps {
        2000.. => "42e028",
        1000.. => "42e01f",
        _ => "42e01e",
    };
    format!(
        "v=0\r\no=roomterm {session} 1 IN {family} {ip}\r\ns=roomterm\r\nc=IN {family} {ip}\r\nt=0 0\r\n\
         m=audio {audio} RTP/AVP {audio_pt}\r\na=rtpmap:{audio_pt} opus/48000/2\r\na=sendrecv\r\n\
         m=video {video} RTP/AVP {video_pt}\r\nb=AS:{kbps}\r\na=rtpmap:{video_pt} H264/90000\r\n\
         a=fmtp:{video_pt} packetization-mode=1;profile-level-id={level}\r\na=sendrecv\r\n",
        session = rand::random::<u32>(),
    )
}

/// The payload types an offer gives H.264 (packetization mode 1, or the
/// default mode if that is all it has) and Opus: `(video, audio)`, to answer
/// with. `None` when either is missing.
pub fn offered_payloads(offer: &str) -> Option<(u8, u8)> {
    let mut h264: Vec<u8> = Vec::new();
    let mut opus = None;
    let mut mode1 = Vec::new();
    for line in offer.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("a=rtpmap:") {
            let (pt, codec) = rest.split_once(' ').unwrap_or((rest, ""));
            let Ok(pt) = pt.parse::<u8>() else { continue };
            let codec = codec.to_ascii_lowercase();
            if codec.starts_with("h264/90000") {
                h264.push(pt);
            } else if codec.starts_with("opus/48000") && opus.is_none() {
                opus = Some(pt);
            }
        } else if let Some(rest) = line.strip_prefix("a=fmtp:") {
            let (pt, params) = rest.split_once(' ').unwrap_or((rest, ""));
            if params.replace(' ', "").contains("packetization-mode=1") {
                if let Ok(pt) = pt.parse::<u8>() {
                    mode1.push(pt);
                }
            }
        }
    }
    let video = h264
        .iter()
        .find(|pt| mode1.contains(pt))
        .or(h264.first())
        .copied()?;
    Some((video, opus?))
}

/// Where the answer wants our (video, audio); `None` if it refused either
/// (port 0) or names no address for it.
pub fn remote_media(answer: &str) -> Option<(SocketAddr, SocketAddr)> {
    let mut session_ip: Option<IpAddr> = None;
    // (kind, port, the medium's own c= address)
    let mut media: Vec<(String, u16, Option<IpAddr>)> = Vec::new();
    for line in answer.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("c=IN ") {
            let ip = rest.split_whitespace().nth(1).and_then(|a| a.parse().ok());
            match media.last_mut() {
                None => session_ip = ip,
                Some(medium) => medium.2 = ip,
            }
        } else if let Some(rest) = line.strip_prefix("m=") {
            let mut parts = rest.split_whitespace();
            let kind = parts.next().unwrap_or_default().to_string();
            let port = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
            media.push((kind, port, None));
        }
    }
    let find = |wanted: &str| {
        media
            .iter()
            .find(|(kind, _, _)| kind == wanted)
            .filter(|(_, port, _)| *port != 0)
            .and_then(|(_, port, ip)| Some(SocketAddr::new(ip.or(session_ip)?, *port)))
    };
    Some((find("video")?, find("audio")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_answer_names_where_to_send_and_refusals_are_none() {
        let answer = "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 50000 RTP/AVP 111\r\n\
                      m=video 50002 RTP/AVP 96\r\nc=IN IP4 192.0.2.9\r\n";
        assert_eq!(
            remote_media(answer),
            Some((
                "192.0.2.9:50002".parse().unwrap(),
                "192.0.2.1:50000".parse().unwrap()
            ))
        );
        assert_eq!(remote_media(&answer.replace("50002", "0")), None);
        assert_eq!(remote_media("v=0\r\nm=audio 1 RTP/AVP 0\r\n"), None);
        assert_eq!(remote_media("garbage"), None);
    }

    #[test]
    fn an_offer_is_answered_with_its_own_payload_types() {
        let ours = offer([127, 0, 0, 1].into(), 4000, 4002, 96, 111, 512);
        assert_eq!(offered_payloads(&ours), Some((96, 111)));
        let baresip = "v=0\r\nm=audio 1 RTP/AVP 102 0\r\na=rtpmap:102 opus/48000/2\r\n\
                       m=video 2 RTP/AVP 100 101\r\na=rtpmap:100 H264/90000\r\n\
                       a=fmtp:100 packetization-mode=0\r\na=rtpmap:101 H264/90000\r\n\
                       a=fmtp:101 packetization-mode=1;profile-level-id=42e01f\r\n";
        assert_eq!(offered_payloads(baresip), Some((101, 102)));
        assert_eq!(offered_payloads("v=0\r\na=rtpmap:0 PCMU/8000\r\n"), None);
        assert_eq!(offered_payloads("a=rtpmap:x H264/90000\r\n"), None);
    }

    #[test]
    fn the_offer_carries_both_media_at_the_class_level() {
        let text = offer([127, 0, 0, 1].into(), 4000, 4002, 96, 111, 512);
        assert!(text.contains("m=audio 4002 RTP/AVP 111"));
        assert!(text.contains("m=video 4000 RTP/AVP 96"));
        assert!(text.contains("packetization-mode=1;profile-level-id=42e01e"));
        assert!(text.contains("b=AS:512"));
    }
}
