//! The diagnostics page's ping: round trips to the server's API port, timed
//! as TCP handshakes. ICMP would need a raw socket (or a sysctl) and says
//! less: a firewall that passes ping but blocks the port is the usual
//! installation mistake, and this test catches it.

use std::time::{Duration, Instant};

use serde::Serialize;

/// Handshakes per test.
pub const PING_COUNT: u32 = 4;
const TIMEOUT: Duration = Duration::from_secs(2);
const INTERVAL: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PingReport {
    /// `host:port` as tested.
    pub target: String,
    pub sent: u32,
    pub answered: u32,
    /// Round-trip times in milliseconds, when at least one answered.
    pub min_ms: Option<f64>,
    pub avg_ms: Option<f64>,
    pub max_ms: Option<f64>,
    /// The last failure, e.g. "connection refused" or "timed out".
    pub error: Option<String>,
}

/// Tests the server behind `url` (an `http(s)://host:port` base URL).
pub async fn ping_server(url: &str) -> PingReport {
    let mut report = PingReport {
        target: String::new(),
        sent: 0,
        answered: 0,
        min_ms: None,
        avg_ms: None,
        max_ms: None,
        error: None,
    };
    let target = match target_of(url) {
        Ok(target) => target,
        Err(why) => {
            report.error = Some(why);
            return report;
        }
    };
    report.target = target.clone();
    let mut times = Vec::new();
    for attempt in 0..PING_COUNT {
        if attempt > 0 {
            tokio::time::sleep(INTERVAL).await;
        }
        report.sent += 1;
        let started = Instant::now();
        match tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect(&target)).await {
            Ok(Ok(_stream)) => times.push(started.elapsed().as_secs_f64() * 1000.0),
            Ok(Err(err)) => report.error = Some(err.to_string()),
            Err(_) => report.error = Some("timed out".into()),
        }
    }
    report.answered = times.len() as u32;
    if !times.is_empty() {
        report.min_ms = times.iter().copied().reduce(f64::min);
        report.max_ms = times.iter().copied().reduce(f64::max);
        report.avg_ms = Some(times.iter().sum::<f64>() / times.len() as f64);
    }
    report
}

/// `host:port` of a base URL, with the scheme's default port.
fn target_of(url: &str) -> Result<String, String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("bad server address: {e}"))?;
    let host = parsed
        .host_str()
        .ok_or_else(|| "the server address has no host".to_string())?;
    let port = parsed
        .port_or_known_default()
        .ok_or_else(|| "the server address has no port".to_string())?;
    // IPv6 literals keep their brackets for `connect`.
    Ok(format!("{host}:{port}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_listening_server_answers_every_ping() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { while listener.accept().await.is_ok() {} });
        let report = ping_server(&format!("https://127.0.0.1:{port}")).await;
        assert_eq!((report.sent, report.answered), (PING_COUNT, PING_COUNT));
        assert!(report.min_ms.unwrap() <= report.max_ms.unwrap());
        assert_eq!(report.error, None);
    }

    #[tokio::test]
    async fn a_closed_port_is_refused() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let report = ping_server(&format!("http://127.0.0.1:{port}")).await;
        assert_eq!(report.answered, 0);
        assert!(report.error.unwrap().to_lowercase().contains("refused"));
        assert_eq!(ping_server("not a url").await.sent, 0);
        assert_eq!(target_of("https://[::1]/x").unwrap(), "[::1]:443");
    }
}
