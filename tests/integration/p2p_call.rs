//! Point-to-point calls between two rooms through the cloud: the caller
//! dials the callee's number, the callee's screen rings with the caller's
//! name, answering carries both pictures and both tones directly between
//! them, and either hang-up ends both sides. Declining, auto-answer, a
//! room already in a call and a room that is offline are what a room
//! user sees on the Dial page.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::caller::{offer, Caller};
use crate::common::picture::{close, colour_near};
use crate::common::room::Room;
use crate::common::{self};

const HEARD: f64 = 0.05;
const ABSENT: f64 = 0.01;

/// Waits (up to 10 s) until `room` decodes a picture of `rgb` at the centre.
fn sees(room: &Room, rgb: [u8; 3]) {
    let media = room.media();
    let deadline = Instant::now() + Duration::from_secs(10);
    tokio::task::block_in_place(|| loop {
        let frame = media.next_frame(Duration::from_secs(5)).unwrap();
        let centre = colour_near(
            &frame,
            (frame.width, frame.height),
            frame.width as i32 / 2,
            frame.height as i32 / 2,
            8,
        );
        if close(centre, rgb) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "room {} sees {centre:?}, not {rgb:?}",
            room.number
        );
    })
}

async fn dial(caller: &Room, callee: &Room) {
    caller
        .remote
        .post("/dial", json!({ "number": callee.number }))
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_calls_another_which_rings_answers_sees_hears_and_hangs_up() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs = [(); 3].map(|()| tempfile::tempdir().unwrap());
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let cyan = Room::start(
        dirs[0].path(),
        &cloud,
        &admin,
        "SN-P1",
        [0, 255, 255],
        440.0,
    )
    .await;
    let orange = Room::start(
        dirs[1].path(),
        &cloud,
        &admin,
        "SN-P2",
        [255, 128, 0],
        660.0,
    )
    .await;
    let third = Room::start(dirs[2].path(), &cloud, &admin, "SN-P3", [0, 0, 255], 880.0).await;
    let cyan_name = cyan.remote.get("/status").await["room_name"].clone();

    // Ringing: the callee's screen names the caller; the caller hears it ring.
    dial(&cyan, &orange).await;
    let ringing = orange.remote.call_state("incoming").await;
    assert_eq!(ringing["call"]["caller"]["number"], json!(cyan.number));
    assert_eq!(ringing["call"]["caller"]["name"], cyan_name);
    let screen = orange.remote.ui_page("incoming").await;
    assert_eq!(screen["caller"]["number"], json!(cyan.number));
    assert_eq!(screen["controls"], json!([["answer", "decline"]]));
    cyan.remote.call_state("ringing").await;

    // A third room calling either of them meanwhile hears "busy".
    dial(&third, &orange).await;
    let busy = third.remote.call_state("ended").await;
    assert_eq!(busy["call"]["code"], "busy", "{busy}");

    // Answered with the remote's OK key: media flows both ways, directly.
    orange.remote.keys(&["ok"]).await;
    orange.remote.call_state("in_call").await;
    cyan.remote.call_state("in_call").await;
    assert_eq!(cloud.router.active_calls(), 1);
    sees(&cyan, orange.look);
    sees(&orange, cyan.look);
    let cyan_hears = cyan.hears(&[orange.tone, cyan.tone]);
    let orange_hears = orange.hears(&[cyan.tone, orange.tone]);
    assert!(
        cyan_hears[0] > HEARD && cyan_hears[1] < ABSENT,
        "{cyan_hears:?}"
    );
    assert!(
        orange_hears[0] > HEARD && orange_hears[1] < ABSENT,
        "{orange_hears:?}"
    );

    // The self view shows the room's own camera.
    let own = tokio::task::block_in_place(|| orange.media().next_self_view(Duration::from_secs(5)))
        .unwrap();
    let centre = (own.width as i32 / 2, own.height as i32 / 2);
    assert!(close(
        colour_near(&own, (own.width, own.height), centre.0, centre.1, 4),
        orange.look
    ));

    // Camera off: the far end's picture turns black (the self view too),
    // and back.
    let status = orange.remote.post("/camera", json!({ "on": false })).await;
    assert_eq!(status["call"]["camera_on"], false);
    sees(&cyan, [0, 0, 0]);
    let deadline = Instant::now() + Duration::from_secs(5);
    tokio::task::block_in_place(|| loop {
        let own = orange
            .media()
            .next_self_view(Duration::from_secs(5))
            .unwrap();
        if close(
            colour_near(&own, (own.width, own.height), centre.0, centre.1, 4),
            [0, 0, 0],
        ) {
            break;
        }
        assert!(Instant::now() < deadline, "the self view is not black");
    });
    orange.remote.post("/camera", json!({ "on": true })).await;
    sees(&cyan, orange.look);

    // The speaker's level (80 out of the box): what the room hears
    // follows it.
    assert_eq!(cyan.remote.get("/status").await["speaker_volume"], 80);
    let at_80 = cyan.hears(&[orange.tone])[0];
    let status = cyan.remote.post("/volume", json!({ "level": 25 })).await;
    assert_eq!(status["speaker_volume"], 25);
    let at_25 = cyan.hears(&[orange.tone])[0];
    let ratio = at_25 / at_80;
    assert!(
        (ratio - 25.0 / 80.0).abs() < 0.04,
        "at 25 % the tone is {at_25:.3}, at 80 % {at_80:.3} (ratio {ratio:.3})"
    );
    // The remote's volume keys step it by 10.
    cyan.remote.keys(&["volume_up"]).await;
    assert_eq!(cyan.remote.get("/status").await["speaker_volume"], 35);

    // The callee hangs up: both sides end and go Home.
    orange.remote.post("/hang-up", json!({})).await;
    let ended = cyan.remote.call_state("ended").await;
    assert_eq!(ended["call"]["reason"], "the other side hung up");
    cyan.remote.ui_page("home").await;
    orange.remote.ui_page("home").await;

    // Declined: the caller's Dial page says so. The room is picked from
    // the enterprise directory the Dial page fetches from the cloud.
    cyan.remote.keys(&["home"]).await;
    cyan.remote.post("/tap", json!({ "control": "call" })).await;
    let deadline = Instant::now() + Duration::from_secs(5);
    let dial_page = loop {
        let ui = cyan.remote.get("/ui").await;
        if ui["directory"].as_array().is_some_and(|d| d.len() == 2) {
            break ui;
        }
        assert!(Instant::now() < deadline, "no directory: {ui}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let rooms = dial_page["directory"].as_array().unwrap();
    assert!(
        rooms.iter().all(|r| r["number"] != json!(cyan.number)),
        "the directory lists the room itself: {rooms:?}"
    );
    let orange_at = rooms
        .iter()
        .position(|r| r["number"] == json!(orange.number))
        .expect("orange is listed");
    assert_eq!(rooms[orange_at]["online"], true);
    for _ in 0..=orange_at {
        cyan.remote
            .post("/tap", json!({ "control": "directory_next" }))
            .await;
    }
    let picked = cyan.remote.get("/ui").await;
    assert_eq!(picked["dial_number"], json!(orange.number), "{picked}");
    cyan.remote
        .post("/tap", json!({ "control": "place_call" }))
        .await;
    orange.remote.call_state("incoming").await;
    orange.remote.post("/call/decline", json!({})).await;
    let declined = cyan.remote.call_state("ended").await;
    assert_eq!(declined["call"]["code"], "declined", "{declined}");
    let dial_page = cyan.remote.ui_page("dial").await;
    assert_eq!(dial_page["call_refused"], true);
    orange.remote.ui_page("home").await;

    // Auto-answer: the call goes straight to the picture; the caller
    // hanging up ends it at the callee.
    let ui = orange
        .remote
        .post("/settings/auto-answer", json!({ "enabled": true }))
        .await;
    assert_eq!(ui["auto_answer"], true);
    dial(&cyan, &orange).await;
    orange.remote.call_state("in_call").await;
    sees(&orange, cyan.look);
    cyan.remote.post("/hang-up", json!({})).await;
    let ended = orange.remote.call_state("ended").await;
    assert_eq!(ended["call"]["reason"], "the other side hung up");

    // A room that went offline (it unregistered on shutdown).
    orange.remote.terminal.shutdown().await;
    dial(&cyan, &orange).await;
    let offline = cyan.remote.call_state("ended").await;
    assert_eq!(offline["call"]["code"], "offline", "{offline}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while cloud.router.active_calls() > 0 {
        assert!(Instant::now() < deadline, "calls linger in the router");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    cloud.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_gives_up_leaves_a_missed_call() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs = [(); 2].map(|()| tempfile::tempdir().unwrap());
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let a = Room::start(dirs[0].path(), &cloud, &admin, "SN-M1", [0, 255, 0], 440.0).await;
    let b = Room::start(dirs[1].path(), &cloud, &admin, "SN-M2", [255, 0, 0], 660.0).await;
    dial(&a, &b).await;
    b.remote.ui_page("incoming").await;
    a.remote.call_state("ringing").await;
    a.remote.post("/hang-up", json!({})).await;
    let missed = b.remote.call_state("ended").await;
    assert_eq!(missed["call"]["reason"], "missed");
    b.remote.ui_page("home").await;
    // Nothing rings any more: answering now is refused.
    let (status, answer) = b.remote.try_post("/call/answer", json!({})).await;
    assert_eq!(status, reqwest::StatusCode::CONFLICT, "{answer}");

    // Only registered callers ring rooms: an unregistered SIP client is
    // refused, and the room does not ring.
    let mut stranger =
        Caller::new(cloud.endpoints.sip_udp, &cloud.endpoints.domain, "stranger").await;
    let refused = stranger
        .invite(&b.number, &offer(40000, 40002, 96, 111))
        .await;
    assert_eq!(refused.code, 403, "{}", refused.raw);
    assert!(
        refused.raw.contains("\"not_registered\""),
        "{}",
        refused.raw
    );
    assert_eq!(b.remote.get("/ui").await["page"], "home");
    cloud.shutdown().await;
}

/// A room calls a third-party SIP endpoint of its enterprise (baresip,
/// registered with an account the admin made) by its account name, as
/// picked from the Dial page's directory: it answers, the room sees its
/// camera's bars and hears its tone, it hears the room, and the room's
/// hang-up ends it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_calls_a_third_party_endpoint_by_its_account_name() {
    use crate::common::baresip::{Baresip, BARS};
    use crate::common::picture::thirds;
    use roomcloud::media::Rect;

    let cloud_dir = tempfile::tempdir().unwrap();
    let room_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let room = Room::start(
        room_dir.path(),
        &cloud,
        &admin,
        "SN-P9",
        [0, 255, 255],
        440.0,
    )
    .await;
    let _: serde_json::Value = admin
        .call(
            reqwest::Method::POST,
            "/sip-accounts",
            Some(
                json!({ "username": "huddle-cam", "password": "baresip-secret-1",
                         "enterprise": "Acme", "display_name": "Huddle camera" }),
            ),
        )
        .await
        .expect("account created");
    let endpoint = Baresip::registered(
        cloud.endpoints.sip_udp,
        &cloud.endpoints.domain,
        "huddle-cam",
        "baresip-secret-1",
        660,
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let accounts: Vec<serde_json::Value> = admin
            .call(reqwest::Method::GET, "/sip-accounts", None)
            .await
            .unwrap();
        let registered = accounts
            .iter()
            .any(|a| a["username"] == "huddle-cam" && a["sip_registered"] == true);
        if registered {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "baresip did not register:\n{}",
            endpoint.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The directory lists it by name, online, with its account as number.
    room.remote.keys(&["home"]).await;
    room.remote.post("/tap", json!({ "control": "call" })).await;
    // The page asks the cloud for the directory as it opens.
    let deadline = Instant::now() + Duration::from_secs(10);
    let listed = loop {
        let page = room.remote.get("/ui").await;
        let found = page["directory"]
            .as_array()
            .and_then(|d| d.iter().find(|e| e["number"] == "huddle-cam").cloned());
        if let Some(entry) = found {
            break entry;
        }
        assert!(Instant::now() < deadline, "not in the directory: {page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(listed["name"], "Huddle camera");
    assert_eq!(listed["online"], true);

    room.remote
        .post(
            "/dial",
            json!({ "number": format!("sip:huddle-cam@{}", cloud.endpoints.domain) }),
        )
        .await;
    room.remote.call_state("in_call").await;
    // Its camera's three bars, side by side, fill the room's screen.
    let media = room.media();
    let deadline = Instant::now() + Duration::from_secs(15);
    tokio::task::block_in_place(|| loop {
        let frame = media.next_frame(Duration::from_secs(5)).unwrap();
        let whole = Rect {
            x: 0,
            y: 0,
            width: frame.width as i32,
            height: frame.height as i32,
        };
        let seen = thirds(&frame, (frame.width, frame.height), &whole);
        if seen.iter().zip(BARS).all(|(s, bar)| close(*s, bar)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the room sees {seen:?}, not baresip's bars\n{}",
            endpoint.log()
        );
    });
    let heard = room.hears(&[660.0, 440.0]);
    assert!(heard[0] > HEARD && heard[1] < ABSENT, "{heard:?}");

    // The room hangs up; what baresip heard was the room's tone.
    room.remote.post("/hang-up", json!({})).await;
    room.remote.call_state("ended").await;
    let recorded = endpoint.hang_up();
    assert!(
        roomterm::media::tone_rms(&recorded, 48_000.0, 440.0) > 0.02,
        "baresip did not hear the room"
    );
}
