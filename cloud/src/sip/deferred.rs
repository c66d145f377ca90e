//! Requests the synchronous core hands on to the asynchronous call side
//! (the conference focus), with the way back to their sender.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::location::Source;
use super::message::Request;
use super::transaction::TransactionKey;

/// How to send to the peer a request came from.
#[derive(Clone)]
pub enum ReplyPath {
    /// The listening UDP socket, to the datagram's source.
    Udp {
        socket: Arc<std::net::UdpSocket>,
        to: SocketAddr,
    },
    /// The TCP connection's writer.
    Tcp(mpsc::UnboundedSender<Arc<Vec<u8>>>),
}

impl ReplyPath {
    /// Sends `bytes`; a failure (peer gone) is only logged: SIP's own
    /// timers deal with lost messages.
    pub fn send(&self, bytes: Arc<Vec<u8>>) {
        match self {
            ReplyPath::Udp { socket, to } => {
                if let Err(err) = socket.send_to(&bytes, to) {
                    tracing::debug!(%err, %to, "UDP send failed");
                }
            }
            ReplyPath::Tcp(writer) => {
                let _ = writer.send(bytes);
            }
        }
    }

    /// UDP needs SIP-level retransmission of final INVITE answers.
    pub fn is_unreliable(&self) -> bool {
        matches!(self, ReplyPath::Udp { .. })
    }
}

/// A dialog request (INVITE, ACK, BYE, CANCEL) for the call side.
pub struct Deferred {
    pub request: Request,
    pub source: Source,
    pub reply: ReplyPath,
    /// Its server transaction (UDP), to be completed with the final answer.
    pub key: Option<TransactionKey>,
}
