//! A terminal with its control API, and a client for it: the remote control
//! the tests press keys on.

use reqwest::StatusCode;
use roomterm::app::{Terminal, TerminalOptions};
use roomterm::net::NetworkConfigurator;
use roomterm::store::DataDir;
use roomterm::web::ControlApi;
use serde_json::{json, Value};

/// An in-process terminal and the client of its control API.
pub struct Remote {
    pub client: Client,
    pub terminal: Terminal,
    pub api: ControlApi,
}

impl std::ops::Deref for Remote {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

impl Remote {
    /// Starts a terminal on `data` with its control API on a free port.
    pub async fn start(data: &std::path::Path, sn: &str, network: NetworkConfigurator) -> Self {
        Self::start_with(data, sn, network, None).await
    }

    /// [`start`](Self::start), placing calls with `call_media`.
    pub async fn start_with(
        data: &std::path::Path,
        sn: &str,
        network: NetworkConfigurator,
        call_media: Option<roomterm::media::CallMediaConfig>,
    ) -> Self {
        Self::start_casting(data, sn, network, call_media, None).await
    }

    /// [`start_with`](Self::start_with), taking casts with `cast_media`.
    pub async fn start_casting(
        data: &std::path::Path,
        sn: &str,
        network: NetworkConfigurator,
        call_media: Option<roomterm::media::CallMediaConfig>,
        cast_media: Option<roomterm::cast::CastConfig>,
    ) -> Self {
        let terminal = Terminal::start(TerminalOptions {
            data: DataDir::new(data).unwrap(),
            sn: sn.into(),
            model: "generic-x86_64".into(),
            software_version: "0.1.0".into(),
            network,
            call_media,
            cast_media,
        });
        let token = roomterm::web::load_or_create_token(data).unwrap();
        let api = ControlApi::start(
            "127.0.0.1:0".parse().unwrap(),
            terminal.clone(),
            token.clone(),
        )
        .await
        .unwrap();
        Self {
            client: Client::new(&api.addr.to_string(), &token),
            terminal,
            api,
        }
    }
}

/// A control API client: what a web remote or room controller does.
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub token: String,
}

impl Client {
    /// The control API at `addr` (`host:port`), with its bearer token.
    pub fn new(addr: &str, token: &str) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: format!("http://{addr}/api/v1"),
            token: token.to_string(),
        }
    }

    /// POSTs and returns the status code with the JSON answer.
    pub async fn try_post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.try_post(path, body).await;
        assert!(status.is_success(), "{path}: {status} {answer}");
        answer
    }

    pub async fn keys(&self, keys: &[&str]) -> Value {
        self.post("/keys", json!({ "keys": keys })).await
    }

    pub async fn text(&self, text: &str) -> Value {
        self.post("/text", json!({ "text": text })).await
    }

    async fn send_get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
    }

    /// GETs and returns the status code with the JSON answer.
    pub async fn try_get(&self, path: &str) -> (StatusCode, Value) {
        let response = self.send_get(path).await;
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn get(&self, path: &str) -> Value {
        self.send_get(path).await.json().await.unwrap()
    }

    /// Polls `GET path` until the value at JSON `pointer` (e.g.
    /// `/call/state`) is `want`; fails after 10 s showing the last answer.
    pub async fn wait_for(&self, path: &str, pointer: &str, want: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let answer = self.get(path).await;
            if answer.pointer(pointer).and_then(Value::as_str) == Some(want)
                || std::time::Instant::now() > deadline
            {
                assert_eq!(answer.pointer(pointer), Some(&json!(want)), "{answer}");
                return answer;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The call reaches `state` (`/status` → `call.state`).
    pub async fn call_state(&self, state: &str) -> Value {
        self.wait_for("/status", "/call/state", state).await
    }

    /// The screen shows `page` (`/ui` → `page`).
    pub async fn ui_page(&self, page: &str) -> Value {
        self.wait_for("/ui", "/page", page).await
    }

    /// `GET path` as raw bytes, with the status and content type.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, String, Vec<u8>) {
        let response = self.send_get(path).await;
        let status = response.status();
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, kind, response.bytes().await.unwrap().to_vec())
    }

    /// Polls the status until `ready` holds (at most ~5 s); returns it.
    pub async fn wait_status(&self, ready: impl Fn(&Value) -> bool) -> Value {
        for _ in 0..100 {
            let status = self.get("/status").await;
            if ready(&status) {
                return status;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let status = self.get("/status").await;
        assert!(ready(&status), "never reached: {status}");
        status
    }
}
