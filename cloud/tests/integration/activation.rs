//! Activation over real HTTPS: codes, expiry, reuse, lockout, SN uniqueness,
//! and that bad input is a JSON 4xx, never a 500.

use crate::common;

use common::{error_code, TestCloud};
use reqwest::Method;
use roomcloud::client::ClientError;
use serde_json::Value;

#[tokio::test]
async fn activation_returns_credentials_and_pins_the_ca() {
    let t = TestCloud::start().await;
    assert!(t.cloud.endpoints.api_url.starts_with("https://"));
    t.enterprise("Acme").await;
    let issued = t.add_device("SN-A1", "Acme").await.unwrap();
    assert_eq!(issued.device.state, "pending");
    assert_eq!(issued.activation_code.len(), 12);

    // Typed with spaces, as read off a screen.
    let spaced = format!(
        "{} {} {}",
        &issued.activation_code[..4],
        &issued.activation_code[4..8],
        &issued.activation_code[8..]
    );
    let (status, body, _) = t.activate("SN-A1", &spaced).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["device_token"].as_str().unwrap().starts_with("rtd_"));
    assert_eq!(body["sip"]["username"], issued.device.number.as_str());
    assert_eq!(body["sip"]["domain"], "roomcloud.local");
    assert_eq!(
        body["sip"]["proxy"],
        format!("127.0.0.1:{}", t.cloud.endpoints.sip_udp.port()).as_str()
    );
    assert!(body["sip"]["password"].as_str().unwrap().len() >= 16);
    assert_eq!(body["ca_pem"], t.cloud.ca_pem.as_str());
    assert_eq!(body["config"]["name"], "SN-A1");

    // A client trusting only the returned CA can talk to the cloud.
    let pinned = roomcloud::client::http_client(body["ca_pem"].as_str()).unwrap();
    let token = body["device_token"].as_str().unwrap();
    let config: Value = pinned
        .get(t.url("/api/device/v1/config"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["sn"], "SN-A1");

    let device = t.device("SN-A1").await;
    assert_eq!(device.state, "active");
    assert_eq!(device.software_version.as_deref(), Some("test-1"));
    assert!(device.activation_code_expires_at.is_none());
}

#[tokio::test]
async fn a_used_code_cannot_be_used_again() {
    let t = TestCloud::start().await;
    t.enterprise("Acme").await;
    let issued = t.add_device("SN-U1", "Acme").await.unwrap();
    assert_eq!(t.activate("SN-U1", &issued.activation_code).await.0, 200);
    let (status, body, _) = t.activate("SN-U1", &issued.activation_code).await;
    assert_eq!((status, error_code(&body)), (409, "activation_code_used"));
}

#[tokio::test]
async fn wrong_code_and_unknown_sn_are_refused_alike() {
    let t = TestCloud::start().await;
    t.enterprise("Acme").await;
    t.add_device("SN-W1", "Acme").await.unwrap();
    for (sn, code) in [
        ("SN-W1", "000000000000"),
        ("SN-NOPE", "123456789012"),
        ("SN-W1", "12ab"),
    ] {
        let (status, body, _) = t.activate(sn, code).await;
        assert_eq!(
            (status, error_code(&body)),
            (403, "activation_refused"),
            "{sn} {code}"
        );
        assert!(body["error"]["message"].as_str().unwrap().contains("wrong"));
    }
    assert_eq!(t.device("SN-W1").await.state, "pending");
}

/// A refusal's time must not tell which SNs exist: before the fix an
/// unknown SN was refused ~30 times sooner than a wrong code for a real one
/// (no Argon2 check). Medians of interleaved attempts on one warm connection
/// keep a loaded machine's noise out; the bound is far from both ratios.
#[tokio::test]
async fn unknown_sn_and_wrong_code_take_the_same_time() {
    let t = TestCloud::start().await;
    t.enterprise("Acme").await;
    t.add_device("SN-T1", "Acme").await.unwrap();
    let attempt = |sn: &'static str| {
        let t = &t;
        async move {
            // Spread over time, so the lockout (10 in 5 minutes) stays out.
            t.clock.advance_secs(60);
            let started = std::time::Instant::now();
            let (status, body, _) = t.activate(sn, "000000000000").await;
            (started.elapsed(), status, body)
        }
    };
    for sn in ["SN-T1", "SN-NOPE", "SN-T1", "SN-NOPE"] {
        attempt(sn).await;
    }
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..9 {
        let (known_time, known_status, known_body) = attempt("SN-T1").await;
        let (unknown_time, unknown_status, unknown_body) = attempt("SN-NOPE").await;
        assert_eq!((known_status, &known_body), (unknown_status, &unknown_body));
        assert_eq!(error_code(&known_body), "activation_refused");
        known.push(known_time);
        unknown.push(unknown_time);
    }
    let median = |times: &mut Vec<std::time::Duration>| {
        times.sort();
        times[times.len() / 2].as_secs_f64()
    };
    let (known, unknown) = (median(&mut known), median(&mut unknown));
    let ratio = known.max(unknown) / known.min(unknown);
    assert!(
        ratio < 3.0,
        "medians: known SN {:.1} ms, unknown SN {:.1} ms (ratio {ratio:.1})",
        known * 1e3,
        unknown * 1e3
    );
}

#[tokio::test]
async fn codes_expire_after_ten_days_and_reset_issues_a_new_one() {
    let t = TestCloud::start().await;
    t.enterprise("Acme").await;
    let issued = t.add_device("SN-E1", "Acme").await.unwrap();
    t.clock.advance_secs(10 * 24 * 3600);
    let (status, body, _) = t.activate("SN-E1", &issued.activation_code).await;
    assert_eq!(
        (status, error_code(&body)),
        (403, "activation_code_expired")
    );

    let reset: roomcloud::devices::IssuedCode = t
        .admin
        .call(Method::POST, "/devices/SN-E1/reset-code", None)
        .await
        .unwrap();
    assert_ne!(reset.activation_code, issued.activation_code);
    // The old code is now simply wrong; the new one works.
    let (status, body, _) = t.activate("SN-E1", &issued.activation_code).await;
    assert_eq!((status, error_code(&body)), (403, "activation_refused"));
    t.clock.advance_secs(9 * 24 * 3600);
    assert_eq!(t.activate("SN-E1", &reset.activation_code).await.0, 200);
}

#[tokio::test]
async fn ten_wrong_codes_in_five_minutes_lock_the_ip_for_ten_minutes() {
    let t = TestCloud::start().await;
    t.enterprise("Acme").await;
    let issued = t.add_device("SN-L1", "Acme").await.unwrap();
    for attempt in 1..=9 {
        let (status, _, _) = t.activate("SN-L1", "111111111111").await;
        assert_eq!(status, 403, "attempt {attempt}");
        t.clock.advance_secs(20);
    }
    let (status, body, retry) = t.activate("SN-L1", "111111111111").await;
    assert_eq!((status, error_code(&body)), (429, "ip_locked"));
    assert_eq!(retry.as_deref(), Some("600"));
    assert_eq!(body["error"]["retry_after_secs"], 600);

    // Even the right code is refused while locked, with the time left.
    t.clock.advance_secs(420);
    let (status, body, retry) = t.activate("SN-L1", &issued.activation_code).await;
    assert_eq!((status, error_code(&body)), (429, "ip_locked"));
    assert_eq!(retry.as_deref(), Some("180"));
    assert!(body["error"]["message"].as_str().unwrap().contains("180"));

    t.clock.advance_secs(180);
    let (status, body, _) = t.activate("SN-L1", &issued.activation_code).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn failures_spread_over_more_than_five_minutes_do_not_lock() {
    let t = TestCloud::start().await;
    t.enterprise("Acme").await;
    t.add_device("SN-S1", "Acme").await.unwrap();
    for _ in 0..9 {
        t.activate("SN-S1", "111111111111").await;
    }
    t.clock.advance_secs(301);
    let (status, body, _) = t.activate("SN-S1", "111111111111").await;
    assert_eq!((status, error_code(&body)), (403, "activation_refused"));
}

#[tokio::test]
async fn an_sn_belongs_to_one_enterprise_only() {
    let t = TestCloud::start().await;
    t.enterprise("Acme").await;
    t.enterprise("Globex").await;
    t.add_device("SN-X1", "Acme").await.unwrap();
    match t.add_device("SN-X1", "Globex").await {
        Err(ClientError::Api {
            status,
            code,
            message,
            ..
        }) => {
            assert_eq!((status, code.as_str()), (409, "sn_exists"));
            assert_eq!(message, "SN already exists");
        }
        other => panic!("expected sn_exists, got {other:?}"),
    }
    // After removal the SN is free again.
    let _: Value = t
        .admin
        .call(Method::DELETE, "/devices/SN-X1", None)
        .await
        .unwrap();
    t.add_device("SN-X1", "Globex").await.unwrap();
}

#[tokio::test]
async fn bad_input_gets_json_errors_never_500() {
    let t = TestCloud::start().await;
    t.enterprise("Acme").await;
    let activate = t.url("/api/device/v1/activate");
    let admin = |p: &str| t.url(&format!("/api/admin/v1{p}"));
    let token = t.cloud.admin_token.clone();
    let deep = "[".repeat(10_000);
    let long_name = format!("{{\"name\":\"{}\"}}", "n".repeat(65));
    let cases: Vec<(Method, String, Option<&str>, Option<&str>)> = vec![
        (Method::POST, activate.clone(), None, Some("not json")),
        (Method::POST, activate.clone(), None, Some("{\"sn\": 5}")),
        (Method::POST, activate.clone(), None, Some("{}")),
        (Method::POST, activate.clone(), None, Some(&deep)),
        (
            Method::POST,
            activate.clone(),
            None,
            Some("{\"sn\":\"\u{0}\",\"code\":\"\u{ffff}\"}"),
        ),
        (Method::GET, activate.clone(), None, None),
        (Method::GET, t.url("/api/device/v1/config"), None, None),
        (
            Method::GET,
            t.url("/api/device/v1/config"),
            Some("rtd_forged"),
            None,
        ),
        (Method::GET, admin("/devices"), None, None),
        (Method::GET, admin("/devices"), Some("wrong"), None),
        (
            Method::POST,
            admin("/devices"),
            Some(&token),
            Some("{\"sn\":\"a b\",\"enterprise\":\"Acme\"}"),
        ),
        (
            Method::POST,
            admin("/devices"),
            Some(&token),
            Some("{\"sn\":\"ok\",\"enterprise\":\"Nope\"}"),
        ),
        (
            Method::POST,
            admin("/devices"),
            Some(&token),
            Some("{\"sn\":\"ok\",\"enterprise\":\"Acme\",\"x\":1}"),
        ),
        (
            Method::POST,
            admin("/enterprises"),
            Some(&token),
            Some(&long_name),
        ),
        (
            Method::PATCH,
            admin("/devices/missing"),
            Some(&token),
            Some("{\"name\":\"x\"}"),
        ),
        (
            Method::PATCH,
            admin("/devices/missing"),
            Some(&token),
            Some("{}"),
        ),
        (Method::GET, admin("/devices/%FF%FE"), Some(&token), None),
        (
            Method::GET,
            admin("/devices?enterprise=Nope"),
            Some(&token),
            None,
        ),
        (
            Method::POST,
            admin("/sip-accounts"),
            Some(&token),
            Some("{\"username\":\"u1\",\"enterprise\":\"Acme\",\"password\":\"short\"}"),
        ),
        (
            Method::POST,
            admin("/sip-accounts"),
            Some(&token),
            Some("{\"username\":\"u1\",\"enterprise\":\"Acme\",\"digest_algorithms\":\"SHA-1\"}"),
        ),
        (
            Method::DELETE,
            admin("/sip-accounts/100001"),
            Some(&token),
            None,
        ),
        (Method::GET, t.url("/no/such/path"), None, None),
    ];
    for (method, url, bearer, body) in cases {
        let mut req = t.http.request(method.clone(), &url);
        if let Some(bearer) = bearer {
            req = req.bearer_auth(bearer);
        }
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = req.send().await.unwrap();
        let status = response.status().as_u16();
        let json: Value = response
            .json()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: body is not JSON: {e}"));
        assert!(
            (400..500).contains(&status),
            "{method} {url} {body:?} -> {status} {json}"
        );
        assert!(
            json["error"]["code"].is_string(),
            "{method} {url} -> {json}"
        );
        assert!(
            json["error"]["message"].is_string(),
            "{method} {url} -> {json}"
        );
    }
    // Still serving.
    let list: Vec<Value> = t.admin.call(Method::GET, "/devices", None).await.unwrap();
    assert!(list.is_empty());
}

/// A valid device token on the config channel without a WebSocket upgrade:
/// a JSON error with a stable code, not axum's plain-text 400/426.
#[tokio::test]
async fn channel_without_upgrade_gets_a_json_error() {
    let t = TestCloud::start().await;
    let activation = t.activated_device("SN-A9").await;
    let token = activation["device_token"].as_str().unwrap();
    let channel = t.url("/api/device/v1/channel");
    let cases = [
        vec![],
        vec![("upgrade", "h2c")],
        vec![("connection", "upgrade"), ("upgrade", "websocket")],
    ];
    for headers in cases {
        let mut req = t.http.get(&channel).bearer_auth(token);
        for (name, value) in &headers {
            req = req.header(*name, *value);
        }
        let response = req.send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        let json: Value = serde_json::from_str(&body)
            .unwrap_or_else(|e| panic!("{headers:?} -> {status}: not JSON ({e}): {body}"));
        assert!(
            matches!(status, 400 | 426),
            "{headers:?} -> {status} {json}"
        );
        assert_eq!(error_code(&json), "websocket_required", "{headers:?}");
        assert!(json["error"]["message"].is_string(), "{json}");
    }
}

#[tokio::test]
async fn plain_http_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = roomcloud::CloudConfig::local(dir.path());
    config.plain_http = true;
    config.http_listen = "0.0.0.0:0".parse().unwrap();
    let Err(err) = roomcloud::start(config, roomcloud::clock::ManualClock::new()).await else {
        panic!("plain HTTP on 0.0.0.0 was accepted");
    };
    assert!(err.to_string().contains("loopback"), "{err}");
}
