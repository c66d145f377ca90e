//! The terminal's provisioning client against a real roomcloud over HTTPS
//! and WSS: activation with CA pinning, the errors a person sees, and the
//! config channel (push, heartbeat, unbind).

use crate::common;

use std::time::Duration;

use reqwest::Method;
use roomcloud::client::AdminClient;
use roomcloud::clock::ManualClock;
use roomcloud::devices::DeviceView;
use roomcloud::RunningCloud;
use roomterm::provision::{
    activate, run_channel, ActivationError, CastSignal, ChannelEvent, ChannelSettings,
};
use roomterm::store::DataDir;
use roomterm_proto::ActivateRequest;
use serde_json::{json, Value};
use tokio::sync::mpsc;

struct Cloud {
    cloud: RunningCloud,
    admin: AdminClient,
    _dir: tempfile::TempDir,
}

async fn cloud() -> Cloud {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_cloud(dir.path(), 0, ManualClock::new()).await;
    Cloud {
        cloud,
        admin,
        _dir: dir,
    }
}

impl Cloud {
    async fn add(&self, sn: &str) -> String {
        common::add_device(&self.admin, sn).await
    }

    async fn device(&self, sn: &str) -> DeviceView {
        common::device(&self.admin, sn).await
    }
}

fn request(sn: &str, code: &str) -> ActivateRequest {
    ActivateRequest {
        sn: sn.into(),
        code: code.into(),
        model: Some("generic-x86_64".into()),
        software_version: Some("0.1.0".into()),
        admin_public_key: None,
    }
}

async fn next(events: &mut mpsc::Receiver<ChannelEvent>) -> ChannelEvent {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(2), events.recv())
            .await
            .expect("channel event in time")
            .expect("channel task alive");
        // The room's casting code comes with the config (casting's own
        // tests follow it).
        if !matches!(event, ChannelEvent::Cast(CastSignal::Code(_))) {
            return event;
        }
    }
}

#[tokio::test]
async fn activation_pins_the_ca_and_reports_errors_people_understand() {
    let c = cloud().await;
    let url = c.cloud.endpoints.api_url.clone();
    let code = c.add("SN-T1").await;

    assert_eq!(
        activate(&url, &request("SN-T1", "000000000000")).await,
        Err(ActivationError::WrongCode)
    );
    let answer = activate(&url, &request("SN-T1", &code))
        .await
        .expect("activated");
    assert_eq!(answer.ca_pem, c.cloud.ca_pem);
    assert_eq!(answer.config.sn, "SN-T1");
    assert_eq!(
        activate(&url, &request("SN-T1", &code)).await,
        Err(ActivationError::CodeUsed)
    );

    for _ in 0..8 {
        let _ = activate(&url, &request("SN-T1", "111111111111")).await;
    }
    assert_eq!(
        activate(&url, &request("SN-T1", "111111111111")).await,
        Err(ActivationError::Locked {
            retry_after_secs: 600
        })
    );

    let unreachable = activate("https://127.0.0.1:1", &request("SN-T1", &code)).await;
    assert!(
        matches!(unreachable, Err(ActivationError::Unreachable(_))),
        "{unreachable:?}"
    );
}

#[tokio::test]
async fn channel_connects_with_the_pinned_ca_and_follows_the_cloud() {
    let c = cloud().await;
    let url = c.cloud.endpoints.api_url.clone();
    let code = c.add("SN-T2").await;
    let answer = activate(&url, &request("SN-T2", &code)).await.unwrap();

    let (tx, mut events) = mpsc::channel(16);
    let data = tempfile::tempdir().unwrap();
    let settings = ChannelSettings {
        server_url: url.clone(),
        channel_path: answer.channel_path.clone(),
        device_token: answer.device_token.clone(),
        ca_pem: Some(answer.ca_pem.clone()),
        software_version: "0.1.0".into(),
        data: Some(DataDir::new(data.path()).unwrap()),
    };
    let task = tokio::spawn(run_channel(settings, tx, tokio::sync::mpsc::channel(1).1));
    assert_eq!(next(&mut events).await, ChannelEvent::Connected);
    let ChannelEvent::Config(config) = next(&mut events).await else {
        panic!("config first")
    };
    assert_eq!(config.name, "SN-T2");
    assert!(c.device("SN-T2").await.provisioning_connected);

    // The first heartbeat carries the data folder's file system as df sees it.
    let df = std::process::Command::new("df")
        .args(["-B1", "--output=size"])
        .arg(data.path())
        .output()
        .unwrap();
    let df_size: u64 = String::from_utf8_lossy(&df.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let storage = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            if let Some(storage) = c.device("SN-T2").await.storage {
                return storage;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
    .expect("a heartbeat with the storage");
    assert_eq!(storage.total_bytes, df_size);
    assert!(storage.free_bytes > 0 && storage.free_bytes <= storage.total_bytes);

    let _: Value = c
        .admin
        .call(
            Method::PATCH,
            "/devices/SN-T2",
            Some(json!({ "name": "Huddle 4" })),
        )
        .await
        .unwrap();
    let ChannelEvent::Config(renamed) = next(&mut events).await else {
        panic!("rename pushed")
    };
    assert_eq!(renamed.name, "Huddle 4");

    let _: Value = c
        .admin
        .call(Method::DELETE, "/devices/SN-T2", None)
        .await
        .unwrap();
    assert!(matches!(next(&mut events).await, ChannelEvent::Unbound(_)));
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("channel task ends")
        .unwrap();
}

#[tokio::test]
async fn a_foreign_ca_is_refused() {
    let c = cloud().await;
    let other = cloud().await;
    let code = c.add("SN-T3").await;
    let answer = activate(&c.cloud.endpoints.api_url, &request("SN-T3", &code))
        .await
        .unwrap();
    // Pinned to another cloud's CA, the channel never connects.
    let (tx, mut events) = mpsc::channel(16);
    let settings = ChannelSettings {
        server_url: c.cloud.endpoints.api_url.clone(),
        channel_path: answer.channel_path,
        device_token: answer.device_token,
        ca_pem: Some(other.cloud.ca_pem.clone()),
        software_version: "0.1.0".into(),
        data: None,
    };
    let task = tokio::spawn(run_channel(settings, tx, tokio::sync::mpsc::channel(1).1));
    let ChannelEvent::Disconnected { reason, .. } = next(&mut events).await else {
        panic!("must not connect");
    };
    assert!(reason.to_lowercase().contains("certificate"), "{reason}");
    task.abort();
}
