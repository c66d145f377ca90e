//! A guest who dials a meeting without its password and has a keypad is
//! not refused but asked: the cloud answers, speaks the prompt, and takes
//! the password as the phone's keypad sends it — RFC 4733 events in its
//! RTP, or INFO dtmf-relay — ending with `#`. The right one puts it in the
//! meeting on the ports already answered (it hears the room, the room
//! hears it); three wrong ones get a goodbye and a BYE; a caller without a
//! keypad is refused with `password_required`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use roomterm::media::{tone_rms, CallMedia, CallMediaConfig};
use serde_json::json;
use tokio::net::UdpSocket;

use crate::common;
use crate::common::caller::Caller;

/// An Opus-only offer (a phone) with telephone-events at `pt` (`None`:
/// no keypad).
fn phone_offer(audio: u16, telephone_event: Option<u8>) -> String {
    let (formats, event) = match telephone_event {
        Some(pt) => (
            format!("111 {pt}"),
            format!("a=rtpmap:{pt} telephone-event/48000\r\na=fmtp:{pt} 0-15\r\n"),
        ),
        None => ("111".into(), String::new()),
    };
    format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {audio} RTP/AVP {formats}\r\na=rtpmap:111 opus/48000/2\r\n{event}"
    )
}

/// Presses `keys` as RFC 4733 events (each: a start, an update, three
/// ends) on the RTP stream to `to`.
async fn press(socket: &UdpSocket, to: SocketAddr, pt: u8, keys: &str, seq: &mut u16) {
    for key in keys.chars() {
        let event = match key {
            '*' => 10,
            '#' => 11,
            digit => digit.to_digit(10).unwrap() as u8,
        };
        let timestamp = u32::from(*seq) * 960;
        for end in [false, false, true, true, true] {
            *seq = seq.wrapping_add(1);
            let mut packet = vec![0x80, pt];
            packet.extend(seq.to_be_bytes());
            packet.extend(timestamp.to_be_bytes());
            packet.extend(0xdead_beefu32.to_be_bytes());
            packet.extend([event, if end { 0x8a } else { 0x0a }, 0x03, 0x20]);
            socket.send_to(&packet, to).await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// RMS of what `media` hears over `window` (and of a tone, if given).
fn heard(media: &CallMedia, window: Duration, tone: Option<f64>) -> f64 {
    media.flush();
    let samples = media.listen(window).unwrap();
    match tone {
        Some(hz) => tone_rms(&samples, 48_000.0, hz),
        None => (samples
            .iter()
            .map(|&s| (f64::from(s) / 32768.0).powi(2))
            .sum::<f64>()
            / samples.len().max(1) as f64)
            .sqrt(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_types_the_password_on_its_keypad_and_joins() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(dir.path()).await;
    let id = common::create_meeting(
        &admin,
        json!({ "subject": "Budget", "host_password": "1111", "guest_password": "3333",
                "join_before_host": true }),
    )
    .await;
    let plan = common::media_plan();
    // A room in the meeting: green, 440 Hz.
    let room = CallMedia::receive(CallMediaConfig::small(&plan, 0xff00ff00, 440.0)).unwrap();
    let mut room_sip = Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, "room").await;
    let (v, a) = room.local_ports();
    let answer = room_sip
        .invite(&format!("{id}*1111"), &common::caller::offer(v, a, 96, 111))
        .await;
    assert_eq!(answer.code, 200);
    let (ip, video, audio) = answer.media();
    room.send_to((ip, video), (ip, audio)).unwrap();

    // A phone without a keypad: refused, told why.
    let mut mute_phone = Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, "p0").await;
    let refused = mute_phone.invite(&id, &phone_offer(9, None)).await;
    assert_eq!(refused.code, 403, "{}", refused.raw);
    assert!(refused.raw.contains("password_required"), "{}", refused.raw);

    // A phone with one (660 Hz): answered, asked, not yet in the meeting.
    let phone = CallMedia::receive(CallMediaConfig::small(&plan, 0xff000000, 660.0)).unwrap();
    let (_, phone_audio) = phone.local_ports();
    let mut phone_sip = Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, "p1").await;
    let answer = phone_sip
        .invite(&id, &phone_offer(phone_audio, Some(101)))
        .await;
    assert_eq!(answer.code, 200, "{}", answer.raw);
    assert!(
        answer.body.contains("telephone-event/48000"),
        "{}",
        answer.body
    );
    let (ip, _, cloud_audio) = answer.media();
    let cloud_audio = SocketAddr::new(ip, cloud_audio);
    phone.send_to(([127, 0, 0, 1], 9), cloud_audio).unwrap();
    assert_eq!(cloud.focus.roster(&id).len(), 1, "waiting is not joining");
    tokio::task::block_in_place(|| {
        // The prompt is speech: sound, and not the room's tone.
        let level = heard(&phone, Duration::from_millis(1500), None);
        assert!(level > 0.01, "no prompt heard ({level:.4})");
        assert!(heard(&phone, Duration::from_millis(600), Some(440.0)) < 0.01);
    });

    // A wrong password by RFC 4733, then the right one by INFO.
    let keypad = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut seq = 100;
    press(&keypad, cloud_audio, 101, "12#", &mut seq).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        cloud.focus.roster(&id).len(),
        1,
        "a wrong password let it in"
    );
    for key in ["3", "3", "3", "3", "#"] {
        let ok = phone_sip
            .info(
                &id,
                "application/dtmf-relay",
                &format!("Signal={key}\r\nDuration=160\r\n"),
            )
            .await;
        assert_eq!(ok.code, 200);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while cloud.focus.roster(&id).len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the right password did not let it in"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // In the meeting on the same ports: each hears the other.
    tokio::task::block_in_place(|| {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let level = heard(&phone, Duration::from_millis(600), Some(440.0));
            if level > 0.05 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the phone does not hear the room ({level:.3})"
            );
        }
        let level = heard(&room, Duration::from_millis(600), Some(660.0));
        assert!(
            level > 0.05,
            "the room does not hear the phone ({level:.3})"
        );
    });

    // Three wrong passwords: goodbye, and the cloud hangs up.
    let mut guesser = Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, "p2").await;
    let listener = CallMedia::receive(CallMediaConfig::small(&plan, 0xff000000, 880.0)).unwrap();
    let answer = guesser
        .invite(&id, &phone_offer(listener.local_ports().1, Some(101)))
        .await;
    assert_eq!(answer.code, 200);
    let (ip, _, audio) = answer.media();
    let mut seq = 7000;
    for guess in ["9#", "98#", "987#"] {
        press(&keypad, SocketAddr::new(ip, audio), 101, guess, &mut seq).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let bye = guesser
        .expect_request("BYE", Duration::from_secs(20))
        .await
        .expect("the cloud hangs up after three wrong passwords");
    assert!(bye.contains("Reason: SIP;cause=403"), "{bye}");
    assert_eq!(cloud.focus.roster(&id).len(), 2);
    cloud.shutdown().await;
}

/// A real third-party phone (sipp, Debian's sip-tester) dials the meeting
/// without the password and types it: its recorded RFC 4733 key presses
/// reach the waiting room, the pause enters them, and it is in the
/// meeting under its own name until it hangs up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sipp_phone_types_the_password_with_recorded_keys() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(dir.path()).await;
    let id = common::create_meeting(
        &admin,
        json!({ "subject": "Call-in", "host_password": "1111", "guest_password": "3333",
                "join_before_host": true }),
    )
    .await;
    let scenario =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sipp/keypad_guest.xml");
    let free_port = || {
        std::net::UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (sip_port, media_port) = (free_port(), free_port() & !1);
    let cloud_sip = cloud.endpoints.sip_udp;
    let domain = cloud.endpoints.domain.clone();
    let meeting = id.clone();
    let sipp = tokio::task::spawn_blocking(move || {
        std::process::Command::new("sipp")
            .arg(cloud_sip.to_string())
            .args(["-sf", scenario.to_str().unwrap()])
            .args(["-s", &meeting, "-key", "domain", &domain])
            .args(["-i", "127.0.0.1", "-p", &sip_port.to_string()])
            .args(["-mp", &media_port.to_string()])
            .args(["-m", "1", "-timeout", "40s", "-timeout_error", "-nostdin"])
            .current_dir(std::env::temp_dir())
            .output()
            .expect("sipp runs (./run test installs sip-tester)")
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let joined = loop {
        let roster = cloud.focus.roster(&id);
        if let Some(entry) = roster.iter().find(|e| e.name == "sipp phone") {
            break entry.clone();
        }
        assert!(Instant::now() < deadline, "sipp never joined: {roster:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!joined.is_host(), "a guest password makes a guest");
    let output = sipp.await.unwrap();
    assert!(
        output.status.success(),
        "sipp failed:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        cloud.focus.roster(&id).is_empty(),
        "its BYE left the meeting"
    );
    cloud.shutdown().await;
}
