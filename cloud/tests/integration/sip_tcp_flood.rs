//! SIP over TCP under a connection flood, against the `roomcloud` binary run
//! as an operator runs it (its own process: the flood takes more file
//! descriptors than one process may hold for both ends). Clients use
//! distinct loopback addresses: the flood comes from 127.0.0.2 and up, the
//! room that must still register from 127.0.0.1.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::common::ua::{param, Ua};

const DOMAIN: &str = "flood.test";
const USER: &str = "room1";
const PASSWORD: &str = "room1-password";

/// The floods need thousands of descriptors each: one at a time.
static ONE_FLOOD: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `roomcloud serve` on loopback with one SIP account; killed on drop.
struct Cloud {
    child: Child,
    sip_tcp: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Cloud {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let bin = env!("CARGO_BIN_EXE_roomcloud");
        let data = dir.path().join("data");
        let child = Command::new(bin)
            .arg("--data")
            .arg(&data)
            .args(["serve", "--plain-http", "--domain", DOMAIN])
            .args(["--http", "127.0.0.1:0", "--sip", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("roomcloud starts");
        let endpoints = data.join("cloud.json");
        for _ in 0..300 {
            if std::fs::metadata(&endpoints).is_ok_and(|m| m.len() > 0) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&endpoints).expect("cloud.json written"))
                .unwrap();
        let sip_tcp = json["sip_tcp"].as_str().unwrap().parse().unwrap();
        let cloud = Self {
            child,
            sip_tcp,
            _dir: dir,
        };
        cloud.cli(&data, &["enterprise", "create", "Rooms"]);
        cloud.cli(
            &data,
            &[
                "sip-account",
                "add",
                USER,
                "--enterprise",
                "Rooms",
                "--password",
                PASSWORD,
            ],
        );
        cloud
    }

    fn cli(&self, data: &Path, args: &[&str]) {
        let status = Command::new(env!("CARGO_BIN_EXE_roomcloud"))
            .arg("--data")
            .arg(data)
            .args(args)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "roomcloud {args:?}");
    }
}

impl Drop for Cloud {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn loopback(host: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, host))
}

/// A TCP connection from `from` (any port) to `to`, in at most 2 s.
async fn connect(from: IpAddr, to: SocketAddr) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::new(from, 0)).ok()?;
    tokio::time::timeout(Duration::from_secs(2), socket.connect(to))
        .await
        .ok()?
        .ok()
}

/// Writes `message` and reads until the end of a response head, within 3 s.
async fn exchange(stream: &mut TcpStream, message: &str) -> Option<String> {
    stream.write_all(message.as_bytes()).await.ok()?;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    tokio::time::timeout(Duration::from_secs(3), async {
        while !got.windows(4).any(|w| w == b"\r\n\r\n") {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        Some(String::from_utf8_lossy(&got).into_owned())
    })
    .await
    .ok()?
}

/// `count` connections from `host`, each sending `hello` first (and
/// waiting for its answer) when given; the ones that connected, held open.
async fn flood(host: u8, count: usize, to: SocketAddr, hello: Option<String>) -> Vec<TcpStream> {
    stream::iter(0..count)
        .map(|_| {
            let hello = hello.clone();
            async move {
                let mut stream = connect(loopback(host), to).await?;
                if let Some(hello) = hello {
                    exchange(&mut stream, &hello).await;
                }
                Some(stream)
            }
        })
        .buffer_unordered(200)
        .filter_map(|s| async { s })
        .collect()
        .await
}

/// A room registering over TCP from 127.0.0.1 (digest, MD5); the 200 and
/// the connection, which the room keeps.
async fn register_room(cloud: &Cloud) -> (Option<String>, Option<TcpStream>) {
    let ua = Ua::new(cloud.sip_tcp, USER, PASSWORD, DOMAIN).await;
    let tcp = |m: String| m.replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    let Some(mut stream) = connect(loopback(1), cloud.sip_tcp).await else {
        return (None, None);
    };
    let Some(challenge) = exchange(
        &mut stream,
        &tcp(ua.register(&[ua.contact("t")], None, None)),
    )
    .await
    else {
        return (None, Some(stream));
    };
    let Some(www) = challenge
        .split("\r\n")
        .find(|l| l.starts_with("WWW-Authenticate"))
    else {
        return (Some(challenge), Some(stream));
    };
    let auth = ua.authorization("MD5", &param(www, "nonce"), 1);
    let ok = exchange(
        &mut stream,
        &tcp(ua.register(&[ua.contact("t")], None, Some(&auth))),
    )
    .await;
    (ok, Some(stream))
}

fn options(n: usize) -> String {
    format!(
        "OPTIONS sip:{DOMAIN} SIP/2.0\r\n\
         Via: SIP/2.0/TCP 127.0.0.9:5060;branch=z9hG4bK-flood-{n}\r\n\
         From: <sip:flood@{DOMAIN}>;tag=f\r\n\
         To: <sip:{DOMAIN}>\r\n\
         Call-ID: flood-{n}\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// One host holding 10,000 idle connections (the whole table before) does
/// not keep a room from registering, and a connection that sent half a
/// message and stalled is closed instead of being kept for an hour.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_host_with_ten_thousand_idle_connections_does_not_starve_tcp() {
    let _one = ONE_FLOOD.lock().await;
    let cloud = Cloud::start();
    let held = flood(2, 10_000, cloud.sip_tcp, None).await;
    assert!(held.len() > 1_000, "only {} connections opened", held.len());

    let (ok, _room) = register_room(&cloud).await;
    let ok = ok.expect("the room is answered over TCP");
    assert!(ok.starts_with("SIP/2.0 200 "), "{ok}");

    // Half a REGISTER, then nothing: the registrar closes the connection.
    let mut stalled = connect(loopback(3), cloud.sip_tcp).await.unwrap();
    stalled
        .write_all(b"REGISTER sip:flood.test SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.3;bra")
        .await
        .unwrap();
    let mut rest = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(30), stalled.read_to_end(&mut rest)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "a stalled half message is still held: {closed:?}"
    );
}

/// Idle connections spread over eleven hosts, each under its own limit but
/// together past the table's, that have each sent a message: the longest
/// idle anonymous ones make room, so a room still registers; and the
/// room's registered flow is kept when the flood goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_spread_over_hosts_evicts_idle_anonymous_connections_not_rooms() {
    let _one = ONE_FLOOD.lock().await;
    let cloud = Cloud::start();
    let mut held = Vec::new();
    for host in 10..21 {
        held.extend(flood(host, 1_000, cloud.sip_tcp, Some(options(usize::from(host)))).await);
    }
    let (ok, room) = register_room(&cloud).await;
    let ok = ok.expect("the room is answered over TCP");
    assert!(ok.starts_with("SIP/2.0 200 "), "{ok}");

    // More flood: the room's flow carries a binding and is kept.
    for host in 21..23 {
        held.extend(flood(host, 1_000, cloud.sip_tcp, Some(options(usize::from(host)))).await);
    }
    let mut room = room.unwrap();
    let pong = exchange(&mut room, &options(0).replace("127.0.0.9", "127.0.0.1")).await;
    let pong = pong.expect("the room's connection was kept");
    assert!(pong.starts_with("SIP/2.0 200 "), "{pong}");
}
