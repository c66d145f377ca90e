//! The host's waiting room on real calls: with it on, a guest room that
//! dials in is answered but held — it hears the hold prompt and nothing of
//! the meeting, nobody hears or sees it, its own screen says it waits, and
//! the host's Participants page lists it — until the host lets it in from
//! the touchscreen (then both hear each other); baresip held the same way
//! is turned away by the admin (its call ends, nobody ever heard it).

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::baresip::Baresip;
use crate::common::room::Room;
use crate::common::{self, create_meeting};

const PASSWORD: &str = "1357";
const HEARD: f64 = 0.05;
const ABSENT: f64 = 0.01;
const BARESIP_TONE: f64 = 1000.0;

/// What `room` hears of `tones` once `settled` (the expected outcome)
/// holds, or after 20 s: a loaded machine (the image tests run beside)
/// moves media late.
fn hears(room: &Room, tones: &[f64], settled: impl Fn(&[f64]) -> bool) -> Vec<f64> {
    common::levels_once(Duration::from_secs(20), || room.hears(tones), settled)
}

async fn join(room: &Room, id: &str, password: &str) {
    room.remote
        .post("/join", json!({ "meeting_id": id, "password": password }))
        .await;
    room.remote.call_state("in_call").await;
}

/// The loudness of `samples`, 0 (silence) to 1 (full scale).
fn rms(samples: &[i16]) -> f64 {
    let sum: f64 = samples
        .iter()
        .map(|&s| (f64::from(s) / 32768.0).powi(2))
        .sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// Waits until `ready` holds of the meeting's live view (admin API).
async fn live_until(
    admin: &roomcloud::client::AdminClient,
    id: &str,
    ready: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let live: Value = admin
            .call(Method::GET, &format!("/meetings/{id}/live"), None)
            .await
            .unwrap();
        if ready(&live) {
            return live;
        }
        assert!(Instant::now() < deadline, "never reached: {live}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_guest_is_let_in_by_the_host_and_another_turned_away() {
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
        "SN-W1",
        [255, 255, 0],
        440.0,
    )
    .await;
    let magenta = Room::start(
        dirs[1].path(),
        &cloud,
        &admin,
        "SN-W2",
        [255, 0, 255],
        660.0,
    )
    .await;
    let tones = [yellow.tone, magenta.tone, BARESIP_TONE];
    let tap = |control: &'static str| {
        let remote = &yellow.remote;
        async move {
            remote.post("/tap", json!({ "control": control })).await;
        }
    };

    // The host (first in, with the host password) turns the waiting room
    // on from its Host menu.
    join(&yellow, &id, PASSWORD).await;
    yellow
        .remote
        .wait_status(|s| s["call"]["roster"]["you"].is_number())
        .await;
    tap("host_menu").await;
    yellow.remote.ui_page("host_menu").await;
    tap("waiting_room").await;
    yellow
        .remote
        .wait_status(|s| s["call"]["roster"]["waiting_room"] == true)
        .await;
    tap("back").await;

    // Magenta dials in (the meeting has no password for guests): answered,
    // but held.
    let guest_password = "";
    join(&magenta, &id, guest_password).await;
    let status = magenta
        .remote
        .wait_status(|s| s["call"]["roster"]["held"] == true)
        .await;
    assert_eq!(status["call"]["state"], "in_call");
    let live = live_until(&admin, &id, |l| l["waiting"].as_array().unwrap().len() == 1).await;
    assert_eq!(live["waiting"][0]["device_sn"], "SN-W2", "{live}");
    let magenta_id = live["waiting"][0]["participant"].clone();
    assert_eq!(cloud.focus.roster(&id).len(), 1, "held, not in the meeting");
    assert_eq!(cloud.focus.conference(&id).unwrap().layout().len(), 1);

    // It hears the hold prompt, not the host; the host does not hear it.
    let prompt = tokio::task::block_in_place(|| {
        let media = magenta.media();
        let deadline = Instant::now() + Duration::from_secs(6);
        loop {
            let samples = media.listen(Duration::from_millis(600)).unwrap();
            let rms = rms(&samples);
            if rms > 0.02 || Instant::now() > deadline {
                return rms;
            }
        }
    });
    assert!(prompt > 0.02, "no hold prompt: RMS {prompt}");
    let at_guest = hears(&magenta, &tones, |l| l[0] < ABSENT);
    assert!(
        at_guest[0] < ABSENT,
        "the held room hears the host: {at_guest:?}"
    );
    let at_host = hears(&yellow, &tones, |l| l[1] < ABSENT);
    assert!(
        at_host[1] < ABSENT,
        "the host hears the held room: {at_host:?}"
    );

    // The host's Participants page lists it as waiting; picked, the Mute
    // button's place lets it in.
    tap("participants").await;
    yellow.remote.ui_page("participants").await;
    let ui = yellow
        .remote
        .wait_status(|s| {
            s["call"]["roster"]["waiting"]
                .as_array()
                .is_some_and(|w| w.len() == 1)
        })
        .await;
    assert_eq!(ui["call"]["roster"]["waiting"][0]["id"], magenta_id, "{ui}");
    for _ in 0..4 {
        if yellow.remote.get("/ui").await["meeting"]["selected"] == magenta_id {
            break;
        }
        tap("participant_next").await;
    }
    let ui = yellow.remote.get("/ui").await;
    assert_eq!(ui["meeting"]["selected"], magenta_id, "{ui}");
    let waiting: Vec<_> = ui["meeting"]["members"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["waiting"] == true)
        .collect();
    assert_eq!(waiting.len(), 1, "{ui}");
    tap("participant_mute").await;

    // Let in: on the roster, and both hear each other on the same call.
    magenta
        .remote
        .wait_status(|s| s["call"]["roster"]["held"] == false)
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while cloud.focus.roster(&id).len() != 2 {
        assert!(Instant::now() < deadline, "not let in");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let at_host = hears(&yellow, &tones, |l| l[1] > HEARD);
    assert!(at_host[1] > HEARD, "the host does not hear it: {at_host:?}");
    let at_guest = hears(&magenta, &tones, |l| l[0] > HEARD);
    assert!(
        at_guest[0] > HEARD,
        "it does not hear the host: {at_guest:?}"
    );
    assert_eq!(
        magenta.remote.get("/status").await["call"]["state"],
        "in_call"
    );

    // Baresip is held too; the admin turns it away: its call ends, the
    // waiting list empties, and nobody heard it.
    let uri = format!("sip:{id}@{}", cloud.endpoints.sip_udp);
    let baresip = Baresip::dial(&uri, BARESIP_TONE as u32);
    let live = live_until(&admin, &id, |l| l["waiting"].as_array().unwrap().len() == 1).await;
    let baresip_id = live["waiting"][0]["participant"].clone();
    let at_host = hears(&yellow, &tones, |l| l[2] < ABSENT);
    assert!(at_host[2] < ABSENT, "the held phone is heard: {at_host:?}");
    let _: Value = admin
        .call(
            Method::POST,
            &format!("/meetings/{id}/live"),
            Some(json!({ "action": "deny", "participant": baresip_id })),
        )
        .await
        .unwrap();
    live_until(&admin, &id, |l| l["waiting"].as_array().unwrap().is_empty()).await;
    let deadline = Instant::now() + Duration::from_secs(15);
    // (baresip logs that the far end hung up, not the BYE's reason,
    // which the focus's tests read on the wire.)
    while !baresip.log().contains("terminated") {
        assert!(
            Instant::now() < deadline,
            "not turned away:\n{}",
            baresip.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(cloud.focus.roster(&id).len(), 2);
    let audit: Value = admin
        .call(Method::GET, &format!("/meetings/{id}/live/audit"), None)
        .await
        .unwrap();
    let actions: Vec<_> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap_or_default().to_string())
        .collect();
    for want in ["waiting_room", "admit", "deny"] {
        assert!(
            actions.iter().any(|a| a == want),
            "{want} not audited: {actions:?}"
        );
    }
    drop(baresip);
    cloud.shutdown().await;
}
