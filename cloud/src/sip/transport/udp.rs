//! UDP workers: plain threads doing blocking receive → handle → send. The
//! core is synchronous and fast, and skipping the async reactor roughly
//! halves the per-datagram cost (the same model as Kamailio's UDP
//! children).
//!
//! The kernel stamps each datagram on arrival (`SO_TIMESTAMPNS`), so a
//! worker knows how long it waited in the receive queue and sheds load by
//! that age (see `overload.rs`): a flood is answered `503` early instead of
//! filling the queue until the kernel drops at random.

use std::io::IoSliceMut;
use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::sys::socket::{
    recvmsg, setsockopt, sockopt, ControlMessageOwned, MsgFlags, SockaddrStorage,
};
use nix::sys::time::TimeSpec;
use nix::time::{clock_gettime, ClockId};

use crate::sip::core::SipCore;
use crate::sip::deferred::ReplyPath;
use crate::sip::location::{Source, Transport};
use crate::sip::overload::{retry_after, Shedder, Verdict};

/// How often a blocked UDP worker wakes up to see whether it should stop.
const UDP_STOP_POLL: Duration = Duration::from_millis(250);

/// Starts `workers` threads serving `socket`; they stop when `stop` is set.
pub fn spawn_udp(
    socket: &std::net::UdpSocket,
    core: Arc<SipCore>,
    workers: usize,
    stop: Arc<AtomicBool>,
) -> std::io::Result<Vec<std::thread::JoinHandle<()>>> {
    socket.set_read_timeout(Some(UDP_STOP_POLL))?;
    if let Err(err) = setsockopt(socket, sockopt::ReceiveTimestampns, &true) {
        // Without stamps every datagram looks fresh: nothing is shed.
        tracing::warn!(%err, "no receive timestamps on the SIP UDP socket");
    }
    (0..workers.max(1))
        .map(|i| {
            let socket = Arc::new(socket.try_clone()?);
            let (core, stop) = (core.clone(), stop.clone());
            std::thread::Builder::new()
                .name(format!("sip-udp-{i}"))
                .spawn(move || udp_worker(&socket, &core, &stop))
        })
        .collect()
}

/// One received datagram: its length, sender, and time in the queue.
struct Received {
    len: usize,
    from: SocketAddr,
    waited: Duration,
}

fn receive(
    socket: &std::net::UdpSocket,
    buf: &mut [u8],
    control: &mut [u8],
) -> nix::Result<Received> {
    let mut iov = [IoSliceMut::new(buf)];
    let msg = recvmsg::<SockaddrStorage>(
        socket.as_raw_fd(),
        &mut iov,
        Some(control),
        MsgFlags::empty(),
    )?;
    let from = msg
        .address
        .as_ref()
        .and_then(socket_addr)
        .ok_or(Errno::EAFNOSUPPORT)?;
    let arrived = msg.cmsgs().ok().and_then(|mut cmsgs| {
        cmsgs.find_map(|cmsg| match cmsg {
            ControlMessageOwned::ScmTimestampns(at) => Some(at),
            _ => None,
        })
    });
    Ok(Received {
        len: msg.bytes,
        from,
        waited: arrived.map(age).unwrap_or_default(),
    })
}

fn socket_addr(address: &SockaddrStorage) -> Option<SocketAddr> {
    if let Some(v4) = address.as_sockaddr_in() {
        return Some(SocketAddr::V4((*v4).into()));
    }
    address
        .as_sockaddr_in6()
        .map(|v6| SocketAddr::V6((*v6).into()))
}

/// How long ago the kernel stamped a datagram (wall clock, as the stamp
/// is; a clock step makes one datagram look fresh or old, no more).
fn age(arrived: TimeSpec) -> Duration {
    let arrived = UNIX_EPOCH + Duration::from(arrived);
    SystemTime::now()
        .duration_since(arrived)
        .unwrap_or_default()
}

/// The CPU time this thread has used (always zero if the clock is
/// unavailable: 503s are then not limited).
fn thread_cpu() -> Duration {
    clock_gettime(ClockId::CLOCK_THREAD_CPUTIME_ID).map_or(Duration::ZERO, Duration::from)
}

/// Responses, ACKs and CANCELs are never shed: they end work under way.
fn never_shed(data: &[u8]) -> bool {
    data.starts_with(b"SIP/2.0 ") || data.starts_with(b"ACK ") || data.starts_with(b"CANCEL ")
}

/// A request with credentials answers a challenge this registrar sent: it
/// completes a registration (or call) already begun, so it is served first
/// under overload. A scan of the head's line starts, no parse.
fn carries_credentials(data: &[u8]) -> bool {
    let head_end = data
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(data.len());
    data[..head_end].split(|b| *b == b'\n').skip(1).any(|line| {
        ["authorization", "proxy-authorization"].iter().any(|name| {
            line.len() > name.len()
                && line[..name.len()].eq_ignore_ascii_case(name.as_bytes())
                && line[name.len()..].trim_ascii_start().starts_with(b":")
        })
    })
}

/// What one worker did while overloaded, for the log line that ends it.
#[derive(Default)]
struct Episode {
    served: u64,
    busy: u64,
    dropped: u64,
}

impl Episode {
    fn count(&mut self, verdict: Verdict) {
        match verdict {
            Verdict::Serve => self.served += 1,
            Verdict::Busy => self.busy += 1,
            Verdict::Drop => self.dropped += 1,
        }
    }
}

fn udp_worker(socket: &Arc<std::net::UdpSocket>, core: &SipCore, stop: &AtomicBool) {
    let mut buf = vec![0u8; 65_535];
    let mut control = nix::cmsg_space!(TimeSpec);
    let mut shedder = Shedder::default();
    let mut episode = Episode::default();
    let started = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let got = match receive(socket, &mut buf, &mut control) {
            Ok(got) => got,
            Err(Errno::EAGAIN | Errno::EINTR) => continue,
            // E.g. ICMP port unreachable surfacing on Linux: not fatal.
            Err(err) => {
                tracing::debug!(%err, "UDP receive error");
                continue;
            }
        };
        let data = &buf[..got.len];
        let addr = got.from;
        let was_overloaded = shedder.overloaded();
        let verdict = match never_shed(data) {
            true => Verdict::Serve,
            false => shedder.verdict(
                got.waited,
                carries_credentials(data),
                started.elapsed(),
                thread_cpu,
            ),
        };
        match (was_overloaded, shedder.overloaded()) {
            (false, true) => {
                tracing::warn!(waited = ?got.waited, "SIP over UDP overloaded: shedding with 503");
            }
            (true, false) => {
                let Episode {
                    served,
                    busy,
                    dropped,
                } = std::mem::take(&mut episode);
                tracing::warn!(served, busy, dropped, "SIP over UDP no longer overloaded");
            }
            _ => {}
        }
        if shedder.overloaded() {
            episode.count(verdict);
        }
        let response = match verdict {
            Verdict::Drop => continue,
            Verdict::Busy => {
                let began = thread_cpu();
                let busy = core.busy(data, retry_after(rand::random()));
                shedder.spent(thread_cpu().saturating_sub(began));
                busy
            }
            Verdict::Serve => None,
        };
        // Serving while overloaded is paid from its share of the CPU.
        let began = shedder.overloaded().then(thread_cpu);
        let response = response.or_else(|| {
            let source = Source::direct(Transport::Udp, addr);
            let reply = ReplyPath::Udp {
                socket: socket.clone(),
                to: addr,
            };
            core.handle_with(data, source, Some(reply))
        });
        if let (Some(began), Verdict::Serve) = (began, verdict) {
            shedder.served(thread_cpu().saturating_sub(began));
        }
        if let Some(response) = response {
            if let Err(err) = socket.send_to(&response, addr) {
                tracing::debug!(%err, %addr, "UDP send failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::carries_credentials;

    #[test]
    fn credentials_are_found_in_the_head_only() {
        let with = b"REGISTER sip:a SIP/2.0\r\nVia: x\r\nauthorization : Digest u\r\n\r\n";
        assert!(carries_credentials(with));
        let proxy = b"INVITE sip:a SIP/2.0\r\nProxy-Authorization: Digest u\r\n\r\n";
        assert!(carries_credentials(proxy));
        let in_body = b"MESSAGE sip:a SIP/2.0\r\nVia: x\r\n\r\nAuthorization: no\r\n";
        assert!(!carries_credentials(in_body));
        let lookalike = b"REGISTER sip:a SIP/2.0\r\nAuthorization-Info: x\r\n\r\n";
        assert!(!carries_credentials(lookalike));
    }
}
