//! Cloud nodes sharing one PostgreSQL store: what one node writes, the
//! other serves, and the failures one node counts against an address, the
//! other honours. Needs the PostgreSQL server `./run test` starts
//! (`ROOMCLOUD_TEST_POSTGRES`).

use reqwest::Method;
use roomcloud::store::create_database;
use roomcloud::CloudConfig;
use serde_json::Value;

use std::time::{Duration, Instant};

use crate::common::postgres::OwnPostgres;
use crate::common::ua::Ua;
use crate::common::{device_sip_account, error_code, third_party_account, TestCloud};
use crate::config_channel::{next_message, open_channel};
use roomterm_proto::ServerMessage;
use serde_json::json;

const DOMAIN: &str = "roomcloud.local";

/// Two nodes on one fresh database, each with its own data directory and
/// clock (both read the wall clock's time at start).
async fn two_nodes() -> (TestCloud, TestCloud) {
    two_nodes_with(|_| {}).await
}

/// [`two_nodes`], each configured further by `extra`.
pub(crate) async fn two_nodes_with(extra: impl Fn(&mut CloudConfig)) -> (TestCloud, TestCloud) {
    let server = std::env::var("ROOMCLOUD_TEST_POSTGRES").expect(
        "this test needs PostgreSQL: run it through ./run test (which starts one on loopback), \
         or set ROOMCLOUD_TEST_POSTGRES to a server URL whose user may create databases",
    );
    two_nodes_on(&server, extra).await
}

async fn two_nodes_on(server: &str, extra: impl Fn(&mut CloudConfig)) -> (TestCloud, TestCloud) {
    let name = format!("cluster_{:016x}", rand::random::<u64>());
    let url = create_database(server, &name).await.unwrap();
    // Plain HTTP on loopback: the config channel's test client speaks ws://.
    let node = |c: &mut CloudConfig| {
        c.database = Some(url.clone());
        c.plain_http = true;
        extra(c);
    };
    let first = TestCloud::start_with(node).await;
    let second = TestCloud::start_with(node).await;
    (first, second)
}

/// An attacker cannot spread wrong activation codes over two nodes: the
/// tenth locks the address on both, even for the right code.
#[tokio::test]
async fn wrong_codes_spread_over_two_nodes_lock_the_address_on_both() {
    let (a, b) = two_nodes().await;
    a.enterprise("Acme").await;
    let issued = a.add_device("SN-C1", "Acme").await.unwrap();
    for attempt in 1..=9 {
        let node = if attempt % 2 == 0 { &a } else { &b };
        let (status, body, _) = node.activate("SN-C1", "111111111111").await;
        assert_eq!(status, 403, "attempt {attempt}: {body}");
    }
    let (status, body, retry) = a.activate("SN-C1", "111111111111").await;
    assert_eq!((status, error_code(&body)), (429, "ip_locked"), "{body}");
    assert_eq!(retry.as_deref(), Some("600"));
    let (status, body, _) = b.activate("SN-C1", &issued.activation_code).await;
    assert_eq!((status, error_code(&body)), (429, "ip_locked"), "{body}");

    // Once the lock ran out, the room the first node added activates on
    // the second.
    b.clock.advance_secs(601);
    let (status, body, _) = b.activate("SN-C1", &issued.activation_code).await;
    assert_eq!(status, 200, "{body}");
    let device: Value = a
        .admin
        .call(Method::GET, "/devices/SN-C1", None)
        .await
        .unwrap();
    assert_eq!(device["state"], "active", "{device}");
}

/// REGISTERs `user` at `node` with digest credentials until the answer is
/// `want` (another node's change reaches this one by an announcement, a
/// moment after the change); the last answer.
async fn register_until(node: &TestCloud, user: &str, password: &str, want: u16) -> u16 {
    let ua = Ua::new(node.cloud.endpoints.sip_udp, user, password, DOMAIN).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let challenge = ua
            .send(&ua.register(&[ua.contact("a")], Some(120), None))
            .await;
        let status = match challenge.status() {
            401 => {
                let nonce = challenge.challenges()[0].1.clone();
                let algorithm = challenge.challenges()[0].0.clone();
                let auth = ua.authorization(&algorithm, &nonce, 1);
                ua.send(&ua.register(&[ua.contact("a")], Some(120), Some(&auth)))
                    .await
                    .status()
            }
            other => other,
        };
        if status == want || Instant::now() > deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A SIP account added on one node registers on the other; removed there,
/// the other refuses it; a room activated on one node registers on the
/// other with its new credentials.
#[tokio::test]
async fn sip_accounts_changed_on_one_node_hold_on_the_other() {
    let (a, b) = two_nodes().await;
    third_party_account(&a, "phone1", "phone-password-1", None).await;
    assert_eq!(
        register_until(&b, "phone1", "phone-password-1", 200).await,
        200
    );

    let _: Value = a
        .admin
        .call(Method::DELETE, "/sip-accounts/phone1", None)
        .await
        .unwrap();
    assert_eq!(
        register_until(&b, "phone1", "phone-password-1", 403).await,
        403
    );

    let (user, password) = device_sip_account(&a, "SN-C2").await;
    assert_eq!(register_until(&b, &user, &password, 200).await, 200);
    let room: Value = b
        .admin
        .call(Method::GET, "/devices/SN-C2", None)
        .await
        .unwrap();
    assert_eq!(room["sip_registered"], true, "{room}");
}

/// PostgreSQL restarted under two nodes: both carry on (the next request
/// is served), and their announcements resume (an account added on one
/// registers on the other).
#[tokio::test]
async fn nodes_carry_on_after_postgresql_restarts() {
    let postgres = OwnPostgres::start();
    let (a, b) = two_nodes_on(&postgres.url, |_| {}).await;
    a.enterprise("Acme").await;
    a.add_device("SN-P1", "Acme").await.unwrap();

    postgres.restart();
    for node in [&a, &b] {
        let device: Value = node
            .admin
            .call(Method::GET, "/devices/SN-P1", None)
            .await
            .unwrap();
        assert_eq!(device["state"], "pending", "{device}");
    }
    third_party_account(&a, "phone2", "phone-password-2", None).await;
    assert_eq!(
        register_until(&b, "phone2", "phone-password-2", 200).await,
        200
    );
}

/// A room's config channel open on one node hears of a change made on the
/// other: renamed there, it gets its new config pushed here.
#[tokio::test]
async fn a_change_on_one_node_is_pushed_to_a_channel_open_on_the_other() {
    let (a, b) = two_nodes().await;
    let activation = a.activated_device("SN-C3").await;
    let token = activation["device_token"].as_str().unwrap();
    let mut socket = open_channel(&b, token).await;
    let ServerMessage::Config { config } = next_message(&mut socket, Duration::from_secs(2)).await
    else {
        panic!("first message is the config");
    };
    assert_eq!(config.name, "SN-C3");

    let _: Value = a
        .admin
        .call(
            Method::PATCH,
            "/devices/SN-C3",
            Some(json!({ "name": "Board Room 7" })),
        )
        .await
        .unwrap();
    let ServerMessage::Config { config: renamed } =
        next_message(&mut socket, Duration::from_secs(2)).await
    else {
        panic!("the rename pushes a config");
    };
    assert_eq!(renamed.name, "Board Room 7");
}
