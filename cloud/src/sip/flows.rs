//! The ways back to registered devices: the listening UDP socket, and each
//! open TCP connection's writer by its peer address. A request the cloud
//! originates (an incoming call ringing a room) goes down the flow the
//! device registered over, so it crosses the device's NAT the same way the
//! registration did (RFC 5626's idea, without its flow tokens).

use crate::lock;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::mpsc;

use super::deferred::ReplyPath;
use super::location::{Source, Transport};

#[derive(Default)]
pub struct Flows {
    udp: OnceLock<Arc<std::net::UdpSocket>>,
    tcp: Mutex<HashMap<SocketAddr, mpsc::UnboundedSender<Arc<Vec<u8>>>>>,
}

impl Flows {
    /// The UDP socket requests are sent from (set once when serving starts).
    pub fn set_udp(&self, socket: Arc<std::net::UdpSocket>) {
        let _ = self.udp.set(socket);
    }

    /// A TCP connection from `peer` is open; its writer takes later requests.
    pub fn open_tcp(&self, peer: SocketAddr, writer: mpsc::UnboundedSender<Arc<Vec<u8>>>) {
        lock(&self.tcp).insert(peer, writer);
    }

    pub fn close_tcp(&self, peer: SocketAddr) {
        lock(&self.tcp).remove(&peer);
    }

    /// How to reach the device that sent from `source`; `None` when its TCP
    /// connection is gone (it will reconnect and register again).
    pub fn path_to(&self, source: Source) -> Option<ReplyPath> {
        match source.transport {
            Transport::Udp => Some(ReplyPath::Udp {
                socket: self.udp.get()?.clone(),
                to: source.addr,
            }),
            Transport::Tcp => lock(&self.tcp)
                .get(&source.addr)
                .filter(|writer| !writer.is_closed())
                .map(|writer| ReplyPath::Tcp(writer.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_flows_are_found_while_open() {
        let flows = Flows::default();
        let peer: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        let source = Source::direct(Transport::Tcp, peer);
        assert!(flows.path_to(source).is_none());
        let (writer, mut read) = mpsc::unbounded_channel();
        flows.open_tcp(peer, writer);
        flows
            .path_to(source)
            .expect("open flow")
            .send(Arc::new(b"x".to_vec()));
        assert_eq!(read.try_recv().unwrap().as_slice(), b"x");
        flows.close_tcp(peer);
        assert!(flows.path_to(source).is_none());
        // UDP needs the socket first.
        let udp = Source::direct(Transport::Udp, peer);
        assert!(flows.path_to(udp).is_none());
        flows.set_udp(Arc::new(std::net::UdpSocket::bind("127.0.0.1:0").unwrap()));
        assert!(flows.path_to(udp).is_some());
    }
}
