//! The focus's own offer in a meeting call: the session as it stands
//! (our last answer), `o=`'s version raised, and on the caller's camera
//! line the picture size we want from it (RFC 6236 `a=imageattr:<pt> recv
//! [x=W,y=H]`). Sent as a re-INVITE (`focus/sizing.rs`) only to callers
//! whose offer said they send sizes asked for.

/// `session` (our last SDP in the call) with `version` on its origin and
/// `size` asked of the camera line (the first video line that is not
/// content). `None` when the session has no such line.
pub fn size_request(session: &str, version: u32, (width, height): (u32, u32)) -> Option<String> {
    let mut message = gst_sdp::SDPMessage::parse_buffer(session.as_bytes()).ok()?;
    let origin = message.origin()?;
    let (user, id, net, addr_type, addr) = (
        origin.username()?.to_string(),
        origin.sess_id()?.to_string(),
        origin.nettype()?.to_string(),
        origin.addrtype()?.to_string(),
        origin.addr()?.to_string(),
    );
    message.set_origin(&user, &id, &version.to_string(), &net, &addr_type, &addr);
    let camera = message
        .medias()
        .position(|m| m.media() == Some("video") && m.attribute_val("content").is_none())?;
    let line = message.media_mut(camera as u32)?;
    let pt = line.format(0)?.to_string();
    line.add_attribute(
        "imageattr",
        Some(&format!("{pt} recv [x={width},y={height}] send *")),
    );
    message.as_text().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = "v=0\r\no=roomcloud 7 1 IN IP4 127.0.0.1\r\ns=roomcloud\r\n\
        c=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n\
        m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=sendrecv\r\n\
        m=video 4004 RTP/AVP 100\r\na=content:slides\r\na=rtpmap:100 H264/90000\r\n";

    #[test]
    fn the_size_is_asked_on_the_camera_line_of_the_same_session() {
        crate::media::init().unwrap();
        let offer = size_request(SESSION, 2, (480, 270)).unwrap();
        assert!(
            offer.contains("o=roomcloud 7 2 IN IP4 127.0.0.1\r\n"),
            "{offer}"
        );
        let camera = offer.split("m=video").nth(1).unwrap();
        assert!(camera.contains("a=imageattr:96 recv [x=480,y=270] send *\r\n"));
        let content = offer.split("m=video").nth(2).unwrap();
        assert!(!content.contains("imageattr"), "not on the content line");
        assert_eq!(offer.matches("m=").count(), 3, "every line kept");
    }

    #[test]
    fn a_session_without_a_camera_asks_nothing() {
        crate::media::init().unwrap();
        let audio_only = SESSION.split("m=video").next().unwrap();
        assert_eq!(size_request(audio_only, 2, (480, 270)), None);
    }
}
