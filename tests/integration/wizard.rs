//! The first-boot wizard driven with remote-control keys through the control
//! API, against a real roomcloud: a wrong code shows the error and keeps the
//! page; the right code reaches Home with provisioning connected and SIP
//! registered, and the cloud's device list agrees.

use crate::common;

use std::sync::Arc;

use common::remote::Remote;
use reqwest::Method;
use roomcloud::clock::SystemClock;
use roomcloud::devices::DeviceView;
use roomterm::store::DataDir;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wizard_by_remote_reaches_home_registered() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_cloud(cloud_dir.path(), 0, Arc::new(SystemClock)).await;
    let code = common::add_device(&admin, "SN-Z1").await;
    let remote = Remote::start(term_dir.path(), "SN-Z1", Default::default()).await;

    assert_eq!(remote.get("/ui").await["page"], "language");
    // English, then Next.
    let ui = remote.keys(&["right", "ok", "down", "ok"]).await;
    assert_eq!(ui["page"], "network");
    // DHCP stays selected; Next.
    let ui = remote.keys(&["down", "right", "ok"]).await;
    assert_eq!(ui["page"], "server");
    assert_eq!(ui["focused"], "server_field");
    remote.text(&cloud.endpoints.api_url).await;
    let ui = remote.keys(&["down", "right", "ok"]).await;
    assert_eq!(ui["page"], "activation");

    // A wrong code: the error is reported and the page stays.
    let ui = remote.keys(&["digit0"; 12]).await;
    assert_eq!(ui["code"], "000000000000");
    let ui = remote
        .keys(&["down", "down", "down", "down", "right", "right"])
        .await;
    assert_eq!(ui["focused"], "activate");
    let ui = remote.keys(&["ok"]).await;
    assert_eq!(ui["page"], "activation");
    assert_eq!(ui["activating"], false);
    let status = remote.get("/status").await;
    assert_eq!(status["activation_error"]["code"], "wrong_code");

    // Back erases; then the right code with the digit keys, and OK.
    let ui = remote.keys(&["back"; 12]).await;
    assert_eq!(ui["code"], "");
    let digits: Vec<String> = code.chars().map(|d| format!("digit{d}")).collect();
    let digits: Vec<&str> = digits.iter().map(String::as_str).collect();
    remote.keys(&digits).await;
    let ui = remote.keys(&["ok"]).await;
    assert_eq!(ui["page"], "home", "{ui}");

    remote
        .wait_status(|s| {
            s["provisioning"]["state"] == "connected" && s["sip"]["state"] == "registered"
        })
        .await;
    let device: DeviceView = admin
        .call(Method::GET, "/devices/SN-Z1", None)
        .await
        .unwrap();
    assert!(device.provisioning_connected && device.sip_registered);
    // A rename in the cloud shows on Home at once, without a restart.
    let _: serde_json::Value = admin
        .call(
            Method::PATCH,
            "/devices/SN-Z1",
            Some(serde_json::json!({ "name": "Board Room 7" })),
        )
        .await
        .unwrap();
    let mut ui = remote.get("/ui").await;
    for _ in 0..40 {
        if ui["room_name"] == "Board Room 7" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        ui = remote.get("/ui").await;
    }
    assert_eq!(ui["page"], "home");
    assert_eq!(
        ui["room_name"], "Board Room 7",
        "not on Home within 1 s: {ui}"
    );

    // The wizard's choices were saved.
    let settings = DataDir::new(term_dir.path()).unwrap().load_settings();
    assert_eq!(settings.language, roomterm::store::Language::En);
    assert_eq!(
        settings.server_url.as_deref(),
        Some(cloud.endpoints.api_url.as_str())
    );
}

/// Walks the wizard by remote to the activation page (English, DHCP, the
/// given server); answers the screen there.
async fn to_activation_page(remote: &Remote, server: &str) -> serde_json::Value {
    remote.keys(&["right", "ok", "down", "ok"]).await;
    remote.keys(&["down", "right", "ok"]).await;
    remote.text(server).await;
    let ui = remote.keys(&["down", "right", "ok"]).await;
    assert_eq!(ui["page"], "activation");
    ui
}

/// Erases what is typed (Back, one digit at a time), types `code` with the
/// remote's digit keys and presses OK on the filled field, as an installer
/// does (no walk to the Activate key).
async fn enter_code(remote: &Remote, code: &str) -> serde_json::Value {
    let typed = remote.get("/ui").await["code"].as_str().unwrap().len();
    if typed > 0 {
        remote.keys(&vec!["back"; typed]).await;
    }
    let digits: Vec<String> = code.chars().map(|d| format!("digit{d}")).collect();
    let digits: Vec<&str> = digits.iter().map(String::as_str).collect();
    let ui = remote.keys(&digits).await;
    assert_eq!(ui["code"], code, "{ui}");
    assert_eq!(ui["focused"], "code_field", "{ui}");
    remote.keys(&["ok"]).await
}

/// The error states a person sees on the activation page, by remote: an
/// expired code; then, after ten wrong codes, the IP lockout with a time
/// left that counts down; once the cloud's lock is over, the new code works.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wizard_shows_expired_code_and_a_counting_lockout() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let clock = roomcloud::clock::ManualClock::new();
    let (cloud, admin) = common::start_cloud(cloud_dir.path(), 0, clock.clone()).await;
    let code = common::add_device(&admin, "SN-Z2").await;
    let remote = Remote::start(term_dir.path(), "SN-Z2", Default::default()).await;
    to_activation_page(&remote, &cloud.endpoints.api_url).await;

    // Ten days and a second later the code no longer works.
    clock.advance_secs(10 * 86_400 + 1);
    let ui = enter_code(&remote, &code).await;
    assert_eq!(ui["page"], "activation");
    assert_eq!(ui["activation_error"]["code"], "code_expired", "{ui}");

    // The admin issues a new code; meanwhile someone keeps guessing.
    let issued: roomcloud::devices::IssuedCode = admin
        .call(Method::POST, "/devices/SN-Z2/reset-code", None)
        .await
        .unwrap();
    let mut ui = serde_json::Value::Null;
    for _ in 0..10 {
        ui = enter_code(&remote, "111111111111").await;
        if ui["activation_error"]["code"] == "ip_locked" {
            break;
        }
        assert_eq!(ui["activation_error"]["code"], "wrong_code", "{ui}");
    }
    assert_eq!(ui["activation_error"]["code"], "ip_locked", "{ui}");
    let left = ui["activation_error"]["retry_after_secs"].as_u64().unwrap();
    assert!((598..=600).contains(&left), "{ui}");
    // Even the right code is refused while the lock holds.
    let ui = enter_code(&remote, &issued.activation_code).await;
    assert_eq!(ui["activation_error"]["code"], "ip_locked", "{ui}");
    // The time left counts down on its own.
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    let ui = remote.get("/ui").await;
    let later = ui["activation_error"]["retry_after_secs"].as_u64().unwrap();
    assert!(later <= left - 2, "{left} then {later}");

    // Ten minutes on (cloud time), the new code activates.
    clock.advance_secs(601);
    let ui = enter_code(&remote, &issued.activation_code).await;
    assert_eq!(ui["page"], "home", "{ui}");
    remote
        .wait_status(|s| s["sip"]["state"] == "registered")
        .await;
}
