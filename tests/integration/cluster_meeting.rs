//! A meeting on a cluster: cloud nodes on one PostgreSQL store behind
//! Kamailio as their SIP edge, two terminals activated with a node and
//! registered through the edge.
//!
//! - Both join one meeting: the edge brings both joins to one node, which
//!   knows each room (wherever it registered) and composes them; each room
//!   sees the other's colour and hears its tone.
//! - With HAProxy in front of the nodes' HTTPS as well, the rooms activate
//!   through it; the meeting's node is killed (SIGKILL, a node in a process
//!   of its own): both rooms find the meeting's media stopped, say they are
//!   reconnecting, and dial again through the edge, which takes them to the
//!   node left; they meet there again.
//!
//! - PostgreSQL restarts under a meeting: its media goes on, and the nodes
//!   carry on once the database is back.
//!
//! Needs PostgreSQL (`ROOMCLOUD_TEST_POSTGRES`, and its server binaries for
//! a server of the test's own), Kamailio and HAProxy, all of which `./run
//! test` provides.

use std::time::{Duration, Instant};

use reqwest::Method;
use roomcloud::client::AdminClient;
use roomcloud::devices::DeviceView;
use roomcloud::RunningCloud;
use serde_json::{json, Value};

use crate::common::balancer::{self, Balancer};
use crate::common::edge::Edge;
use crate::common::node_process::NodeProcess;
use crate::common::picture::{close, colour_near};
use crate::common::postgres::OwnPostgres;
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

/// Two nodes in this process on `database` behind a fresh edge, a meeting
/// of theirs, and two rooms (yellow at 440 Hz, magenta at 660 Hz, named
/// `sns`) activated with the first node.
struct Cluster {
    first: RunningCloud,
    second: RunningCloud,
    admins: [AdminClient; 2],
    edge: Edge,
    meeting: String,
    rooms: [Room; 2],
    _dirs: Vec<tempfile::TempDir>,
}

async fn meeting_on_two_nodes(database: &str, subject: &str, sns: [&str; 2]) -> Cluster {
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let edge_addr = Edge::reserve();
    let (first, admin) = node(dirs[0].path(), database, edge_addr).await;
    let (second, second_admin) = node(dirs[1].path(), database, edge_addr).await;
    let edge = Edge::start(
        edge_addr,
        &[first.endpoints.sip_udp, second.endpoints.sip_udp],
    );
    let meeting = create_meeting(
        &admin,
        json!({ "subject": subject, "host_password": PASSWORD, "join_before_host": true }),
    )
    .await;
    let looks = [([255, 255, 0], 440.0), ([255, 0, 255], 660.0)];
    let mut rooms = Vec::new();
    for ((dir, sn), (rgb, tone)) in dirs[2..].iter().zip(sns).zip(looks) {
        rooms.push(Room::start(dir.path(), &first, &admin, sn, rgb, tone).await);
    }
    let rooms: [Room; 2] = rooms.try_into().ok().unwrap();
    Cluster {
        first,
        second,
        admins: [admin, second_admin],
        edge,
        meeting,
        rooms,
        _dirs: dirs,
    }
}

/// Enterprise `Acme` on a node of a fresh store, and a meeting of its
/// (the host password set, anyone in before the host); the meeting's ID.
async fn acme_meeting(admin: &AdminClient, subject: &str) -> String {
    let _: Value = admin
        .call(
            Method::POST,
            "/enterprises",
            Some(json!({ "name": "Acme" })),
        )
        .await
        .unwrap();
    create_meeting(
        admin,
        json!({ "subject": subject, "host_password": PASSWORD, "join_before_host": true }),
    )
    .await
}

/// A fresh database on the test's PostgreSQL server, named `prefix_…`.
async fn cluster_database(prefix: &str) -> String {
    let server = std::env::var("ROOMCLOUD_TEST_POSTGRES").expect(
        "this test needs PostgreSQL: run it through ./run test (which starts one on loopback), \
         or set ROOMCLOUD_TEST_POSTGRES to a server URL whose user may create databases",
    );
    let name = format!("{prefix}_{:016x}", rand::random::<u64>());
    roomcloud::store::create_database(&server, &name)
        .await
        .unwrap()
}

/// Each of `rooms` hears the others' tones and not its own.
fn each_hears_the_others(rooms: &[&Room]) {
    let tones: Vec<f64> = rooms.iter().map(|r| r.tone).collect();
    for (i, room) in rooms.iter().enumerate() {
        let expected = |levels: &[f64]| {
            levels
                .iter()
                .enumerate()
                .all(|(j, l)| if i == j { *l < ABSENT } else { *l > HEARD })
        };
        let levels = common::levels_once(Duration::from_secs(5), || room.hears(&tones), expected);
        assert!(expected(&levels), "room {} hears {levels:?}", room.number);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rooms_meet_on_one_node_of_two_behind_the_edge() {
    let database = cluster_database("cluster_meeting").await;
    let cluster = meeting_on_two_nodes(&database, "Two sites", ["SN-K1", "SN-K2"]).await;
    let Cluster {
        first,
        second,
        admins: [admin, second_admin],
        edge,
        meeting: id,
        rooms: [yellow, magenta],
        ..
    } = &cluster;
    // One node holds each room's binding; both say it is registered.
    for sn in ["SN-K1", "SN-K2"] {
        let on_first: DeviceView = common::device(admin, sn).await;
        let on_second: DeviceView = common::device(second_admin, sn).await;
        let held = [&on_first, &on_second].map(|view| !view.sip_bindings.is_empty());
        println!("{sn} bound on node 1: {}, node 2: {}", held[0], held[1]);
        assert!(held[0] != held[1]);
        assert!(on_first.sip_registered && on_second.sip_registered);
    }
    join(yellow, id).await;
    join(magenta, id).await;

    // Both joins reached the same node, and it knows both as rooms.
    let host = match (first.focus.roster(id).len(), second.focus.roster(id).len()) {
        (2, 0) => first,
        (0, 2) => second,
        other => panic!(
            "the meeting is split over the nodes: {other:?}\n{}",
            edge.log()
        ),
    };
    let roster = host.focus.roster(id);
    let rooms = [yellow, magenta];
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
    let conference = host.focus.conference(id).unwrap();
    for room in rooms {
        wait_for_layout(&conference, room, &everyone);
    }
    each_hears_the_others(&rooms);
}

/// The whole cluster: PostgreSQL, two nodes in processes of their
/// own, Kamailio in front for SIP and HAProxy for HTTPS. Two rooms
/// activate through the balancer and register through the edge, one on
/// each node; they meet. The meeting's node dies (SIGKILL): both rooms are
/// back in the meeting on the other node, seeing and hearing each other,
/// within seconds — the media's silence (`LOST_AFTER`, 4 s) and a new call
/// through the edge, which has probed the dead node out of its rotation
/// by then.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_whose_node_is_killed_carries_on_on_the_other() {
    let database = cluster_database("cluster_failover").await;
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let edge_addr = Edge::reserve();
    let first = NodeProcess::start(dirs[0].path(), &database, edge_addr, &[balancer::SOURCE]);
    first.share_ca(dirs[1].path());
    let second = NodeProcess::start(dirs[1].path(), &database, edge_addr, &[balancer::SOURCE]);
    let mut nodes = [first, second];
    let edge = Edge::start(
        edge_addr,
        &[nodes[0].addresses.sip_udp, nodes[1].addresses.sip_udp],
    );
    let balancer = Balancer::start(&[nodes[0].addresses.http, nodes[1].addresses.http]);
    let admins = nodes.each_ref().map(NodeProcess::admin);
    let admin = &admins[0];
    let id = acme_meeting(admin, "Failover").await;
    let server_url = format!("https://{}", balancer.addr);
    let yellow = Room::start_at(
        dirs[2].path(),
        &server_url,
        admin,
        "SN-F1",
        ([255, 255, 0], 440.0),
        None,
    )
    .await;
    let magenta = Room::start_at(
        dirs[3].path(),
        &server_url,
        admin,
        "SN-F2",
        ([255, 0, 255], 660.0),
        None,
    )
    .await;
    // One registered on each node.
    for sn in ["SN-F1", "SN-F2"] {
        let mut held = Vec::new();
        for admin in &admins {
            let view: DeviceView = common::device(admin, sn).await;
            assert!(view.sip_registered, "{sn} is registered");
            held.push(!view.sip_bindings.is_empty());
        }
        assert!(held[0] != held[1], "{sn} bound on {held:?}");
    }
    let rooms = [&yellow, &magenta];
    for room in rooms {
        join(room, &id).await;
    }
    let host = hosting(&admins, &id, 2).await;
    println!("the meeting is on node {}", host + 1);
    each_sees_the_other(&rooms);
    each_hears_the_others(&rooms);

    let statuses = rooms.map(|r| r.remote.terminal.status.clone());
    let killed = nodes[host].kill();
    let mut back = Vec::new();
    for status in statuses {
        back.push(tokio::spawn(reconnected(status)));
    }
    for (room, back) in rooms.iter().zip(back) {
        let (lost, again) = back
            .await
            .unwrap()
            .unwrap_or_else(|err| panic!("room {}: {err}\nedge:\n{}", room.number, edge.log()));
        println!(
            "room {}: reconnecting {:.1} s after the kill, back in the meeting after {:.1} s",
            room.number,
            (lost - killed).as_secs_f64(),
            (again - killed).as_secs_f64()
        );
    }
    let survivor = 1 - host;
    assert_eq!(hosting(&admins[survivor..=survivor], &id, 2).await, 0);
    each_sees_the_other(&rooms);
    each_hears_the_others(&rooms);

    // The rooms' config channels found the node left through the
    // balancer: a rename there reaches each room.
    for (room, sn) in rooms.iter().zip(["SN-F1", "SN-F2"]) {
        let name = format!("{sn} after the failover");
        let _: Value = admins[survivor]
            .call(
                Method::PATCH,
                &format!("/devices/{sn}"),
                Some(json!({ "name": name })),
            )
            .await
            .unwrap();
        let mut status = room.remote.terminal.status.clone();
        until(&mut status, "renamed", |s| {
            s.room_name.as_deref() == Some(&name)
        })
        .await
        .unwrap_or_else(|err| panic!("{err}\nbalancer:\n{}", balancer.log()));
    }
}

/// Which of the nodes `admins` hosts meeting `id` with `count` in it
/// (waits up to 15 s for the roster).
async fn hosting(admins: &[AdminClient], id: &str, count: usize) -> usize {
    let path = format!("/meetings/{id}/live");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let mut seen = Vec::new();
        for (i, admin) in admins.iter().enumerate() {
            let live: Result<Value, _> = admin.call(Method::GET, &path, None).await;
            let inside = live.map_or(0, |l| l["participants"].as_array().map_or(0, Vec::len));
            if inside == count {
                return i;
            }
            seen.push(inside);
        }
        assert!(
            Instant::now() < deadline,
            "no node holds the meeting with {count} in it: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

type StatusWatch = tokio::sync::watch::Receiver<roomterm::status::TerminalStatus>;

/// When the room said it was reconnecting, and when it was in the meeting
/// again (its media flowing, the reconnecting over).
async fn reconnected(mut status: StatusWatch) -> Result<(Instant, Instant), String> {
    let lost = until(&mut status, "reconnecting", |s| s.call_reconnecting).await?;
    let again = until(&mut status, "back in the meeting", |s| {
        !s.call_reconnecting && matches!(s.call, Some(roomterm::sip::CallState::Established { .. }))
    })
    .await?;
    Ok((lost, again))
}

/// When the status came to hold `ready` (up to a minute).
async fn until(
    status: &mut StatusWatch,
    what: &str,
    ready: impl FnMut(&roomterm::status::TerminalStatus) -> bool,
) -> Result<Instant, String> {
    let within = Duration::from_secs(60);
    tokio::time::timeout(within, status.wait_for(ready))
        .await
        .map_err(|_| format!("never {what} in {within:?}"))?
        .map_err(|_| "the terminal stopped".to_string())?;
    Ok(Instant::now())
}

/// Each room decodes the other's colour somewhere in its picture (up to
/// 20 s: a new call's first key frame).
fn each_sees_the_other(rooms: &[&Room; 2]) {
    for (i, room) in rooms.iter().enumerate() {
        let other = rooms[1 - i].look;
        let media = room.media();
        let deadline = Instant::now() + Duration::from_secs(20);
        tokio::task::block_in_place(|| loop {
            let seen = media.next_frame(Duration::from_secs(5)).ok().map(|frame| {
                let points = (0..6).flat_map(|y| (0..8).map(move |x| (20 + x * 40, 20 + y * 40)));
                points
                    .map(|(x, y)| colour_near(&frame, (320, 240), x, y, 6))
                    .any(|c| close(c, other))
            });
            if seen == Some(true) {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "room {} never shows {other:?}",
                room.number
            );
        });
    }
}

/// PostgreSQL restarts under a meeting on two nodes behind the edge: the
/// meeting's media never waits for it — both rooms see and hear each
/// other through the restart, still in the call — and the nodes carry on
/// once it is back (a rename made then reaches the room).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_keeps_its_media_while_postgresql_restarts() {
    let postgres = OwnPostgres::start();
    let name = format!("restart_{:016x}", rand::random::<u64>());
    let database = roomcloud::store::create_database(&postgres.url, &name)
        .await
        .unwrap();
    let cluster = meeting_on_two_nodes(&database, "Restart", ["SN-R1", "SN-R2"]).await;
    let Cluster {
        admins: [admin, _],
        meeting: id,
        rooms: [yellow, magenta],
        ..
    } = &cluster;
    let rooms = [yellow, magenta];
    for room in rooms {
        join(room, id).await;
    }
    each_sees_the_other(&rooms);

    let restart = std::thread::spawn(move || {
        postgres.restart();
        postgres
    });
    each_sees_the_other(&rooms);
    each_hears_the_others(&rooms);
    let _postgres = restart.join().unwrap();
    for room in rooms {
        let status = room.remote.get("/status").await;
        assert_eq!(status["call"]["state"], "in_call", "{status}");
    }
    each_sees_the_other(&rooms);

    let _: Value = admin
        .call(
            Method::PATCH,
            "/devices/SN-R1",
            Some(json!({ "name": "After the restart" })),
        )
        .await
        .unwrap();
    let mut status = yellow.remote.terminal.status.clone();
    until(&mut status, "renamed", |s| {
        s.room_name.as_deref() == Some("After the restart")
    })
    .await
    .unwrap();
}

/// A meeting whose only node dies cannot come back: a room that leaves
/// while it reconnects has left at once; one that waits gives up after
/// its attempts, its call ended — neither is left saying it reconnects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_whose_meeting_cannot_come_back_leaves_or_gives_up() {
    let database = cluster_database("cluster_gone").await;
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let edge_addr = Edge::reserve();
    let mut node = NodeProcess::start(dirs[0].path(), &database, edge_addr, &[]);
    let _edge = Edge::start(edge_addr, &[node.addresses.sip_udp]);
    let admin = node.admin();
    let id = acme_meeting(&admin, "Gone").await;
    let url = node.addresses.api_url.clone();
    let looks = [([255, 255, 0], 440.0), ([255, 0, 255], 660.0)];
    let leaving = Room::start_at(dirs[1].path(), &url, &admin, "SN-G1", looks[0], None).await;
    let waiting = Room::start_at(dirs[2].path(), &url, &admin, "SN-G2", looks[1], None).await;
    for room in [&leaving, &waiting] {
        join(room, &id).await;
    }
    let mut statuses = [&leaving, &waiting].map(|r| r.remote.terminal.status.clone());
    let killed = node.kill();
    for status in &mut statuses {
        until(status, "reconnecting", |s| s.call_reconnecting)
            .await
            .unwrap();
    }

    leaving.remote.post("/hang-up", json!({})).await;
    until(&mut statuses[0], "ended by leaving", |s| {
        !s.call_reconnecting && matches!(s.call, Some(roomterm::sip::CallState::Ended(_)))
    })
    .await
    .unwrap();

    until(&mut statuses[1], "given up", |s| {
        !s.call_reconnecting && matches!(s.call, Some(roomterm::sip::CallState::Ended(_)))
    })
    .await
    .unwrap();
    println!(
        "gave up {:.1} s after the node died",
        killed.elapsed().as_secs_f64()
    );
    for room in [&leaving, &waiting] {
        let status = room.remote.get("/status").await;
        assert_eq!(status["call"]["state"], "ended", "{status}");
    }
    // Left: Home. Given up: the Join page, the meeting's ID still typed
    // and why it could not be joined, to try again later.
    leaving.remote.ui_page("home").await;
    let ui = waiting.remote.ui_page("join").await;
    assert_eq!(
        (&ui["meeting_id"], &ui["call_refused"]),
        (&json!(id), &json!(true)),
        "{ui}"
    );
}
