//! The first-boot wizard driven with remote-control keys through the control
//! API, against a real roomcloud: a wrong code shows the error and keeps the
//! page; the right code reaches Home with provisioning connected and SIP
//! registered, and the cloud's device list agrees.

mod common;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use roomcloud::clock::SystemClock;
use roomcloud::devices::DeviceView;
use roomterm::app::{Terminal, TerminalOptions};
use roomterm::store::DataDir;
use roomterm::web::ControlApi;
use serde_json::{json, Value};

struct Remote {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Remote {
    async fn post(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    async fn keys(&self, keys: &[&str]) -> Value {
        self.post("/keys", json!({ "keys": keys })).await
    }

    async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wizard_by_remote_reaches_home_registered() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_cloud(cloud_dir.path(), 0, Arc::new(SystemClock)).await;
    let code = common::add_device(&admin, "SN-Z1").await;
    let terminal = Terminal::start(TerminalOptions {
        data: DataDir::new(term_dir.path()).unwrap(),
        sn: "SN-Z1".into(),
        model: "generic-x86_64".into(),
        software_version: "0.1.0".into(),
    });
    let token = roomterm::web::load_or_create_token(term_dir.path()).unwrap();
    let api = ControlApi::start("127.0.0.1:0".parse().unwrap(), terminal, token.clone())
        .await
        .unwrap();
    let remote = Remote {
        http: reqwest::Client::new(),
        base: format!("http://{}/api/v1", api.addr),
        token,
    };

    assert_eq!(remote.get("/ui").await["page"], "language");
    // English, then Next.
    let ui = remote.keys(&["right", "ok", "down", "ok"]).await;
    assert_eq!(ui["page"], "network");
    // DHCP stays selected; Next.
    let ui = remote.keys(&["down", "right", "ok"]).await;
    assert_eq!(ui["page"], "server");
    assert_eq!(ui["focused"], "server_field");
    remote
        .post("/text", json!({ "text": cloud.endpoints.api_url }))
        .await;
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

    let mut ready = false;
    for _ in 0..100 {
        let status = remote.get("/status").await;
        if status["provisioning"]["state"] == "connected" && status["sip"]["state"] == "registered"
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(ready, "{}", remote.get("/status").await);
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
