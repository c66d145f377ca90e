//! A meeting on a cluster: two cloud nodes on one PostgreSQL store behind
//! Kamailio as their SIP edge, two terminals activated with the first
//! node and registered through the edge. Both join one meeting: the edge
//! brings both joins to one node, which knows each room (wherever it
//! registered) and composes them; each room sees the other's colour and
//! hears its tone. Needs PostgreSQL (`ROOMCLOUD_TEST_POSTGRES`) and
//! Kamailio, both of which `./run test` provides.

use roomcloud::client::AdminClient;
use roomcloud::devices::DeviceView;
use roomcloud::RunningCloud;
use serde_json::json;

use crate::common::edge::Edge;
use crate::common::room::Room;
use crate::common::{self, create_meeting};
use crate::meeting_e2e::{join, wait_for_layout, Look, ABSENT, HEARD, PASSWORD};

/// A node on `database` behind the edge at `edge`.
async fn node(
    dir: &std::path::Path,
    database: &str,
    edge: std::net::SocketAddr,
) -> (RunningCloud, AdminClient) {
    common::start_meeting_cloud_with(dir, |c| {
        c.database = Some(database.to_string());
        c.sip_edge = Some(edge);
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rooms_meet_on_one_node_of_two_behind_the_edge() {
    let server = std::env::var("ROOMCLOUD_TEST_POSTGRES").expect(
        "this test needs PostgreSQL: run it through ./run test (which starts one on loopback), \
         or set ROOMCLOUD_TEST_POSTGRES to a server URL whose user may create databases",
    );
    let name = format!("cluster_meeting_{:016x}", rand::random::<u64>());
    let database = roomcloud::store::create_database(&server, &name)
        .await
        .unwrap();
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let edge_addr = Edge::reserve();
    let (first, admin) = node(dirs[0].path(), &database, edge_addr).await;
    let (second, second_admin) = node(dirs[1].path(), &database, edge_addr).await;
    let edge = Edge::start(
        edge_addr,
        &[first.endpoints.sip_udp, second.endpoints.sip_udp],
    );
    let id = create_meeting(
        &admin,
        json!({ "subject": "Two sites", "host_password": PASSWORD, "join_before_host": true }),
    )
    .await;
    let yellow = Room::start(
        dirs[2].path(),
        &first,
        &admin,
        "SN-K1",
        [255, 255, 0],
        440.0,
    )
    .await;
    let magenta = Room::start(
        dirs[3].path(),
        &first,
        &admin,
        "SN-K2",
        [255, 0, 255],
        660.0,
    )
    .await;
    // One node holds each room's binding; both say it is registered.
    for sn in ["SN-K1", "SN-K2"] {
        let on_first: DeviceView = common::device(&admin, sn).await;
        let on_second: DeviceView = common::device(&second_admin, sn).await;
        let held = [&on_first, &on_second].map(|view| !view.sip_bindings.is_empty());
        println!("{sn} bound on node 1: {}, node 2: {}", held[0], held[1]);
        assert!(held[0] != held[1]);
        assert!(on_first.sip_registered && on_second.sip_registered);
    }
    join(&yellow, &id).await;
    join(&magenta, &id).await;

    // Both joins reached the same node, and it knows both as rooms.
    let host = match (
        first.focus.roster(&id).len(),
        second.focus.roster(&id).len(),
    ) {
        (2, 0) => &first,
        (0, 2) => &second,
        other => panic!(
            "the meeting is split over the nodes: {other:?}\n{}",
            edge.log()
        ),
    };
    let roster = host.focus.roster(&id);
    let rooms = [&yellow, &magenta];
    let everyone: Vec<_> = roster
        .iter()
        .map(|e| {
            let room = rooms
                .iter()
                .find(|r| e.from.contains(&format!("sip:{}@", r.number)))
                .unwrap_or_else(|| panic!("{} is not one of the rooms: {roster:?}", e.from));
            (e.participant, Look::Solid(room.look))
        })
        .collect();
    let mut known: Vec<_> = roster.iter().map(|e| e.device_sn.clone()).collect();
    known.sort();
    assert_eq!(
        known,
        [Some("SN-K1".to_string()), Some("SN-K2".to_string())],
        "both are known as rooms where they meet"
    );
    let conference = host.focus.conference(&id).unwrap();
    for room in rooms {
        wait_for_layout(&conference, room, &everyone);
    }
    let tones = [yellow.tone, magenta.tone];
    for (i, room) in rooms.iter().enumerate() {
        let expected = |levels: &[f64]| {
            levels
                .iter()
                .enumerate()
                .all(|(j, l)| if i == j { *l < ABSENT } else { *l > HEARD })
        };
        let levels = common::levels_once(
            std::time::Duration::from_secs(5),
            || room.hears(&tones),
            expected,
        );
        assert!(expected(&levels), "room {} hears {levels:?}", room.number);
    }
}
