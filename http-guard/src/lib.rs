//! An HTTP(S) server for an axum app that a slow or greedy client cannot
//! hold down: every phase of a request has a deadline, a body a maximum,
//! and each client address a share of the connections.
//!
//! ```text
//! accept ─► [from a trusted balancer: its PROXY header (handshake_timeout)]
//!        ─► per-address admission ─► TLS (handshake_timeout)
//!        ─► request head (header_timeout) ─► body (body_max, body_timeout)
//!        ─► handler (no deadline) ─► response / upgrade (out of our care)
//! ```
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | [`Limits`], the numbers |
//! | `server.rs` | [`HttpServer`]: the accept loop, TLS, hyper's HTTP/1.1 with its head deadline, shutdown |
//! | `request.rs` | one request: the declared body size (413) and the body deadline (408) |
//! | `per_address.rs` | open connections per client address (pure) |
//! | `proxy_protocol.rs` | the client's address from a trusted load balancer's PROXY header (v1, v2), read before TLS |
//! | `pages.rs` | what web pages share: embedded assets by versioned URL, security headers, cookies, the same-origin check |
//!
//! Both programs serve through it: the cloud's HTTPS API and the
//! terminal's control API (plain HTTP on the room's network), each with
//! its own [`Limits`].

pub mod pages;
mod per_address;
pub mod proxy_protocol;
mod request;
mod server;

use std::time::Duration;

pub use server::HttpServer;

/// What one client may take of the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The TLS handshake must be done within this, from the connection's
    /// accept.
    pub handshake_timeout: Duration,
    /// A request's head (request line and headers) must be in this long
    /// after the connection starts waiting for it: once it is open (and TLS
    /// is up), or once the previous response is sent. So it is also how
    /// long an idle keep-alive connection stays open.
    pub header_timeout: Duration,
    /// A request's body must be in this long after its head, else `408`
    /// and the connection closes. A whole body, not a pause between bytes:
    /// a client dripping one byte at a time cannot stretch it.
    pub body_timeout: Duration,
    /// The largest request body, in bytes: a larger `Content-Length` is
    /// refused with `413` before anything is read; a body sent without a
    /// length gets `413` from the handler's extractor once it passes this.
    pub body_max: usize,
    /// Connections one client may have open at once (an IPv4 address, an
    /// IPv6 /64); more are closed as soon as they are accepted, before TLS.
    /// An upgraded connection (WebSocket) stops counting: it is an
    /// authenticated session, which its handler keeps or ends.
    pub connections_per_address: usize,
}

impl Default for Limits {
    /// The cloud's: JSON APIs with small bodies, terminals that may share
    /// one NAT address.
    fn default() -> Self {
        Self {
            handshake_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            body_max: 64 * 1024,
            connections_per_address: 64,
        }
    }
}
