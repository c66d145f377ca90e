//! The terminal's SIP agent against a real roomcloud registrar over UDP and
//! TCP: registration after activation, refused credentials, an unreachable
//! server, re-registration after the cloud restarts, and TCP stream handling
//! against a scripted proxy.

use crate::common;

use std::time::{Duration, Instant};

use roomcloud::client::AdminClient;
use roomcloud::clock::SystemClock;
use roomcloud::devices::DeviceView;
use roomcloud::{CloudConfig, RunningCloud};
use roomterm::provision::activate;
use roomterm::sip::{Account, AgentCommand, RegFailure, RegStatus, SipAgent, SipTransport};
use roomterm_proto::ActivateRequest;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn start_cloud(dir: &std::path::Path, sip_port: u16) -> (RunningCloud, AdminClient) {
    common::start_cloud(dir, sip_port, std::sync::Arc::new(SystemClock)).await
}

/// A cloud that tells its terminals to register over TCP.
async fn start_tcp_cloud(dir: &std::path::Path, sip_port: u16) -> (RunningCloud, AdminClient) {
    let mut config = CloudConfig::local(dir);
    config.sip_listen = format!("127.0.0.1:{sip_port}").parse().unwrap();
    config.sip_transport = roomterm_proto::SipTransport::Tcp;
    common::start_configured(config, std::sync::Arc::new(SystemClock)).await
}

async fn activated_account(cloud: &RunningCloud, admin: &AdminClient, sn: &str) -> Account {
    let request = ActivateRequest {
        sn: sn.into(),
        code: common::add_device(admin, sn).await,
        model: None,
        software_version: None,
        admin_public_key: None,
    };
    let answer = activate(&cloud.endpoints.api_url, &request).await.unwrap();
    Account {
        username: answer.sip.username,
        password: answer.sip.password,
        domain: answer.sip.domain,
        proxy: answer.sip.proxy.parse().unwrap(),
        // As the terminal's runtime does: the cloud names the transport.
        transport: SipTransport::from_offer(answer.sip.transport),
        expires: answer.sip.register_expires,
        instance: Some(roomterm::sip::instance_urn(sn)),
    }
}

async fn wait_for(agent: &mut SipAgent, want: impl Fn(&RegStatus) -> bool) -> RegStatus {
    wait_within(agent, Duration::from_secs(5), want).await
}

async fn wait_within(
    agent: &mut SipAgent,
    limit: Duration,
    want: impl Fn(&RegStatus) -> bool,
) -> RegStatus {
    let found = {
        let wait = agent.status.wait_for(|s| want(s));
        match tokio::time::timeout(limit, wait).await {
            Ok(Ok(status)) => Some(status.clone()),
            _ => None,
        }
    };
    found.unwrap_or_else(|| panic!("status never came; last: {:?}", *agent.status.borrow()))
}

async fn registered_in_cloud(admin: &AdminClient, sn: &str) -> bool {
    common::device::<DeviceView>(admin, sn).await.sip_registered
}

/// Polls the cloud until the device has a binding again.
async fn wait_registered_in_cloud(admin: &AdminClient, sn: &str, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if registered_in_cloud(admin, sn).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
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

#[tokio::test]
async fn registers_over_tcp_and_recovers_by_itself_after_the_sip_side_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = start_tcp_cloud(dir.path(), 0).await;
    let sip_port = cloud.endpoints.sip_tcp.port();
    let account = activated_account(&cloud, &admin, "SN-T1").await;
    assert_eq!(
        account.transport,
        SipTransport::Tcp,
        "the cloud offered TCP"
    );

    let mut agent = SipAgent::start(account).await.unwrap();
    wait_for(&mut agent, |s| matches!(s, RegStatus::Registered { .. })).await;
    let bindings = common::device::<DeviceView>(&admin, "SN-T1")
        .await
        .sip_bindings;
    assert_eq!(bindings.len(), 1, "{bindings:?}");
    assert_eq!(bindings[0].transport, roomcloud::sip::Transport::Tcp);
    assert!(
        bindings[0].contact.contains(";transport=tcp"),
        "{bindings:?}"
    );

    // The SIP side goes away: the status says the connection ended.
    cloud.shutdown().await;
    let status = wait_for(&mut agent, |s| matches!(s, RegStatus::Failed(_))).await;
    let RegStatus::Failed(RegFailure::Unreachable(why)) = &status else {
        panic!("{status:?}");
    };
    assert!(
        why.contains(&format!("127.0.0.1:{sip_port}"))
            && (why.contains("closed") || why.contains("reset")),
        "{why}"
    );

    // Back on the same port with no bindings: the agent reconnects and
    // registers without being told to.
    wait_until_udp_port_free(sip_port).await;
    let (cloud, admin) = start_tcp_cloud(dir.path(), sip_port).await;
    assert!(
        wait_registered_in_cloud(&admin, "SN-T1", Duration::from_secs(15)).await,
        "not registered again; agent status {:?}",
        *agent.status.borrow()
    );
    wait_for(&mut agent, |s| matches!(s, RegStatus::Registered { .. })).await;

    // Reregister goes over the live flow and keeps the one binding.
    agent.status.borrow_and_update();
    agent.command(AgentCommand::Reregister).await;
    tokio::time::timeout(Duration::from_secs(5), agent.status.changed())
        .await
        .expect("a REGISTER round trip")
        .unwrap();
    wait_for(&mut agent, |s| matches!(s, RegStatus::Registered { .. })).await;
    assert_eq!(
        common::device::<DeviceView>(&admin, "SN-T1")
            .await
            .sip_bindings
            .len(),
        1
    );

    agent.stop().await;
    assert!(
        !registered_in_cloud(&admin, "SN-T1").await,
        "stop should unregister over TCP"
    );
    cloud.shutdown().await;
}

#[tokio::test]
async fn tcp_connection_refused_is_named_at_once_and_retried() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = listener.local_addr().unwrap();
    drop(listener);
    let account = Account {
        username: "100001".into(),
        password: "pw".into(),
        domain: "roomcloud.local".into(),
        proxy: closed,
        transport: SipTransport::Tcp,
        expires: 600,
        instance: None,
    };
    let mut agent = SipAgent::start(account).await.unwrap();
    // At once: not after Timer F (32 s), nor the connect limit (5 s).
    let status = wait_within(&mut agent, Duration::from_secs(2), |s| {
        matches!(s, RegStatus::Failed(_))
    })
    .await;
    let RegStatus::Failed(RegFailure::Unreachable(why)) = &status else {
        panic!("{status:?}");
    };
    assert!(
        why.contains("refused") && why.contains(&closed.to_string()),
        "{why}"
    );

    // Something listens now: the backoff retry (about 2 s) connects and
    // sends a REGISTER.
    let listener = TcpListener::bind(closed).await.unwrap();
    let (mut stream, _) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
        .await
        .expect("the agent retried")
        .unwrap();
    let request = read_request(&mut stream).await;
    assert!(
        request.starts_with("REGISTER sip:roomcloud.local SIP/2.0\r\n"),
        "{request}"
    );
    drop(stream);
    drop(listener);
    agent.stop().await;
}

/// A proxy scripted byte by byte: responses split across TCP segments,
/// several in one segment, CRLF pongs in between, then a dropped connection.
#[tokio::test]
async fn tcp_stream_handling_against_a_scripted_proxy() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let account = Account {
        username: "100001".into(),
        password: "pw".into(),
        domain: "roomcloud.local".into(),
        proxy: listener.local_addr().unwrap(),
        transport: SipTransport::Tcp,
        expires: 600,
        instance: None,
    };
    let mut agent = SipAgent::start(account).await.unwrap();
    let (mut stream, peer) = listener.accept().await.unwrap();
    stream.set_nodelay(true).unwrap();

    let first = read_request(&mut stream).await;
    assert!(
        first.contains(&format!("Via: SIP/2.0/TCP {peer};branch=z9hG4bK")),
        "{first}"
    );
    assert!(
        first.contains(&format!("Contact: <sip:100001@{peer};transport=tcp>")),
        "{first}"
    );
    assert!(!first.contains("Authorization"), "{first}");

    // A pong, then the challenge in two segments.
    let challenge = respond(
        &first,
        "401 Unauthorized",
        "WWW-Authenticate: Digest realm=\"roomcloud.local\", nonce=\"n1\", qop=\"auth\", algorithm=MD5\r\n",
    );
    let (head, tail) = challenge.split_at(challenge.len() / 2);
    stream.write_all(&[b"\r\n", head].concat()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(30)).await;
    stream.write_all(tail).await.unwrap();

    // The next thing on the wire is the answer to the challenge: TCP does not
    // retransmit the first REGISTER.
    let second = read_request(&mut stream).await;
    assert!(
        second.contains("Authorization: Digest") && second.contains("CSeq: 2 REGISTER"),
        "{second}"
    );

    // A stray answer (another branch), a pong and the 200 in one segment.
    let stray = String::from_utf8(respond(&second, "200 OK", ""))
        .unwrap()
        .replace("branch=z9hG4bK", "branch=z9hG4bKstray");
    let ok = respond(
        &second,
        "200 OK",
        &format!("Contact: <sip:100001@{peer};transport=tcp>;expires=120\r\n"),
    );
    stream
        .write_all(&[stray.as_bytes(), b"\r\n", &ok].concat())
        .await
        .unwrap();
    let status = wait_for(&mut agent, |s| !matches!(s, RegStatus::Registering)).await;
    assert_eq!(
        status,
        RegStatus::Registered {
            expires_in: Duration::from_secs(120)
        }
    );

    // The proxy drops the connection: named, then a new connection with a
    // new REGISTER from its own port.
    drop(stream);
    let status = wait_for(&mut agent, |s| matches!(s, RegStatus::Failed(_))).await;
    assert!(
        matches!(&status, RegStatus::Failed(RegFailure::Unreachable(why)) if why.contains("closed the connection")),
        "{status:?}"
    );
    let (mut stream, peer) = tokio::time::timeout(Duration::from_secs(5), listener.accept())
        .await
        .expect("the agent reconnected")
        .unwrap();
    let again = read_request(&mut stream).await;
    assert!(
        again.contains(&format!("Contact: <sip:100001@{peer};transport=tcp>")),
        "{again}"
    );
    stream
        .write_all(&respond(&again, "200 OK", ""))
        .await
        .unwrap();
    wait_for(&mut agent, |s| matches!(s, RegStatus::Registered { .. })).await;

    // Stop removes the binding over the same flow.
    let stop = tokio::spawn(agent.stop());
    let bye = read_request(&mut stream).await;
    assert!(bye.contains("Expires: 0\r\n"), "{bye}");
    stream
        .write_all(&respond(&bye, "200 OK", ""))
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(3), stop)
        .await
        .expect("stop finished")
        .unwrap();
}

/// The cloud's UDP workers let go of the port within their poll interval.
async fn wait_until_udp_port_free(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(3);
    while std::net::UdpSocket::bind(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "UDP port {port} stays taken");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Reads one request without a body (the agent's REGISTERs) off the stream.
async fn read_request(stream: &mut TcpStream) -> String {
    let mut data = Vec::new();
    let mut byte = [0u8; 1];
    while !data.ends_with(b"\r\n\r\n") {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut byte))
            .await
            .expect("a request in time")
            .unwrap();
        assert_eq!(read, 1, "connection closed after {data:?}");
        data.push(byte[0]);
    }
    let text = String::from_utf8(data).unwrap();
    assert!(text.contains("Content-Length: 0\r\n"), "{text}");
    text
}

/// Answers `request` as a registrar would: its Via, From, To, Call-ID and CSeq.
fn respond(request: &str, status: &str, extra: &str) -> Vec<u8> {
    let keep: Vec<&str> = request
        .split("\r\n")
        .filter(|l| {
            ["Via:", "From:", "To:", "Call-ID:", "CSeq:"]
                .iter()
                .any(|h| l.starts_with(h))
        })
        .collect();
    format!(
        "SIP/2.0 {status}\r\n{}\r\n{extra}Content-Length: 0\r\n\r\n",
        keep.join("\r\n")
    )
    .into_bytes()
}
