//! The HTTPS server against slow and greedy clients, over real TLS on
//! loopback: request heads and bodies have deadlines, a declared body too
//! large is refused at once, and one address cannot take every connection.
//! Deadlines are shortened here so the tests stay quick; the bounds on
//! times are deadlines (the property), with room for a loaded machine.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::common::{error_code, TestCloud};

const LOCALHOST: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
/// Room for a loaded machine past a deadline, and the most any step waits.
const SLACK: Duration = Duration::from_secs(10);

/// A TLS connection to the cloud's API from the local address `from`.
async fn connect_from(t: &TestCloud, from: IpAddr) -> std::io::Result<TlsStream<TcpStream>> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    let tcp = socket.connect(t.cloud.http_addr).await?;
    let name = ServerName::try_from("localhost").unwrap();
    TlsConnector::from(crate::common::tls_trusting(&t.cloud.ca_pem))
        .connect(name, tcp)
        .await
}

/// Everything the server sends until it closes: status and JSON body.
async fn response_until_close(stream: &mut TlsStream<TcpStream>) -> (u16, Value) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let read_all = async {
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
    let text = String::from_utf8_lossy(&received);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Sends a long request head one byte every 250 ms (it would take over a
/// minute); returns when the server closed the connection, if it did.
async fn drip_head(mut stream: TlsStream<TcpStream>) -> Option<Instant> {
    let head = format!(
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: {}",
        "a".repeat(280)
    );
    let mut buffer = [0u8; 1024];
    for byte in head.bytes() {
        if stream.write_all(&[byte]).await.is_err() || stream.flush().await.is_err() {
            return Some(Instant::now());
        }
        tokio::select! {
            read = stream.read(&mut buffer) => match read {
                Ok(0) | Err(_) => return Some(Instant::now()),
                Ok(_) => {} // a 408 before the close
            },
            () = tokio::time::sleep(Duration::from_millis(250)) => {}
        }
    }
    None
}

async fn healthz(t: &TestCloud) -> String {
    t.http
        .get(t.url("/healthz"))
        .send()
        .await
        .expect("served")
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn slow_request_heads_are_cut_off_at_the_deadline_while_others_are_served() {
    const DEADLINE: Duration = Duration::from_secs(2);
    let t = TestCloud::start_with(|c| c.http_limits.header_timeout = DEADLINE).await;
    let mut slow = Vec::new();
    for _ in 0..20 {
        let stream = connect_from(&t, LOCALHOST).await.unwrap();
        slow.push((Instant::now(), tokio::spawn(drip_head(stream))));
    }

    // While they drip, an ordinary client is served.
    assert_eq!(healthz(&t).await, "ok");

    for (connected, drip) in slow {
        let closed = drip
            .await
            .unwrap()
            .expect("a slow head was waited on to its end");
        let lasted = closed - connected;
        assert!(
            lasted >= DEADLINE / 2 && lasted < DEADLINE + SLACK,
            "closed after {lasted:?}"
        );
    }
    assert_eq!(healthz(&t).await, "ok");
}

#[tokio::test]
async fn a_body_declared_too_large_is_refused_at_once_and_a_stalled_one_is_cut_off() {
    const DEADLINE: Duration = Duration::from_secs(2);
    let t = TestCloud::start_with(|c| c.http_limits.body_timeout = DEADLINE).await;
    let post = |length: &str| {
        format!(
            "POST /api/device/v1/activate HTTP/1.1\r\nHost: localhost\r\n\
             Content-Type: application/json\r\n{length}\r\n\r\n"
        )
    };

    // 1 GB declared, one byte sent: 413 before the body deadline (a 408
    // would mean it was waited on).
    let mut stream = connect_from(&t, LOCALHOST).await.unwrap();
    let head = post("Content-Length: 1000000000");
    stream
        .write_all(format!("{head}{{").as_bytes())
        .await
        .unwrap();
    let (status, body) = response_until_close(&mut stream).await;
    assert_eq!((status, error_code(&body)), (413, "payload_too_large"));

    // 100 bytes declared, one sent: 408 at the deadline, then closed.
    let mut stream = connect_from(&t, LOCALHOST).await.unwrap();
    let sent = Instant::now();
    let head = post("Content-Length: 100");
    stream
        .write_all(format!("{head}{{").as_bytes())
        .await
        .unwrap();
    let (status, body) = response_until_close(&mut stream).await;
    assert_eq!((status, error_code(&body)), (408, "request_timeout"));
    assert!(sent.elapsed() >= DEADLINE / 2, "{:?}", sent.elapsed());

    // No length given, more than the maximum sent: 413 once it passes it.
    let mut stream = connect_from(&t, LOCALHOST).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 100_000, " ".repeat(100_000));
    let head = post("Transfer-Encoding: chunked");
    stream
        .write_all(format!("{head}{chunk}0\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let (status, body) = response_until_close(&mut stream).await;
    assert_eq!((status, error_code(&body)), (413, "payload_too_large"));

    // A body sent at once is read as ever.
    let (status, body, _) = t.activate("SN-NONE", "000000000000").await;
    assert_eq!((status, error_code(&body)), (403, "activation_refused"));
}

#[tokio::test]
async fn one_address_gets_its_share_of_connections_and_others_are_served() {
    const SHARE: usize = 4;
    let t = TestCloud::start_with(|c| {
        c.http_limits.connections_per_address = SHARE;
        // Held connections must outlive the test, not the head deadline.
        c.http_limits.header_timeout = Duration::from_secs(60);
    })
    .await;
    let greedy: IpAddr = "127.0.0.2".parse().unwrap();
    let mut held = Vec::new();
    for n in 1..=SHARE {
        let stream = connect_from(&t, greedy).await;
        held.push(stream.unwrap_or_else(|err| panic!("connection {n} refused: {err}")));
    }
    assert!(
        connect_from(&t, greedy).await.is_err(),
        "connection {} from {greedy} was served",
        SHARE + 1
    );
    assert_eq!(healthz(&t).await, "ok");

    // A share is open connections, not a ban: one closed, one more served.
    drop(held.pop());
    let deadline = Instant::now() + SLACK;
    while connect_from(&t, greedy).await.is_err() {
        assert!(Instant::now() < deadline, "the freed place never came back");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
