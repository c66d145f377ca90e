//! The media address's echo, for a room's diagnostics: a probe sent here
//! comes back, which tells the installer that UDP from the room reaches
//! the cloud's media address (the conferences' own ports exist only
//! during calls). Only probes are answered — the magic prefix, at most
//! [`PROBE_MAX`] bytes — byte for byte, so an answer is never larger than
//! what came (no amplification for a spoofed source), and at most
//! [`PER_SECOND`] a second per source address (the table of sources is
//! bounded).

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

/// What a probe starts with.
pub const MAGIC: &[u8] = b"roomterm-media-probe ";
/// The longest probe answered.
pub const PROBE_MAX: usize = 64;
/// Answers per source address and second.
pub const PER_SECOND: u32 = 20;
/// Sources counted at once; past it the table starts afresh.
const SOURCES_MAX: usize = 4096;

/// Whether `datagram` is a probe, answered.
pub fn is_probe(datagram: &[u8]) -> bool {
    datagram.len() <= PROBE_MAX && datagram.starts_with(MAGIC)
}

/// Answers probes on `socket` for as long as the task runs.
pub async fn serve(socket: UdpSocket) {
    let mut buffer = [0u8; 2048];
    let mut counts: HashMap<IpAddr, (Instant, u32)> = HashMap::new();
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buffer).await else {
            continue;
        };
        if !is_probe(&buffer[..n]) {
            continue;
        }
        let now = Instant::now();
        if counts.len() >= SOURCES_MAX && !counts.contains_key(&from.ip()) {
            counts.clear();
        }
        let (since, count) = counts.entry(from.ip()).or_insert((now, 0));
        if now.duration_since(*since) >= Duration::from_secs(1) {
            (*since, *count) = (now, 0);
        }
        *count += 1;
        if *count > PER_SECOND {
            continue;
        }
        let _ = socket.send_to(&buffer[..n], from).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn answered(client: &UdpSocket, probe: Vec<u8>) -> Option<Vec<u8>> {
        client.send(&probe).await.unwrap();
        let mut buffer = [0u8; 256];
        tokio::time::timeout(Duration::from_millis(300), client.recv(&mut buffer))
            .await
            .ok()
            .map(|n| buffer[..n.unwrap()].to_vec())
    }

    #[tokio::test]
    async fn only_probes_come_back_and_only_so_many_a_second() {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = socket.local_addr().unwrap();
        tokio::spawn(serve(socket));
        let client = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        client.connect(addr).await.unwrap();
        let mut buffer = [0u8; 256];
        let probe = [MAGIC, b"1234"].concat();
        assert_eq!(answered(&client, probe.clone()).await, Some(probe));
        assert_eq!(answered(&client, b"hello".to_vec()).await, None);
        assert_eq!(answered(&client, [MAGIC, &[b'x'; 64]].concat()).await, None);
        // A flood: at most PER_SECOND answers within the second.
        for _ in 0..40 {
            client.send(&[MAGIC, b"f"].concat()).await.unwrap();
        }
        let mut back = 0;
        while tokio::time::timeout(Duration::from_millis(200), client.recv(&mut buffer))
            .await
            .is_ok()
        {
            back += 1;
        }
        assert!(back <= PER_SECOND as usize, "{back}");
    }
}
