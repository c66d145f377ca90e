//! The control API against slow and greedy clients on the room's network:
//! a request head dripped a byte at a time is cut off at its deadline, a
//! body declared too large is refused at once and a stalled one cut off,
//! and one address cannot take every connection — while a room controller
//! elsewhere is still served. Deadlines are shortened here; the bounds on
//! times are the deadlines themselves, with room for a loaded machine.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use roomterm::app::{Terminal, TerminalOptions};
use roomterm::store::DataDir;
use roomterm::web::{ControlApi, Limits};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const ELSEWHERE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const DEADLINE: Duration = Duration::from_secs(2);
/// Room for a loaded machine past a deadline, and the most any step waits.
const SLACK: Duration = Duration::from_secs(10);

struct Api {
    api: ControlApi,
    _terminal: Terminal,
    _dir: tempfile::TempDir,
}

async fn start(connections_per_address: usize, deadline: Duration) -> Api {
    let dir = tempfile::tempdir().unwrap();
    let terminal = Terminal::start(TerminalOptions {
        data: DataDir::new(dir.path()).unwrap(),
        sn: "SN-L1".into(),
        model: "generic-x86_64".into(),
        software_version: "0.1.0".into(),
        network: Default::default(),
        call_media: None,
        cast_media: None,
    });
    let limits = Limits {
        header_timeout: deadline,
        body_timeout: deadline,
        connections_per_address,
        ..roomterm::web::LIMITS
    };
    let api = ControlApi::start_with_limits(
        "127.0.0.1:0".parse().unwrap(),
        terminal.clone(),
        "rtc_0123456789abcdef".into(),
        limits,
    )
    .await
    .unwrap();
    Api {
        api,
        _terminal: terminal,
        _dir: dir,
    }
}

async fn connect_from(api: &Api, from: IpAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(api.api.addr).await
}

/// Everything the server sends until it closes.
async fn until_close(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    let read_all = async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(SLACK, read_all)
        .await
        .unwrap_or_else(|_| panic!("no close after {:?}", String::from_utf8_lossy(&received)));
    String::from_utf8_lossy(&received).into_owned()
}

/// What a room controller gets for the status, from `from`.
async fn status_code_from(api: &Api, from: IpAddr) -> String {
    let mut stream = connect_from(api, from).await.unwrap();
    stream
        .write_all(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let answer = until_close(&mut stream).await;
    answer.split(' ').nth(1).unwrap_or("none").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dripped_head_is_cut_off_at_the_deadline_while_others_are_served() {
    let api = start(16, DEADLINE).await;
    let mut slow = connect_from(&api, ELSEWHERE).await.unwrap();
    let started = Instant::now();
    let dripping = tokio::spawn(async move {
        // A head that would take a minute at one byte every 250 ms.
        for byte in format!("GET /api/v1/status HTTP/1.1\r\nX-Slow: {}", "a".repeat(240)).bytes() {
            if slow.write_all(&[byte]).await.is_err() {
                return Some(Instant::now());
            }
            let mut probe = [0u8; 256];
            match tokio::time::timeout(Duration::from_millis(250), slow.read(&mut probe)).await {
                Ok(Ok(0)) | Ok(Err(_)) => return Some(Instant::now()),
                _ => {}
            }
        }
        None
    });
    // Served meanwhile (401: no token), from this address and the other.
    assert_eq!(status_code_from(&api, LOCALHOST).await, "401");
    let cut = dripping
        .await
        .unwrap()
        .expect("a dripped head was waited on to its end");
    let after = cut - started;
    assert!(
        after >= DEADLINE.saturating_sub(Duration::from_millis(200)) && after < DEADLINE + SLACK,
        "cut off after {after:?}"
    );
    assert_eq!(status_code_from(&api, ELSEWHERE).await, "401");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_declared_too_large_is_refused_at_once_and_a_stalled_one_cut_off() {
    let api = start(16, DEADLINE).await;
    let mut huge = connect_from(&api, LOCALHOST).await.unwrap();
    huge.write_all(
        b"POST /api/v1/text HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 1000000000\r\n\r\n{",
    )
    .await
    .unwrap();
    let answer = until_close(&mut huge).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");

    let mut stalled = connect_from(&api, LOCALHOST).await.unwrap();
    stalled
        .write_all(
            b"POST /api/v1/text HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Authorization: Bearer rtc_0123456789abcdef\r\n\
              Content-Length: 100\r\n\r\n{\"text\":",
        )
        .await
        .unwrap();
    let answer = until_close(&mut stalled).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_gets_its_share_of_connections_and_others_are_served() {
    // Idle connections are not cut off during this test.
    let api = start(4, SLACK * 3).await;
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(connect_from(&api, ELSEWHERE).await.unwrap());
    }
    // Let the server admit them (accepts are handled in order).
    assert_eq!(status_code_from(&api, LOCALHOST).await, "401");
    let mut fifth = connect_from(&api, ELSEWHERE).await.unwrap();
    let _ = fifth
        .write_all(b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let answer = until_close(&mut fifth).await;
    assert_eq!(
        answer, "",
        "the fifth connection from one address was served"
    );
    assert_eq!(
        status_code_from(&api, LOCALHOST).await,
        "401",
        "others are served"
    );
    // Closing one frees a place.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(status_code_from(&api, ELSEWHERE).await, "401");
}
