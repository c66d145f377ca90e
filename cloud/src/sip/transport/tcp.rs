//! TCP: the accept loop and one task per connection framing the stream
//! (`framing.rs`).

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::sip::core::SipCore;
use crate::sip::deferred::ReplyPath;
use crate::sip::framing::{Frame, FrameError, StreamFramer};
use crate::sip::location::{Source, Transport};
use crate::sip::message::refuse_unparsed;
use crate::sip::registrar::MAX_EXPIRES;

/// Most simultaneous TCP connections; more wait in the kernel's backlog.
const MAX_TCP_CONNECTIONS: usize = 10_000;
/// A TCP connection silent for longer than any registration lasts is dropped.
const TCP_IDLE: Duration = Duration::from_secs(MAX_EXPIRES as u64 + 120);

pub fn spawn_tcp(tasks: &mut JoinSet<()>, listener: TcpListener, core: Arc<SipCore>) {
    tasks.spawn(async move {
        let limit = Arc::new(Semaphore::new(MAX_TCP_CONNECTIONS));
        let mut connections = JoinSet::new();
        loop {
            let Ok(permit) = limit.clone().acquire_owned().await else {
                return;
            };
            let (stream, addr) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(err) => {
                    tracing::warn!(%err, "TCP accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let core = core.clone();
            connections.spawn(async move {
                let source = Source {
                    transport: Transport::Tcp,
                    addr,
                };
                if let Err(err) = serve_connection(stream, source, &core).await {
                    tracing::debug!(%err, %addr, "SIP TCP connection closed");
                }
                core.flows.close_tcp(addr);
                drop(permit);
            });
            // Reap finished connection tasks so the set does not grow.
            while connections.try_join_next().is_some() {}
        }
    });
}

async fn serve_connection(
    mut stream: TcpStream,
    source: Source,
    core: &SipCore,
) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut framer = StreamFramer::default();
    let mut buf = vec![0u8; 16 * 1024];
    // Answers the call side sends later come back through this.
    let (writer, mut later) = tokio::sync::mpsc::unbounded_channel::<Arc<Vec<u8>>>();
    // Requests the cloud originates towards this device use it too.
    core.flows.open_tcp(source.addr, writer.clone());
    loop {
        let read = tokio::select! {
            read = tokio::time::timeout(TCP_IDLE, stream.read(&mut buf)) => read,
            Some(bytes) = later.recv() => {
                stream.write_all(&bytes).await?;
                continue;
            }
        };
        let len = match read {
            Ok(Ok(0)) | Err(_) => return Ok(()),
            Ok(Ok(len)) => len,
            Ok(Err(err)) => return Err(err),
        };
        framer.push(&buf[..len]);
        loop {
            match framer.next_frame() {
                Ok(None) => break,
                Ok(Some(Frame::Ping)) => stream.write_all(b"\r\n").await?,
                Ok(Some(Frame::Message(message))) => {
                    let reply = ReplyPath::Tcp(writer.clone());
                    if let Some(response) = core.handle_with(&message, source, Some(reply)) {
                        stream.write_all(&response).await?;
                    }
                }
                Err(err) => {
                    // The stream is out of sync: nothing after this can be trusted.
                    if let Some(answer) = refusal(&err) {
                        stream.write_all(&answer).await?;
                        linger(stream).await;
                    }
                    return Ok(());
                }
            }
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
