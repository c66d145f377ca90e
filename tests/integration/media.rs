//! The media engine's first brick on real GStreamer: probing the registry
//! for the board profiles, and H.264 / Opus over RTP on 127.0.0.1 into
//! appsinks, asserting on decoded pixels and audio energy.

use std::path::Path;
use std::time::{Duration, Instant};

use roomterm::board::BoardProfile;
use roomterm::media::{
    element_exists, AudioLoopback, AudioLoopbackConfig, MediaError, MediaPlan, RgbFrame,
    SourceMode, VideoLoopback, VideoLoopbackConfig,
};

fn profile(id: &str) -> BoardProfile {
    BoardProfile::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("board"), id).unwrap()
}

fn generic_plan() -> MediaPlan {
    MediaPlan::probe(&profile("generic-x86_64"), SourceMode::Profile)
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn probing_generic_x86_64_picks_the_software_codecs() {
    let plan = generic_plan();
    // vah264enc/dec come first but register only with a VA-API GPU.
    let encoder = if element_exists("vah264enc") {
        "vah264enc"
    } else {
        "x264enc"
    };
    let decoder = if element_exists("vah264dec") {
        "vah264dec"
    } else {
        "avdec_h264"
    };
    assert_eq!(plan.h264_encoder, encoder);
    assert_eq!(plan.h264_decoder, decoder);
    assert_eq!(plan.video_sink, "autovideosink");
    assert_eq!(plan.camera.element, "videotestsrc");
    assert_eq!(plan.microphone.element, "audiotestsrc");
    assert!(plan.camera.device.is_none() && plan.microphone.device.is_none());
}

#[test]
fn probing_a_profile_of_missing_elements_names_every_candidate() {
    let mut board = profile("rk3588");
    board.media.h264_encoders = vec!["nosuchh264enc".into(), "otherh264enc".into()];
    board.media.h264_decoders = vec!["nosuchh264dec".into()];
    board.media.video_sinks = vec!["nosuchsink".into()];
    board.media.camera_source = "nosuchcamsrc".into();
    board.media.microphone_source = "nosuchmicsrc".into();
    let err = MediaPlan::probe(&board, SourceMode::Profile).unwrap_err();
    let MediaError::Probe(probe) = &err else {
        panic!("not a probe error: {err}");
    };
    assert_eq!(probe.missing.len(), 5, "{err}");
    let text = err.to_string();
    println!("{text}");
    for name in [
        "H.264 encoder (tried nosuchh264enc, otherh264enc)",
        "H.264 decoder (tried nosuchh264dec)",
        "video sink (tried nosuchsink)",
        "camera source (tried nosuchcamsrc)",
        "microphone source (tried nosuchmicsrc)",
        "none is installed",
    ] {
        assert!(text.contains(name), "{name:?} not in {text}");
    }
    // Test sources replace the missing camera and microphone.
    let err = MediaPlan::probe(&board, SourceMode::Test)
        .unwrap_err()
        .to_string();
    assert!(
        !err.contains("camera source") && !err.contains("microphone"),
        "{err}"
    );
}

/// Waits for a decoded frame whose centre is within `tolerance` of `rgb`
/// (the first frames may still be converging): it and the frames pulled.
fn frame_of_colour(loopback: &VideoLoopback, rgb: [u8; 3], tolerance: u8) -> (RgbFrame, usize) {
    let started = Instant::now();
    let mut frames = 0;
    let mut last = None;
    while started.elapsed() < Duration::from_secs(10) {
        let frame = loopback
            .next_frame(Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("{e}"));
        frames += 1;
        let centre = frame.centre_mean(32);
        if RgbFrame::distance(centre, rgb) <= tolerance {
            return (frame, frames);
        }
        last = Some(centre);
    }
    panic!("no frame near {rgb:?} in 10 s ({frames} frames, last centre {last:?})");
}

#[test]
fn h264_over_rtp_delivers_the_sent_colour() {
    let plan = generic_plan();
    for (argb, rgb) in [
        (0xff00ff00u32, [0u8, 255, 0]),
        (0xff2040c0, [0x20, 0x40, 0xc0]),
    ] {
        let started = Instant::now();
        let loopback = VideoLoopback::start(&VideoLoopbackConfig::small(&plan, argb))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            loopback.encoder_settings().skipped.is_empty() || plan.h264_encoder != "x264enc",
            "{:?}",
            loopback.encoder_settings()
        );
        let (frame, frames) = frame_of_colour(&loopback, rgb, 24);
        let first_match = started.elapsed();
        assert_eq!((frame.width, frame.height), (320, 240));
        // The whole picture is the colour, not just the centre.
        for (x, y) in [(8, 8), (311, 8), (8, 231), (311, 231)] {
            let p = frame.pixel(x, y);
            assert!(
                RgbFrame::distance(p, rgb) <= 32,
                "pixel ({x},{y}) = {p:?}, sent {rgb:?}"
            );
        }
        // Frames keep coming.
        for _ in 0..10 {
            loopback.next_frame(Duration::from_secs(5)).unwrap();
        }
        println!(
            "{} → {}: colour {argb:#010x} centre {:?} after {frames} frame(s), first match {} ms after start (port {})",
            plan.h264_encoder,
            plan.h264_decoder,
            frame.centre_mean(32),
            first_match.as_millis(),
            loopback.port()
        );
    }
}

#[test]
fn opus_over_rtp_carries_the_tone_and_silence_when_muted() {
    let loopback =
        AudioLoopback::start(&AudioLoopbackConfig::default()).unwrap_or_else(|e| panic!("{e}"));
    // Let the encoder and jitter buffer settle, then measure one second.
    loopback.measure(Duration::from_millis(300)).unwrap();
    let tone = loopback.measure(Duration::from_secs(1)).unwrap();
    // A 0.5 full-scale sine: RMS 0.354 (−9 dBFS) when sent.
    assert!(tone.samples >= 40_000, "{tone:?}");
    assert!(
        tone.dbfs() > -13.0 && tone.dbfs() < -6.0,
        "tone at {:.1} dBFS",
        tone.dbfs()
    );

    loopback.set_muted(true);
    loopback.measure(Duration::from_millis(500)).unwrap(); // in flight before the mute
    let muted = loopback.measure(Duration::from_secs(1)).unwrap();
    assert!(
        muted.samples >= 40_000,
        "the stream keeps flowing: {muted:?}"
    );
    assert!(muted.rms < 0.001, "muted at {:.1} dBFS", muted.dbfs());

    loopback.set_muted(false);
    loopback.measure(Duration::from_millis(500)).unwrap();
    let back = loopback.measure(Duration::from_secs(1)).unwrap();
    assert!(back.dbfs() > -13.0, "unmuted at {:.1} dBFS", back.dbfs());
    println!(
        "opus loopback (port {}): tone {:.1} dBFS (peak {:.2}, {} samples), muted {:.1} dBFS, unmuted {:.1} dBFS",
        loopback.port(),
        tone.dbfs(),
        tone.peak,
        tone.samples,
        muted.dbfs(),
        back.dbfs()
    );
}

#[test]
fn audio_muted_from_the_start_is_near_silence() {
    let loopback = AudioLoopback::start(&AudioLoopbackConfig {
        muted: true,
        ..AudioLoopbackConfig::default()
    })
    .unwrap();
    let level = loopback.measure(Duration::from_millis(500)).unwrap();
    assert!(level.samples > 0);
    assert!(level.rms < 0.001, "{:.1} dBFS", level.dbfs());
}

/// A room whose camera and microphone do not open (unplugged, or a wrong
/// device in the profile) still calls: the far end sees black and hears
/// silence instead of the call failing, and the room is told which device
/// is missing.
#[test]
fn missing_devices_leave_the_call_running_black_and_silent() {
    use roomterm::media::{tone_rms, CallMedia, CallMediaConfig, Source};
    let plan = generic_plan();
    let receiver = CallMedia::receive(CallMediaConfig::small(&plan, 0xff000000, 300.0)).unwrap();
    let (video, audio) = receiver.local_ports();
    let config = CallMediaConfig {
        camera: Source {
            element: "v4l2src".into(),
            device: Some("/dev/video-nosuch".into()),
        },
        microphone: Source {
            element: "alsasrc".into(),
            device: Some("hw:CARD=NoSuchCard".into()),
        },
        ..CallMediaConfig::small(&plan, 0xffff0000, 700.0)
    };
    let sender = CallMedia::receive(config).unwrap();
    sender
        .send_to(([127, 0, 0, 1], video), ([127, 0, 0, 1], audio))
        .unwrap();
    let devices = sender.devices();
    let camera = devices.camera_missing.expect("the camera is reported");
    assert!(camera.contains("v4l2src"), "{camera}");
    let microphone = devices
        .microphone_missing
        .expect("the microphone is reported");
    assert!(microphone.contains("alsasrc"), "{microphone}");
    // Black, not the red a test camera would have sent.
    let frame = receiver.next_frame(Duration::from_secs(10)).unwrap();
    let centre = frame.pixel(frame.width / 2, frame.height / 2);
    assert!(RgbFrame::distance(centre, [0, 0, 0]) <= 40, "{centre:?}");
    // Silence, not the 700 Hz a test microphone would have sent.
    receiver.flush();
    let heard = receiver.listen(Duration::from_millis(600)).unwrap();
    assert!(tone_rms(&heard, 48_000.0, 700.0) < 0.01);
}
