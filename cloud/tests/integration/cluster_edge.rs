//! Two cloud nodes on one PostgreSQL store behind Kamailio as their SIP
//! edge: rooms register through the edge and spread over both nodes; a
//! room calls a room registered on the other node; a node stops and its
//! rooms register again through the edge, on the node left, and are
//! called there. Meetings are placed on the node composing least, whatever
//! node the edge hashes them to. Needs PostgreSQL
//! (`ROOMCLOUD_TEST_POSTGRES`) and Kamailio, both of which `./run test`
//! provides.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use crate::cluster::two_nodes_with;
use crate::common::edge::{Edge, PROBE_SECS};
use crate::common::third_party_account;
use crate::common::ua::Ua;
use crate::common::TestCloud;
use roomcloud::clock::Clock;

const DOMAIN: &str = "roomcloud.local";
const PASSWORD: &str = "edge-password-1";
/// Enough rooms that the edge's hash gives each node some.
const ROOMS: [&str; 8] = [
    "room-a", "room-b", "room-c", "room-d", "room-e", "room-f", "room-g", "room-h",
];

/// Sends `message` from `ua` to `to` and waits up to `within` for a
/// message back (a response, or a request the edge forwards).
async fn exchange(ua: &Ua, message: &str, to: SocketAddr, within: Duration) -> Option<String> {
    ua.socket.send_to(message.as_bytes(), to).await.unwrap();
    receive(ua, within).await
}

async fn receive(ua: &Ua, within: Duration) -> Option<String> {
    let mut buf = vec![0u8; 65_535];
    let (len, _) = tokio::time::timeout(within, ua.socket.recv_from(&mut buf))
        .await
        .ok()?
        .ok()?;
    Some(String::from_utf8_lossy(&buf[..len]).into_owned())
}

fn status(message: &str) -> u16 {
    message
        .strip_prefix("SIP/2.0 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or(0)
}

/// REGISTERs `ua` through its server (the edge) with digest credentials,
/// again until it is bound (the account reaches the other node by an
/// announcement; a stopped node costs the edge a timeout).
async fn register(ua: &Ua) -> u16 {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = 0;
    while Instant::now() < deadline {
        let contact = [ua.contact("a")];
        let plain = ua.register(&contact, Some(300), None);
        let Some(challenge) = exchange(ua, &plain, ua.server, Duration::from_secs(5)).await else {
            continue;
        };
        last = status(&challenge);
        if last == 401 {
            let response = crate::common::ua::Response { text: challenge };
            let (algorithm, nonce, _) = response.challenges()[0].clone();
            let auth = ua.authorization(&algorithm, &nonce, 1);
            let signed = ua.register(&contact, Some(300), Some(&auth));
            last = match exchange(ua, &signed, ua.server, Duration::from_secs(5)).await {
                Some(answer) => status(&answer),
                None => 0,
            };
        }
        if last == 200 {
            return 200;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    last
}

/// An INVITE from `caller` to the number `callee`, with an audio offer.
fn invite(caller: &Ua, callee: &str, call: u32) -> String {
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n",
        caller.local().port() + 2
    );
    invite_with(caller, callee, call, &sdp)
}

/// An INVITE from `caller` to the number `callee` offering `sdp`.
fn invite_with(caller: &Ua, callee: &str, call: u32, sdp: &str) -> String {
    let local = caller.local();
    format!(
        "INVITE sip:{callee}@{DOMAIN} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch=z9hG4bK-edge-{call};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:{user}@{DOMAIN}>;tag=edge{call}\r\n\
         To: <sip:{callee}@{DOMAIN}>\r\n\
         Call-ID: edge-call-{call}-{port}@test\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:{user}@{local}>\r\n\
         Content-Type: application/sdp\r\n\
         Content-Length: {len}\r\n\r\n{sdp}",
        user = caller.user,
        port = local.port(),
        len = sdp.len(),
    )
}

/// Whether `callee` is rung with `caller`'s call within 10 s (the final
/// answer to the caller is not awaited).
async fn rings(caller: &Ua, callee: &Ua, to: SocketAddr, call: u32) -> Result<(), String> {
    let sent = exchange(
        caller,
        &invite(caller, &callee.user, call),
        to,
        Duration::from_secs(5),
    )
    .await
    .unwrap_or_default();
    if status(&sent) >= 300 {
        return Err(sent);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        match receive(callee, Duration::from_secs(1)).await {
            Some(m) if m.starts_with(&format!("INVITE sip:{}-a@", callee.user)) => {
                return match m.contains(&format!("sip:{}@", caller.user)) {
                    true => Ok(()),
                    false => Err(m),
                }
            }
            _ => {}
        }
        if let Some(m) = receive(caller, Duration::from_millis(10)).await {
            if status(&m) >= 300 {
                return Err(m);
            }
        }
    }
    Err("the callee was not rung".into())
}

/// The node of the two holding `user`'s binding (exactly one must); the
/// admin API of both says it is registered.
async fn holder(nodes: [&TestCloud; 2], user: &str) -> usize {
    let held = nodes.map(|n| !n.cloud.location.bindings(user, n.clock.now_ms()).is_empty());
    assert!(held[0] != held[1], "{user} is bound on one node: {held:?}");
    for node in nodes {
        assert!(
            node.sip_registered(user).await,
            "{user} is registered, on either node"
        );
    }
    usize::from(held[1])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_register_and_call_through_the_edge_and_survive_a_node() {
    let edge_addr = Edge::reserve();
    let (first, second) = two_nodes_with(|c| c.sip_edge = Some(edge_addr)).await;
    let edge = Edge::start(
        edge_addr,
        &[
            first.cloud.endpoints.sip_udp,
            second.cloud.endpoints.sip_udp,
        ],
    );
    for room in ROOMS {
        third_party_account(&first, room, PASSWORD, None).await;
    }

    let mut uas = Vec::new();
    for room in ROOMS {
        let ua = Ua::new(edge.addr, room, PASSWORD, DOMAIN).await;
        assert_eq!(register(&ua).await, 200, "{room}: {}", edge.log());
        uas.push(ua);
    }
    let mut on = [Vec::new(), Vec::new()];
    for ua in &uas {
        on[holder([&first, &second], &ua.user).await].push(ua);
    }
    assert!(
        !on[0].is_empty() && !on[1].is_empty(),
        "the edge spreads rooms over both nodes: {:?}",
        on.each_ref()
            .map(|n| n.iter().map(|u| &u.user).collect::<Vec<_>>())
    );
    let (x, y) = (on[0][0], on[1][0]);

    // A call for y goes to y's node, which knows x (registered on the
    // other node) from the store and rings y through the edge.
    rings(x, y, edge.addr, 1)
        .await
        .expect("x rings y across the nodes");
    // Only the edge is believed about where a room is: the same call
    // straight to y's node, from x's own address, is a stranger's.
    let direct = exchange(
        x,
        &invite(x, &y.user, 2),
        second.cloud.endpoints.sip_udp,
        Duration::from_secs(5),
    )
    .await
    .unwrap_or_default();
    let direct = loop {
        match status(&direct) {
            100 => match receive(x, Duration::from_secs(5)).await {
                Some(next) if status(&next) != 100 => break next,
                Some(_) => continue,
                None => break String::new(),
            },
            _ => break direct,
        }
    };
    assert_eq!(status(&direct), 403, "{direct}");

    // y's node stops: the edge's probes take it out of rotation, y
    // registers again through the edge, on the node left, and is called
    // there.
    let stopped = Instant::now();
    drop(second);
    tokio::time::sleep(Duration::from_secs(PROBE_SECS)).await;
    assert_eq!(register(y).await, 200, "{}", edge.log());
    println!(
        "re-registered on the node left {:.1} s after the other stopped",
        stopped.elapsed().as_secs_f64()
    );
    assert!(!first
        .cloud
        .location
        .bindings(&y.user, first.clock.now_ms())
        .is_empty());
    while receive(y, Duration::from_millis(100)).await.is_some() {}
    rings(x, y, edge.addr, 3)
        .await
        .expect("x rings y on the node left");
}

/// A join of meeting `meeting` from `caller`: audio, and video if `video`.
fn join_invite(caller: &Ua, meeting: &str, video: bool, call: u32) -> String {
    let base = caller.local().port() + 2;
    let mut sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {base} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    );
    if video {
        sdp.push_str(&format!(
            "m=video {} RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
             a=fmtp:96 packetization-mode=1;profile-level-id=42e01f\r\n",
            base + 2
        ));
    }
    invite_with(caller, meeting, call, &sdp)
}

/// Sends `caller`'s join of `meeting` through the edge and waits for its
/// final answer (ACKing a 200 is left out: the tests end first).
async fn joins(caller: &Ua, meeting: &str, video: bool, call: u32) -> u16 {
    let invite = join_invite(caller, meeting, video, call);
    let mut answer = exchange(caller, &invite, caller.server, Duration::from_secs(10))
        .await
        .unwrap_or_default();
    while (100..200).contains(&status(&answer)) {
        answer = receive(caller, Duration::from_secs(10))
            .await
            .unwrap_or_default();
    }
    status(&answer)
}

/// Which node runs `meeting`, and how many are in it there (waits up to
/// 10 s for `count`).
async fn runs_on(nodes: [&TestCloud; 2], meeting: &str, count: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let inside = nodes.map(|n| n.cloud.focus.roster(meeting).len());
        match inside {
            [n, 0] if n == count => return 0,
            [0, n] if n == count => return 1,
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "{meeting}: {inside:?} in it on the nodes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A new meeting of Acme's whose number the edge hashes to `node` (its
/// SIP address): meetings are made, and their numbers probed with an
/// OPTIONS through the edge, until one is.
async fn meeting_hashed_to(
    cloud: &TestCloud,
    edge: &Edge,
    prober: &Ua,
    node: SocketAddr,
) -> String {
    let want = format!("sip:{node}");
    for n in 0..16 {
        let id = cloud
            .meetings()
            .create_json(serde_json::json!({
                "subject": format!("Placed {n}"), "enterprise": "Acme", "join_before_host": true
            }))
            .await
            .unwrap()
            .meeting_id;
        let local = prober.local();
        let options = format!(
            "OPTIONS sip:{id}@{DOMAIN} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK-probe-{n}-{id};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{user}@{DOMAIN}>;tag=probe{n}\r\n\
             To: <sip:{id}@{DOMAIN}>\r\n\
             Call-ID: probe-{n}-{id}@test\r\n\
             CSeq: 1 OPTIONS\r\n\
             Content-Length: 0\r\n\r\n",
            user = prober.user,
        );
        let _ = exchange(prober, &options, edge.addr, Duration::from_secs(5)).await;
        while receive(prober, Duration::from_millis(100)).await.is_some() {}
        if edge.hashed_to(&id).as_deref() == Some(want.as_str()) {
            return id;
        }
    }
    panic!("no meeting number hashed to {want}:\n{}", edge.log());
}

/// A meeting goes to the node whose MCU composes least, not the one with
/// the fewest people in meetings: a video meeting on one node, three
/// sound-only callers in a meeting on the other (placed away from the
/// composing node), then a new video meeting goes to the three, since
/// they cost the MCU next to nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_meeting_goes_to_the_node_composing_least() {
    let edge_addr = Edge::reserve();
    let (first, second) = two_nodes_with(|c| {
        c.sip_edge = Some(edge_addr);
        c.media_canvas = (320, 240);
    })
    .await;
    let edge = Edge::start(
        edge_addr,
        &[
            first.cloud.endpoints.sip_udp,
            second.cloud.endpoints.sip_udp,
        ],
    );
    let nodes = [&first, &second];
    first.enterprise("Acme").await;
    let meeting = |subject: &'static str| {
        let first = &first;
        async move {
            first
                .meetings()
                .create_json(serde_json::json!({
                    "subject": subject, "enterprise": "Acme", "join_before_host": true
                }))
                .await
                .unwrap()
                .meeting_id
        }
    };
    let callers = ["join-a", "join-b", "join-c", "join-d", "join-e"];
    let mut uas = Vec::new();
    for user in callers {
        third_party_account(&first, user, PASSWORD, None).await;
        let ua = Ua::new(edge.addr, user, PASSWORD, DOMAIN).await;
        assert_eq!(register(&ua).await, 200, "{user}: {}", edge.log());
        uas.push(ua);
    }
    // Both nodes publish their cost each second: wait until both are known.
    tokio::time::sleep(Duration::from_millis(2_500)).await;

    let video = meeting("Video").await;
    assert_eq!(
        joins(&uas[0], &video, true, 10).await,
        200,
        "{}",
        edge.log()
    );
    let composing = runs_on(nodes, &video, 1).await;
    let composing_sip = nodes[composing].cloud.endpoints.sip_udp;
    // Its cost published, a sound-only meeting the edge hashes to that
    // node goes to the other.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    assert!(nodes[composing].cloud.focus.composing_cost() > 0);
    let sound = meeting_hashed_to(&first, &edge, &uas[4], composing_sip).await;
    for (i, ua) in uas[1..4].iter().enumerate() {
        assert_eq!(
            joins(ua, &sound, false, 20 + i as u32).await,
            200,
            "{}",
            edge.log()
        );
    }
    assert_eq!(runs_on(nodes, &sound, 3).await, 1 - composing);
    assert_eq!(nodes[1 - composing].cloud.focus.composing_cost(), 0);

    // Three people there, one here: a new video meeting hashed here goes
    // to the three.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let next = meeting_hashed_to(&first, &edge, &uas[4], composing_sip).await;
    assert_eq!(joins(&uas[4], &next, true, 30).await, 200, "{}", edge.log());
    assert_eq!(runs_on(nodes, &next, 1).await, 1 - composing);
    for id in [&sound, &next] {
        assert!(
            edge.log()
                .contains(&format!("meeting {id} placed on another node")),
            "the edge followed {id}'s redirect:\n{}",
            edge.log()
        );
    }
}
