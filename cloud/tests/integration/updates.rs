//! Update bundles over real HTTPS: a device downloads the bundle offered to
//! it, and no other device's token gets it.

use crate::common;

use common::{error_code, TestCloud};
use reqwest::Method;
use serde_json::{json, Value};

/// `GET /updates/{bundle}` with a device token: status and body.
async fn download(t: &TestCloud, token: &str, bundle: &str) -> (u16, Vec<u8>) {
    let response = t
        .http
        .get(t.url(&format!("/api/device/v1/updates/{bundle}")))
        .bearer_auth(token)
        .send()
        .await
        .expect("cloud reachable");
    let status = response.status().as_u16();
    (status, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn a_bundle_downloads_only_with_the_token_of_the_device_it_is_offered_to() {
    let t = TestCloud::start().await;
    let offered = t.activated_device("SN-UP1").await;
    let other = t.activated_device("SN-UP2").await;
    let (offered, other) = (
        offered["device_token"].as_str().unwrap(),
        other["device_token"].as_str().unwrap(),
    );
    let updates = t.data_dir().join("updates");
    std::fs::create_dir_all(&updates).unwrap();
    let bundle: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(updates.join("v2.raucb"), &bundle).unwrap();
    let _: Value = t
        .admin
        .call(
            Method::POST,
            "/devices/SN-UP1/update",
            Some(json!({ "version": "2.0.0", "bundle": "v2.raucb" })),
        )
        .await
        .unwrap();

    assert_eq!(download(&t, offered, "v2.raucb").await, (200, bundle));

    // Another device: the same answer as for a bundle that is not there.
    for (token, name) in [(other, "v2.raucb"), (offered, "nothere.raucb")] {
        let (status, body) = download(&t, token, name).await;
        assert_eq!(status, 404, "{name}: {} bytes", body.len());
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(error_code(&body), "not_found");
        assert_eq!(body["error"]["message"], "bundle not found");
    }

    // Withdrawn, it is gone for the device it was offered to as well.
    let _: Value = t
        .admin
        .call(Method::DELETE, "/devices/SN-UP1/update", None)
        .await
        .unwrap();
    assert_eq!(download(&t, offered, "v2.raucb").await.0, 404);
    assert_eq!(download(&t, "rtd_nope", "v2.raucb").await.0, 401);
}
