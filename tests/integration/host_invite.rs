//! The cloud rings people into a meeting (it dials out with a delayed
//! offer). The host room invites, from its touchscreen, a SIP phone by the
//! address typed into the Dial page's search and a room found by part of
//! its name: each is rung, answers, and is heard in the meeting — the room
//! as a full meeting call, with its roster. A phone that only rings (rung
//! over the control API) is listed as ringing until the host calls it off.
//! A guest's invitation is refused through its call, as are an address
//! that is none and a room that is offline. A scheduled meeting rings its
//! invited room and SIP URI at its start.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::baresip::Baresip;
use crate::common::room::Room;
use crate::common::{self, create_meeting};

const PASSWORD: &str = "2468";
const HEARD: f64 = 0.05;
const PHONE_TONE: f64 = 1000.0;

/// What `room` hears of `tones`, listened to until `settled` or 5 s.
fn hears(room: &Room, tones: &[f64], settled: impl Fn(&[f64]) -> bool) -> Vec<f64> {
    common::levels_once(Duration::from_secs(5), || room.hears(tones), settled)
}

/// A UDP port free on loopback now (for baresip to listen on).
fn free_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.local_addr().unwrap().port()
}

/// Waits until the meeting has `count` participants.
async fn roster_of(
    cloud: &roomcloud::RunningCloud,
    id: &str,
    count: usize,
) -> Vec<roomcloud::focus::RosterEntry> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let roster = cloud.focus.roster(id);
        if roster.len() == count {
            return roster;
        }
        assert!(
            Instant::now() < deadline,
            "never {count} in the meeting: {roster:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An admin's host action; its refusal as `(status, code)`.
async fn admin_act(
    admin: &roomcloud::client::AdminClient,
    id: &str,
    action: Value,
) -> Result<(), (u16, String)> {
    admin
        .call::<Value>(Method::POST, &format!("/meetings/{id}/live"), Some(action))
        .await
        .map(|_| ())
        .map_err(|err| match err {
            roomcloud::client::ClientError::Api { status, code, .. } => (status, code),
            other => panic!("{other}"),
        })
}

/// The room picks up when its call rings; then it is in the meeting, its
/// roster subscribed to.
async fn answer_into_meeting(room: &Room) {
    room.remote.call_state("incoming").await;
    room.remote.post("/call/answer", json!({})).await;
    room.remote.call_state("in_call").await;
    room.remote
        .wait_status(|s| s["call"]["roster"]["you"].is_number())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_rings_a_phone_and_a_room_into_the_meeting() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let id = create_meeting(
        &admin,
        json!({ "subject": "Board", "host_password": PASSWORD, "join_before_host": true }),
    )
    .await;
    let yellow = Room::start(
        dirs[0].path(),
        &cloud,
        &admin,
        "SN-I1",
        [255, 255, 0],
        440.0,
    )
    .await;
    let magenta = Room::start(
        dirs[1].path(),
        &cloud,
        &admin,
        "SN-I2",
        [255, 0, 255],
        660.0,
    )
    .await;
    let tones = [yellow.tone, magenta.tone, PHONE_TONE];
    yellow
        .remote
        .post("/join", json!({ "meeting_id": id, "password": PASSWORD }))
        .await;
    yellow
        .remote
        .wait_status(|s| s["call"]["roster"]["you"].is_number())
        .await;

    // The host invites a SIP phone by typing its address on the screen
    // (Host menu, Invite, the search field's keyboard).
    let port = free_udp_port();
    let phone = Baresip::answering(port, PHONE_TONE as u32);
    let tap = |control: &'static str| {
        let remote = &yellow.remote;
        async move {
            remote.post("/tap", json!({ "control": control })).await;
        }
    };
    tap("host_menu").await;
    tap("invite").await;
    tap("directory_search_field").await;
    yellow
        .remote
        .text(&format!("baresip@127.0.0.1:{port}"))
        .await;
    tap("done").await;
    let ui = yellow.remote.get("/ui").await;
    assert_eq!(
        ui["dial_number"],
        format!("sip:baresip@127.0.0.1:{port}"),
        "{ui}"
    );
    tap("place_call").await;
    let roster = roster_of(&cloud, &id, 2).await;
    assert_eq!(roster[1].kind, "sip", "{roster:?}");
    assert_eq!(roster[1].name, "baresip");
    let at_host = hears(&yellow, &tones, |l| l[2] > HEARD);
    assert!(
        at_host[2] > HEARD,
        "the host does not hear the phone: {at_host:?}\n{}",
        phone.log()
    );

    // The host invites the idle room from its screen (Host menu, Invite,
    // the room found by searching the directory for part of its name): it
    // rings, is answered, and is in the meeting as a meeting call (its
    // roster).
    yellow.remote.ui_page("participants").await;
    tap("back").await;
    yellow.remote.ui_page("in_call").await;
    tap("host_menu").await;
    tap("invite").await;
    let dial = yellow.remote.ui_page("dial").await;
    assert_eq!(dial["inviting"], true, "{dial}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while yellow.remote.get("/ui").await["directory"]
        .as_array()
        .is_none_or(Vec::is_empty)
    {
        assert!(Instant::now() < deadline, "no directory");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tap("directory_search_field").await;
    yellow.remote.text("i2").await;
    tap("done").await;
    let ui = yellow.remote.get("/ui").await;
    assert_eq!(
        ui["directory_matches"].as_array().map(Vec::len),
        Some(1),
        "{ui}"
    );
    tap("directory_next").await;
    let ui = yellow.remote.get("/ui").await;
    assert_eq!(ui["dial_number"], magenta.number.as_str(), "{ui}");
    tap("place_call").await;
    yellow.remote.ui_page("participants").await;
    let ringing = magenta.remote.call_state("incoming").await;
    assert_eq!(ringing["call"]["caller"]["name"], "Board", "{ringing}");
    let invitation = magenta.remote.ui_page("incoming").await;
    assert_eq!(invitation["caller"]["meeting"], true, "{invitation}");
    answer_into_meeting(&magenta).await;
    let roster = roster_of(&cloud, &id, 3).await;
    let room = roster
        .iter()
        .find(|e| e.device_sn.as_deref() == Some("SN-I2"));
    assert_eq!(room.map(|e| e.kind), Some("roomterm"), "{roster:?}");
    let at_host = hears(&yellow, &tones, |l| l[1] > HEARD);
    assert!(
        at_host[1] > HEARD,
        "the host does not hear the room: {at_host:?}"
    );
    // (Up to 15 s: on a loaded machine the new room's mix settles slowly.)
    let at_room = common::levels_once(
        Duration::from_secs(15),
        || magenta.hears(&tones),
        |l| l[0] > HEARD && l[2] > HEARD,
    );
    assert!(
        at_room[0] > HEARD && at_room[2] > HEARD,
        "the rung room does not hear the meeting: {at_room:?}\n{}",
        phone.log()
    );

    // A phone that only rings is listed as ringing (the live view, the
    // rooms' rosters) until the host calls it off from its Participants
    // page.
    let ringer_port = free_udp_port();
    let ringer = Baresip::ringing(ringer_port);
    let ringer_uri = format!("sip:baresip@127.0.0.1:{ringer_port}");
    let (status, body) = yellow
        .remote
        .try_post(
            "/call/host",
            json!({ "action": "invite", "to": ringer_uri }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let status = yellow
        .remote
        .wait_status(|s| {
            s["call"]["roster"]["ringing"]
                .as_array()
                .is_some_and(|r| r.len() == 1)
        })
        .await;
    let rung = status["call"]["roster"]["ringing"][0]["id"].clone();
    let live: Value = admin
        .call(Method::GET, &format!("/meetings/{id}/live"), None)
        .await
        .unwrap();
    assert_eq!(live["ringing"][0]["to"], ringer_uri.as_str(), "{live}");
    // (The host's screen is still on Participants since its invite.)
    yellow.remote.ui_page("participants").await;
    for _ in 0..6 {
        if yellow.remote.get("/ui").await["meeting"]["selected"] == rung {
            break;
        }
        tap("participant_next").await;
    }
    tap("participant_remove").await;
    yellow
        .remote
        .wait_status(|s| {
            s["call"]["roster"]["ringing"]
                .as_array()
                .is_some_and(Vec::is_empty)
        })
        .await;
    // (baresip says a CANCEL closed the session.)
    let deadline = Instant::now() + Duration::from_secs(10);
    while !ringer.log().contains("session closed") {
        assert!(
            Instant::now() < deadline,
            "never called off:\n{}",
            ringer.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(cloud.focus.roster(&id).len(), 3);

    // A guest may not invite (refused through its call); an address that
    // is none and a room that is offline are refused with their reasons.
    let (status, body) = magenta
        .remote
        .try_post(
            "/call/host",
            json!({ "action": "invite", "to": ringer_uri }),
        )
        .await;
    assert_eq!(
        (status.as_u16(), body["error"]["code"].as_str()),
        (403, Some("not_host")),
        "{body}"
    );
    let bad = admin_act(
        &admin,
        &id,
        json!({ "action": "invite", "to": "not an address" }),
    )
    .await;
    assert_eq!(bad, Err((400, "bad_address".into())));
    let offline = admin_act(&admin, &id, json!({ "action": "invite", "to": "199999" })).await;
    assert_eq!(offline, Err((404, "unreachable".into())));
    assert_eq!(cloud.focus.roster(&id).len(), 3);

    // Hanging up leaves the meeting as any call does.
    magenta.remote.post("/hang-up", json!({})).await;
    roster_of(&cloud, &id, 2).await;
    drop(phone);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_meeting_rings_its_invitees_at_its_start() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let room = Room::start(dir.path(), &cloud, &admin, "SN-S1", [0, 255, 255], 550.0).await;
    let port = free_udp_port();
    let phone = Baresip::answering(port, PHONE_TONE as u32);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let id = create_meeting(
        &admin,
        json!({ "subject": "Weekly", "join_before_host": true, "start_at": now + 4,
                "duration_mins": 30,
                "invitees": { "devices": ["SN-S1"],
                              "sip_uris": [format!("sip:baresip@127.0.0.1:{port}")] } }),
    )
    .await;
    // Nobody is rung before the start.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(room.remote.get("/status").await["call"]["state"], "none");
    // At the start both are: the phone answers by itself, the room by
    // its user.
    answer_into_meeting(&room).await;
    let roster = roster_of(&cloud, &id, 2).await;
    assert!(roster.iter().any(|e| e.kind == "sip"), "{roster:?}");
    let at_room = hears(&room, &[PHONE_TONE], |l| l[0] > HEARD);
    assert!(
        at_room[0] > HEARD,
        "the room does not hear the phone: {at_room:?}\n{}",
        phone.log()
    );
}
