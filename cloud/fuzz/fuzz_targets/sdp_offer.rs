//! Arbitrary bytes as an INVITE's SDP offer: reading it must never panic,
//! and an accepted offer's answer must parse as SDP again.

#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcloud::focus::sdp::{answer, read_offer, Local, VideoClass};

fuzz_target!(|data: &[u8]| {
    roomcloud::media::init().expect("GStreamer");
    if let Ok(offer) = read_offer(data, VideoClass::Hd1080) {
        let local = Local {
            ip: [127, 0, 0, 1].into(),
            video_port: 5000,
            audio_port: 5002,
        };
        let text = answer(&offer, local, 1);
        assert!(
            roomcloud::focus::sdp::reparses(&text),
            "answer does not parse: {text:?}"
        );
    }
});
