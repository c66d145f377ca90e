//! Whether UDP from the room reaches the cloud's media address: a probe to
//! the cloud's media echo (`DeviceConfig.media_echo`) comes back. The
//! conferences' own ports exist only during calls; a firewall that drops
//! UDP to the cloud shows here before the first call goes without
//! pictures.

use std::time::{Duration, Instant};

use serde::Serialize;

/// What a probe starts with (the cloud answers nothing else).
const MAGIC: &str = "roomterm-media-probe ";
/// Tries, each waiting this long for the answer.
const TRIES: u32 = 3;
const WAIT: Duration = Duration::from_millis(700);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EchoReport {
    /// `host:port` as probed.
    pub target: String,
    pub answered: bool,
    pub round_trip_ms: Option<f64>,
    /// Why not, e.g. "timed out".
    pub error: Option<String>,
}

/// Probes the echo at `target` (`host:port`).
pub async fn media_echo(target: &str) -> EchoReport {
    let mut report = EchoReport {
        target: target.to_string(),
        answered: false,
        round_trip_ms: None,
        error: None,
    };
    match exchange(target).await {
        Ok(rtt) => {
            report.answered = true;
            report.round_trip_ms = Some(rtt.as_secs_f64() * 1000.0);
        }
        Err(err) => report.error = Some(err),
    }
    report
}

async fn exchange(target: &str) -> Result<Duration, String> {
    let to = tokio::net::lookup_host(target)
        .await
        .map_err(|e| e.to_string())?
        .next()
        .ok_or("no address")?;
    let any = if to.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let socket = tokio::net::UdpSocket::bind(any)
        .await
        .map_err(|e| e.to_string())?;
    socket.connect(to).await.map_err(|e| e.to_string())?;
    let probe = format!("{MAGIC}{:016x}", rand::random::<u64>());
    let mut buffer = [0u8; 128];
    for _ in 0..TRIES {
        let sent = Instant::now();
        socket
            .send(probe.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let deadline = tokio::time::Instant::now() + WAIT;
        while let Ok(received) = tokio::time::timeout_at(deadline, socket.recv(&mut buffer)).await {
            let n = received.map_err(|e| e.to_string())?;
            if &buffer[..n] == probe.as_bytes() {
                return Ok(sent.elapsed());
            }
        }
    }
    Err("timed out".into())
}
