//! A meeting cancelled while it runs ends for everyone in it: the cloud
//! sends each call a BYE saying why, the terminal's call ends and it is
//! back Home, the conference media stops, and dialling the meeting again
//! is refused as ended.

use crate::common;

use std::time::{Duration, Instant};

use roomterm::media::CallMediaConfig;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_a_running_meeting_ends_every_call_in_it() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let id = common::create_meeting(
        &admin,
        json!({ "subject": "Standup", "host_password": "1111", "join_before_host": true }),
    )
    .await;
    let plan = common::media_plan();
    let red = CallMediaConfig::small(&plan, 0xffff0000, 440.0);
    let remote = common::registered_terminal(term_dir.path(), &cloud, &admin, "SN-X1", red).await;
    remote
        .post("/join", json!({ "meeting_id": id, "password": "1111" }))
        .await;
    remote.call_state("in_call").await;
    assert_eq!(cloud.focus.roster(&id).len(), 1);

    let cancelled: serde_json::Value = admin
        .call(
            reqwest::Method::POST,
            &format!("/meetings/{id}/cancel"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(cancelled["state"], "cancelled", "{cancelled}");

    // The room's call ends (the far end hung up, saying why) and it is
    // back Home.
    let ended = remote.call_state("ended").await;
    assert_eq!(ended["call"]["reason"], "the other side hung up", "{ended}");
    assert_eq!(ended["call"]["code"], "cancelled", "{ended}");
    remote.ui_page("home").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while cloud.focus.conference(&id).is_some() {
        assert!(Instant::now() < deadline, "the conference still runs");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(cloud.focus.roster(&id).is_empty());

    // Dialling it again is refused: it has ended.
    remote
        .post("/join", json!({ "meeting_id": id, "password": "1111" }))
        .await;
    let refused = remote.call_state("ended").await;
    assert_eq!(refused["call"]["code"], "ended", "{refused}");
    assert_eq!(refused["call"]["reason"], "410 Meeting Ended");
    cloud.shutdown().await;
}
