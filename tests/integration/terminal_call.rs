//! A terminal joins a meeting through its control API, as a room user's
//! Join does: activated and registered, it dials the meeting over SIP, is
//! refused with the reason code on a wrong password, then joins; a room
//! already in the meeting sees the terminal's picture in its place and
//! hears its tone; hanging up leaves the meeting.

use crate::common;
use crate::common::caller::{offer, Caller};
use crate::common::remote::Remote;

use std::time::{Duration, Instant};

use roomterm::media::{tone_rms, CallMedia, CallMediaConfig, RgbFrame};
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_joins_a_meeting_by_its_control_api_and_is_seen_and_heard() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let id = common::create_meeting(
        &admin,
        json!({ "subject": "Review", "host_password": "1111", "join_before_host": true }),
    )
    .await;
    let plan = common::media_plan();

    // The terminal: red, 440 Hz; activated and registered.
    let red = CallMediaConfig::small(&plan, 0xffff0000, 440.0);
    let remote = common::registered_terminal(term_dir.path(), &cloud, &admin, "SN-C1", red).await;
    assert_eq!(remote.get("/status").await["call"]["state"], "none");

    // A room already in the meeting: green, 660 Hz.
    let green_media = CallMedia::receive(CallMediaConfig::small(&plan, 0xff00ff00, 660.0)).unwrap();
    let mut green = Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, "green").await;
    let (v, a) = green_media.local_ports();
    let answer = green
        .invite(&format!("{id}*1111"), &offer(v, a, 96, 111))
        .await;
    assert_eq!(answer.code, 200);
    let (ip, video, audio) = answer.media();
    green_media.send_to((ip, video), (ip, audio)).unwrap();

    // A wrong password: refused, and the terminal knows why.
    let (status, _) = remote
        .try_post("/join", json!({ "meeting_id": id, "password": "0000" }))
        .await;
    assert_eq!(status, 202);
    let ended = remote.call_state("ended").await;
    assert_eq!(ended["call"]["code"], "wrong_password", "{ended}");
    assert_eq!(ended["call"]["reason"], "403 Wrong Meeting Password");

    // Bad input is refused before anything is dialled.
    let (status, body) = remote
        .try_post("/join", json!({ "meeting_id": "12ab" }))
        .await;
    assert_eq!(status, 400, "{body}");

    // The right one: in the call, in the roster, seen and heard.
    remote
        .post("/join", json!({ "meeting_id": id, "password": "1111" }))
        .await;
    remote.call_state("in_call").await;
    assert_eq!(cloud.focus.roster(&id).len(), 2);
    let conference = cloud.focus.conference(&id).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = false;
    while Instant::now() < deadline && !seen {
        let frame: RgbFrame = green_media.next_frame(Duration::from_secs(5)).unwrap();
        let layout = conference.layout();
        let (_, rect) = layout[1];
        let (cx, cy) = rect.centre();
        let (w, h) = conference.canvas();
        let pixel = frame.pixel(cx as u32 * frame.width / w, cy as u32 * frame.height / h);
        seen = RgbFrame::distance(pixel, [255, 0, 0]) <= 40;
    }
    assert!(seen, "the room does not see the terminal's picture");
    green_media.flush();
    let heard = green_media.listen(Duration::from_millis(600)).unwrap();
    let tail = &heard[heard.len().saturating_sub(24_000)..];
    assert!(
        tone_rms(tail, 48_000.0, 440.0) > 0.05,
        "the terminal is not heard"
    );

    // The roster (RFC 4575, subscribed in the call): two in the meeting,
    // the terminal by its room's name (its SN here); the terminal watches
    // the meeting's gallery.
    let status = remote
        .wait_status(|s| s["call"]["roster"]["count"] == 2)
        .await;
    let roster = &status["call"]["roster"];
    assert_eq!(roster["layout"], "gallery", "{roster}");
    let names: Vec<&str> = roster["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"SN-C1"), "{names:?}");
    // The registered room is known by its SN (no digest on the INVITE:
    // it calls from where it registered).
    let entry = cloud
        .focus
        .roster(&id)
        .into_iter()
        .find(|e| e.device_sn.as_deref() == Some("SN-C1"))
        .expect("the terminal's roster entry");
    let green_entry = cloud
        .focus
        .roster(&id)
        .into_iter()
        .find(|e| e.device_sn.is_none())
        .unwrap();

    // The room picks picture-in-picture: the cloud composes it for the
    // room alone (its view without content, the room receiving content
    // apart, changes layout), the other keeps the gallery, and the roster
    // tells the room what it now watches.
    let (status, body) = remote
        .try_post("/call/layout", json!({ "layout": "mosaic" }))
        .await;
    assert_eq!(status, 400, "{body}");
    remote
        .post("/call/layout", json!({ "layout": "picture_in_picture" }))
        .await;
    remote
        .wait_status(|s| s["call"]["roster"]["layout"] == "picture_in_picture")
        .await;
    assert_eq!(
        conference.watching(entry.participant),
        Some(roomcloud::media::LayoutKind::PictureInPicture)
    );
    assert_eq!(
        conference.watching(green_entry.participant),
        Some(roomcloud::media::LayoutKind::Gallery)
    );
    assert_eq!(conference.views(), 2);
    // The remote's menu key walks on: back to the gallery.
    remote.keys(&["menu"]).await;
    remote
        .wait_status(|s| s["call"]["roster"]["layout"] == "gallery")
        .await;
    // Back to one composition per kind of endpoint: the room's (content
    // apart) and the test room's (content composed in).
    assert_eq!(conference.views(), 2);

    // Hanging up leaves the meeting.
    let response = remote
        .http
        .post(format!("{}/hang-up", remote.base))
        .bearer_auth(&remote.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    let ended = remote.call_state("ended").await;
    assert_eq!(ended["call"]["reason"], "hung up");
    let deadline = Instant::now() + Duration::from_secs(5);
    while cloud.focus.roster(&id).len() != 1 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        cloud.focus.roster(&id).len(),
        1,
        "the terminal is still in the roster"
    );
    cloud.shutdown().await;
}

/// `GET /call/snapshot`, decoded.
async fn snapshot(remote: &Remote) -> RgbFrame {
    let (status, kind, png) = remote.get_bytes("/call/snapshot").await;
    assert_eq!((status.as_u16(), kind.as_str()), (200, "image/png"));
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    RgbFrame {
        width: info.width,
        height: info.height,
        data: pixels[..info.buffer_size()].to_vec(),
    }
}

/// Home → Join → keypad → Join, as a room user does with the remote.
async fn join_with_the_remote(remote: &Remote, id: &str, password: &str) {
    remote.keys(&["ok"]).await; // Join, the first control on Home
    let ui = remote.ui_page("join").await;
    assert_eq!(ui["join_field"], "meeting_id");
    // Erase what an earlier attempt left, then the ID on the remote's digits.
    for _ in 0..ui["meeting_id"].as_str().unwrap().len() {
        remote.keys(&["back"]).await;
    }
    let digits: Vec<String> = id.chars().map(|c| format!("digit{c}")).collect();
    let digits: Vec<&str> = digits.iter().map(String::as_str).collect();
    remote.keys(&digits).await;
    // Right to the password field: the digits go where the focus is.
    remote.keys(&["right"]).await;
    let digits: Vec<String> = password.chars().map(|c| format!("digit{c}")).collect();
    let digits: Vec<&str> = digits.iter().map(String::as_str).collect();
    let ui = remote.keys(&digits).await;
    assert_eq!(ui["focused"], "password_field", "{ui}");
    assert_eq!(ui["join_field"], "password", "{ui}");
    assert_eq!(ui["meeting_id"], id);
    assert_eq!(ui["meeting_password_length"], password.len());
    // OK on the filled field joins, as on every hard terminal: no walk
    // to the Join key.
    remote.keys(&["ok"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_user_joins_with_the_remote_sees_a_refusal_and_leaves() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let id = common::create_meeting(
        &admin,
        json!({ "subject": "Standup", "host_password": "4321", "join_before_host": true }),
    )
    .await;
    let plan = common::media_plan();
    let media = CallMediaConfig::small(&plan, 0xff0000ff, 880.0);
    let remote = common::registered_terminal(term_dir.path(), &cloud, &admin, "SN-C2", media).await;
    remote.ui_page("home").await;

    // A wrong password: the call page, then back to Join with the reason.
    join_with_the_remote(&remote, &id, "1111").await;
    let ui = remote.ui_page("join").await;
    assert_eq!(ui["call_refused"], true, "{ui}");
    assert_eq!(ui["meeting_id"], id, "the ID stays for a retry");
    assert_eq!(ui["meeting_password_length"], 0);
    assert_eq!(
        remote.call_state("ended").await["call"]["code"],
        "wrong_password"
    );

    // Back Home, and again with the right one: in the meeting.
    remote.keys(&["back"]).await;
    remote.ui_page("home").await;
    join_with_the_remote(&remote, &id, "4321").await;
    remote.ui_page("in_call").await;
    remote.call_state("in_call").await;
    assert_eq!(cloud.focus.roster(&id).len(), 1);
    // The picture the screen would show: the meeting, with this room in it.
    let media = remote.terminal.call_media.borrow().clone().unwrap();
    let frame = tokio::task::block_in_place(|| media.next_frame(Duration::from_secs(10))).unwrap();
    assert!(frame.width > 0 && frame.height > 0);
    // An operator's snapshot of the screen's picture: a PNG of the meeting,
    // which shows this room (blue) once its picture has gone round.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let snapshot = snapshot(&remote).await;
        let seen = snapshot.centre_mean(8);
        if RgbFrame::distance(seen, [0, 0, 255]) <= 40 {
            break;
        }
        assert!(Instant::now() < deadline, "the snapshot shows {seen:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Home does not walk out of a call; OK on Mute mutes, on Camera turns
    // it off; past Layout, the volume keys step the speaker; Leave leaves.
    let ui = remote.keys(&["home"]).await;
    assert_eq!(ui["page"], "in_call");
    assert_eq!(ui["focused"], "mute");
    remote.keys(&["ok"]).await;
    assert_eq!(remote.get("/status").await["call"]["muted"], true);
    remote.keys(&["right", "ok"]).await;
    assert_eq!(remote.get("/status").await["call"]["camera_on"], false);
    let ui = remote.keys(&["right", "right", "ok", "volume_down"]).await;
    assert_eq!(ui["focused"], "volume_down");
    assert_eq!(remote.get("/status").await["speaker_volume"], 60);
    // In a meeting the bar holds Participants (and Host, for the host)
    // before Leave, once the roster is in: wait for it, then walk right.
    remote
        .wait_status(|s| s["call"]["roster"]["you"].is_number())
        .await;
    let mut ui = remote.get("/ui").await;
    for _ in 0..4 {
        if ui["focused"] == "leave" {
            break;
        }
        ui = remote.keys(&["right"]).await;
    }
    assert_eq!(ui["focused"], "leave", "{ui}");
    remote.keys(&["ok"]).await;
    remote.ui_page("home").await;
    assert_eq!(
        remote.call_state("ended").await["call"]["reason"],
        "hung up"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !cloud.focus.roster(&id).is_empty() {
        assert!(Instant::now() < deadline, "still in the roster");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        remote.terminal.call_media.borrow().is_none(),
        "media left running"
    );
    let (status, body) = remote.try_get("/call/snapshot").await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (404, Some("no_call"))
    );

    // The next calls are followed as the first was (not mistaken for the
    // last one's end).
    for _ in 0..2 {
        remote
            .post("/join", json!({ "meeting_id": id, "password": "4321" }))
            .await;
        remote.call_state("in_call").await;
        assert_eq!(remote.ui_page("in_call").await["call"]["state"], "in_call");
        remote.post("/hang-up", json!({})).await;
        remote.call_state("ended").await;
    }
    cloud.shutdown().await;
}

/// Start meeting on Home: one touch, and the room is in its own meeting
/// room as its host; a second room joining it is a guest, seen and heard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_meeting_puts_the_room_in_its_own_meeting_room_as_host() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let plan = common::media_plan();
    let media = CallMediaConfig::small(&plan, 0xff0000ff, 880.0);
    let owner = common::registered_terminal(dirs[0].path(), &cloud, &admin, "SN-O1", media).await;
    let room: Value = admin
        .call(reqwest::Method::GET, "/devices/SN-O1/meeting-room", None)
        .await
        .unwrap();
    let room_id = room["meeting_id"].as_str().unwrap().to_string();
    owner.ui_page("home").await;
    owner
        .post("/tap", json!({ "control": "start_meeting" }))
        .await;
    owner.call_state("in_call").await;
    let status = owner
        .wait_status(|s| s["call"]["roster"]["you"].is_number())
        .await;
    let me = &status["call"]["roster"]["members"][0];
    assert_eq!(me["host"], true, "{status}");
    assert_eq!(owner.get("/ui").await["meeting_id"], room_id);
    let roster = cloud.focus.roster(&room_id);
    assert_eq!(roster.len(), 1);
    assert_eq!(roster[0].role.as_str(), "host");

    // Another room dials the room's meeting ID: a guest, in with it.
    let media = CallMediaConfig::small(&plan, 0xffff0000, 440.0);
    let guest = common::registered_terminal(dirs[1].path(), &cloud, &admin, "SN-O2", media).await;
    guest
        .post("/join", json!({ "meeting_id": room_id, "password": "" }))
        .await;
    guest.call_state("in_call").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while cloud.focus.roster(&room_id).len() != 2 {
        assert!(Instant::now() < deadline, "the guest is not in");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let roles: Vec<_> = cloud
        .focus
        .roster(&room_id)
        .iter()
        .map(|e| e.role.as_str().to_string())
        .collect();
    assert_eq!(roles, ["host", "guest"]);
    cloud.shutdown().await;
}
