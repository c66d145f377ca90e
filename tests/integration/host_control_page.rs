//! The conference-control page in a real browser (Debian's chromium,
//! headless): an admin signs in with the admin token, sees the meeting's
//! two rooms live, mutes one — and that room's own status says the host
//! muted it, and the other room no longer hears it; turns the waiting
//! room on, sees a third room wait and lets it in from the Chinese page,
//! then rings a fourth room in from there.
//! The page in both languages goes to `target/tmp/control-screenshots`.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::browser::{CastPage, Laptop};
use crate::common::room::Room;
use crate::common::{self, create_meeting};

const PASSWORD: &str = "2468";

async fn join(room: &Room, meeting_id: &str) {
    room.remote
        .post(
            "/join",
            json!({ "meeting_id": meeting_id, "password": PASSWORD }),
        )
        .await;
    room.remote.call_state("in_call").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_signs_in_sees_the_rooms_live_and_mutes_one() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
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
    join(&yellow, &id).await;
    join(&magenta, &id).await;
    let magenta_id = cloud
        .focus
        .roster(&id)
        .iter()
        .find(|e| e.device_sn.as_deref() == Some("SN-W2"))
        .unwrap()
        .participant;

    // Without a session, the page's action is refused.
    let http = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let url = |path: &str| format!("{}{path}", cloud.endpoints.api_url);
    let refused = http
        .post(url(&format!("/control/{id}/action")))
        .json(&json!({ "action": "lock" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);

    let laptop = Laptop::start().await;
    let page = CastPage(
        laptop
            .open_with(&url(&format!("/control/{id}?lang=en")), "")
            .await,
    );
    // A wrong token is told; the right one signs in.
    page.fill("#token", "rta_wrong").await;
    page.click("#sign-in").await;
    page.until(
        "!!document.querySelector('.error')",
        "the wrong token's refusal",
    )
    .await;
    page.fill("#token", &cloud.admin_token).await;
    page.click("#sign-in").await;
    page.until(
        "document.body.dataset.state === 'live' && document.querySelectorAll('#roster tbody tr').length === 2",
        "the live roster",
    )
    .await;
    page.screenshot("control-screenshots", "control-en").await;

    // Mute magenta from the page: its own status says the host did, and
    // the host's room no longer hears it.
    page.click(&format!(
        "tr[data-participant='{magenta_id}'] button[data-action='mute']"
    ))
    .await;
    let status = magenta
        .remote
        .wait_status(|s| {
            let roster = &s["call"]["roster"];
            roster["members"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|m| m["id"] == roster["you"] && m["muted_by_host"] == true)
        })
        .await;
    assert_eq!(status["call"]["state"], "in_call");
    let levels = common::levels_once(
        Duration::from_secs(5),
        || yellow.hears(&[660.0]),
        |l| l[0] < 0.01,
    );
    assert!(levels[0] < 0.01, "magenta still heard: {levels:?}");
    // The page follows within a second: magenta's row says it is muted.
    page.until(
        &format!(
            "!!document.querySelector(\"tr[data-participant='{magenta_id}'] button[data-action='unmute']\")"
        ),
        "the muted row",
    )
    .await;
    let audit: Vec<Value> = admin
        .call(
            reqwest::Method::GET,
            &format!("/meetings/{id}/live/audit"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(audit.last().unwrap()["actor"], "admin", "{audit:?}");

    // The waiting room on from the page: a third room is held, and the
    // page lists it with Admit and Deny.
    page.click("#waiting-room").await;
    yellow
        .remote
        .wait_status(|s| s["call"]["roster"]["waiting_room"] == true)
        .await;
    let cyan = Room::start(
        dirs[2].path(),
        &cloud,
        &admin,
        "SN-W3",
        [0, 255, 255],
        880.0,
    )
    .await;
    join(&cyan, &id).await;
    cyan.remote
        .wait_status(|s| s["call"]["roster"]["held"] == true)
        .await;
    page.until(
        "!document.getElementById('waiting').hidden && document.querySelectorAll('#waiting-list li').length === 1",
        "the waiting list",
    )
    .await;

    // The same page in Chinese, someone waiting; admitted from there.
    let zh = CastPage(
        laptop
            .open_with(&url(&format!("/control/{id}?lang=zh-CN")), "")
            .await,
    );
    zh.until(
        "document.body.dataset.state === 'live' && document.documentElement.lang === 'zh-CN'",
        "the Chinese page",
    )
    .await;
    zh.until(
        "document.querySelectorAll('#waiting-list li').length === 1",
        "the Chinese waiting list",
    )
    .await;
    zh.screenshot("control-screenshots", "control-zh").await;
    zh.click("#waiting-list li button[data-action='admit']")
        .await;
    cyan.remote
        .wait_status(|s| s["call"]["roster"]["held"] == false)
        .await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while cloud.focus.roster(&id).len() != 3 {
        assert!(Instant::now() < deadline, "not let in");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    zh.until(
        "document.getElementById('waiting').hidden",
        "the list emptied",
    )
    .await;

    // Ringing someone in from the page: an offline number is refused in
    // words; a fourth room's number rings it, and answered it is in.
    zh.fill("#invite-to", "199999").await;
    zh.click("#invite").await;
    zh.until(
        "document.getElementById('notice').textContent.includes('无法接通')",
        "the unreachable notice",
    )
    .await;
    let green = Room::start(dirs[3].path(), &cloud, &admin, "SN-W4", [0, 255, 0], 990.0).await;
    zh.fill("#invite-to", &green.number).await;
    zh.click("#invite").await;
    green.remote.call_state("incoming").await;
    green.remote.post("/call/answer", json!({})).await;
    green
        .remote
        .wait_status(|s| s["call"]["roster"]["you"].is_number())
        .await;
    zh.until(
        "document.querySelectorAll('#roster tbody tr').length === 4",
        "the rung room on the roster",
    )
    .await;
    laptop.close().await;
    cloud.shutdown().await;
}
