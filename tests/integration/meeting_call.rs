//! Calls into a meeting through the cloud's SIP side, with terminals' call
//! media on real RTP: the right passwords join (host, then guest) and see
//! and hear each other through the conference media; an unknown meeting, a
//! wrong password and a full meeting are refused with the status, phrase
//! and reason code a terminal shows; BYE leaves and the layout follows.

use crate::common;
use crate::common::caller::{offer, Answer, Caller};

use std::time::{Duration, Instant};

use roomterm::media::{tone_rms, CallMedia, CallMediaConfig, MediaPlan, RgbFrame};
use serde_json::json;

/// A room: its call media and its SIP caller.
struct Room {
    media: CallMedia,
    caller: Caller,
}

async fn room(
    cloud: &roomcloud::RunningCloud,
    plan: &MediaPlan,
    name: &str,
    argb: u32,
    tone: f64,
) -> Room {
    let media = CallMedia::receive(CallMediaConfig::small(plan, argb, tone)).unwrap();
    let caller = Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, name).await;
    Room { media, caller }
}

impl Room {
    /// Dials `user` offering this room's media; on 200 starts sending to
    /// the answer's addresses.
    async fn dial(&mut self, user: &str) -> Answer {
        let (video, audio) = self.media.local_ports();
        let answer = self
            .caller
            .invite(user, &offer(video, audio, 96, 111))
            .await;
        if answer.code == 200 {
            let (ip, video, audio) = answer.media();
            self.media.send_to((ip, video), (ip, audio)).unwrap();
        }
        answer
    }
}

fn warning_code(answer: &Answer) -> String {
    answer
        .header("warning")
        .and_then(|w| w.split('"').nth(1).map(str::to_string))
        .unwrap_or_default()
}

/// Waits until `room`'s decoded picture shows `rgb` at the centre of the
/// rectangle the conference gives participant number `index` (join order).
fn sees(
    room: &Room,
    conference: &roomcloud::media::Conference,
    index: usize,
    rgb: [u8; 3],
) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        let frame: RgbFrame = room.media.next_frame(Duration::from_secs(5)).unwrap();
        let layout = conference.layout();
        let Some((_, rect)) = layout.get(index) else {
            return false;
        };
        let (cx, cy) = rect.centre();
        let (w, h) = conference.canvas();
        let (x, y) = (cx as u32 * frame.width / w, cy as u32 * frame.height / h);
        if RgbFrame::distance(frame.pixel(x, y), rgb) <= 40 {
            return true;
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_join_a_meeting_by_sip_see_and_hear_each_other_and_the_refused_are_told_why() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(dir.path()).await;
    let id = common::create_meeting(
        &admin,
        json!({
            "subject": "Weekly",
            "duration_mins": 60,
            "host_password": "1111",
            "guest_password": "2222",
            "join_before_host": true,
            "party_limit": 2,
        }),
    )
    .await;
    let plan = common::media_plan();

    // Nobody can join a meeting that does not exist.
    let mut stranger = room(&cloud, &plan, "stranger", 0xffffffff, 300.0).await;
    let unknown = stranger.dial("999999999").await;
    assert_eq!(
        (unknown.code, unknown.reason.as_str()),
        (404, "Meeting Not Found")
    );
    assert_eq!(warning_code(&unknown), "not_found");
    let wrong = stranger.dial(&format!("{id}*9999")).await;
    assert_eq!(
        (wrong.code, wrong.reason.as_str()),
        (403, "Wrong Meeting Password")
    );
    assert_eq!(warning_code(&wrong), "wrong_password");

    // The host (red, 440 Hz) and a guest (green, 660 Hz) join.
    let mut red = room(&cloud, &plan, "red", 0xffff0000, 440.0).await;
    let joined = red.dial(&format!("{id}*1111")).await;
    assert_eq!(joined.code, 200, "{}", joined.raw);
    assert!(
        joined.body.contains("packetization-mode=1"),
        "{}",
        joined.body
    );
    let mut green = room(&cloud, &plan, "green", 0xff00ff00, 660.0).await;
    assert_eq!(green.dial(&format!("{id}*2222")).await.code, 200);
    let roster = cloud.focus.roster(&id);
    assert_eq!(roster.len(), 2);
    assert!(roster[0].is_host() && !roster[1].is_host(), "{roster:?}");

    // The party limit is two: a third is refused, and says why.
    let full = stranger.dial(&format!("{id}*2222")).await;
    assert_eq!((full.code, full.reason.as_str()), (486, "Meeting Full"));
    assert_eq!(warning_code(&full), "full");

    // Each sees the other in its place and hears the other, not itself.
    let conference = cloud.focus.conference(&id).expect("a live conference");
    assert!(
        sees(&red, &conference, 1, [0, 255, 0]),
        "red does not see green"
    );
    assert!(
        sees(&green, &conference, 0, [255, 0, 0]),
        "green does not see red"
    );
    red.media.flush();
    let heard = red.media.listen(Duration::from_millis(600)).unwrap();
    let tail = &heard[heard.len().saturating_sub(24_000)..];
    let (own, other) = (
        tone_rms(tail, 48_000.0, 440.0),
        tone_rms(tail, 48_000.0, 660.0),
    );
    assert!(
        other > 0.05 && own < 0.01,
        "red hears green {other:.3}, itself {own:.3}"
    );

    // Green hangs up: the roster and the picture follow; a second BYE for
    // the same call is for a dialog that no longer exists.
    let bye = green.caller.bye(&id).await;
    assert_eq!(bye.code, 200, "{}", bye.raw);
    assert_eq!(cloud.focus.roster(&id).len(), 1);
    assert_eq!(conference.layout().len(), 1);
    assert!(
        sees(&red, &conference, 0, [255, 0, 0]),
        "red alone fills the screen"
    );
    assert_eq!(green.caller.bye(&id).await.code, 481);

    // The last one out ends the meeting's media.
    assert_eq!(red.caller.bye(&id).await.code, 200);
    assert!(cloud.focus.conference(&id).is_none());
    cloud.shutdown().await;
}

/// The terminal's own call machine (`OutgoingCall`) against the focus over
/// a real UDP socket: refused with the reason code, answered, hung up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_call_machine_is_refused_with_the_code_then_joins_and_hangs_up() {
    use roomterm::sip::{Account, CallEnd, CallState, OutgoingCall, SipTransport};

    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(dir.path()).await;
    let meeting_id = common::create_meeting(
        &admin,
        json!({ "subject": "Standup", "host_password": "1111", "join_before_host": true }),
    )
    .await;
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let account = Account {
        username: "100001".into(),
        password: String::new(),
        domain: cloud.endpoints.domain.clone(),
        proxy: cloud.endpoints.sip_udp,
        transport: SipTransport::Udp,
        expires: 3600,
        instance: None,
    };
    let media = CallMedia::receive(CallMediaConfig::small(
        &common::media_plan(),
        0xff0000ff,
        1000.0,
    ))
    .unwrap();
    let (video, audio) = media.local_ports();
    let sdp = offer(video, audio, 96, 111);

    // Drives one call until it is no longer calling or ringing.
    async fn settle(call: &mut OutgoingCall, socket: &tokio::net::UdpSocket) {
        let mut buf = vec![0u8; 65_535];
        while matches!(call.state(), CallState::Calling | CallState::Ringing) {
            let (len, from) =
                tokio::time::timeout(Duration::from_secs(10), socket.recv_from(&mut buf))
                    .await
                    .expect("an answer")
                    .unwrap();
            if let Some(ack) = call.on_response(&buf[..len]) {
                socket.send_to(&ack, from).await.unwrap();
            }
        }
    }

    let id = &meeting_id;
    let local = socket.local_addr().unwrap();
    let (mut wrong, invite) =
        OutgoingCall::start(&account, local, &format!("{id}*0000"), &sdp, Instant::now());
    socket
        .send_to(&invite, cloud.endpoints.sip_udp)
        .await
        .unwrap();
    settle(&mut wrong, &socket).await;
    assert_eq!(
        wrong.state(),
        &CallState::Ended(CallEnd::Refused {
            status: 403,
            reason: "Wrong Meeting Password".into(),
            code: Some("wrong_password".into()),
        })
    );

    let (mut call, invite) =
        OutgoingCall::start(&account, local, &format!("{id}*1111"), &sdp, Instant::now());
    socket
        .send_to(&invite, cloud.endpoints.sip_udp)
        .await
        .unwrap();
    settle(&mut call, &socket).await;
    let CallState::Established { remote_sdp: answer } = call.state().clone() else {
        panic!("not answered: {:?}", call.state());
    };
    assert!(
        answer.contains("m=video ") && answer.contains("m=audio "),
        "{answer}"
    );
    assert_eq!(cloud.focus.roster(id).len(), 1);

    let bye = call.hang_up().unwrap();
    socket.send_to(&bye, cloud.endpoints.sip_udp).await.unwrap();
    let mut buf = vec![0u8; 65_535];
    loop {
        let (len, _) = tokio::time::timeout(Duration::from_secs(10), socket.recv_from(&mut buf))
            .await
            .expect("the BYE's answer")
            .unwrap();
        let text = String::from_utf8_lossy(&buf[..len]).into_owned();
        if text.contains(" BYE\r\n") {
            assert!(text.starts_with("SIP/2.0 200"), "{text}");
            break;
        }
    }
    assert!(cloud.focus.roster(id).is_empty());
    drop(media);
    cloud.shutdown().await;
}

/// Reads one SIP message from a TCP stream (headers, then Content-Length
/// bytes of body), keeping what follows in `pending`.
async fn read_message(stream: &mut tokio::net::TcpStream, pending: &mut Vec<u8>) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if pending.len() >= end + 4 + len {
                let rest = pending.split_off(end + 4 + len);
                return std::mem::replace(pending, rest);
            }
        }
        let mut buf = vec![0u8; 65_535];
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("a message within 10 s")
            .unwrap();
        assert!(n > 0, "the cloud closed the connection");
        pending.extend_from_slice(&buf[..n]);
    }
}

/// The same call over TCP: the focus answers through the connection's
/// writer (no retransmissions, the ACK ends nothing it waits for).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_call_over_tcp_is_answered_on_its_connection_and_hangs_up() {
    use roomterm::sip::{Account, CallState, OutgoingCall, SipTransport};
    use tokio::io::AsyncWriteExt;

    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(dir.path()).await;
    let meeting_id = common::create_meeting(
        &admin,
        json!({ "subject": "Over TCP", "host_password": "1111", "join_before_host": true }),
    )
    .await;
    let id = &meeting_id;
    let mut stream = tokio::net::TcpStream::connect(cloud.endpoints.sip_tcp)
        .await
        .unwrap();
    let local = stream.local_addr().unwrap();
    let account = Account {
        username: "100001".into(),
        password: String::new(),
        domain: cloud.endpoints.domain.clone(),
        proxy: cloud.endpoints.sip_tcp,
        transport: SipTransport::Tcp,
        expires: 3600,
        instance: None,
    };
    let media = CallMedia::receive(CallMediaConfig::small(
        &common::media_plan(),
        0xffffff00,
        500.0,
    ))
    .unwrap();
    let (video, audio) = media.local_ports();
    let (mut call, invite) = OutgoingCall::start(
        &account,
        local,
        &format!("{id}*1111"),
        &offer(video, audio, 96, 111),
        Instant::now(),
    );
    stream.write_all(&invite).await.unwrap();
    let mut pending = Vec::new();
    while matches!(call.state(), CallState::Calling | CallState::Ringing) {
        let message = read_message(&mut stream, &mut pending).await;
        if let Some(ack) = call.on_response(&message) {
            stream.write_all(&ack).await.unwrap();
        }
    }
    assert!(
        matches!(call.state(), CallState::Established { .. }),
        "{:?}",
        call.state()
    );
    assert_eq!(cloud.focus.roster(id).len(), 1);
    let bye = call.hang_up().unwrap();
    stream.write_all(&bye).await.unwrap();
    let answer = read_message(&mut stream, &mut pending).await;
    let text = String::from_utf8_lossy(&answer).into_owned();
    assert!(
        text.starts_with("SIP/2.0 200") && text.contains(" BYE\r\n"),
        "{text}"
    );
    assert!(cloud.focus.roster(id).is_empty());
    drop(media);
    cloud.shutdown().await;
}

/// A room that loses power sends no BYE: once its media stops for the
/// cloud's media timeout it leaves the roster and the layout, while a room
/// still sending stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_whose_media_stops_is_dropped_and_one_that_sends_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = roomcloud::CloudConfig::local(dir.path());
    config.media_canvas = (320, 240);
    config.media_timeout = Duration::from_secs(2);
    let (cloud, admin) =
        common::start_configured(config, std::sync::Arc::new(roomcloud::clock::SystemClock)).await;
    let id = common::create_meeting(
        &admin,
        json!({ "subject": "Power cut", "host_password": "5555", "join_before_host": true }),
    )
    .await;
    let plan = common::media_plan();
    let mut sending = room(&cloud, &plan, "sending", 0xff00ff00, 660.0).await;
    assert_eq!(sending.dial(&format!("{id}*5555")).await.code, 200);
    // The other joins but its media never flows (its power went at once).
    let mut dead = Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, "dead").await;
    let answer = dead
        .invite(&format!("{id}*5555"), &offer(9, 11, 96, 111))
        .await;
    assert_eq!(answer.code, 200);
    assert_eq!(cloud.focus.roster(&id).len(), 2);

    let deadline = Instant::now() + Duration::from_secs(8);
    while cloud.focus.roster(&id).len() != 1 {
        assert!(
            Instant::now() < deadline,
            "the silent room is still in the meeting"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Well past the timeout, the room that sends is still there, alone in
    // the layout.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let roster = cloud.focus.roster(&id);
    assert_eq!(roster.len(), 1, "{roster:?}");
    assert_eq!(roster[0].participant, 1, "the sending room joined first");
    assert_eq!(cloud.focus.conference(&id).unwrap().layout().len(), 1);
    drop(sending);
    cloud.shutdown().await;
}

/// Three rooms dial a meeting with two places at the same instant: two get
/// in and the third is told the meeting is full — the place a join holds
/// while it is being decided counts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simultaneous_joins_do_not_overfill_a_meeting() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(dir.path()).await;
    let id = common::create_meeting(
        &admin,
        json!({ "subject": "Two seats", "host_password": "3333",
                "join_before_host": true, "party_limit": 2 }),
    )
    .await;
    let mut callers = Vec::new();
    for name in ["a", "b", "c"] {
        callers.push(Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, name).await);
    }
    let user = format!("{id}*3333");
    let [a, b, c] = &mut callers[..] else {
        unreachable!()
    };
    let offers = [
        offer(9, 11, 96, 111),
        offer(13, 15, 96, 111),
        offer(17, 19, 96, 111),
    ];
    let (ra, rb, rc) = tokio::join!(
        a.invite(&user, &offers[0]),
        b.invite(&user, &offers[1]),
        c.invite(&user, &offers[2]),
    );
    let mut codes = vec![ra.code, rb.code, rc.code];
    codes.sort();
    assert_eq!(codes, vec![200, 200, 486], "answers {codes:?}");
    assert_eq!(cloud.focus.roster(&id).len(), 2);
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_passwords_at_the_same_instant_do_not_take_the_last_place() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(dir.path()).await;
    let id = common::create_meeting(
        &admin,
        json!({ "subject": "One seat", "host_password": "3333",
                "join_before_host": true, "party_limit": 1 }),
    )
    .await;
    let mut callers = Vec::new();
    for name in ["w1", "w2", "w3", "w4", "right"] {
        callers.push(Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, name).await);
    }
    let [w1, w2, w3, w4, right] = &mut callers[..] else {
        unreachable!()
    };
    let (wrong, good) = (format!("{id}*9999"), format!("{id}*3333"));
    let offer = offer(9, 11, 96, 111);
    let (r1, r2, r3, r4, ok) = tokio::join!(
        w1.invite(&wrong, &offer),
        w2.invite(&wrong, &offer),
        w3.invite(&wrong, &offer),
        w4.invite(&wrong, &offer),
        right.invite(&good, &offer),
    );
    for refused in [r1, r2, r3, r4] {
        assert_eq!(refused.code, 403, "{}", refused.raw);
    }
    assert_eq!(
        ok.code, 200,
        "the right password was crowded out: {}",
        ok.raw
    );
    assert_eq!(cloud.focus.roster(&id).len(), 1);
    cloud.shutdown().await;
}

/// (tone → RMS) of what `media` hears over half a second.
fn hears(media: &CallMedia, tones: &[f64]) -> Vec<f64> {
    media.flush();
    let samples = media.listen(Duration::from_millis(600)).unwrap();
    let tail = &samples[samples.len().saturating_sub(24_000)..];
    tones.iter().map(|f| tone_rms(tail, 48_000.0, *f)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_joins_with_sound_only_hears_and_is_heard_and_takes_no_picture() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(dir.path()).await;
    let id = common::create_meeting(
        &admin,
        json!({ "subject": "Dial-in", "host_password": "1111", "join_before_host": true }),
    )
    .await;
    let plan = common::media_plan();
    let mut room_a = room(&cloud, &plan, "room", 0xff00ff00, 440.0).await;
    assert_eq!(room_a.dial(&format!("{id}*1111")).await.code, 200);

    // The phone offers Opus only: the answer has sound only.
    let phone = CallMedia::receive(CallMediaConfig::small(&plan, 0xff000000, 660.0)).unwrap();
    let mut caller = Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, "phone").await;
    let (_, audio) = phone.local_ports();
    let audio_only = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {audio} RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
    );
    let answer = caller.invite(&format!("{id}*1111"), &audio_only).await;
    assert_eq!(answer.code, 200, "{}", answer.raw);
    assert!(!answer.body.contains("m=video"), "{}", answer.body);
    let (ip, _, cloud_audio) = answer.media();
    // Its picture goes nowhere (port 9, discard): only its sound counts.
    phone
        .send_to(([127, 0, 0, 1], 9), (ip, cloud_audio))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    while cloud.focus.roster(&id).len() < 2 {
        assert!(Instant::now() < deadline, "the phone is not on the roster");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let conference = cloud.focus.conference(&id).unwrap();
    assert_eq!(conference.layout().len(), 1, "only the room has a picture");
    tokio::task::block_in_place(|| {
        let heard_by_room = hears(&room_a.media, &[660.0, 440.0]);
        assert!(heard_by_room[0] > 0.05, "the room hears {heard_by_room:?}");
        let heard_by_phone = hears(&phone, &[440.0, 660.0]);
        assert!(
            heard_by_phone[0] > 0.05,
            "the phone hears {heard_by_phone:?}"
        );
        assert!(
            heard_by_phone[1] < 0.01,
            "the phone hears itself: {heard_by_phone:?}"
        );
    });
    assert_eq!(caller.bye(&format!("{id}*1111")).await.code, 200);
    cloud.shutdown().await;
}
