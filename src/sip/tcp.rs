//! One TCP connection ("flow", RFC 5626) to the proxy: connect with a short
//! limit, write whole messages, read framed messages, and keep the flow (and
//! any NAT binding on the way) alive with CRLFCRLF pings (§4.4.1).

use std::io::{self, ErrorKind};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::framing::{Frame, Framer};

/// Ping period. Well inside common NAT/firewall TCP idle timeouts; each
/// period is drawn between 80 % and 100 % of it (§4.4.1) so terminals that
/// connected together do not ping together.
pub const KEEPALIVE_INTERVAL: Duration = Duration::from_secs(30);
/// §4.4.1: no pong within 10 s of a ping means the flow has failed.
pub const PONG_TIMEOUT: Duration = Duration::from_secs(10);
/// Give up far sooner than the kernel's SYN retries (about two minutes):
/// a registrar on the LAN or in the cloud answers a SYN within this.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A REGISTER fits in the send buffer at once; blocking this long means the
/// server stopped reading.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
const PING: &[u8] = b"\r\n\r\n";

pub struct TcpFlow {
    stream: TcpStream,
    peer: SocketAddr,
    local: SocketAddr,
    framer: Framer,
    keepalive: KeepAlive,
    buf: Box<[u8]>,
}

impl TcpFlow {
    pub async fn connect(proxy: SocketAddr) -> io::Result<Self> {
        let stream = match tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(proxy)).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(err)) => return Err(explain(err, proxy, "cannot connect to")),
            Err(_) => {
                return Err(io::Error::new(
                    ErrorKind::TimedOut,
                    format!("no TCP answer from {proxy} within {CONNECT_TIMEOUT:?}"),
                ))
            }
        };
        // Requests are small and latency matters more than packet count.
        stream.set_nodelay(true)?;
        let local = stream.local_addr()?;
        tracing::debug!(%proxy, %local, "SIP TCP connected");
        Ok(Self {
            stream,
            peer: proxy,
            local,
            framer: Framer::default(),
            keepalive: KeepAlive::new(Instant::now(), rand::random()),
            buf: vec![0; 16 * 1024].into_boxed_slice(),
        })
    }

    /// Our end of the connection: the sent-by and Contact the server sees.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Writes one whole message (not cancel-safe: call it outside `select!`).
    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match tokio::time::timeout(WRITE_TIMEOUT, self.stream.write_all(bytes)).await {
            Ok(result) => result.map_err(|err| explain(err, self.peer, "lost the connection to")),
            Err(_) => Err(io::Error::new(
                ErrorKind::TimedOut,
                format!("{} stopped reading from us", self.peer),
            )),
        }
    }

    /// The next SIP message from the server, pinging while waiting. An error
    /// means the flow is over and says why. Cancel-safe: bytes are only
    /// consumed by a completed read, and pings never wait on the socket.
    pub async fn recv(&mut self) -> io::Result<Vec<u8>> {
        loop {
            match self.framer.next_frame() {
                Ok(Some(Frame::Message(message))) => return Ok(message),
                Ok(Some(Frame::Pong)) => {
                    self.keepalive.on_pong();
                    continue;
                }
                Ok(None) => {}
                Err(err) => {
                    return Err(io::Error::new(
                        ErrorKind::InvalidData,
                        format!("unreadable stream from {}: {err}", self.peer),
                    ))
                }
            }
            let deadline = tokio::time::Instant::from_std(self.keepalive.deadline());
            tokio::select! {
                read = self.stream.read(&mut self.buf) => match read {
                    Ok(0) => {
                        return Err(io::Error::new(
                            ErrorKind::UnexpectedEof,
                            format!("{} closed the connection", self.peer),
                        ))
                    }
                    Ok(len) => {
                        self.framer.push(&self.buf[..len]);
                        self.keepalive.on_traffic();
                    }
                    Err(err) => return Err(explain(err, self.peer, "lost the connection to")),
                },
                _ = tokio::time::sleep_until(deadline) => {
                    match self.keepalive.on_timer(Instant::now(), rand::random()) {
                        Tick::Wait => {}
                        Tick::Ping => self.ping()?,
                        Tick::Dead => {
                            return Err(io::Error::new(
                                ErrorKind::TimedOut,
                                format!("{} stopped answering keep-alives", self.peer),
                            ))
                        }
                    }
                }
            }
        }
    }

    /// `try_write` never waits, which keeps `recv` cancel-safe. A ping that
    /// does not fit (a full send buffer) is skipped: the pong deadline or the
    /// next write decides about the flow. Half a ping is a stray CRLF, which
    /// servers skip (RFC 3261 §7.5).
    fn ping(&mut self) -> io::Result<()> {
        match self.stream.try_write(PING) {
            Ok(_) => Ok(()),
            Err(err) if err.kind() == ErrorKind::WouldBlock => Ok(()),
            Err(err) => Err(explain(err, self.peer, "lost the connection to")),
        }
    }
}

/// Rewords the kernel's message ("Connection refused (os error 111)") into
/// the sentence the status page shows.
fn explain(err: io::Error, peer: SocketAddr, what: &str) -> io::Error {
    let why = match err.kind() {
        ErrorKind::ConnectionRefused => "connection refused".to_string(),
        ErrorKind::ConnectionReset => "connection reset".to_string(),
        ErrorKind::ConnectionAborted => "connection aborted".to_string(),
        ErrorKind::BrokenPipe => "connection closed".to_string(),
        _ => err.to_string(),
    };
    io::Error::new(err.kind(), format!("{what} {peer}: {why}"))
}

#[derive(Debug, PartialEq, Eq)]
enum Tick {
    Wait,
    Ping,
    Dead,
}

/// Keep-alive timing, with time and randomness passed in.
#[derive(Debug)]
struct KeepAlive {
    next_ping: Instant,
    pong_due: Option<Instant>,
    /// Only a server that has answered a ping on this flow is held to
    /// answering the next: one without RFC 5626 support never answers, and
    /// its flows must not be torn down every 40 s for that.
    answers_pings: bool,
}

impl KeepAlive {
    fn new(now: Instant, jitter: f64) -> Self {
        Self {
            next_ping: now + period(jitter),
            pong_due: None,
            answers_pings: false,
        }
    }

    fn deadline(&self) -> Instant {
        self.pong_due
            .map_or(self.next_ping, |due| due.min(self.next_ping))
    }

    fn on_pong(&mut self) {
        self.answers_pings = true;
        self.pong_due = None;
    }

    /// Any bytes from the server prove the flow works.
    fn on_traffic(&mut self) {
        self.pong_due = None;
    }

    fn on_timer(&mut self, now: Instant, jitter: f64) -> Tick {
        if self.pong_due.is_some_and(|due| now >= due) {
            return Tick::Dead;
        }
        if now < self.next_ping {
            return Tick::Wait;
        }
        self.next_ping = now + period(jitter);
        if self.answers_pings {
            self.pong_due = Some(now + PONG_TIMEOUT);
        }
        Tick::Ping
    }
}

fn period(jitter: f64) -> Duration {
    KEEPALIVE_INTERVAL.mul_f64(1.0 - 0.2 * jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_periodically_within_the_jitter_window() {
        let t0 = Instant::now();
        let mut keepalive = KeepAlive::new(t0, 1.0);
        let first = t0 + KEEPALIVE_INTERVAL.mul_f64(0.8);
        assert_eq!(keepalive.deadline(), first);
        assert_eq!(
            keepalive.on_timer(first - Duration::from_millis(1), 0.0),
            Tick::Wait
        );
        assert_eq!(keepalive.on_timer(first, 0.0), Tick::Ping);
        // The server never answers: it is not held to it, the pings go on.
        assert_eq!(keepalive.deadline(), first + KEEPALIVE_INTERVAL);
        assert_eq!(
            keepalive.on_timer(first + KEEPALIVE_INTERVAL, 0.0),
            Tick::Ping
        );
    }

    #[test]
    fn a_server_that_answered_once_must_keep_answering() {
        let t0 = Instant::now();
        let mut keepalive = KeepAlive::new(t0, 0.0);
        let ping = t0 + KEEPALIVE_INTERVAL;
        assert_eq!(keepalive.on_timer(ping, 0.0), Tick::Ping);
        keepalive.on_pong();
        let ping = ping + KEEPALIVE_INTERVAL;
        assert_eq!(keepalive.on_timer(ping, 0.0), Tick::Ping);
        assert_eq!(keepalive.deadline(), ping + PONG_TIMEOUT);
        // Other traffic proves the flow too.
        keepalive.on_traffic();
        assert_eq!(keepalive.deadline(), ping + KEEPALIVE_INTERVAL);
        let ping = ping + KEEPALIVE_INTERVAL;
        assert_eq!(keepalive.on_timer(ping, 0.0), Tick::Ping);
        assert_eq!(
            keepalive.on_timer(ping + PONG_TIMEOUT - Duration::from_millis(1), 0.0),
            Tick::Wait
        );
        assert_eq!(keepalive.on_timer(ping + PONG_TIMEOUT, 0.0), Tick::Dead);
    }
}
