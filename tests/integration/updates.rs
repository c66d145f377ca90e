//! Update offers between a real cloud and a real terminal (in-process, on
//! loopback): the offer reaches the terminal on its config channel, the
//! bundle downloads with the device token, and every outcome the terminal
//! reports shows in the cloud's device view. Installing for real needs an
//! image: that part is `image_update.rs`, in QEMU.

use std::time::{Duration, Instant};

use reqwest::Method;
use roomcloud::client::AdminClient;
use serde_json::{json, Value};

use crate::common::remote::Remote;
use crate::common::{self, media_plan, registered_terminal, start_cloud};

async fn offer(admin: &AdminClient, sn: &str, version: &str, bundle: &str) -> Value {
    admin
        .call(
            Method::POST,
            &format!("/devices/{sn}/update"),
            Some(json!({ "version": version, "bundle": bundle })),
        )
        .await
        .unwrap()
}

/// Waits for the device's update to reach `state`; returns the update.
async fn wait_update(admin: &AdminClient, sn: &str, offer: &Value, state: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let device: Value = common::device(admin, sn).await;
        let update = &device["update"];
        if update["offer"] == offer["update"]["offer"] && update["state"] == state {
            return update.clone();
        }
        assert!(Instant::now() < deadline, "update never {state}: {update}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offers_reach_the_terminal_and_its_reports_reach_the_cloud() {
    let dir = tempfile::tempdir().unwrap();
    let cloud_dir = dir.path().join("cloud");
    let (cloud, admin) = start_cloud(
        &cloud_dir,
        0,
        std::sync::Arc::new(roomcloud::clock::SystemClock),
    )
    .await;
    let media = roomterm::media::CallMediaConfig::small(&media_plan(), 0xff0000ff, 440.0);
    let sn = "RT-UPDATE-1";
    let data = dir.path().join("terminal");
    let room = registered_terminal(&data, &cloud, &admin, sn, media.clone()).await;
    let updates = cloud_dir.join("updates");
    std::fs::create_dir_all(&updates).unwrap();

    // Names outside the updates folder, and bundles that are not there.
    for (bundle, code) in [("../cloud.json", 400u16), ("nothere.raucb", 404)] {
        let err = admin
            .call::<Value>(
                Method::POST,
                &format!("/devices/{sn}/update"),
                Some(json!({ "version": "2.0.0", "bundle": bundle })),
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains(&code.to_string()),
            "{bundle}: {err}"
        );
    }

    // The release it runs already: installed at once, nothing downloaded.
    std::fs::write(updates.join("same.raucb"), vec![7u8; 1000]).unwrap();
    let offered = offer(&admin, sn, env!("CARGO_PKG_VERSION"), "same.raucb").await;
    assert_eq!(offered["update"]["state"], Value::Null, "{offered}");
    wait_update(&admin, sn, &offered, "installed").await;

    // A bundle changed after it was offered: the terminal refuses it. The
    // terminal is off while the offer is made and the file changed (else
    // it could fetch the file before, or while, it changes); started
    // again, it finds the offer in its config.
    room.terminal.shutdown().await;
    drop(room);
    let bundle: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(updates.join("v2.raucb"), &bundle).unwrap();
    let offered = offer(&admin, sn, "2.0.0", "v2.raucb").await;
    assert_eq!(offered["update"]["size"], 3_000_000, "{offered}");
    let mut tampered = bundle.clone();
    tampered[1_234_567] ^= 0xff;
    std::fs::write(updates.join("v2.raucb"), &tampered).unwrap();
    let _room = Remote::start_with(&data, sn, Default::default(), Some(media)).await;
    let update = wait_update(&admin, sn, &offered, "failed").await;
    assert!(
        update["message"].as_str().unwrap().contains("SHA-256"),
        "{update}"
    );

    // Offered anew, intact: it downloads and goes to RAUC, which this
    // machine (not an image) cannot install with.
    std::fs::write(updates.join("v2.raucb"), &bundle).unwrap();
    let again = offer(&admin, sn, "2.0.0", "v2.raucb").await;
    assert_ne!(again["update"]["offer"], offered["update"]["offer"]);
    let update = wait_update(&admin, sn, &again, "failed").await;
    let message = update["message"].as_str().unwrap();
    assert!(
        message.starts_with("installation refused") || message.starts_with("rauc is not installed"),
        "{update}"
    );

    // Withdrawn: the device view no longer shows it.
    let device: Value = admin
        .call(
            Method::DELETE,
            &format!("/devices/{sn}/update"),
            None::<Value>,
        )
        .await
        .unwrap();
    assert!(device.get("update").is_none(), "{device}");
}
