//! Shared set-up for roomcloud's integration tests: a real cloud on loopback
//! with ephemeral ports and a clock the test moves.

#![allow(dead_code)]

pub mod balancer;
pub mod cast;
pub mod chromium;
pub mod edge;
pub mod meetings;
pub mod postgres;
pub mod ua;

use std::sync::Arc;

use reqwest::Method;
use roomcloud::client::{http_client, AdminClient, ClientError};
use roomcloud::clock::ManualClock;
use roomcloud::devices::{DeviceView, IssuedCode};
use roomcloud::{CloudConfig, RunningCloud};
use serde_json::{json, Value};

pub struct TestCloud {
    pub cloud: RunningCloud,
    pub clock: Arc<ManualClock>,
    pub admin: AdminClient,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl TestCloud {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_plain() -> Self {
        Self::start_with(|c| c.plain_http = true).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut CloudConfig)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = CloudConfig::local(dir.path());
        config.database = roomcloud::store::database_for_tests().await;
        tweak(&mut config);
        let clock = ManualClock::new();
        let cloud = roomcloud::start(config, clock.clone())
            .await
            .expect("cloud starts");
        let ca = (!cloud.ca_pem.is_empty()).then_some(cloud.ca_pem.as_str());
        let admin = AdminClient::new(&cloud.endpoints.api_url, &cloud.admin_token, ca).unwrap();
        let http = http_client(ca).unwrap();
        Self {
            cloud,
            clock,
            admin,
            http,
            _dir: dir,
        }
    }

    /// The cloud's data directory (`<data>/updates/` holds bundles).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.cloud.endpoints.api_url)
    }

    pub async fn enterprise(&self, name: &str) {
        let _: Value = self
            .admin
            .call(Method::POST, "/enterprises", Some(json!({ "name": name })))
            .await
            .expect("enterprise created");
    }

    pub async fn add_device(&self, sn: &str, enterprise: &str) -> Result<IssuedCode, ClientError> {
        self.admin
            .call(
                Method::POST,
                "/devices",
                Some(json!({ "sn": sn, "enterprise": enterprise })),
            )
            .await
    }

    pub async fn device(&self, sn: &str) -> DeviceView {
        self.admin
            .call(Method::GET, &format!("/devices/{sn}"), None)
            .await
            .expect("device exists")
    }

    /// POSTs an activation; returns status, body and the Retry-After header.
    pub async fn activate(&self, sn: &str, code: &str) -> (u16, Value, Option<String>) {
        let response = self
            .http
            .post(self.url("/api/device/v1/activate"))
            .json(&json!({ "sn": sn, "code": code, "software_version": "test-1" }))
            .send()
            .await
            .expect("cloud reachable");
        let status = response.status().as_u16();
        let retry = response
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap().to_string());
        let body = response.json().await.expect("JSON body");
        (status, body, retry)
    }

    /// Creates enterprise `Acme` and a device, and activates it.
    pub async fn activated_device(&self, sn: &str) -> Value {
        let _ = self
            .admin
            .call::<Value>(
                Method::POST,
                "/enterprises",
                Some(json!({ "name": "Acme" })),
            )
            .await;
        let issued = self.add_device(sn, "Acme").await.expect("device added");
        let (status, body, _) = self.activate(sn, &issued.activation_code).await;
        assert_eq!(status, 200, "{body}");
        body
    }
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no error code>")
}

/// A device activated in `t`: its SIP user name and password.
pub async fn device_sip_account(t: &TestCloud, sn: &str) -> (String, String) {
    let body = t.activated_device(sn).await;
    (
        body["sip"]["username"].as_str().unwrap().to_string(),
        body["sip"]["password"].as_str().unwrap().to_string(),
    )
}

/// A third-party account with the given password (MD5 unless told otherwise).
pub async fn third_party_account(
    t: &TestCloud,
    user: &str,
    password: &str,
    algorithms: Option<&str>,
) {
    let _ = t
        .admin
        .call::<Value>(
            Method::POST,
            "/enterprises",
            Some(json!({ "name": "Acme" })),
        )
        .await;
    let _: Value = t
        .admin
        .call(
            Method::POST,
            "/sip-accounts",
            Some(
                json!({ "username": user, "password": password, "enterprise": "Acme",
                         "digest_algorithms": algorithms }),
            ),
        )
        .await
        .expect("account created");
}

impl TestCloud {
    /// Whether the SIP account `username` has a live binding, as the admin
    /// API reports it.
    pub async fn sip_registered(&self, username: &str) -> bool {
        let accounts: Vec<Value> = self
            .admin
            .call(Method::GET, "/sip-accounts", None)
            .await
            .expect("accounts listed");
        accounts
            .iter()
            .any(|a| a["username"] == username && a["sip_registered"] == true)
    }
}

impl TestCloud {
    /// Runs the `roomcloud` binary as an operator would, against this cloud
    /// (URL and admin token given, no data directory); returns success,
    /// stdout and stderr. It blocks: call it from a multi-threaded runtime,
    /// as the cloud needs other threads meanwhile.
    pub fn cli(&self, args: &[&str]) -> (bool, String, String) {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_roomcloud"))
            .args([
                "--data",
                "/nonexistent",
                "--url",
                &self.cloud.endpoints.api_url,
            ])
            .args(["--token", &self.cloud.admin_token])
            .args(args)
            .output()
            .expect("roomcloud runs");
        let stdout = String::from_utf8_lossy(&output.stdout).to_string();
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        (output.status.success(), stdout, stderr)
    }
}

/// A TLS client configuration trusting only the CA `ca_pem` (a cloud's).
pub fn tls_trusting(ca_pem: &str) -> std::sync::Arc<rustls::ClientConfig> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())
        .unwrap();
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    std::sync::Arc::new(config)
}
