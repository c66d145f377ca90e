//! The room receives a browser's screen cast: a second webrtcbin stands in
//! for the browser (`common::caster`), its offer goes to
//! `CastReceiver::answer`, the answer back; everything on 127.0.0.1 (both
//! ICE agents are kept to it). Asserted on decoded pixels and sound.

use std::time::{Duration, Instant};

use roomterm::cast::{CastConfig, CastError, CastLink, CastReceiver, LostReason};
use roomterm::media::{tone_rms, AudioLevel, RgbFrame};

use crate::common::caster::{Caster, Offering};

const RED: u32 = 0xffff0000;
const GREEN: u32 = 0xff00ff00;

pub(crate) fn config(prefer_h264: bool) -> CastConfig {
    let mut config = CastConfig::from_plan(&crate::common::media_plan());
    config.prefer_h264 = prefer_h264;
    config.ice_addresses = vec![[127, 0, 0, 1].into()];
    config
}

/// The centre of the next frames, until it is `rgb` (or `within` passed).
pub(crate) fn wait_for_colour(receiver: &CastReceiver, rgb: [u8; 3], within: Duration) -> RgbFrame {
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

/// The screen's thread takes pictures while the signalling's adds
/// candidates: the receiver is shared.
#[test]
fn the_receiver_is_shared_between_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<CastReceiver>();
}

#[test]
fn a_vp8_screen_is_decoded_and_its_loss_noticed() {
    let offering = Offering {
        codecs: vec!["VP8", "H264"],
        audio: false,
        colour: RED,
    };
    let (caster, receiver, answer, started) = cast(&offering, config(false));
    assert_eq!(first_video_codec(&answer), "VP8");
    let frame = wait_for_colour(&receiver, [255, 0, 0], Duration::from_secs(10));
    eprintln!("first red frame after {:?}", started.elapsed());
    assert_eq!((frame.width, frame.height), (320, 240));
    assert_eq!(receiver.codec(), Some("VP8"));
    assert_eq!(*receiver.link().borrow(), CastLink::Connected);

    caster.paint(GREEN);
    wait_for_colour(&receiver, [0, 255, 0], Duration::from_secs(5));

    // A new size mid-cast (a resized window, a browser adapting): the
    // picture follows, unscaled.
    caster.resize(480, 272);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let frame = wait_for_colour(&receiver, [0, 255, 0], Duration::from_secs(5));
        if (frame.width, frame.height) == (480, 272) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still {}x{}",
            frame.width,
            frame.height
        );
    }

    let closed = Instant::now();
    caster.close();
    let lost = wait_for_loss(&receiver, Duration::from_secs(2));
    eprintln!("lost after {:?}: {lost:?}", closed.elapsed());
    assert!(
        matches!(lost, CastLink::Lost(LostReason::Silent(_))),
        "{lost:?}"
    );

    let pipeline = receiver.pipeline();
    receiver.stop();
    assert!(pipeline.upgrade().is_none(), "the pipeline outlived stop()");
}

/// Payload types of the answer's video m-line, and the encodings they name.
fn video_formats(answer: &str) -> Vec<(String, String)> {
    let m = answer.lines().find(|l| l.starts_with("m=video")).unwrap();
    m.split(' ')
        .skip(3)
        .map(|pt| {
            let rtpmap = answer
                .lines()
                .find(|l| l.starts_with(&format!("a=rtpmap:{pt} ")))
                .unwrap_or_default();
            let name = rtpmap.split([' ', '/']).nth(1).unwrap_or_default();
            (pt.to_string(), name.to_ascii_uppercase())
        })
        .collect()
}

#[test]
fn a_chromium_offer_is_answered_with_the_preferred_codec_alone() {
    let offer = include_str!("../../src/cast/testdata/chromium-156-offer.sdp");
    let (receiver, answer) = CastReceiver::answer(offer, config(true)).unwrap();
    // The first H.264 in mode 1 and its RTX, nothing else (webrtcbin
    // answers one format of those the transceiver takes).
    let formats = video_formats(&answer);
    let names: Vec<&str> = formats.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["H264", "RTX"], "{answer}");
    assert_eq!(formats[0].0, "102");
    assert!(answer.contains("profile-level-id=42001f"), "{answer}");
    assert!(answer.contains("a=rtcp-fb:102 nack pli"), "{answer}");
    assert!(answer.contains("a=recvonly"), "{answer}");
    assert!(answer.contains("a=rtpmap:111 OPUS/48000/2"), "{answer}");
    assert!(receiver.has_audio());
    drop(receiver);

    let (_, answer) = CastReceiver::answer(offer, config(false)).unwrap();
    let formats = video_formats(&answer);
    let names: Vec<&str> = formats.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["VP8", "RTX"], "{answer}");
}

#[test]
fn odd_offers_are_answered_or_refused_never_a_crash() {
    let chromium = include_str!("../../src/cast/testdata/chromium-156-offer.sdp");
    let without = |prefix: &str| -> String {
        chromium
            .split("\r\n")
            .filter(|l| !l.starts_with(prefix))
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    let video_end = chromium.find("m=audio").unwrap();
    // The video m-line's ICE credentials and fingerprint, for another m-line.
    let transport = chromium
        .split("\r\n")
        .filter(|l| l.starts_with("a=ice-") || l.starts_with("a=fingerprint"))
        .take(4)
        .collect::<Vec<_>>()
        .join("\r\n");
    // What webrtcbin refuses to set as remote description.
    let refused = [
        "no mid",
        "no setup",
        "BUNDLE of unknown mids",
        "data channel without fingerprint",
    ];
    let cases: Vec<(&str, String)> = vec![
        ("no mid", without("a=mid:")),
        ("no setup", without("a=setup:")),
        ("no BUNDLE", without("a=group:BUNDLE")),
        ("BUNDLE of unknown mids", chromium.replace("a=group:BUNDLE 0 1", "a=group:BUNDLE 7 9")),
        ("setup:active", chromium.replace("a=setup:actpass", "a=setup:active")),
        ("setup:passive", chromium.replace("a=setup:actpass", "a=setup:passive")),
        ("no rtcp-mux", without("a=rtcp-mux")),
        ("sendrecv", chromium.replace("a=sendonly", "a=sendrecv")),
        ("no direction", without("a=sendonly")),
        ("video twice", format!("{}{}", &chromium[..video_end], &chromium[chromium.find("m=video").unwrap()..])),
        ("video port 0", chromium.replace("m=video 9", "m=video 0")),
        ("bad fmtp", chromium.replace("a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f", "a=fmtp:102 ;;=;packetization-mode=1;=x")),
        ("bad rtpmap", chromium.replace("a=rtpmap:102 H264/90000", "a=rtpmap:102 H264")),
        ("cut in half", chromium[..chromium.len() / 2].to_string()),
        ("cut after video", chromium[..video_end].to_string()),
        ("data channel", format!("{chromium}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n{}\r\na=setup:actpass\r\na=mid:2\r\na=sctp-port:5000\r\n", transport)),
        ("data channel without fingerprint", format!("{chromium}m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=sctp-port:5000\r\n")),
        ("no ICE options, LF only", without("a=ice-options").replace("\r\n", "\n")),
    ];
    for (i, (name, offer)) in cases.into_iter().enumerate() {
        let prefer_h264 = i % 2 == 0;
        let outcome = CastReceiver::answer(&offer, config(prefer_h264))
            .map(|(receiver, answer)| (receiver.has_audio(), first_video_codec(&answer)));
        eprintln!("{name} (H.264 preferred: {prefer_h264}): {outcome:?}");
        match (&outcome, name) {
            (Err(CastError::BadOffer(why)), _) if refused.contains(&name) => {
                assert!(why.contains("webrtcbin refused"), "{name}: {why}")
            }
            (Err(CastError::BadOffer(_)), "video port 0") => {}
            (Ok((_, codec)), _) => {
                assert_eq!(codec, if prefer_h264 { "H264" } else { "VP8" }, "{name}")
            }
            _ => panic!("{name}: {outcome:?}"),
        }
    }
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

#[test]
fn h264_is_chosen_when_preferred_and_tab_audio_is_heard() {
    // VP8 first in the offer, as browsers list it: the preference wins.
    let offering = Offering {
        codecs: vec!["VP8", "H264"],
        audio: true,
        colour: GREEN,
    };
    // With a speaker, so tab audio also goes through the tee's second branch.
    let mut with_speaker = config(true);
    with_speaker.speaker = Some("fakesink".into());
    let (caster, receiver, answer, started) = cast(&offering, with_speaker);
    assert_eq!(first_video_codec(&answer), "H264");
    assert!(
        !answer.contains("VP8/90000"),
        "only the chosen codec is answered:\n{answer}"
    );
    assert!(answer.contains("a=rtpmap:111 OPUS/48000"), "{answer}");
    wait_for_colour(&receiver, [0, 255, 0], Duration::from_secs(10));
    eprintln!("first H.264 frame after {:?}", started.elapsed());
    assert_eq!(receiver.codec(), Some("H264"));
    caster.paint(RED);
    wait_for_colour(&receiver, [255, 0, 0], Duration::from_secs(5));

    // A 440 Hz sine at half scale: RMS 0.35 sent.
    assert!(receiver.has_audio());
    let samples = receiver.listen(Duration::from_secs(1)).unwrap();
    let level = AudioLevel::of(&samples);
    let tone = tone_rms(&samples, 48_000.0, 440.0);
    eprintln!(
        "tab audio: {} samples, RMS {:.3}, 440 Hz {tone:.3}",
        samples.len(),
        level.rms
    );
    assert!(samples.len() > 40_000, "{} samples in 1 s", samples.len());
    assert!(
        level.rms > 0.2 && tone > 0.2,
        "RMS {:.3}, 440 Hz {tone:.3}",
        level.rms
    );

    // Dropped rather than stopped: as clean.
    let pipeline = receiver.pipeline();
    drop(receiver);
    assert!(
        pipeline.upgrade().is_none(),
        "the pipeline outlived the drop"
    );
}

#[test]
fn vp8_is_chosen_without_preference_even_when_h264_comes_first() {
    let offering = Offering {
        codecs: vec!["H264", "VP8"],
        audio: false,
        colour: RED,
    };
    let (_caster, receiver, answer, _) = cast(&offering, config(false));
    assert_eq!(first_video_codec(&answer), "VP8");
    assert!(!answer.contains("H264"), "{answer}");
    wait_for_colour(&receiver, [255, 0, 0], Duration::from_secs(10));
    assert_eq!(receiver.codec(), Some("VP8"));
    assert!(!receiver.has_audio());
    assert!(receiver.listen(Duration::from_millis(100)).is_err());
}

#[test]
fn a_quiet_caster_is_asked_for_a_key_frame_before_it_counts_as_gone() {
    let offering = Offering {
        codecs: vec!["VP8"],
        audio: false,
        colour: RED,
    };
    let (caster, receiver, _, _) = cast(&offering, config(false));
    wait_for_colour(&receiver, [255, 0, 0], Duration::from_secs(10));
    let before = caster.key_requests();
    let frozen = Instant::now();
    caster.freeze();
    let lost = wait_for_loss(&receiver, Duration::from_secs(3));
    let asked = caster.key_requests() - before;
    eprintln!(
        "frozen: {asked} key-frame requests, lost after {:?}",
        frozen.elapsed()
    );
    // Asked from 1 s of quiet, every 250 ms: twice before 1.5 s.
    assert!(asked >= 1, "no key-frame request reached the caster");
    assert!(
        matches!(lost, CastLink::Lost(LostReason::Silent(_))),
        "{lost:?}"
    );
}

/// The link once lost, waited for up to `within`.
pub(crate) fn wait_for_loss(receiver: &CastReceiver, within: Duration) -> CastLink {
    let mut link = receiver.link();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let lost = runtime.block_on(async {
        tokio::time::timeout(within, link.wait_for(|l| matches!(l, CastLink::Lost(_))))
            .await
            .map(|state| state.map(|l| l.clone()))
    });
    lost.unwrap_or_else(|_| panic!("not lost within {within:?}"))
        .unwrap()
}

/// The offer's and the answer's `a=candidate` lines, taken out.
fn without_candidates(sdp: &str) -> (String, Vec<String>) {
    let (candidates, rest): (Vec<&str>, Vec<&str>) =
        sdp.lines().partition(|l| l.starts_with("a=candidate:"));
    let rest: Vec<&str> = rest
        .into_iter()
        .filter(|l| !l.starts_with("a=end-of-candidates"))
        .collect();
    (
        rest.join("\r\n") + "\r\n",
        candidates.into_iter().map(str::to_string).collect(),
    )
}

#[test]
fn trickled_candidates_are_taken_and_bad_ones_refused() {
    let offering = Offering {
        codecs: vec!["VP8"],
        audio: false,
        colour: GREEN,
    };
    let (mut caster, offer) = Caster::offer(&offering);
    let (offer, candidates) = without_candidates(&offer);
    assert!(!candidates.is_empty());
    let (receiver, answer) = CastReceiver::answer(&offer, config(false)).unwrap();
    // Neither side knows the other's candidates from the SDP: only the
    // room's checks towards the trickled ones can connect.
    let (answer, _) = without_candidates(&answer);
    caster.accept(&answer);
    for line in &candidates {
        // As a signalling channel may carry it: with `a=` and a line end.
        receiver.add_candidate(0, &format!("{line}\r\n")).unwrap();
    }
    receiver.add_candidate(0, "").unwrap();
    for (mline, bad) in [
        (0, "candidate:1 1 udp 1 10.0.0.1 99999 typ host"),
        (0, "hello"),
        (7, candidates[0].as_str()),
    ] {
        match receiver.add_candidate(mline, bad) {
            Err(CastError::BadCandidate(_)) => {}
            other => panic!("{bad}: {other:?}"),
        }
    }
    wait_for_colour(&receiver, [0, 255, 0], Duration::from_secs(10));
}

#[test]
fn an_offer_without_usable_candidates_connects_through_the_browsers_checks() {
    // A browser's host candidates are mDNS names; where nothing resolves
    // them (and an offer with none at all is the same to the room), the
    // browser's checks to the room's candidates make the path.
    let offering = Offering {
        codecs: vec!["VP8"],
        audio: false,
        colour: RED,
    };
    let (mut caster, offer) = Caster::offer(&offering);
    let (offer, _) = without_candidates(&offer);
    let (receiver, answer) = CastReceiver::answer(&offer, config(false)).unwrap();
    caster.accept(&answer);
    wait_for_colour(&receiver, [255, 0, 0], Duration::from_secs(10));
}
