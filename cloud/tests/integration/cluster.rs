//! Cloud nodes sharing one PostgreSQL store: what one node writes, the
//! other serves, and the failures one node counts against an address, the
//! other honours. Needs the PostgreSQL server `./run test` starts
//! (`ROOMCLOUD_TEST_POSTGRES`).

use reqwest::Method;
use roomcloud::store::create_database;
use serde_json::Value;

use crate::common::{error_code, TestCloud};

/// Two nodes on one fresh database, each with its own data directory and
/// clock (both read the wall clock's time at start).
async fn two_nodes() -> (TestCloud, TestCloud) {
    let server = std::env::var("ROOMCLOUD_TEST_POSTGRES").expect(
        "this test needs PostgreSQL: run it through ./run test (which starts one on loopback), \
         or set ROOMCLOUD_TEST_POSTGRES to a server URL whose user may create databases",
    );
    let name = format!("cluster_{:016x}", rand::random::<u64>());
    let url = create_database(&server, &name).await.unwrap();
    let first = TestCloud::start_with(|c| c.database = Some(url.clone())).await;
    let second = TestCloud::start_with(|c| c.database = Some(url)).await;
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
