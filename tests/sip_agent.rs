//! The terminal's SIP agent against a real roomcloud registrar over UDP:
//! registration after activation, refused credentials, an unreachable
//! server, and re-registration after the cloud restarts.

mod common;

use std::time::Duration;

use reqwest::Method;
use roomcloud::client::AdminClient;
use roomcloud::clock::SystemClock;
use roomcloud::devices::DeviceView;
use roomcloud::RunningCloud;
use roomterm::provision::activate;
use roomterm::sip::{Account, AgentCommand, RegFailure, RegStatus, SipAgent, SipTransport};
use roomterm_proto::ActivateRequest;

async fn start_cloud(dir: &std::path::Path, sip_port: u16) -> (RunningCloud, AdminClient) {
    common::start_cloud(dir, sip_port, std::sync::Arc::new(SystemClock)).await
}

async fn activated_account(cloud: &RunningCloud, admin: &AdminClient, sn: &str) -> Account {
    let request = ActivateRequest {
        sn: sn.into(),
        code: common::add_device(admin, sn).await,
        model: None,
        software_version: None,
    };
    let answer = activate(&cloud.endpoints.api_url, &request).await.unwrap();
    Account {
        username: answer.sip.username,
        password: answer.sip.password,
        domain: answer.sip.domain,
        proxy: answer.sip.proxy.parse().unwrap(),
        transport: SipTransport::Udp,
        expires: answer.sip.register_expires,
    }
}

async fn wait_for(agent: &mut SipAgent, want: impl Fn(&RegStatus) -> bool) -> RegStatus {
    let found = {
        let wait = agent.status.wait_for(|s| want(s));
        match tokio::time::timeout(Duration::from_secs(5), wait).await {
            Ok(Ok(status)) => Some(status.clone()),
            _ => None,
        }
    };
    found.unwrap_or_else(|| panic!("status never came; last: {:?}", *agent.status.borrow()))
}

async fn registered_in_cloud(admin: &AdminClient, sn: &str) -> bool {
    let device: DeviceView = admin
        .call(Method::GET, &format!("/devices/{sn}"), None)
        .await
        .unwrap();
    device.sip_registered
}

#[tokio::test]
async fn registers_and_survives_a_cloud_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = start_cloud(dir.path(), 0).await;
    let sip_port = cloud.endpoints.sip_udp.port();
    let account = activated_account(&cloud, &admin, "SN-S1").await;

    let mut agent = SipAgent::start(account).await.unwrap();
    wait_for(&mut agent, |s| matches!(s, RegStatus::Registered { .. })).await;
    assert!(registered_in_cloud(&admin, "SN-S1").await);

    // The cloud restarts (bindings are in memory) on the same ports and data.
    cloud.shutdown().await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (cloud, admin) = start_cloud(dir.path(), sip_port).await;
    assert!(!registered_in_cloud(&admin, "SN-S1").await);
    agent.command(AgentCommand::Reregister).await;
    let mut registered = false;
    for _ in 0..50 {
        if registered_in_cloud(&admin, "SN-S1").await {
            registered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(registered, "not registered again after the restart");

    agent.stop().await;
    assert!(
        !registered_in_cloud(&admin, "SN-S1").await,
        "stop should unregister"
    );
    cloud.shutdown().await;
}

#[tokio::test]
async fn wrong_credentials_and_unreachable_server_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = start_cloud(dir.path(), 0).await;
    let mut account = activated_account(&cloud, &admin, "SN-S2").await;
    account.password = "wrong".into();
    let mut agent = SipAgent::start(account.clone()).await.unwrap();
    let status = wait_for(&mut agent, |s| matches!(s, RegStatus::Failed(_))).await;
    assert_eq!(status, RegStatus::Failed(RegFailure::WrongCredentials(403)));
    agent.stop().await;

    // Nothing listens: ICMP port unreachable is reported at once.
    let closed = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    account.proxy = closed;
    let mut agent = SipAgent::start(account).await.unwrap();
    let status = wait_for(&mut agent, |s| matches!(s, RegStatus::Failed(_))).await;
    assert!(
        matches!(status, RegStatus::Failed(RegFailure::Unreachable(_))),
        "{status:?}"
    );
    agent.stop().await;
    cloud.shutdown().await;
}
