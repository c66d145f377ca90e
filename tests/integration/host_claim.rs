//! Claiming host: a guest room asks, on its touchscreen's Claim host page
//! and through its control API (both SIP INFO), to become host with the
//! meeting's host password. Three wrong ones, then
//! even the right one is refused for 3 minutes on the cloud's clock; after
//! that the right one makes it host and the host before a guest. No
//! password reaches the audit log.

use reqwest::Method;
use serde_json::{json, Value};

use crate::common::room::Room;
use crate::common::{self, create_meeting};
use crate::host_controls::{join, me};

const PASSWORD: &str = "2468";

/// A guest room claims host with the host password through its control
/// API: three wrong ones, then even the right one is refused for 3 minutes
/// on the cloud's clock; after that the right one makes it host and the
/// host before a guest. No password reaches the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guest_claims_host_with_the_host_password_after_a_bar_for_wrong_ones() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let clock = roomcloud::clock::ManualClock::new();
    let mut config = roomcloud::CloudConfig::local(cloud_dir.path());
    config.media_canvas = (320, 240);
    let (cloud, admin) = common::start_configured(config, clock.clone()).await;
    let id = create_meeting(
        &admin,
        json!({ "subject": "Handover", "host_password": PASSWORD, "join_before_host": true }),
    )
    .await;
    let yellow = Room::start(
        dirs[0].path(),
        &cloud,
        &admin,
        "SN-C1",
        [255, 255, 0],
        440.0,
    )
    .await;
    let magenta = Room::start(
        dirs[1].path(),
        &cloud,
        &admin,
        "SN-C2",
        [255, 0, 255],
        660.0,
    )
    .await;
    join(&yellow, &id).await;
    magenta
        .remote
        .post("/join", json!({ "meeting_id": id, "password": "" }))
        .await;
    magenta.remote.call_state("in_call").await;
    magenta
        .remote
        .wait_status(|s| me(s)["host"] == false && s["call"]["roster"]["count"] == 2)
        .await;
    let claim = |password: &'static str| {
        let remote = &magenta.remote;
        async move {
            remote
                .try_post(
                    "/call/host",
                    json!({ "action": "claim_host", "password": password }),
                )
                .await
        }
    };

    // On the room's screen: Participants, Claim host, a wrong password on
    // the keypad — the page says so.
    let tap = |control: &'static str| {
        let remote = &magenta.remote;
        async move {
            remote.post("/tap", json!({ "control": control })).await;
        }
    };
    tap("participants").await;
    tap("become_host").await;
    magenta.remote.ui_page("claim_host").await;
    magenta.remote.text("0000").await;
    tap("claim_host").await;
    magenta
        .remote
        .wait_for("/ui", "/meeting/refused", "wrong_password")
        .await;
    // Two more through the control API.
    for _ in 0..2 {
        let (code, answer) = claim("0000").await;
        assert_eq!(
            (code.as_u16(), &answer["error"]["code"]),
            (403, &json!("wrong_password")),
            "{answer}"
        );
    }
    let (code, answer) = claim(PASSWORD).await;
    assert_eq!(
        (code.as_u16(), &answer["error"]["code"]),
        (403, &json!("too_many_tries")),
        "barred: {answer}"
    );
    clock.advance_secs(180);
    // The right one on the screen: host, and the Host menu opens.
    magenta.remote.text(PASSWORD).await;
    tap("claim_host").await;
    magenta.remote.wait_status(|s| me(s)["host"] == true).await;
    magenta.remote.ui_page("host_menu").await;
    yellow.remote.wait_status(|s| me(s)["host"] == false).await;
    // The new host leads: it locks; the old one may not.
    let (code, _) = yellow
        .remote
        .try_post("/call/host", json!({ "action": "lock" }))
        .await;
    assert_eq!(code, 403);
    let answer = magenta
        .remote
        .post("/call/host", json!({ "action": "lock" }))
        .await;
    assert_eq!(answer["status"], 200, "{answer}");

    let audit: Vec<Value> = admin
        .call(Method::GET, &format!("/meetings/{id}/live/audit"), None)
        .await
        .unwrap();
    let claims: Vec<_> = audit
        .iter()
        .filter(|a| a["action"] == "claim_host")
        .collect();
    let outcomes: Vec<_> = claims
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        [
            "wrong_password",
            "wrong_password",
            "wrong_password",
            "too_many_tries",
            "ok"
        ]
    );
    for claim in claims {
        assert_eq!(claim["detail"], r#"{"action":"claim_host"}"#, "{claim}");
    }
    cloud.shutdown().await;
}
