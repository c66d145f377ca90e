//! Home lists the room's meetings of the day, live: a meeting the admin
//! makes with the room invited shows within seconds (the cloud tells the
//! room's channel, the room fetches the day's again), one touch joins it,
//! and cancelling it ends the call and takes it off the list.

use std::time::{Duration, Instant};

use roomterm::media::CallMediaConfig;
use serde_json::{json, Value};

use crate::common::remote::Remote;
use crate::common::{self, create_meeting};

/// Waits up to 10 s for Home's list to satisfy `ready`.
fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn schedule_until(remote: &Remote, ready: impl Fn(&[Value]) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let ui = remote.get("/ui").await;
        if ready(ui["schedule"].as_array().map_or(&[][..], Vec::as_slice)) {
            return ui;
        }
        assert!(
            Instant::now() < deadline,
            "Home's meetings: {}",
            ui["schedule"]
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_made_for_the_room_shows_on_home_at_once_and_joins_in_one_touch() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let plan = common::media_plan();
    let media = CallMediaConfig::small(&plan, 0xff00ff00, 660.0);
    let room = common::registered_terminal(term_dir.path(), &cloud, &admin, "SN-D1", media).await;
    room.ui_page("home").await;
    schedule_until(&room, <[Value]>::is_empty).await;

    let id = create_meeting(
        &admin,
        // Ten minutes ahead (joinable already): not rung at its start yet.
        json!({ "subject": "Design review", "organiser": "Li Na", "duration_mins": 45, "join_before_host": true,
                "start_at": now_secs() + 600,
                "invitees": { "devices": ["SN-D1"] } }),
    )
    .await;
    let ui = schedule_until(&room, |list| list.len() == 1).await;
    let listed = &ui["schedule"][0];
    assert_eq!(listed["meeting_id"], id.as_str(), "{listed}");
    assert_eq!(listed["subject"], "Design review");
    assert_eq!(listed["organiser"], "Li Na");
    let length = listed["ends_at"].as_i64().unwrap() - listed["starts_at"].as_i64().unwrap();
    assert_eq!(length, 45 * 60);

    room.post("/tap", json!({ "control": "meeting0" })).await;
    room.call_state("in_call").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while cloud.focus.roster(&id).len() != 1 {
        assert!(Instant::now() < deadline, "not in the meeting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        cloud.focus.roster(&id)[0].device_sn.as_deref(),
        Some("SN-D1")
    );

    // Cancelled: the call ends saying so, and Home's list empties.
    let _: Value = admin
        .call(
            reqwest::Method::POST,
            &format!("/meetings/{id}/cancel"),
            None,
        )
        .await
        .unwrap();
    let ended = room.call_state("ended").await;
    assert_eq!(ended["call"]["code"], "cancelled", "{ended}");
    room.ui_page("home").await;
    schedule_until(&room, <[Value]>::is_empty).await;
    cloud.shutdown().await;
}
