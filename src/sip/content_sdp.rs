//! Content in a meeting call's SDP (RFC 4796 `a=content:slides`): the
//! re-INVITE's offer — our last offer again with a content line, live
//! while the room shares and at port 0 once it stops (RFC 3264 §8.2: a
//! line is never removed, only refused) — and where the focus's answer
//! wants the content sent. Read and written with GStreamer's SDP library.

use roomterm_rtp::Remote;

use super::sdp::{is_slides, media_remote};

/// The content line we offer while sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentOffer {
    /// Our content leg's RTP port (RTCP the next).
    pub port: u16,
    pub pt: u8,
    pub kbps: u32,
}

/// `previous` (our last offer in the call) with `o=`'s version raised and
/// the content line: live with `content`; without it, the `first` offer's
/// content line (receiving the meeting's content again), or ours at port 0
/// if the first had none (added only if `previous` had one). `None` if
/// `previous` is not SDP.
pub fn reoffer(previous: &str, first: &str, content: Option<&ContentOffer>) -> Option<String> {
    let receiving = gst_sdp::SDPMessage::parse_buffer(first.as_bytes())
        .ok()
        .and_then(|first| first.medias().find(|m| is_slides(m)).map(|m| m.to_owned()));
    let previous = gst_sdp::SDPMessage::parse_buffer(previous.as_bytes()).ok()?;
    let origin = previous.origin()?;
    let version = origin.sess_version()?.parse::<u64>().ok()? + 1;
    let connection = previous.connection()?;
    // `t=0 0` comes parsed: the binding's `add_time` hands GStreamer an
    // empty repeat list, which it then prints as an `r=` line.
    let mut message = gst_sdp::SDPMessage::parse_buffer(b"v=0\r\nt=0 0\r\n").ok()?;
    message.set_origin(
        origin.username()?,
        origin.sess_id()?,
        &version.to_string(),
        origin.nettype()?,
        origin.addrtype()?,
        origin.addr()?,
    );
    message.set_session_name(previous.session_name().unwrap_or("roomterm"));
    message.set_connection(
        connection.nettype()?,
        connection.addrtype()?,
        connection.address()?,
        0,
        0,
    );
    // The content line, ours, is the last: the others are kept as offered.
    let mut had_content = None;
    for media in previous.medias() {
        if is_slides(media) {
            had_content = Some(media.format(0).unwrap_or("96").to_string());
        } else {
            message.add_media(media.to_owned());
        }
    }
    match (content, receiving, had_content) {
        (Some(content), _, _) => message.add_media(live_line(content)),
        (None, Some(line), _) => message.add_media(line),
        (None, None, Some(pt)) => message.add_media(stopped_line(&pt)),
        (None, None, None) => {}
    }
    message.as_text().ok()
}

/// Where the answer wants our content: its live content line's address
/// (RTCP where `a=rtcp` says, else the next port).
pub fn content_remote(answer: &str) -> Option<Remote> {
    let message = gst_sdp::SDPMessage::parse_buffer(answer.as_bytes()).ok()?;
    let media = message
        .medias()
        .find(|m| is_slides(m) && m.port() != 0 && m.media() == Some("video"))?;
    media_remote(&message, media)
}

/// H.264 at 1080p (level 4.0), sent only, with the feedback our sender
/// answers (key frames on PLI or FIR).
fn live_line(content: &ContentOffer) -> gst_sdp::SDPMedia {
    let pt = content.pt;
    let mut line = gst_sdp::SDPMedia::new();
    line.set_media("video");
    line.set_port_info(u32::from(content.port), 1);
    line.set_proto("RTP/AVP");
    line.add_format(&pt.to_string());
    line.add_bandwidth("AS", content.kbps);
    line.add_attribute("rtpmap", Some(&format!("{pt} H264/90000")));
    line.add_attribute(
        "fmtp",
        Some(&format!(
            "{pt} packetization-mode=1;profile-level-id=42e028"
        )),
    );
    line.add_attribute("rtcp-fb", Some(&format!("{pt} nack pli")));
    line.add_attribute("rtcp-fb", Some(&format!("{pt} ccm fir")));
    line.add_attribute("rtcp", Some(&content.port.wrapping_add(1).to_string()));
    line.add_attribute("content", Some("slides"));
    line.add_attribute("sendonly", None);
    line
}

/// The content line refused by ourselves: sharing stopped.
fn stopped_line(pt: &str) -> gst_sdp::SDPMedia {
    let mut line = gst_sdp::SDPMedia::new();
    line.set_media("video");
    line.set_port_info(0, 1);
    line.set_proto("RTP/AVP");
    line.add_format(pt);
    line.add_attribute("content", Some("slides"));
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sip::sdp::{offer, LocalMedia};

    fn first_offer() -> String {
        offer(&LocalMedia {
            ip: [10, 0, 0, 7].into(),
            video_port: 40002,
            audio_port: 40000,
            video_pt: 96,
            audio_pt: 111,
            video_rtx_pt: Some(97),
            kbps: 1000,
            content: None,
        })
    }

    fn parsed(text: &str) -> gst_sdp::SDPMessage {
        gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).unwrap()
    }

    #[test]
    fn sharing_adds_a_content_line_and_stopping_refuses_it() {
        crate::media::init().unwrap();
        let first = first_offer();
        let content = ContentOffer {
            port: 40004,
            pt: 100,
            kbps: 1500,
        };
        let sharing = reoffer(&first, &first, Some(&content)).unwrap();
        let message = parsed(&sharing);
        let origin = |m: &gst_sdp::SDPMessage| {
            let o = m.origin().unwrap();
            (
                o.sess_id().unwrap().to_string(),
                o.sess_version().unwrap().to_string(),
            )
        };
        let (id, version) = origin(&parsed(&first));
        assert_eq!(origin(&message), (id.clone(), "2".to_string()));
        assert_eq!(version, "1");
        assert_eq!(message.medias_len(), 3);
        let line = message.media(2).unwrap();
        assert_eq!((line.port(), line.format(0)), (40004, Some("100")));
        assert_eq!(line.attribute_val("content"), Some("slides"));
        assert!(line.attributes().any(|a| a.key() == "sendonly"));
        // The camera and sound lines stay as they were.
        assert_eq!(message.media(1).unwrap().port(), 40002);
        assert_eq!(message.media(0).unwrap().port(), 40000);

        let stopped = reoffer(&sharing, &first, None).unwrap();
        let message = parsed(&stopped);
        assert_eq!(origin(&message), (id, "3".to_string()));
        assert_eq!(message.medias_len(), 3, "the line stays, refused");
        assert_eq!(message.media(2).unwrap().port(), 0);
        // Sharing again reuses the line.
        let again = reoffer(&stopped, &first, Some(&content)).unwrap();
        assert_eq!(parsed(&again).medias_len(), 3);
        assert_eq!(parsed(&again).media(2).unwrap().port(), 40004);
        // Nothing shared yet and nothing to stop: no line added.
        assert_eq!(
            parsed(&reoffer(&first, &first, None).unwrap()).medias_len(),
            2
        );
        assert_eq!(reoffer("garbage", &first, None), None);
    }

    #[test]
    fn a_meeting_offer_receives_content_again_once_sharing_stops() {
        crate::media::init().unwrap();
        let first = offer(&LocalMedia {
            content: Some((40006, 100)),
            ..LocalMedia {
                ip: [10, 0, 0, 7].into(),
                video_port: 40002,
                audio_port: 40000,
                video_pt: 96,
                audio_pt: 111,
                video_rtx_pt: None,
                kbps: 1000,
                content: None,
            }
        });
        let receiving = parsed(&first);
        assert_eq!(receiving.medias_len(), 3);
        let line = receiving.media(2).unwrap();
        assert_eq!(
            (line.port(), line.attribute_val("content")),
            (40006, Some("slides"))
        );
        assert!(line.attributes().any(|a| a.key() == "recvonly"));

        let content = ContentOffer {
            port: 40010,
            pt: 100,
            kbps: 1500,
        };
        let sharing = reoffer(&first, &first, Some(&content)).unwrap();
        let line = parsed(&sharing).media(2).unwrap().to_owned();
        assert_eq!(line.port(), 40010);
        assert!(line.attributes().any(|a| a.key() == "sendonly"));
        let stopped = parsed(&reoffer(&sharing, &first, None).unwrap());
        assert_eq!(stopped.origin().unwrap().sess_version(), Some("3"));
        let line = stopped.media(2).unwrap();
        assert_eq!(line.port(), 40006, "receiving on the first offer's port");
        assert!(line.attributes().any(|a| a.key() == "recvonly"));
    }

    #[test]
    fn the_answer_says_where_the_content_goes() {
        crate::media::init().unwrap();
        let answer = "v=0\r\no=roomcloud 7 2 IN IP4 192.0.2.1\r\ns=roomcloud\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n\
            m=audio 50000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n\
            m=video 50002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
            m=video 50010 RTP/AVP 100\r\na=rtpmap:100 H264/90000\r\na=rtcp:50011\r\na=content:slides\r\na=recvonly\r\n";
        let remote = content_remote(answer).unwrap();
        assert_eq!(remote.rtp, "192.0.2.1:50010".parse().unwrap());
        assert_eq!(remote.rtcp, "192.0.2.1:50011".parse().unwrap());
        let refused = answer.replace("m=video 50010", "m=video 0");
        assert_eq!(content_remote(&refused), None);
        assert_eq!(content_remote("nonsense"), None);
    }
}
