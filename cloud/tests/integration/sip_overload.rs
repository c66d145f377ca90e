//! The registrar under a REGISTER flood over UDP, faster than it can serve:
//! what it cannot serve in time it answers `503` with `Retry-After`, it
//! keeps no state per flooded request, and it serves again afterwards.

use std::collections::HashMap;
use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::ua::Ua;
use crate::common::{device_sip_account, TestCloud};
use crate::harness;

const DOMAIN: &str = "roomcloud.local";

fn register(n: usize, from: std::net::SocketAddr) -> String {
    register_in(DOMAIN, n, from)
}

fn register_in(domain: &str, n: usize, from: std::net::SocketAddr) -> String {
    format!(
        "REGISTER sip:{domain} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {from};branch=z9hG4bK-flood-{n};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:flood{n}@{domain}>;tag=f{n}\r\n\
         To: <sip:flood{n}@{domain}>\r\n\
         Call-ID: flood-{n}\r\n\
         CSeq: 1 REGISTER\r\n\
         Contact: <sip:flood{n}@{from}>\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// What came back: count per status, and each 503's Retry-After.
#[derive(Default)]
struct Answers {
    statuses: HashMap<u16, usize>,
    retry_after: Vec<Option<u32>>,
}

/// Reads answers until `done` is set and the socket has been quiet a second.
fn collect(socket: &UdpSocket, done: &AtomicBool) -> Answers {
    let mut answers = Answers::default();
    let mut buf = vec![0u8; 65_535];
    socket
        .set_read_timeout(Some(Duration::from_secs(1)))
        .unwrap();
    loop {
        let Ok(len) = socket.recv(&mut buf) else {
            if done.load(Ordering::Relaxed) {
                return answers;
            }
            continue;
        };
        let text = String::from_utf8_lossy(&buf[..len]);
        let Some(status) = text.get(8..11).and_then(|s| s.parse().ok()) else {
            continue;
        };
        *answers.statuses.entry(status).or_default() += 1;
        if status == 503 {
            let retry = text
                .split("\r\n")
                .find_map(|l| l.strip_prefix("Retry-After: "))
                .and_then(|v| v.trim().parse().ok());
            answers.retry_after.push(retry);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_register_flood_is_shed_with_503_and_the_registrar_recovers() {
    let t = TestCloud::start().await;
    let server = t.cloud.endpoints.sip_udp;
    let answers = tokio::task::spawn_blocking(move || {
        let socket = UdpSocket::bind("127.0.0.2:0").unwrap();
        socket2::SockRef::from(&socket)
            .set_recv_buffer_size(8 << 20)
            .unwrap();
        let from = socket.local_addr().unwrap();
        let done = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let reader = scope.spawn(|| collect(&socket, &done));
            // Distinct requests (no retransmissions), as fast as one
            // thread sends: far more than the registrar serves.
            for n in 0..60_000 {
                let _ = socket.send_to(register(n, from).as_bytes(), server);
            }
            done.store(true, Ordering::Relaxed);
            reader.join().unwrap()
        })
    })
    .await
    .unwrap();
    let shed = answers.statuses.get(&503).copied().unwrap_or(0);
    assert!(shed > 0, "no 503 under the flood: {:?}", answers.statuses);
    assert!(
        answers
            .retry_after
            .iter()
            .all(|r| r.is_some_and(|s| (5..=10).contains(&s))),
        "a 503 without a Retry-After of 5-10 s"
    );
    assert!(
        answers.statuses.get(&401).copied().unwrap_or(0) > 0,
        "nothing served during the flood: {:?}",
        answers.statuses
    );

    // Afterwards a room registers as usual.
    let (user, password) = device_sip_account(&t, "SN-FLOOD").await;
    let ua = Ua::new(server, &user, &password, DOMAIN).await;
    let ok = ua
        .register_with_auth(&[ua.contact("a")], None, "SHA-256")
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.text);
    assert!(t.device("SN-FLOOD").await.sip_registered);
}

/// Twenty thousand distinct REGISTERs leave no state behind: they are
/// challenged statelessly (the transaction table used to keep each answer
/// for 32 s).
#[test]
fn registers_hold_no_transaction_state() {
    let core = harness::new_core();
    let from: std::net::SocketAddr = "192.0.2.7:5060".parse().unwrap();
    for n in 0..20_000 {
        let answer = core.handle(
            register_in(harness::DOMAIN, n, from).as_bytes(),
            harness::source(),
        );
        assert!(answer.is_some_and(|a| a.starts_with(b"SIP/2.0 401 ")));
    }
    let stats = core.stats();
    assert_eq!(stats.transactions, 0, "{stats:?}");
    assert_eq!(stats.nonces, 0, "{stats:?}");
}
