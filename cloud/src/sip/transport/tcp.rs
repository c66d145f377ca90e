//! TCP: the accept loop, which admits connections through the table in
//! `admission.rs` (limits and eviction policy are documented there), and
//! one task per connection framing the stream (`framing.rs`).

use std::cell::OnceCell;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::lock;
use crate::sip::admission::{Admission, Connections, TcpLimits};
use crate::sip::core::SipCore;
use crate::sip::deferred::ReplyPath;
use crate::sip::framing::{Frame, FrameError, StreamFramer};
use crate::sip::location::{Source, Transport};
use crate::sip::message::refuse_unparsed;

/// Dropping it (eviction) closes the connection.
type Closer = oneshot::Sender<()>;

/// The admitted connections, shared by the accept loop and the connections.
struct Table {
    connections: Mutex<Connections<Closer>>,
    /// The clock the table's times count from.
    epoch: Instant,
}

impl Table {
    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }
}

pub fn spawn_tcp(
    tasks: &mut JoinSet<()>,
    listener: TcpListener,
    core: Arc<SipCore>,
    limits: TcpLimits,
) {
    let limits = fit_to_file_limit(limits);
    tasks.spawn(async move {
        let table = Arc::new(Table {
            connections: Mutex::new(Connections::new(limits)),
            epoch: Instant::now(),
        });
        let mut connections = JoinSet::new();
        loop {
            let (stream, addr) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(%err, "TCP accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let (closer, evicted) = oneshot::channel();
            let admission = {
                // Asked only when the table is full, once per decision.
                let registered = OnceCell::new();
                let is_registered = |peer: SocketAddr| {
                    registered
                        .get_or_init(|| registered_peers(&core))
                        .contains(&peer)
                };
                lock(&table.connections).admit(addr, table.now(), closer, is_registered)
            };
            let id = match admission {
                Admission::Accept { id, evicted } => {
                    if !evicted.is_empty() {
                        tracing::debug!(
                            count = evicted.len(),
                            "TCP table full: idle connections evicted"
                        );
                    }
                    id
                }
                Admission::Refuse => {
                    tracing::debug!(%addr, "TCP connection refused: limit reached");
                    continue;
                }
            };
            let (core, table) = (core.clone(), table.clone());
            connections.spawn(async move {
                let source = Source::direct(Transport::Tcp, addr);
                let connection = Connection {
                    id,
                    source,
                    core: &core,
                    table: &table,
                    limits,
                };
                if let Err(err) = connection.serve(stream, evicted).await {
                    tracing::debug!(%err, %addr, "SIP TCP connection closed");
                }
                core.flows.close_tcp(addr);
                lock(&table.connections).remove(id);
            });
            // Reap finished connection tasks so the set does not grow.
            while connections.try_join_next().is_some() {}
        }
    });
}

/// The TCP peers holding a live registration binding.
fn registered_peers(core: &SipCore) -> HashSet<SocketAddr> {
    core.location.sources(Transport::Tcp, core.now_ms())
}

/// At most half the process's file descriptors go to SIP over TCP (the
/// rest: HTTP, media, the store). The soft limit is raised towards the
/// hard one first, as servers do at start.
fn fit_to_file_limit(mut limits: TcpLimits) -> TcpLimits {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return limits;
    };
    let wanted = (limits.max_connections as u64).saturating_mul(2);
    let mut soft = soft;
    if soft < wanted && setrlimit(Resource::RLIMIT_NOFILE, wanted.min(hard), hard).is_ok() {
        soft = wanted.min(hard);
    }
    let room = usize::try_from(soft / 2).unwrap_or(usize::MAX).max(1);
    if room < limits.max_connections {
        tracing::warn!(
            room,
            wanted = limits.max_connections,
            "file limit (RLIMIT_NOFILE) too low: fewer SIP TCP connections allowed"
        );
        limits.max_connections = room;
    }
    limits
}

struct Connection<'a> {
    id: u64,
    source: Source,
    core: &'a SipCore,
    table: &'a Table,
    limits: TcpLimits,
}

impl Connection<'_> {
    /// Serves until the peer closes, a deadline passes, or it is evicted.
    async fn serve(
        &self,
        mut stream: TcpStream,
        mut evicted: oneshot::Receiver<()>,
    ) -> std::io::Result<()> {
        let _ = stream.set_nodelay(true);
        let mut framer = StreamFramer::default();
        let mut buf = vec![0u8; 16 * 1024];
        // Answers the call side sends later come back through this.
        let (writer, mut later) = mpsc::unbounded_channel::<Arc<Vec<u8>>>();
        // Requests the cloud originates towards this device use it too.
        self.core.flows.open_tcp(self.source.addr, writer.clone());
        // The first message is due soon after the connection opens.
        let mut message_due = Some(Instant::now() + self.limits.message_deadline);
        let mut idle_from = Instant::now();
        // Whether a whole message or ping has come yet.
        let mut spoken = false;
        loop {
            let wake = message_due.unwrap_or(idle_from + self.limits.idle);
            let len = tokio::select! {
                read = stream.read(&mut buf) => match read? {
                    0 => return Ok(()),
                    len => len,
                },
                Some(bytes) = later.recv() => {
                    stream.write_all(&bytes).await?;
                    continue;
                }
                _ = tokio::time::sleep_until(wake) => {
                    tracing::debug!(addr = %self.source.addr, stalled = message_due.is_some(), "SIP TCP connection timed out");
                    return Ok(());
                }
                _ = &mut evicted => return Ok(()),
            };
            framer.push(&buf[..len]);
            let mut framed = false;
            loop {
                let frame = match framer.next_frame() {
                    Ok(Some(frame)) => frame,
                    Ok(None) => break,
                    Err(err) => {
                        // The stream is out of sync: nothing after this can be trusted.
                        if let Some(answer) = refusal(&err) {
                            stream.write_all(&answer).await?;
                            linger(stream).await;
                        }
                        return Ok(());
                    }
                };
                framed = true;
                match frame {
                    Frame::Ping => stream.write_all(b"\r\n").await?,
                    Frame::Message(message) => {
                        let reply = ReplyPath::Tcp(writer.clone());
                        if let Some(response) =
                            self.core.handle_with(&message, self.source, Some(reply))
                        {
                            stream.write_all(&response).await?;
                        }
                    }
                }
            }
            let now = Instant::now();
            if framed {
                idle_from = now;
                let mut table = lock(&self.table.connections);
                table.touch(self.id, self.table.now());
            }
            spoken |= framed;
            // A message's deadline runs from its first byte: from this read
            // if the last one ended a message, else from when it began. The
            // first one's runs from the opening, until a whole frame came.
            message_due = match (framer.in_message(), framed) {
                (false, _) if spoken => None,
                (false, _) => message_due,
                (true, true) => Some(now + self.limits.message_deadline),
                (true, false) => message_due.or(Some(now + self.limits.message_deadline)),
            };
        }
    }
}

/// Closes after an answer the peer must be able to read: our side first
/// (FIN), then what it is still sending is read and discarded for a moment.
/// Closing with unread data would reset the connection, and the reset can
/// destroy the answer before the peer reads it.
async fn linger(mut stream: TcpStream) {
    const LINGER: Duration = Duration::from_secs(2);
    const MAX_DISCARD: usize = 1 << 20;
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut buf = [0u8; 16 * 1024];
    let mut discarded = 0;
    let _ = tokio::time::timeout(LINGER, async {
        while discarded < MAX_DISCARD {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => discarded += n,
            }
        }
    })
    .await;
}

/// The answer to a stream that cannot be framed, if it can be addressed.
fn refusal(err: &FrameError) -> Option<Vec<u8>> {
    let (code, reason, head) = match err {
        FrameError::BadContentLength { head } => (400, "Invalid Content-Length", head),
        // §21.5.12: more than the server is able to process.
        FrameError::BodyTooLarge { head } | FrameError::HeadersTooLarge { head } => {
            (513, "Message Too Large", head)
        }
    };
    refuse_unparsed(head, code, reason)
}
