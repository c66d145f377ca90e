//! A host leads a meeting of two rooms and baresip, checked on the media
//! and the calls, not only on the roster: mute all silences the others'
//! tones at every receiver and leaves the host's; a guest's self-unmute is
//! refused while the host does not allow it, and so is a guest's host
//! action; the host removes baresip (its call is torn down, its redial
//! refused); a locked meeting refuses a new room with the Locked reason;
//! end for all ends every call and the meeting. The rooms act through
//! their control APIs, which ask the focus in the meeting call (SIP INFO);
//! the admin through the cloud's API. Every action is in the audit log.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::baresip::Baresip;
use crate::common::picture::{close, colour_at, colour_near};
use crate::common::room::Room;
use crate::common::{self, create_meeting};

const PASSWORD: &str = "2468";
/// A tone of 0.5 full scale has an RMS near 0.35; absent is far below.
const HEARD: f64 = 0.05;
const ABSENT: f64 = 0.01;
const BARESIP_TONE: f64 = 1000.0;

pub(crate) async fn join(room: &Room, meeting_id: &str) {
    room.remote
        .post(
            "/join",
            json!({ "meeting_id": meeting_id, "password": PASSWORD }),
        )
        .await;
    room.remote.call_state("in_call").await;
}

/// Waits until the roster has `count` participants.
async fn roster_of(
    cloud: &roomcloud::RunningCloud,
    id: &str,
    count: usize,
    why: &dyn Fn() -> String,
) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while cloud.focus.roster(id).len() != count {
        assert!(
            Instant::now() < deadline,
            "the roster never had {count}: {:?}\n{}",
            cloud.focus.roster(id),
            why()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What `room` hears of `tones`, listened to until `settled` or 5 s.
fn hears(room: &Room, tones: &[f64], settled: impl Fn(&[f64]) -> bool) -> Vec<f64> {
    common::levels_once(Duration::from_secs(5), || room.hears(tones), settled)
}

/// This room as its own roster lists it.
pub(crate) fn me(status: &Value) -> Value {
    let roster = &status["call"]["roster"];
    let you = roster["you"].clone();
    roster["members"]
        .as_array()
        .and_then(|m| m.iter().find(|m| m["id"] == you).cloned())
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_mutes_all_removes_locks_and_ends_the_meeting_on_real_calls() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let id = create_meeting(
        &admin,
        json!({ "subject": "Quarterly review", "host_password": PASSWORD, "join_before_host": true }),
    )
    .await;
    let yellow = Room::start(
        dirs[0].path(),
        &cloud,
        &admin,
        "SN-H1",
        [255, 255, 0],
        440.0,
    )
    .await;
    let magenta = Room::start(
        dirs[1].path(),
        &cloud,
        &admin,
        "SN-H2",
        [255, 0, 255],
        660.0,
    )
    .await;
    // The first in with the host password hosts; the second is a guest.
    join(&yellow, &id).await;
    join(&magenta, &id).await;
    let uri = format!("sip:{id}*{PASSWORD}@{}", cloud.endpoints.sip_udp);
    let baresip = Baresip::dial(&uri, BARESIP_TONE as u32);
    roster_of(&cloud, &id, 3, &|| baresip.log()).await;
    let roster = cloud.focus.roster(&id);
    let who = |sn: Option<&str>| {
        roster
            .iter()
            .find(|e| e.device_sn.as_deref() == sn)
            .unwrap()
            .participant
    };
    let (yellow_id, magenta_id, baresip_id) = (who(Some("SN-H1")), who(Some("SN-H2")), who(None));
    let roles: Vec<_> = roster.iter().map(|e| e.role.as_str()).collect();
    assert_eq!(roles, ["host", "guest", "guest"], "{roster:?}");
    let meeting: Value = admin
        .call(Method::GET, &format!("/meetings/{id}"), None)
        .await
        .unwrap();
    assert_eq!(meeting["state"], "live", "{meeting}");
    let tones = [yellow.tone, magenta.tone, BARESIP_TONE];

    // The admin mutes all but the host, without self-unmute: the host
    // hears nobody; magenta hears the host and not baresip.
    let live: Value = admin
        .call(
            Method::POST,
            &format!("/meetings/{id}/live"),
            Some(json!({ "action": "mute_all", "allow_self_unmute": false })),
        )
        .await
        .unwrap();
    assert_eq!(live["controls"]["allow_self_unmute"], false, "{live}");
    let at_host = hears(&yellow, &tones, |l| l[1] < ABSENT && l[2] < ABSENT);
    assert!(
        at_host[1] < ABSENT && at_host[2] < ABSENT,
        "the host still hears: {at_host:?}"
    );
    let at_guest = hears(&magenta, &tones, |l| l[0] > HEARD && l[2] < ABSENT);
    assert!(at_guest[0] > HEARD, "the host is muted too: {at_guest:?}");
    assert!(at_guest[2] < ABSENT, "baresip still heard: {at_guest:?}");

    // Magenta's own status says the host muted it, and that it may not
    // unmute itself; asking is refused with the reason.
    let status = magenta
        .remote
        .wait_status(|s| me(s)["muted_by_host"] == true)
        .await;
    assert_eq!(status["call"]["roster"]["self_unmute"], false, "{status}");
    let (code, answer) = magenta
        .remote
        .try_post(
            "/call/host",
            json!({ "action": "unmute", "participant": "me" }),
        )
        .await;
    assert_eq!(code, 403, "{answer}");
    assert_eq!(answer["error"]["code"], "self_unmute_forbidden", "{answer}");
    // A guest's host action is refused: only the host locks.
    let (code, answer) = magenta
        .remote
        .try_post("/call/host", json!({ "action": "lock" }))
        .await;
    assert_eq!(
        (code.as_u16(), &answer["error"]["code"]),
        (403, &json!("not_host"))
    );

    // The host lets everyone speak again from its room: magenta is back.
    let answer = yellow
        .remote
        .post("/call/host", json!({ "action": "unmute_all" }))
        .await;
    assert_eq!(answer["status"], 200, "{answer}");
    let at_host = hears(&yellow, &tones, |l| l[1] > HEARD && l[2] > HEARD);
    assert!(
        at_host[1] > HEARD && at_host[2] > HEARD,
        "still muted: {at_host:?}"
    );

    // The host removes baresip: its call is torn down, and dialling again
    // is refused.
    yellow
        .remote
        .post(
            "/call/host",
            json!({ "action": "remove", "participant": baresip_id }),
        )
        .await;
    roster_of(&cloud, &id, 2, &|| baresip.log()).await;
    let at_guest = hears(&magenta, &tones, |l| l[2] < ABSENT);
    assert!(at_guest[2] < ABSENT, "baresip still heard: {at_guest:?}");
    let heard = tokio::task::block_in_place(|| baresip.hang_up());
    assert!(!heard.is_empty());
    let again = Baresip::dial(&uri, BARESIP_TONE as u32);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !again.log().contains("Removed From Meeting") {
        assert!(Instant::now() < deadline, "not refused:\n{}", again.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(cloud.focus.roster(&id).len(), 2);
    drop(again);

    // On the host's touchscreen: Participants, magenta picked, Mute — the
    // host no longer hears magenta, and magenta's roster says so.
    let tap = |control: &'static str| {
        let remote = &yellow.remote;
        async move {
            remote.post("/tap", json!({ "control": control })).await;
        }
    };
    tap("participants").await;
    yellow.remote.ui_page("participants").await;
    for _ in 0..3 {
        let ui = yellow.remote.get("/ui").await;
        if ui["meeting"]["selected"] == magenta_id {
            break;
        }
        tap("participant_next").await;
    }
    let ui = yellow.remote.get("/ui").await;
    assert_eq!(ui["meeting"]["selected"], magenta_id, "{ui}");
    tap("participant_mute").await;
    magenta
        .remote
        .wait_status(|s| me(s)["muted_by_host"] == true)
        .await;
    let at_host = hears(&yellow, &tones, |l| l[1] < ABSENT);
    assert!(at_host[1] < ABSENT, "magenta still heard: {at_host:?}");
    tap("back").await;

    // With the remote: right to Host, OK, down to Lock, OK — locked, and
    // every room's roster says so.
    yellow
        .remote
        .keys(&["right", "right", "right", "right", "right", "right", "ok"])
        .await;
    yellow.remote.ui_page("host_menu").await;
    yellow.remote.keys(&["down", "ok"]).await;
    magenta
        .remote
        .wait_status(|s| s["call"]["roster"]["locked"] == true)
        .await;

    // Locked: a new room is refused with the Locked reason.
    let cyan = Room::start(
        dirs[2].path(),
        &cloud,
        &admin,
        "SN-H3",
        [0, 255, 255],
        880.0,
    )
    .await;
    cyan.remote
        .post("/join", json!({ "meeting_id": id, "password": PASSWORD }))
        .await;
    let refused = cyan.remote.call_state("ended").await;
    assert_eq!(refused["call"]["code"], "locked", "{refused}");
    assert_eq!(refused["call"]["reason"], "403 Meeting Locked");
    assert_eq!(cloud.focus.roster(&id).len(), 2);

    // Every action is in the audit log, refusals too.
    let audit: Vec<Value> = admin
        .call(Method::GET, &format!("/meetings/{id}/live/audit"), None)
        .await
        .unwrap();
    let lines: Vec<(String, String)> = audit
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
            (s("action"), s("outcome"))
        })
        .collect();
    let expected = [
        ("mute_all", "ok"),
        ("unmute", "self_unmute_forbidden"),
        ("lock", "not_host"),
        ("unmute_all", "ok"),
        ("remove", "ok"),
        ("mute", "ok"),
        ("lock", "ok"),
    ]
    .map(|(a, o)| (a.to_string(), o.to_string()));
    assert_eq!(lines, expected, "{audit:?}");
    assert!(audit[4]["actor"]
        .as_str()
        .unwrap()
        .contains(&format!("participant:{yellow_id}")));

    // The host ends the meeting for all: both calls end, and the meeting
    // is over.
    yellow
        .remote
        .post("/call/host", json!({ "action": "end_for_all" }))
        .await;
    for room in [&yellow, &magenta] {
        let ended = room.remote.call_state("ended").await;
        assert_eq!(ended["call"]["code"], "ended_by_host", "{ended}");
        room.remote.ui_page("home").await;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while cloud.focus.conference(&id).is_some() {
        assert!(Instant::now() < deadline, "the conference still runs");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let meeting: Value = admin
        .call(Method::GET, &format!("/meetings/{id}"), None)
        .await
        .unwrap();
    assert_eq!(meeting["state"], "ended", "{meeting}");
    cloud.shutdown().await;
}

/// A meeting 30 minutes long on a clock the test moves: 15 minutes before
/// its end every room is told, a guest may not extend it, the host does
/// (30 minutes more, the notice gone), and at the new end every call ends.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_warns_before_its_end_is_extended_by_its_host_and_ends_on_time() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let clock = roomcloud::clock::ManualClock::new();
    let mut config = roomcloud::CloudConfig::local(cloud_dir.path());
    config.media_canvas = (320, 240);
    let (cloud, admin) = common::start_configured(config, clock.clone()).await;
    let start = roomcloud::clock::Clock::now_secs(&*clock);
    let id = create_meeting(
        &admin,
        json!({ "subject": "Stand-up", "host_password": PASSWORD, "join_before_host": true,
                "start_at": start, "duration_mins": 30 }),
    )
    .await;
    let yellow = Room::start(
        dirs[0].path(),
        &cloud,
        &admin,
        "SN-T1",
        [255, 255, 0],
        440.0,
    )
    .await;
    let magenta = Room::start(
        dirs[1].path(),
        &cloud,
        &admin,
        "SN-T2",
        [255, 0, 255],
        660.0,
    )
    .await;
    join(&yellow, &id).await;
    join(&magenta, &id).await;
    let rooms = [&yellow, &magenta];
    for room in rooms {
        let status = room
            .remote
            .wait_status(|s| s["call"]["roster"]["ends_at"] == start + 1800)
            .await;
        assert_eq!(status["call"]["roster"]["ending_soon"], false, "{status}");
    }

    // 15 minutes before the end, every room is told.
    clock.advance_secs(15 * 60);
    for room in rooms {
        room.remote
            .wait_status(|s| s["call"]["roster"]["ending_soon"] == true)
            .await;
    }
    let (code, answer) = magenta
        .remote
        .try_post("/call/host", json!({ "action": "extend" }))
        .await;
    assert_eq!(
        (code.as_u16(), &answer["error"]["code"]),
        (403, &json!("not_host"))
    );
    let answer = yellow
        .remote
        .post("/call/host", json!({ "action": "extend" }))
        .await;
    assert_eq!(answer["status"], 200, "{answer}");
    for room in rooms {
        let status = room
            .remote
            .wait_status(|s| s["call"]["roster"]["ends_at"] == start + 3600)
            .await;
        assert_eq!(status["call"]["roster"]["ending_soon"], false, "{status}");
    }

    // Still running just before the new end; at it, every call ends.
    clock.advance_secs(44 * 60);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(cloud.focus.roster(&id).len(), 2, "ended early");
    clock.advance_secs(60);
    for room in rooms {
        let ended = room.remote.call_state("ended").await;
        assert_eq!(ended["call"]["code"], "time_up", "{ended}");
    }
    assert!(cloud.focus.roster(&id).is_empty());
    cloud.shutdown().await;
}

/// The colour `room` decodes over its whole picture, if it is one colour
/// (corners and centre alike); waits up to 45 s for `want` (long only for
/// a loaded machine: it returns as soon as the picture shows it).
fn fills(room: &Room, want: &[[u8; 3]]) -> [u8; 3] {
    let media = room.media();
    let deadline = Instant::now() + Duration::from_secs(45);
    tokio::task::block_in_place(|| loop {
        let frame = media.next_frame(Duration::from_secs(5)).unwrap();
        let points = [(40, 40), (280, 40), (160, 120), (40, 200), (280, 200)];
        let colours: Vec<[u8; 3]> = points
            .iter()
            .map(|(x, y)| colour_near(&frame, (320, 240), *x, *y, 8))
            .collect();
        let one = colours.iter().all(|c| close(*c, colours[0]));
        if one && want.iter().any(|w| close(colours[0], *w)) {
            return colours[0];
        }
        assert!(
            Instant::now() < deadline,
            "room {} never filled with {want:?}: {colours:?}",
            room.number
        );
    })
}

/// The host broadcasts a site: every other room decodes that site's
/// colour full frame, the site sees another room; polling then moves the
/// full screen from site to site on the cloud's clock; stopping it brings
/// the layout back. Polling the pages turns everyone's gallery a page at
/// a time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_site_fills_every_other_screen_and_polling_moves_on_schedule() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let clock = roomcloud::clock::ManualClock::new();
    let mut config = roomcloud::CloudConfig::local(cloud_dir.path());
    config.media_canvas = (320, 240);
    // Two pictures a gallery page (25 in a meeting): three rooms fill two.
    config.media_gallery_page = 2;
    let (cloud, admin) = common::start_configured(config, clock.clone()).await;
    let id = create_meeting(
        &admin,
        json!({ "subject": "Town hall", "host_password": PASSWORD, "join_before_host": true }),
    )
    .await;
    let (yellow_rgb, magenta_rgb, cyan_rgb) = ([255, 255, 0], [255, 0, 255], [0, 255, 255]);
    let yellow = Room::start(dirs[0].path(), &cloud, &admin, "SN-B1", yellow_rgb, 440.0).await;
    let magenta = Room::start(dirs[1].path(), &cloud, &admin, "SN-B2", magenta_rgb, 660.0).await;
    let cyan = Room::start(dirs[2].path(), &cloud, &admin, "SN-B3", cyan_rgb, 880.0).await;
    for room in [&yellow, &magenta, &cyan] {
        join(room, &id).await;
    }
    let roster = cloud.focus.roster(&id);
    let id_of = |sn: &str| {
        roster
            .iter()
            .find(|e| e.device_sn.as_deref() == Some(sn))
            .unwrap()
            .participant
    };
    let magenta_id = id_of("SN-B2");
    let act = |action: Value| {
        let admin = &admin;
        let path = format!("/meetings/{id}/live");
        async move {
            let _: Value = admin.call(Method::POST, &path, Some(action)).await.unwrap();
        }
    };

    act(json!({ "action": "broadcast", "participant": magenta_id })).await;
    fills(&yellow, &[magenta_rgb]);
    fills(&cyan, &[magenta_rgb]);
    // The site itself sees another room, not itself.
    fills(&magenta, &[yellow_rgb, cyan_rgb]);
    let status = yellow
        .remote
        .wait_status(|s| s["call"]["roster"]["broadcast"] == magenta_id)
        .await;
    assert_eq!(status["call"]["state"], "in_call");

    // Polling every 5 s: cyan (after magenta in join order) at once,
    // then yellow when the clock says so.
    act(json!({ "action": "poll", "interval_secs": 5 })).await;
    fills(&yellow, &[cyan_rgb]);
    fills(&magenta, &[cyan_rgb]);
    clock.advance_secs(5);
    fills(&magenta, &[yellow_rgb]);
    fills(&cyan, &[yellow_rgb]);
    clock.advance_secs(5);
    fills(&yellow, &[magenta_rgb]);

    // Polling the gallery's pages every 5 s: the first page at once (two
    // pictures), the second (cyan alone, full screen) when the clock says.
    act(json!({ "action": "poll", "interval_secs": 5, "pages": true })).await;
    clock.advance_secs(5);
    fills(&yellow, &[cyan_rgb]);
    fills(&magenta, &[cyan_rgb]);
    let status = yellow
        .remote
        .wait_status(|s| s["call"]["roster"]["polling"] == 5)
        .await;
    assert_eq!(status["call"]["roster"]["broadcast"], Value::Null);

    // Stopped: everyone's gallery again, its first page in each.
    act(json!({ "action": "stop_polling" })).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let media = yellow.media();
    tokio::task::block_in_place(|| loop {
        let frame = media.next_frame(Duration::from_secs(5)).unwrap();
        let layout = cloud.focus.conference(&id).unwrap().layout();
        let seen: Vec<[u8; 3]> = layout
            .iter()
            .map(|(_, rect)| colour_at(&frame, (320, 240), rect))
            .collect();
        let all = [yellow_rgb, magenta_rgb]
            .iter()
            .all(|want| seen.iter().any(|c| close(*c, *want)));
        if all && layout.len() == 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the gallery never came back: {seen:?}"
        );
    });
    cloud.shutdown().await;
}
