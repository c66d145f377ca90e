//! The offer reader and the answer against real offers: terminals,
//! baresip, phones, and the hostile ones.

use super::*;

fn offer(text: &str) -> Result<Offer, SdpError> {
    crate::media::init().unwrap();
    read_offer(text.replace('\n', "\r\n").as_bytes(), VideoClass::Hd1080)
}

const TERMINAL: &str = "v=0
o=- 1 1 IN IP4 10.0.0.7
s=-
c=IN IP4 10.0.0.7
t=0 0
m=audio 40000 RTP/AVP 111 0 101
a=rtpmap:111 opus/48000/2
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/48000
a=fmtp:101 0-15
m=video 40002 RTP/AVP 96 97 98
b=AS:1024
a=rtpmap:96 H264/90000
a=fmtp:96 packetization-mode=1;profile-level-id=42e01f
a=rtpmap:97 H264/90000
a=fmtp:97 packetization-mode=0;profile-level-id=42e01f
a=rtcp-fb:96 nack
a=rtcp-fb:96 nack pli
a=rtcp-fb:* ccm fir
a=rtpmap:98 rtx/90000
a=fmtp:98 apt=96
a=rtcp:40013
";

#[test]
fn a_terminal_offer_gets_opus_and_h264_at_its_class() {
    let offer = offer(TERMINAL).unwrap();
    let audio = offer.audio.clone().unwrap();
    assert_eq!(audio.to.rtp, "10.0.0.7:40000".parse().unwrap());
    assert_eq!(audio.to.rtcp, "10.0.0.7:40001".parse().unwrap());
    assert_eq!((audio.pt, audio.codec), (111, AudioCodec::Opus));
    assert_eq!(audio.telephone_event, Some((101, 48_000)));
    let video = offer.video.clone().unwrap();
    assert_eq!(video.to.rtp, "10.0.0.7:40002".parse().unwrap());
    assert_eq!(video.to.rtcp, "10.0.0.7:40013".parse().unwrap());
    assert_eq!((video.pt, video.class), (96, VideoClass::Hd720));
    assert_eq!(
        video.feedback,
        Feedback {
            nack: true,
            pli: true,
            fir: true
        }
    );
    assert_eq!(video.rtx_pt, Some(98));

    let local = Local {
        ip: [192, 0, 2, 1].into(),
        video_port: 50002,
        audio_port: 50000,
        content_port: None,
        content_out_port: None,
    };
    let text = answer(&offer, local, 7);
    let back = gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).unwrap();
    assert_eq!(back.medias_len(), 2);
    let audio = back.media(0).unwrap();
    assert_eq!((audio.media(), audio.port()), (Some("audio"), 50000));
    assert_eq!(audio.format(0), Some("111"));
    let video = back.media(1).unwrap();
    assert_eq!((video.media(), video.port()), (Some("video"), 50002));
    assert_eq!(video.format(0), Some("96"));
    assert!(text.contains("a=fmtp:96 packetization-mode=1;profile-level-id=42e01f"));
    assert!(text.contains("c=IN IP4 192.0.2.1"));
    assert!(text.contains("m=video 50002 RTP/AVP 96 98\r\n"));
    for line in [
        "m=audio 50000 RTP/AVP 111 101\r\n",
        "a=rtpmap:101 telephone-event/48000",
        "a=rtcp:50003",
        "a=rtcp:50001",
        "a=rtcp-fb:96 nack\r\n",
        "a=rtcp-fb:96 nack pli",
        "a=rtcp-fb:96 ccm fir",
        "a=rtpmap:98 rtx/90000",
        "a=fmtp:98 apt=96",
    ] {
        assert!(text.contains(line), "{line} missing from {text}");
    }
}

#[test]
fn retransmission_only_with_nack_and_feedback_only_as_offered() {
    let no_nack = TERMINAL.replace("a=rtcp-fb:96 nack\n", "");
    let video = offer(&no_nack).unwrap().video.unwrap();
    assert_eq!(video.rtx_pt, None, "rtx without nack is useless");
    assert!(video.feedback.pli && !video.feedback.nack);
    let other_apt = TERMINAL.replace("apt=96", "apt=97");
    assert_eq!(offer(&other_apt).unwrap().video.unwrap().rtx_pt, None);
    let plain = "v=0
o=- 1 1 IN IP4 10.0.0.7
s=-
c=IN IP4 10.0.0.7
t=0 0
m=audio 40000 RTP/AVP 0
m=video 40002 RTP/AVP 96
a=rtpmap:96 H264/90000
a=fmtp:96 packetization-mode=1
";
    let video = offer(plain).unwrap().video.unwrap();
    assert_eq!(video.feedback, Feedback::default());
    assert_eq!(video.to.rtcp, "10.0.0.7:40003".parse().unwrap());
    let local = Local {
        ip: [192, 0, 2, 1].into(),
        video_port: 50002,
        audio_port: 50000,
        content_port: None,
        content_out_port: None,
    };
    let text = answer(&offer(plain).unwrap(), local, 7);
    assert!(!text.contains("rtcp-fb") && !text.contains("rtx"), "{text}");
}

#[test]
fn the_class_follows_bandwidth_and_level_and_the_cap() {
    let low = TERMINAL.replace("b=AS:1024", "b=AS:512");
    assert_eq!(offer(&low).unwrap().video.unwrap().class, VideoClass::Cif4);
    let high = TERMINAL.replace("b=AS:1024", "b=TIAS:4000000");
    // TIAS 4 Mbit/s, but level 3.1: 720p.
    assert_eq!(
        offer(&high).unwrap().video.unwrap().class,
        VideoClass::Hd720
    );
    let level4 = high.replace("42e01f", "640028");
    assert_eq!(
        offer(&level4).unwrap().video.unwrap().class,
        VideoClass::Hd1080
    );
    let capped = read_offer(level4.replace('\n', "\r\n").as_bytes(), VideoClass::Cif4).unwrap();
    assert_eq!(capped.video.unwrap().class, VideoClass::Cif4);
}

#[test]
fn a_g711_phone_gets_its_first_law_and_video_refused_in_place() {
    let phone = "v=0
o=- 1 1 IN IP4 10.0.0.9
s=-
c=IN IP4 10.0.0.9
t=0 0
m=video 40002 RTP/AVP 34
a=rtpmap:34 H263/90000
m=audio 40000 RTP/AVP 8 0
";
    let offer = offer(phone).unwrap();
    assert!(offer.video.is_none());
    assert_eq!(offer.audio.clone().unwrap().codec, AudioCodec::Pcma);
    let text = answer(
        &offer,
        Local {
            ip: [127, 0, 0, 1].into(),
            video_port: 1,
            audio_port: 2,
            content_port: None,
            content_out_port: None,
        },
        1,
    );
    let back = gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).unwrap();
    assert_eq!(back.media(0).unwrap().port(), 0, "{text}");
    assert_eq!(back.media(1).unwrap().media(), Some("audio"));
    assert_eq!(back.media(1).unwrap().format(0), Some("8"));
}

#[test]
fn offers_without_anything_usable_or_garbage_are_errors() {
    let only_pm0 = TERMINAL
        .replace(
            "m=audio 40000 RTP/AVP 111 0 101\na=rtpmap:111 opus/48000/2\na=rtpmap:0 PCMU/8000\n\
             a=rtpmap:101 telephone-event/48000\na=fmtp:101 0-15\n",
            "",
        )
        .replace("packetization-mode=1", "packetization-mode=0");
    assert_eq!(offer(&only_pm0), Err(SdpError::NothingAcceptable));
    let srtp = TERMINAL.replace("RTP/AVP", "RTP/SAVP");
    assert_eq!(offer(&srtp), Err(SdpError::NothingAcceptable));
    assert!(matches!(offer("hello"), Err(SdpError::Unparseable(_))));
    assert!(matches!(offer(""), Err(SdpError::Unparseable(_))));
    let no_address = TERMINAL.replace("c=IN IP4 10.0.0.7\n", "");
    assert_eq!(offer(&no_address), Err(SdpError::NothingAcceptable));
}

/// The fuzz target's property on the stable toolchain: every
/// truncation and many byte mutations of real offers read without a
/// panic, and whatever is accepted is answered with parseable SDP.
#[test]
fn mangled_offers_never_panic_and_accepted_ones_answer_valid_sdp() {
    crate::media::init().unwrap();
    let seeds = [TERMINAL.replace('\n', "\r\n"), TERMINAL.to_string()];
    let local = Local {
        ip: [127, 0, 0, 1].into(),
        video_port: 5000,
        audio_port: 5002,
        content_port: None,
        content_out_port: None,
    };
    let check = |data: &[u8]| {
        if let Ok(offer) = read_offer(data, VideoClass::Hd1080) {
            let text = answer(&offer, local, 1);
            assert!(reparses(&text), "{text:?}");
        }
    };
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for seed in &seeds {
        let bytes = seed.as_bytes();
        for cut in 0..bytes.len() {
            check(&bytes[..cut]);
        }
        for _ in 0..3000 {
            let mut data = bytes.to_vec();
            for _ in 0..1 + state % 4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let at = (state as usize) % data.len();
                data[at] = (state >> 32) as u8;
            }
            check(&data);
        }
    }
}

/// A terminal sharing content: its camera line, then a second video line
/// of slides (RFC 4796) that it sends.
const SHARING: &str = "v=0
o=- 1 2 IN IP4 10.0.0.7
s=-
c=IN IP4 10.0.0.7
t=0 0
m=audio 40000 RTP/AVP 111
a=rtpmap:111 opus/48000/2
m=video 40002 RTP/AVP 96
b=AS:1024
a=rtpmap:96 H264/90000
a=fmtp:96 packetization-mode=1;profile-level-id=42e01f
m=video 40004 RTP/AVP 100
b=AS:1500
a=rtpmap:100 H264/90000
a=fmtp:100 packetization-mode=1;profile-level-id=42e028
a=rtcp-fb:100 nack pli
a=content:slides
a=sendonly
";

#[test]
fn a_content_line_is_read_apart_from_the_camera_and_answered_receive_only() {
    let offer = offer(SHARING).unwrap();
    let video = offer.video.clone().unwrap();
    assert_eq!((video.to.rtp.port(), video.pt), (40002, 96));
    let content = offer.content.clone().unwrap();
    assert_eq!(content.to.rtp, "10.0.0.7:40004".parse().unwrap());
    assert_eq!((content.pt, content.class), (100, VideoClass::Hd1080));
    assert!(content.feedback.pli);

    let local = Local {
        ip: [192, 0, 2, 1].into(),
        video_port: 50002,
        audio_port: 50000,
        content_port: Some(50010),
        content_out_port: None,
    };
    let text = answer_version(&offer, local, 7, 2);
    let back = gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).unwrap();
    assert_eq!(back.origin().and_then(|o| o.sess_version()), Some("2"));
    assert_eq!(back.medias_len(), 3);
    assert_eq!(back.media(1).unwrap().attribute_val("content"), None);
    let line = back.media(2).unwrap();
    assert_eq!((line.media(), line.port()), (Some("video"), 50010));
    assert_eq!(line.attribute_val("content"), Some("slides"));
    assert!(line.attributes().any(|a| a.key() == "recvonly"));
    assert!(!line.attributes().any(|a| a.key() == "sendrecv"));
    assert_eq!(line.format(0), Some("100"));

    // Not taken (nothing could be shown): refused with port 0.
    let text = answer(
        &offer,
        Local {
            content_port: None,
            content_out_port: None,
            ..local
        },
        7,
    );
    let back = gst_sdp::SDPMessage::parse_buffer(text.as_bytes()).unwrap();
    assert_eq!(back.media(2).unwrap().port(), 0);
}

#[test]
fn a_content_line_only_received_is_answered_send_only() {
    let receiving = SHARING.replace("a=sendonly", "a=recvonly");
    let offer = offer(&receiving).unwrap();
    assert!(offer.content.is_none(), "it shares nothing");
    let watch = offer.content_watch.clone().unwrap();
    assert_eq!((watch.to.rtp.port(), watch.pt), (40004, 100));
    assert!(watch.feedback.pli && !watch.feedback.nack && watch.rtx_pt.is_none());
    let local = Local {
        ip: [192, 0, 2, 1].into(),
        video_port: 50002,
        audio_port: 50000,
        content_port: None,
        content_out_port: Some(50020),
    };
    let back = gst_sdp::SDPMessage::parse_buffer(answer(&offer, local, 7).as_bytes()).unwrap();
    let line = back.media(2).unwrap();
    assert_eq!(line.port(), 50020);
    assert_eq!(line.attribute_val("content"), Some("slides"));
    assert!(line.attributes().any(|a| a.key() == "sendonly"));
    assert!(!line.attributes().any(|a| a.value() == Some("100 nack")));
    // No leg for it: refused.
    let refused = answer(
        &offer,
        Local {
            content_out_port: None,
            ..local
        },
        7,
    );
    let back = gst_sdp::SDPMessage::parse_buffer(refused.as_bytes()).unwrap();
    assert_eq!(back.media(2).unwrap().port(), 0);
}

#[test]
fn content_stopped_is_not_shared() {
    // Stopping: the same line at port 0.
    let stopped = SHARING.replace("m=video 40004", "m=video 0");
    let offer = offer(&stopped).unwrap();
    assert!(offer.content.is_none() && offer.video.is_some());
    assert!(offer.content_watch.is_none());
    // Content first, camera second: each still found by what it is.
    let swapped = "v=0
o=- 1 1 IN IP4 10.0.0.7
s=-
c=IN IP4 10.0.0.7
t=0 0
m=video 40004 RTP/AVP 100
a=rtpmap:100 H264/90000
a=fmtp:100 packetization-mode=1
a=content:main,slides
m=video 40002 RTP/AVP 96
a=rtpmap:96 H264/90000
a=fmtp:96 packetization-mode=1
";
    let offer = self::offer(swapped).unwrap();
    assert_eq!(offer.content.unwrap().to.rtp.port(), 40004);
    assert_eq!(offer.video.unwrap().to.rtp.port(), 40002);
}
