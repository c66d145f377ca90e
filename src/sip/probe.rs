//! Whether the cloud's SIP port answers from here, over UDP and over TCP:
//! an OPTIONS request (RFC 3261 §11), which the registrar answers without
//! a transaction. What the diagnostics show next to the ping — a firewall
//! that lets the web through but drops SIP, or UDP only, is the usual
//! reason a room cannot register.

use std::time::{Duration, Instant};

use rsip::Method;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::account::SipTransport;
use super::message::Message;
use super::wire::{self, Local};

/// How long a probe waits for the answer, in all.
const WAIT: Duration = Duration::from_secs(3);
/// UDP: sent again this often until answered (T1, doubling).
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// One probe's outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProbeReport {
    /// `host:port` as probed.
    pub target: String,
    /// `udp` or `tcp`.
    pub transport: &'static str,
    /// The answer's status code, when one came.
    pub status: Option<u16>,
    pub round_trip_ms: Option<f64>,
    /// Why nothing came, e.g. "timed out", "connection refused".
    pub error: Option<String>,
}

/// Probes `proxy` (`host:port`) as `user` over `transport`.
pub async fn probe(proxy: &str, domain: &str, user: &str, transport: SipTransport) -> ProbeReport {
    let mut report = ProbeReport {
        target: proxy.to_string(),
        transport: match transport {
            SipTransport::Udp => "udp",
            SipTransport::Tcp => "tcp",
        },
        status: None,
        round_trip_ms: None,
        error: None,
    };
    let started = Instant::now();
    let outcome = tokio::time::timeout(WAIT, exchange(proxy, domain, user, transport)).await;
    match outcome {
        Ok(Ok(status)) => {
            report.status = Some(status);
            report.round_trip_ms = Some(started.elapsed().as_secs_f64() * 1000.0);
        }
        Ok(Err(err)) => report.error = Some(err),
        Err(_) => report.error = Some("timed out".into()),
    }
    report
}

async fn exchange(
    proxy: &str,
    domain: &str,
    user: &str,
    transport: SipTransport,
) -> Result<u16, String> {
    let target = tokio::net::lookup_host(proxy)
        .await
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("no address")?;
    let branch = format!("z9hG4bK-probe-{:016x}", rand::random::<u64>());
    let call_id = format!("probe-{:016x}", rand::random::<u64>());
    let request = |local: std::net::SocketAddr| {
        let local = Local {
            transport,
            addr: local,
            user: user.to_string(),
        };
        let ours = wire::sip_uri(Some(user), domain);
        wire::request(
            Method::Options,
            wire::sip_uri(None, domain),
            &local,
            &branch,
        )
        .from(wire::from_addr(
            ours.clone(),
            &format!("{:08x}", rand::random::<u32>()),
        ))
        .to(wire::to_addr(ours))
        .call_id(&call_id)
        .cseq(1)
        .build()
    };
    let answered = |data: &[u8]| {
        let message = Message::parse(data)?;
        let ours = message.header("call-id") == Some(call_id.as_str());
        message.status.filter(|_| ours).map(|(code, _)| code)
    };
    match transport {
        SipTransport::Udp => {
            let unspecified: std::net::SocketAddr = if target.is_ipv4() {
                "0.0.0.0:0".parse().expect("an address")
            } else {
                "[::]:0".parse().expect("an address")
            };
            let socket = tokio::net::UdpSocket::bind(unspecified)
                .await
                .map_err(|e| e.to_string())?;
            socket.connect(target).await.map_err(|e| e.to_string())?;
            let bytes = request(socket.local_addr().map_err(|e| e.to_string())?);
            let mut retry = FIRST_RETRY;
            let mut buffer = vec![0; 65_535];
            loop {
                socket.send(&bytes).await.map_err(|e| e.to_string())?;
                let deadline = tokio::time::Instant::now() + retry;
                while let Ok(received) =
                    tokio::time::timeout_at(deadline, socket.recv(&mut buffer)).await
                {
                    // A refused port shows as an error on a connected socket.
                    let n = received.map_err(|e| e.to_string())?;
                    if let Some(code) = answered(&buffer[..n]) {
                        return Ok(code);
                    }
                }
                retry *= 2;
            }
        }
        SipTransport::Tcp => {
            let mut stream = tokio::net::TcpStream::connect(target)
                .await
                .map_err(|e| e.to_string())?;
            let bytes = request(stream.local_addr().map_err(|e| e.to_string())?);
            stream.write_all(&bytes).await.map_err(|e| e.to_string())?;
            let mut received = Vec::new();
            let mut buffer = [0; 4096];
            loop {
                let n = stream.read(&mut buffer).await.map_err(|e| e.to_string())?;
                if n == 0 {
                    return Err("closed without an answer".into());
                }
                received.extend_from_slice(&buffer[..n]);
                if received.windows(4).any(|w| w == b"\r\n\r\n") {
                    if let Some(code) = answered(&received) {
                        return Ok(code);
                    }
                }
                if received.len() > 65_536 {
                    return Err("no SIP answer".into());
                }
            }
        }
    }
}
