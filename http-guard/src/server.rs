//! The accept loop and each connection's life: admitted per address, TLS
//! within its deadline, then HTTP/1.1 with hyper's head deadline, until it
//! closes, is upgraded (a WebSocket leaves the loop's care) or the server
//! shuts down.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use super::per_address::{PerAddress, Permit};
use super::{proxy_protocol, request, Limits};

/// How long requests in flight may finish when the server is dropped
/// rather than shut down.
const DROP_GRACE: Duration = Duration::from_secs(2);

/// An HTTP(S) server running under [`Limits`].
pub struct HttpServer {
    local_addr: SocketAddr,
    /// `Some(grace)` once shutting down.
    stop: watch::Sender<Option<Duration>>,
    accept_loop: Option<JoinHandle<()>>,
}

struct Shared {
    app: Router,
    limits: Limits,
    tls: Option<TlsAcceptor>,
    per_address: Arc<PerAddress>,
    /// Load balancers whose connections start with a PROXY header.
    proxies: Vec<IpAddr>,
}

impl HttpServer {
    /// Serves `app` on `listener` (HTTPS when `tls` is given) on the current
    /// tokio runtime. Requests carry `ConnectInfo<SocketAddr>`.
    pub fn start(
        listener: TcpListener,
        tls: Option<Arc<rustls::ServerConfig>>,
        app: Router,
        limits: Limits,
    ) -> std::io::Result<Self> {
        Self::start_behind(listener, tls, app, limits, Vec::new())
    }

    /// [`start`](Self::start) behind load balancers: a connection from one
    /// of `proxies` must open with the PROXY protocol (v1 or v2) within the
    /// handshake deadline, and is the client's it names from then on —
    /// admitted, counted and seen by the app (`ConnectInfo`) as the
    /// client's. Anyone else's connection is taken as it comes.
    pub fn start_behind(
        listener: TcpListener,
        tls: Option<Arc<rustls::ServerConfig>>,
        app: Router,
        limits: Limits,
        proxies: Vec<IpAddr>,
    ) -> std::io::Result<Self> {
        let local_addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            // A body sent without a length is held to the same maximum.
            app: app.layer(DefaultBodyLimit::max(limits.body_max)),
            limits,
            tls: tls.map(TlsAcceptor::from),
            per_address: PerAddress::new(limits.connections_per_address),
            proxies,
        });
        let (stop, stopped) = watch::channel(None);
        let accept_loop = tokio::spawn(accept_loop(listener, shared, stopped));
        Ok(Self {
            local_addr,
            stop,
            accept_loop: Some(accept_loop),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting — the port is closed when this returns — and gives
    /// requests in flight `grace` to finish before their connections close.
    /// Upgraded connections are their handlers' to close.
    pub async fn shutdown(mut self, grace: Duration) {
        self.stop.send_replace(Some(grace));
        if let Some(accept_loop) = self.accept_loop.take() {
            let _ = accept_loop.await;
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        if self.stop.borrow().is_none() {
            self.stop.send_replace(Some(DROP_GRACE));
        }
    }
}

/// The stop signal's grace, once given.
async fn stopping(stopped: &mut watch::Receiver<Option<Duration>>) -> Duration {
    match stopped.wait_for(Option::is_some).await {
        Ok(grace) => grace.unwrap_or(DROP_GRACE),
        Err(_) => DROP_GRACE,
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: watch::Receiver<Option<Duration>>,
) {
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors, say: others' closing frees some.
                    tracing::warn!(%err, "HTTP accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = stopping(&mut stopped) => return,
        };
        if shared.proxies.contains(&peer.ip()) {
            tokio::spawn(proxied(stream, peer, shared.clone(), stopped.clone()));
            continue;
        }
        // Decided here, in accept order, before any work for the connection.
        let Some(permit) = shared.per_address.admit(peer.ip()) else {
            tracing::debug!(%peer, "too many connections from this address: closed");
            continue;
        };
        tokio::spawn(connection(
            stream,
            peer,
            Some(permit),
            shared.clone(),
            stopped.clone(),
        ));
    }
}

/// A balancer's connection: its PROXY header first (within the handshake
/// deadline), then the client's connection as any other, admitted by the
/// client's address. The balancer's own (its health checks) is served as
/// the balancer's, uncounted.
async fn proxied(
    mut stream: TcpStream,
    balancer: SocketAddr,
    shared: Arc<Shared>,
    stopped: watch::Receiver<Option<Duration>>,
) {
    let header = tokio::time::timeout(
        shared.limits.handshake_timeout,
        proxy_protocol::read_header(&mut stream),
    );
    let peer = match header.await {
        Ok(Ok(client)) => client.unwrap_or(balancer),
        Ok(Err(err)) => {
            return tracing::warn!(%balancer, %err, "connection from the balancer closed")
        }
        Err(_) => return tracing::debug!(%balancer, "no PROXY header in time: closed"),
    };
    let permit = if peer == balancer {
        None
    } else {
        let Some(permit) = shared.per_address.admit(peer.ip()) else {
            return tracing::debug!(%peer, "too many connections from this address: closed");
        };
        Some(permit)
    };
    connection(stream, peer, permit, shared, stopped).await;
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    // Held while the connection lives (`None`: the balancer's own).
    _permit: Option<Permit>,
    shared: Arc<Shared>,
    stopped: watch::Receiver<Option<Duration>>,
) {
    let _ = stream.set_nodelay(true);
    let Some(tls) = &shared.tls else {
        return serve_http(stream, peer, &shared, stopped).await;
    };
    match tokio::time::timeout(shared.limits.handshake_timeout, tls.accept(stream)).await {
        Ok(Ok(stream)) => serve_http(stream, peer, &shared, stopped).await,
        Ok(Err(err)) => tracing::debug!(%peer, %err, "TLS handshake failed"),
        Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
    }
}

async fn serve_http<IO>(
    io: IO,
    peer: SocketAddr,
    shared: &Arc<Shared>,
    mut stopped: watch::Receiver<Option<Duration>>,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = {
        let shared = shared.clone();
        hyper::service::service_fn(move |request| {
            let shared = shared.clone();
            async move { request::serve(shared.app.clone(), &shared.limits, peer, request).await }
        })
    };
    // The head deadline runs from the moment the connection waits for a
    // request: a silent or idle keep-alive connection is closed by it too.
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(shared.limits.header_timeout)
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades();
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(err) = result {
                tracing::debug!(%peer, %err, "HTTP connection ended");
            }
        }
        grace = stopping(&mut stopped) => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(grace, connection).await;
        }
    }
}
