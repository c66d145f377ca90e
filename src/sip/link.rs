//! The agent's way to the proxy: a connected UDP socket, or a TCP flow that
//! is opened when there is something to send and forgotten when it fails.

use std::io;
use std::net::SocketAddr;

use tokio::net::UdpSocket;

use super::account::SipTransport;
use super::tcp::TcpFlow;

pub enum Link {
    Udp(UdpSocket),
    Tcp {
        proxy: SocketAddr,
        flow: Option<TcpFlow>,
    },
}

impl Link {
    /// UDP binds at once (an error here is local, e.g. no route); TCP
    /// connects on the first send so a refused connection becomes a status.
    pub async fn open(transport: SipTransport, proxy: SocketAddr) -> io::Result<Self> {
        Ok(match transport {
            SipTransport::Udp => Self::Udp(udp_towards(proxy).await?),
            SipTransport::Tcp => Self::Tcp { proxy, flow: None },
        })
    }

    /// Whether a send goes out without connecting first.
    pub fn is_up(&self) -> bool {
        match self {
            Self::Udp(_) => true,
            Self::Tcp { flow, .. } => flow.is_some(),
        }
    }

    /// Our address as the proxy sees it, when there is a socket.
    pub fn local(&self) -> Option<SocketAddr> {
        match self {
            Self::Udp(socket) => socket.local_addr().ok(),
            Self::Tcp { flow, .. } => flow.as_ref().map(TcpFlow::local_addr),
        }
    }

    /// Makes the link ready to send (connecting TCP if needed) and returns
    /// the local address to put in Via and Contact.
    pub async fn ready(&mut self) -> io::Result<SocketAddr> {
        match self {
            Self::Udp(socket) => socket.local_addr(),
            Self::Tcp { proxy, flow } => {
                if flow.is_none() {
                    *flow = Some(TcpFlow::connect(*proxy).await?);
                }
                Ok(flow.as_ref().expect("just connected").local_addr())
            }
        }
    }

    /// Sends one message; a failed TCP flow is dropped (the next `ready`
    /// reconnects).
    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Self::Udp(socket) => socket.send(bytes).await.map(drop),
            Self::Tcp { flow, .. } => {
                let Some(open) = flow else {
                    return Err(io::Error::new(io::ErrorKind::NotConnected, "not connected"));
                };
                let sent = open.send(bytes).await;
                if sent.is_err() {
                    *flow = None;
                }
                sent
            }
        }
    }

    /// The next message from the proxy. Never resolves while TCP is not
    /// connected; an error on TCP ends the flow. Cancel-safe.
    pub async fn recv(&mut self, buf: &mut [u8]) -> io::Result<Vec<u8>> {
        match self {
            // On the connected socket, ICMP port/host unreachable surfaces
            // here as an error.
            Self::Udp(socket) => {
                let len = socket.recv(buf).await?;
                Ok(buf[..len].to_vec())
            }
            Self::Tcp { flow: None, .. } => std::future::pending().await,
            Self::Tcp {
                flow: Some(open), ..
            } => {
                let received = open.recv().await;
                if received.is_err() {
                    self.close();
                }
                received
            }
        }
    }

    /// Forgets the TCP flow (closing it); no-op on UDP.
    pub fn close(&mut self) {
        if let Self::Tcp { flow, .. } = self {
            *flow = None;
        }
    }

    /// Whether the route to the proxy now leaves from another address (new
    /// DHCP lease, cable moved, Wi-Fi roam). If so the link moves to it:
    /// UDP takes the new socket, TCP drops the stale flow.
    pub async fn follow_route(&mut self) -> bool {
        let Some(current) = self.local() else {
            // TCP without a flow: the next connect takes the new route anyway.
            return false;
        };
        let proxy = match self {
            Self::Udp(socket) => match socket.peer_addr() {
                Ok(proxy) => proxy,
                Err(_) => return false,
            },
            Self::Tcp { proxy, .. } => *proxy,
        };
        // Connecting a UDP socket sends nothing; it asks the kernel for the route.
        let Ok(probe) = udp_towards(proxy).await else {
            return false;
        };
        let Ok(now_local) = probe.local_addr() else {
            return false;
        };
        if now_local.ip() == current.ip() {
            return false;
        }
        tracing::info!(old = %current.ip(), new = %now_local.ip(), "local address changed");
        match self {
            Self::Udp(socket) => *socket = probe,
            Self::Tcp { flow, .. } => *flow = None,
        }
        true
    }
}

/// A UDP socket connected to the proxy: its local address is the one the
/// kernel routes through, and ICMP errors surface as receive errors.
async fn udp_towards(proxy: SocketAddr) -> io::Result<UdpSocket> {
    let bind: SocketAddr = if proxy.is_ipv4() {
        "0.0.0.0:0".parse().expect("valid")
    } else {
        "[::]:0".parse().expect("valid")
    };
    let socket = UdpSocket::bind(bind).await?;
    socket.connect(proxy).await?;
    Ok(socket)
}
