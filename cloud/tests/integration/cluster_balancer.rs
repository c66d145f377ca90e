//! Cloud nodes behind an HTTP load balancer: HAProxy (Debian's) in TCP mode
//! passes TLS through to two nodes on one PostgreSQL store that share one
//! CA, opening each connection with a PROXY v2 header. Rooms activate
//! through it whichever node they land on; wrong codes count against the
//! client's own address, not the balancer's; a room's config channel
//! opened through it gets the pushes of changes made on either node; and
//! a connection from the balancer's address without the header is not
//! served. Needs PostgreSQL (`ROOMCLOUD_TEST_POSTGRES`) and HAProxy, both
//! of which `./run test` provides.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use reqwest::Method;
use roomterm_proto::ServerMessage;
use rustls::pki_types::ServerName;
use serde_json::{json, Value};
use tokio::net::TcpSocket;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common::balancer::{Balancer, SOURCE};
use crate::common::{error_code, TestCloud};
use crate::config_channel::next_message;

const ATTACKER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
const ROOM: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 4));

/// Two HTTPS nodes on one fresh database, trusting the balancer's
/// address; the second is given the first's CA (as an operator copies
/// `tls/ca.key` and `tls/ca.pem` to every node), so a room's pinned CA
/// holds whichever node answers.
async fn two_https_nodes() -> (TestCloud, TestCloud) {
    let server = std::env::var("ROOMCLOUD_TEST_POSTGRES").expect(
        "this test needs PostgreSQL: run it through ./run test (which starts one on loopback), \
         or set ROOMCLOUD_TEST_POSTGRES to a server URL whose user may create databases",
    );
    let name = format!("balancer_{:016x}", rand::random::<u64>());
    let url = roomcloud::store::create_database(&server, &name)
        .await
        .unwrap();
    let first = TestCloud::start_with(|c| {
        c.database = Some(url.clone());
        c.http_proxies = vec![SOURCE];
    })
    .await;
    let ca = first.data_dir().join("tls");
    let second = TestCloud::start_with(|c| {
        c.database = Some(url.clone());
        c.http_proxies = vec![SOURCE];
        let tls = c.data_dir.join("tls");
        std::fs::create_dir_all(&tls).unwrap();
        for file in ["ca.key", "ca.pem"] {
            std::fs::copy(ca.join(file), tls.join(file)).unwrap();
        }
    })
    .await;
    assert_eq!(first.cloud.ca_pem, second.cloud.ca_pem);
    (first, second)
}

/// An HTTPS client connecting from the local address `from`, trusting `ca`.
fn client_from(from: IpAddr, ca: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(from)
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

async fn activate(client: &reqwest::Client, at: SocketAddr, sn: &str, code: &str) -> (u16, Value) {
    let response = client
        .post(format!("https://{at}/api/device/v1/activate"))
        .json(&json!({ "sn": sn, "code": code, "software_version": "test-1" }))
        .send()
        .await
        .expect("the balancer answers");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

/// The room's config channel through the balancer, over TLS from `from`.
async fn channel_through(
    at: SocketAddr,
    from: IpAddr,
    ca: &str,
    token: &str,
) -> tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<tokio::net::TcpStream>> {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(SocketAddr::new(from, 0)).unwrap();
    let tcp = socket.connect(at).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let tls = tokio_rustls::TlsConnector::from(crate::common::tls_trusting(ca))
        .connect(name, tcp)
        .await
        .unwrap();
    let mut request = format!("wss://{at}/api/device/v1/channel")
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (socket, _) = tokio_tungstenite::client_async(request, tls)
        .await
        .expect("the channel opens through the balancer");
    socket
}

#[tokio::test]
async fn two_nodes_behind_haproxy_serve_rooms_and_lock_out_the_client_not_the_balancer() {
    let (first, second) = two_https_nodes().await;
    let balancer = Balancer::start(&[first.cloud.http_addr, second.cloud.http_addr]);
    let ca = first.cloud.ca_pem.clone();
    first.enterprise("Acme").await;
    first.add_device("SN-LB1", "Acme").await.unwrap();
    let room_code = first.add_device("SN-LB2", "Acme").await.unwrap();

    // Ten wrong codes, dealt round robin to both nodes: the tenth finds the
    // attacker's address locked.
    let attacker = client_from(ATTACKER, &ca);
    for attempt in 1..=9 {
        let (status, body) = activate(&attacker, balancer.addr, "SN-LB1", "111111111111").await;
        assert_eq!(status, 403, "attempt {attempt}: {body}\n{}", balancer.log());
    }
    let (status, body) = activate(&attacker, balancer.addr, "SN-LB1", "111111111111").await;
    assert_eq!((status, error_code(&body)), (429, "ip_locked"), "{body}");

    // A room elsewhere, through the same balancer, is not: the lock is the
    // attacker's address, not the balancer's.
    let room = client_from(ROOM, &ca);
    let (status, activation) =
        activate(&room, balancer.addr, "SN-LB2", &room_code.activation_code).await;
    assert_eq!(status, 200, "{activation}");
    let token = activation["device_token"].as_str().unwrap();

    // Its channel, on whichever node the balancer picked, gets the pushes
    // of changes made on either.
    let mut socket = channel_through(balancer.addr, ROOM, &ca, token).await;
    let ServerMessage::Config { config } = next_message(&mut socket, Duration::from_secs(5)).await
    else {
        panic!("first message is the config");
    };
    assert_eq!(config.name, "SN-LB2");
    for (node, name) in [(&first, "Board Room 7"), (&second, "Board Room 8")] {
        let _: Value = node
            .admin
            .call(
                Method::PATCH,
                "/devices/SN-LB2",
                Some(json!({ "name": name })),
            )
            .await
            .unwrap();
        let ServerMessage::Config { config: renamed } =
            next_message(&mut socket, Duration::from_secs(5)).await
        else {
            panic!("the rename pushes a config");
        };
        assert_eq!(renamed.name, name);
    }

    // Straight from the balancer's address, without the header: not served.
    let spoofed = client_from(SOURCE, &ca);
    let direct = spoofed
        .get(format!(
            "{}/api/device/v1/activate",
            first.cloud.endpoints.api_url
        ))
        .send()
        .await;
    assert!(direct.is_err(), "served without a PROXY header: {direct:?}");
}
