//! The config channel: a rename reaches the open channel within a second,
//! the device shows as "provisioning connected", heartbeats are answered,
//! and removal tells the device it is unbound.

use crate::common;

use std::time::Duration;

use common::TestCloud;
use futures_util::{SinkExt, StreamExt};
use reqwest::Method;
use roomterm_proto::{DeviceMessage, ServerMessage};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

pub(crate) type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub(crate) async fn open_channel(t: &TestCloud, token: &str) -> Socket {
    let url = t.url("/api/device/v1/channel").replace("http://", "ws://");
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("channel opens");
    socket
}

/// The next message on a channel (plain, or over TLS as through a
/// balancer), casting codes skipped.
pub(crate) async fn next_message<S>(
    socket: &mut tokio_tungstenite::WebSocketStream<S>,
    within: Duration,
) -> ServerMessage
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    loop {
        let frame = tokio::time::timeout(within, socket.next())
            .await
            .expect("message in time")
            .expect("channel open")
            .expect("no socket error");
        if let Message::Text(text) = frame {
            match serde_json::from_str(&text).expect("valid server message") {
                // The room's casting code (cast.rs tests it) comes with the
                // config and at every rotation.
                ServerMessage::CastCode { .. } => continue,
                message => return message,
            }
        }
    }
}

#[tokio::test]
async fn rename_is_pushed_within_a_second() {
    let t = TestCloud::start_plain().await;
    let activation = t.activated_device("SN-C1").await;
    let token = activation["device_token"].as_str().unwrap();
    let mut socket = open_channel(&t, token).await;

    let ServerMessage::Config { config } = next_message(&mut socket, Duration::from_secs(2)).await
    else {
        panic!("first message is the config");
    };
    assert_eq!(config.name, "SN-C1");
    assert!(t.device("SN-C1").await.provisioning_connected);

    let _: Value = t
        .admin
        .call(
            Method::PATCH,
            "/devices/SN-C1",
            Some(json!({ "name": "Board Room 3" })),
        )
        .await
        .unwrap();
    let ServerMessage::Config { config: renamed } =
        next_message(&mut socket, Duration::from_secs(1)).await
    else {
        panic!("rename pushes a config");
    };
    assert_eq!(renamed.name, "Board Room 3");
    assert!(renamed.version > config.version);

    let storage = roomterm_proto::Storage {
        total_bytes: 58_000_000_000,
        free_bytes: 57_000_000_000,
    };
    let heartbeat = DeviceMessage::Heartbeat {
        software_version: Some("2.0".into()),
        storage: Some(storage),
    };
    socket
        .send(Message::Text(
            serde_json::to_string(&heartbeat).unwrap().into(),
        ))
        .await
        .unwrap();
    assert!(matches!(
        next_message(&mut socket, Duration::from_secs(1)).await,
        ServerMessage::HeartbeatAck { .. }
    ));
    let device = t.device("SN-C1").await;
    assert_eq!(device.software_version.as_deref(), Some("2.0"));
    assert_eq!(device.storage, Some(storage));

    // Garbage on the channel is ignored, not fatal.
    socket
        .send(Message::Text("{not json".into()))
        .await
        .unwrap();
    socket
        .send(Message::Text(
            serde_json::to_string(&heartbeat).unwrap().into(),
        ))
        .await
        .unwrap();
    assert!(matches!(
        next_message(&mut socket, Duration::from_secs(1)).await,
        ServerMessage::HeartbeatAck { .. }
    ));

    drop(socket);
    // The cloud notices the closed channel.
    let mut connected = true;
    for _ in 0..50 {
        connected = t.device("SN-C1").await.provisioning_connected;
        if !connected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(!connected, "device still shown as connected after closing");
}

#[tokio::test]
async fn removal_unbinds_the_device() {
    let t = TestCloud::start_plain().await;
    let activation = t.activated_device("SN-C2").await;
    let token = activation["device_token"].as_str().unwrap().to_string();
    let mut socket = open_channel(&t, &token).await;
    next_message(&mut socket, Duration::from_secs(2)).await;

    let _: Value = t
        .admin
        .call(Method::DELETE, "/devices/SN-C2", None)
        .await
        .unwrap();
    assert!(matches!(
        next_message(&mut socket, Duration::from_secs(1)).await,
        ServerMessage::Unbound { .. }
    ));
    // The token is dead.
    let status = t
        .http
        .get(t.url("/api/device/v1/config"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 401);
}

#[tokio::test]
async fn channel_refuses_a_bad_token() {
    let t = TestCloud::start_plain().await;
    let url = t.url("/api/device/v1/channel").replace("http://", "ws://");
    let mut request = url.into_client_request().unwrap();
    request
        .headers_mut()
        .insert("authorization", "Bearer rtd_nope".parse().unwrap());
    let err = tokio_tungstenite::connect_async(request)
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("401"), "{err}");
}

#[tokio::test]
async fn shutdown_closes_open_channels() {
    let t = TestCloud::start_plain().await;
    let activation = t.activated_device("SN-C4").await;
    let mut socket = open_channel(&t, activation["device_token"].as_str().unwrap()).await;
    next_message(&mut socket, Duration::from_secs(2)).await;
    let TestCloud { cloud, .. } = t;
    cloud.shutdown().await;
    let end = tokio::time::timeout(Duration::from_secs(3), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) => return "ended",
                Some(Ok(Message::Close(_))) => return "close frame",
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(end.is_ok(), "channel stayed open after shutdown");
}
