//! The room receives a browser's screen cast: a second webrtcbin stands in
//! for the browser (`common::caster`), its offer goes to
//! `CastReceiver::answer`, the answer back; everything on 127.0.0.1 (both
//! ICE agents are kept to it). Asserted on decoded pixels and sound.

use std::time::{Duration, Instant};

use roomterm::cast::{CastConfig, CastError, CastLink, CastReceiver, LostReason};
use roomterm::media::{AudioLevel, RgbFrame};

use crate::common::caster::{Caster, Offering};

const RED: u32 = 0xffff0000;
const GREEN: u32 = 0xff00ff00;

fn config(prefer_h264: bool) -> CastConfig {
    let mut config = CastConfig::from_plan(&crate::common::media_plan());
    config.prefer_h264 = prefer_h264;
    config.ice_addresses = vec![[127, 0, 0, 1].into()];
    config
}

/// The centre of the next frames, until it is `rgb` (or `within` passed).
fn wait_for_colour(receiver: &CastReceiver, rgb: [u8; 3], within: Duration) -> RgbFrame {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = receiver
            .next_frame(left.max(Duration::from_millis(1)))
            .unwrap_or_else(|e| panic!("waiting for {rgb:?}: {e}"));
        let centre = frame.centre_mean(16);
        if RgbFrame::distance(centre, rgb) <= 40 {
            return frame;
        }
        assert!(Instant::now() < deadline, "centre {centre:?}, want {rgb:?}");
    }
}

fn first_video_codec(answer: &str) -> String {
    let m = answer
        .lines()
        .find(|l| l.starts_with("m=video"))
        .expect("a video m-line");
    let pt = m.split(' ').nth(3).unwrap();
    let rtpmap = answer
        .lines()
        .find(|l| l.starts_with(&format!("a=rtpmap:{pt} ")))
        .unwrap();
    rtpmap.split([' ', '/']).nth(1).unwrap().to_string()
}

/// Casts `offering`, returning both ends once the answer is in.
fn cast(offering: &Offering, config: CastConfig) -> (Caster, CastReceiver, String, Instant) {
    let (mut caster, offer) = Caster::offer(offering);
    let started = Instant::now();
    let (receiver, answer) = CastReceiver::answer(&offer, config).unwrap();
    caster.accept(&answer);
    (caster, receiver, answer, started)
}

#[test]
fn a_vp8_screen_is_decoded_and_its_loss_noticed() {
    let offering = Offering {
        codecs: vec!["VP8", "H264"],
        audio: false,
        colour: RED,
    };
    let (caster, receiver, answer, started) = cast(&offering, config(false));
    eprintln!("{answer}");
    assert_eq!(first_video_codec(&answer), "VP8");
    let frame = wait_for_colour(&receiver, [255, 0, 0], Duration::from_secs(10));
    eprintln!("first red frame after {:?}", started.elapsed());
    assert_eq!((frame.width, frame.height), (320, 240));
    assert_eq!(receiver.codec(), Some("VP8"));
    assert_eq!(*receiver.link().borrow(), CastLink::Connected);

    caster.paint(GREEN);
    wait_for_colour(&receiver, [0, 255, 0], Duration::from_secs(5));

    let mut link = receiver.link();
    let closed = Instant::now();
    caster.close();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let lost = runtime
        .block_on(async {
            tokio::time::timeout(
                Duration::from_secs(2),
                link.wait_for(|l| matches!(l, CastLink::Lost(_))),
            )
            .await
        })
        .expect("lost within 2 s")
        .unwrap()
        .clone();
    eprintln!("lost after {:?}: {lost:?}", closed.elapsed());
    assert!(
        matches!(lost, CastLink::Lost(LostReason::Silent(_))),
        "{lost:?}"
    );

    let pipeline = receiver.pipeline();
    receiver.stop();
    assert!(pipeline.upgrade().is_none(), "the pipeline outlived stop()");
}

#[test]
fn garbage_and_unsupported_offers_are_refused() {
    match CastReceiver::answer("garbage\0\u{1}", config(true)) {
        Err(CastError::BadOffer(why)) => assert!(why.contains("not SDP"), "{why}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("answered garbage"),
    }
    let (_caster, offer) = Caster::offer(&Offering {
        codecs: vec!["VP9"],
        audio: true,
        colour: RED,
    });
    match CastReceiver::answer(&offer, config(true)) {
        Err(CastError::Unsupported(why)) => assert!(why.contains("offered: VP9"), "{why}"),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("answered VP9"),
    }
}

#[allow(dead_code)]
fn rms(samples: &[i16]) -> f64 {
    AudioLevel::of(samples).rms
}
