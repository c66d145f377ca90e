//! The first-boot wizard driven with remote-control keys through the control
//! API, against a real roomcloud: a wrong code shows the error and keeps the
//! page; the right code reaches Home with provisioning connected and SIP
//! registered, and the cloud's device list agrees.

mod common;

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
    // The wizard's choices were saved.
    let settings = DataDir::new(term_dir.path()).unwrap().load_settings();
    assert_eq!(settings.language, roomterm::store::Language::En);
    assert_eq!(
        settings.server_url.as_deref(),
        Some(cloud.endpoints.api_url.as_str())
    );
}
