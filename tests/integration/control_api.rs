//! The terminal's control API over real HTTP and WebSocket: token check,
//! status, activation errors and success, live status events, factory reset.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use roomcloud::clock::SystemClock;
use roomterm::app::{Terminal, TerminalOptions};
use roomterm::store::DataDir;
use roomterm::web::ControlApi;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drive_activation_through_the_control_api() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_cloud(cloud_dir.path(), 0, Arc::new(SystemClock)).await;
    let code = common::add_device(&admin, "SN-W1").await;
    let terminal = Terminal::start(TerminalOptions {
        data: DataDir::new(term_dir.path()).unwrap(),
        sn: "SN-W1".into(),
        model: "generic-x86_64".into(),
        software_version: "0.1.0".into(),
        network: Default::default(),
        call_media: None,
        cast_media: None,
    });
    let token = roomterm::web::load_or_create_token(term_dir.path()).unwrap();
    let api = ControlApi::start("127.0.0.1:0".parse().unwrap(), terminal, token.clone())
        .await
        .unwrap();
    let base = format!("http://{}/api/v1", api.addr);
    let http = reqwest::Client::new();

    let denied = http.get(format!("{base}/status")).send().await.unwrap();
    assert_eq!(denied.status(), 401);
    let wrong = http
        .get(format!("{base}/status"))
        .bearer_auth("rtc_wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);

    let status: Value = http
        .get(format!("{base}/status"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["provisioning"]["state"], "not_activated");
    assert_eq!(status["sn"], "SN-W1");

    // Live events from here on.
    let mut request = format!("ws://{}/api/v1/events", api.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (mut events, _) = tokio_tungstenite::connect_async(request).await.unwrap();

    let url = cloud.endpoints.api_url.clone();
    let refused = http
        .post(format!("{base}/activate"))
        .bearer_auth(&token)
        .json(&json!({ "server_url": url, "code": "000000000000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "wrong_code");

    let bad = http
        .post(format!("{base}/activate"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"code\": 1}")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    let ok = http
        .post(format!("{base}/activate"))
        .bearer_auth(&token)
        .json(&json!({ "server_url": url, "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);

    // The stream carries both the status and the screen: the wizard gives
    // way to Home, and the lines turn connected and registered.
    let (ready, home) = tokio::time::timeout(Duration::from_secs(10), async {
        let (mut ready, mut home) = (None, None);
        while let Some(Ok(frame)) = events.next().await {
            if let Message::Text(text) = frame {
                let event: Value = serde_json::from_str(&text).unwrap();
                let s = &event["status"];
                if s["provisioning"]["state"] == "connected" && s["sip"]["state"] == "registered" {
                    ready = Some(event.clone());
                }
                if event["type"] == "ui" && event["ui"]["page"] == "home" {
                    home = Some(event);
                }
                if let (Some(ready), Some(home)) = (&ready, &home) {
                    return (ready.clone(), home.clone());
                }
            }
        }
        panic!("event stream ended");
    })
    .await
    .expect("connected and registered event, and Home on screen");
    assert_eq!(ready["status"]["number"], "100001");
    assert_eq!(home["ui"]["number"], "100001");

    // A plain GET on the WebSocket endpoint is answered in JSON, not text.
    let plain = http
        .get(format!("{base}/events"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert!(plain.status().is_client_error(), "{}", plain.status());
    let body: Value = plain.json().await.unwrap();
    assert_eq!(body["error"]["code"], "websocket_required");

    let reset = http
        .post(format!("{base}/factory-reset"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    let status: Value = http
        .get(format!("{base}/status"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["provisioning"]["state"], "not_activated");
    assert!(DataDir::new(term_dir.path())
        .unwrap()
        .load_credentials()
        .is_none());
}
