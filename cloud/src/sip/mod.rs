//! The SIP registrar: UDP and TCP transports, RFC 3261 server transactions,
//! digest authentication (MD5, SHA-256) and the location service.
//!
//! | file | what it does |
//! |---|---|
//! | `core.rs` | bytes in, bytes out: the entry point (also the fuzz target's) |
//! | `head.rs`, `message.rs` | a request's head before rsip (§7.3.1, request line), parsing, responses |
//! | `registrar.rs`, `digest.rs`, `nonce.rs` | REGISTER (§10.3), digest auth, nonces and replay |
//! | `location.rs`, `contact.rs`, `directory.rs` | bindings, Contact values, accounts |
//! | `location_sync.rs`, `directory_sync.rs` | bindings and accounts across the nodes sharing a store |
//! | `transaction.rs`, `deferred.rs`, `flows.rs` | what the call side needs: transactions, ways back |
//! | `overload.rs`, `admission.rs` | pure policies: shedding UDP load, keeping TCP connections |
//! | `framing.rs`, `transport/` | the stream framer; the sockets (UDP workers, TCP tasks) |

mod admission;
mod contact;
mod core;
pub mod deferred;
pub mod digest;
pub mod directory;
pub mod directory_sync;
pub mod echo;
pub mod flows;
mod framing;
mod head;
pub mod location;
pub mod location_sync;
pub mod message;
mod nonce;
mod overload;
mod registrar;
pub mod transaction;
mod transport;
pub mod via;

pub(crate) use self::core::random_tag;
pub use self::core::{SipCore, SipStats};
pub use admission::TcpLimits;
pub use deferred::{Deferred, ReplyPath};
pub use digest::Algorithm;
pub use directory::{Account, Directory};
pub use flows::Flows;
pub use location::{BindingView, Location, Source, Transport};
pub use registrar::{Realm, DEFAULT_EXPIRES, MAX_EXPIRES, MIN_EXPIRES};

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, UdpSocket};
use tokio::task::JoinSet;

/// Bound SIP sockets and the tasks serving them. Dropping it stops them.
pub struct SipServer {
    pub udp_addr: SocketAddr,
    pub tcp_addr: SocketAddr,
    _tasks: JoinSet<()>,
    udp_stop: Arc<AtomicBool>,
}

impl Drop for SipServer {
    fn drop(&mut self) {
        // UDP workers notice within their poll interval and release the port.
        self.udp_stop.store(true, Ordering::Relaxed);
    }
}

impl SipServer {
    /// Binds UDP and TCP on `addr` (port 0: the same free port for both, as
    /// far as the OS allows) and starts serving.
    pub async fn start(addr: SocketAddr, core: Arc<SipCore>) -> anyhow::Result<Self> {
        Self::start_with(addr, core, TcpLimits::default()).await
    }

    /// [`start`](Self::start) with other TCP limits.
    pub async fn start_with(
        addr: SocketAddr,
        core: Arc<SipCore>,
        limits: TcpLimits,
    ) -> anyhow::Result<Self> {
        let (udp, tcp) = bind_pair(addr).await?;
        let (udp_addr, tcp_addr) = (udp.local_addr()?, tcp.local_addr()?);
        // Bursts of REGISTERs (a building's terminals after a power cut)
        // must queue in the kernel, not be dropped: ask for 4 MiB (the
        // kernel caps it at net.core.rmem_max). Past what the workers can
        // serve in time, they shed (overload.rs): the queue never has to
        // hold a flood.
        if let Err(err) = socket2::SockRef::from(&udp).set_recv_buffer_size(4 << 20) {
            tracing::warn!(%err, "cannot enlarge the SIP UDP receive buffer");
        }
        let mut tasks = JoinSet::new();
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
        let udp_stop = Arc::new(AtomicBool::new(false));
        let udp = udp.into_std()?;
        udp.set_nonblocking(false)?;
        core.flows.set_udp(Arc::new(udp.try_clone()?));
        transport::spawn_udp(&udp, core.clone(), workers, udp_stop.clone())?;
        transport::spawn_tcp(&mut tasks, tcp, core.clone(), limits);
        tasks.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(10));
            loop {
                tick.tick().await;
                core.purge();
            }
        });
        tracing::info!(%udp_addr, %tcp_addr, "SIP registrar listening");
        Ok(Self {
            udp_addr,
            tcp_addr,
            _tasks: tasks,
            udp_stop,
        })
    }
}

async fn bind_pair(addr: SocketAddr) -> anyhow::Result<(UdpSocket, TcpListener)> {
    if addr.port() != 0 {
        let udp = UdpSocket::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot bind SIP UDP {addr}: {e}"))?;
        let tcp = TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot bind SIP TCP {addr}: {e}"))?;
        return Ok((udp, tcp));
    }
    // Same port number on both transports keeps "host:port" meaningful.
    for _ in 0..20 {
        let udp = UdpSocket::bind(addr).await?;
        if let Ok(tcp) = TcpListener::bind(udp.local_addr()?).await {
            return Ok((udp, tcp));
        }
    }
    anyhow::bail!("no port free on both UDP and TCP at {}", addr.ip())
}
