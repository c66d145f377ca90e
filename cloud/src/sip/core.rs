//! The SIP entry point: bytes in, bytes out. Transports call
//! [`SipCore::handle`] for every message they frame; it never panics on peer
//! input and answers anything that looks like a request (`400` if malformed).
//! This is also what the fuzz target drives.
//!
//! Only requests the call side answers later (INVITE and the dialog
//! methods) get a server transaction. Everything else — REGISTER, OPTIONS,
//! refusals — is answered statelessly, as Kamailio's `sl` does: a UDP
//! retransmission is simply processed again, and answers the same way (the
//! To tag is a keyed hash of the request, a retransmitted authenticated
//! REGISTER is recognised by its nonce-count, see `nonce.rs`). So a flood of
//! REGISTERs costs CPU, never memory.

use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use rsip::headers::UntypedHeader;
use rsip::Method;

use tokio::sync::mpsc;

use crate::clock::SharedClock;

use super::deferred::{Deferred, ReplyPath};
use super::directory::Directory;
use super::echo::EchoHeaders;
use super::flows::Flows;
use super::head;
use super::location::{Location, Source, Transport};
use super::message::{ParseError, Request, Response, ResponseBuilder};
use super::nonce::NonceKeeper;
use super::registrar::{Realm, Registrar, Reply};
use super::transaction::{Begin, TransactionKey, Transactions};
use super::via::TopVia;

const ALLOW: &str = "REGISTER, OPTIONS";
const ALLOW_WITH_CALLS: &str = "REGISTER, OPTIONS, INVITE, ACK, BYE, CANCEL, SUBSCRIBE, INFO";

pub struct SipCore {
    pub realm: Realm,
    pub directory: Arc<Directory>,
    pub location: Arc<Location>,
    nonces: NonceKeeper,
    transactions: Arc<Transactions>,
    clock: SharedClock,
    /// Where dialog requests go (the call router and the conference
    /// focus), if calls are served.
    calls: Option<mpsc::UnboundedSender<Deferred>>,
    /// Where responses to the cloud's own requests go (the call router).
    responses: Option<mpsc::UnboundedSender<(Response, Source)>>,
    /// The ways back to registered devices, kept by the transports.
    pub flows: Arc<Flows>,
    /// Keys the hashes behind stateless To tags and request fingerprints.
    hasher: RandomState,
    /// The SIP edge (a proxy such as Kamailio) in front of this node: what
    /// it forwards names the device in the Via below its own.
    edge: Option<std::net::SocketAddr>,
}

/// How much state the core holds: what a flood could make grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SipStats {
    /// Server transactions (dialog requests only).
    pub transactions: usize,
    /// Nonces whose nonce-count is tracked.
    pub nonces: usize,
}

impl SipCore {
    pub fn new(
        realm: Realm,
        directory: Arc<Directory>,
        location: Arc<Location>,
        clock: SharedClock,
    ) -> Self {
        Self {
            realm,
            directory,
            location,
            nonces: NonceKeeper::new(),
            transactions: Arc::new(Transactions::default()),
            clock,
            calls: None,
            responses: None,
            flows: Arc::default(),
            hasher: RandomState::new(),
            edge: None,
        }
    }

    /// Trusts the SIP edge at `edge` to say where the devices it forwards
    /// are (only it: anyone else's Via is not believed).
    pub fn with_edge(mut self, edge: std::net::SocketAddr) -> Self {
        self.edge = Some(edge);
        self
    }

    /// `source`, naming the device behind the edge when the edge forwarded
    /// the request (its Via, then the device's, with `received`/`rport`).
    fn through_edge(&self, request: &Request, mut source: Source) -> Source {
        if self.edge == Some(source.addr) {
            source.device = request
                .header_values("via")
                .get(1)
                .and_then(|via| TopVia::parse(via)?.seen_at());
        }
        source
    }

    /// Serves calls: INVITE, ACK, BYE and CANCEL go to `calls`.
    pub fn with_calls(mut self, calls: mpsc::UnboundedSender<Deferred>) -> Self {
        self.calls = Some(calls);
        self
    }

    /// Responses to requests the call side sent go to `responses`.
    pub fn with_responses(mut self, responses: mpsc::UnboundedSender<(Response, Source)>) -> Self {
        self.responses = Some(responses);
        self
    }

    /// The server transactions, which the call side completes.
    pub fn transactions(&self) -> Arc<Transactions> {
        self.transactions.clone()
    }

    /// Handles one framed message; returns the bytes to send back, if any.
    /// Without a way back for later answers, calls are not taken.
    pub fn handle(&self, data: &[u8], source: Source) -> Option<Arc<Vec<u8>>> {
        self.handle_with(data, source, None)
    }

    /// [`handle`](Self::handle), with `reply` for answers the call side
    /// sends later.
    pub fn handle_with(
        &self,
        data: &[u8],
        source: Source,
        reply: Option<ReplyPath>,
    ) -> Option<Arc<Vec<u8>>> {
        let now = self.clock.now_ms();
        let request = match Request::parse(data) {
            Ok(request) => request,
            Err(ParseError::Refused { code, reason, echo }) => {
                tracing::debug!(code, %reason, from = %source.addr, "SIP request refused");
                let mut headers = Vec::new();
                if code == 501 {
                    headers.push(rsip::headers::Allow::new(self.allow()).into());
                }
                let bytes = ResponseBuilder::new(&echo, None, &self.tag(&echo))
                    .build(code, &reason, headers);
                return Some(Arc::new(bytes));
            }
            Err(ParseError::Response) => {
                match (Response::parse(data), &self.responses) {
                    (Some(response), Some(responses)) => {
                        let _ = responses.send((response, source));
                    }
                    _ => tracing::debug!(from = %source.addr, "dropped SIP response"),
                }
                return None;
            }
            Err(err) => {
                tracing::debug!(%err, from = %source.addr, "dropped SIP message");
                return None;
            }
        };
        let source = self.through_edge(&request, source);
        let dialog_method = matches!(
            request.method,
            Method::Invite
                | Method::Ack
                | Method::Bye
                | Method::Cancel
                | Method::Subscribe
                | Method::Info
        );
        let calls = match (&self.calls, reply) {
            (Some(calls), Some(reply)) if dialog_method => Some((calls, reply)),
            _ => None,
        };
        if request.method == Method::Ack {
            // The call side stops retransmitting the answer it acknowledges;
            // without one, ACKs end nothing we keep.
            if let Some((calls, reply)) = calls {
                let _ = calls.send(Deferred {
                    request,
                    source,
                    reply,
                    key: None,
                });
            }
            return None;
        }
        if let Some((calls, reply)) = calls {
            return self.defer(request, source, calls, reply, now);
        }
        let echo = request.echo();
        let fingerprint = self.fingerprint(&request);
        let reply = self.dispatch(&request, source, now, fingerprint)?;
        let top_via = request.via.answered_from(source.addr);
        Some(Arc::new(
            ResponseBuilder::new(&echo, Some(top_via), &self.tag(&echo)).build(
                reply.code,
                &reply.reason,
                reply.headers,
            ),
        ))
    }

    /// Hands a dialog request to the call side, under a server transaction
    /// on UDP (TCP does not retransmit: Timer J = 0).
    fn defer(
        &self,
        request: Request,
        source: Source,
        calls: &mpsc::UnboundedSender<Deferred>,
        reply: ReplyPath,
        now: i64,
    ) -> Option<Arc<Vec<u8>>> {
        let key = (source.transport == Transport::Udp).then(|| TransactionKey::of(&request));
        if let Some(key) = &key {
            match self.transactions.begin(key, now) {
                Begin::New => {}
                Begin::Retransmission(response) => return Some(response),
                Begin::InProgress => return None,
            }
        }
        // 100 Trying at once stops the caller's INVITE retransmissions
        // while the meeting is looked up (§17.2.1).
        let trying = (request.method == Method::Invite).then(|| {
            let echo = request.echo();
            let top_via = request.via.answered_from(source.addr);
            Arc::new(ResponseBuilder::new(&echo, Some(top_via), "").build(100, "Trying", vec![]))
        });
        let deferred = Deferred {
            request,
            source,
            reply,
            key,
        };
        if calls.send(deferred).is_err() {
            tracing::warn!("the call side is gone; dialog request dropped");
        }
        trying
    }

    /// `503` + `Retry-After` for a request that arrived while the registrar
    /// was overloaded, decided on the head alone (no full parse, no digest
    /// work). `None` for what must not be shed: responses, ACKs, CANCELs
    /// and in-dialog requests finish work already under way.
    pub fn busy(&self, data: &[u8], retry_after_secs: u32) -> Option<Arc<Vec<u8>>> {
        let line = head::RequestLine::read(data)?;
        if matches!(line.method, b"ACK" | b"CANCEL") {
            return None;
        }
        let echo = head::lenient_echo(data)?;
        if echo.in_dialog() {
            return None;
        }
        let retry = rsip::headers::RetryAfter::new(retry_after_secs.to_string());
        Some(Arc::new(
            ResponseBuilder::new(&echo, None, &self.tag(&echo)).build(
                503,
                "Service Unavailable",
                vec![retry.into()],
            ),
        ))
    }

    /// A To tag that is the same for every copy of a request.
    fn tag(&self, echo: &EchoHeaders) -> String {
        format!("{:016x}", self.hasher.hash_one(echo))
    }

    /// Names a request for the registrar, the same for its retransmissions.
    fn fingerprint(&self, request: &Request) -> u64 {
        self.hasher.hash_one((
            TransactionKey::of(request),
            request.call_id(),
            request.cseq(),
        ))
    }

    /// The time on the core's clock.
    pub(crate) fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// What the core holds now.
    pub fn stats(&self) -> SipStats {
        SipStats {
            transactions: self.transactions.len(),
            nonces: self.nonces.tracked(),
        }
    }

    fn dispatch(&self, request: &Request, source: Source, now: i64, id: u64) -> Option<Reply> {
        let reply = match request.method {
            Method::Register => {
                return Registrar {
                    realm: &self.realm,
                    directory: &self.directory,
                    location: &self.location,
                    nonces: &self.nonces,
                }
                .register(request, source, now, id)
            }
            Method::Options => {
                let mut reply = Reply::new(200, "OK");
                reply
                    .headers
                    .push(rsip::headers::Allow::new(self.allow()).into());
                reply
                    .headers
                    .push(rsip::headers::Accept::new("application/sdp").into());
                reply
            }
            Method::Cancel => Reply::new(481, "Call/Transaction Does Not Exist"),
            _ => {
                let mut reply = Reply::new(405, "Method Not Allowed");
                reply
                    .headers
                    .push(rsip::headers::Allow::new(self.allow()).into());
                reply
            }
        };
        Some(reply)
    }

    fn allow(&self) -> &'static str {
        if self.calls.is_some() {
            ALLOW_WITH_CALLS
        } else {
            ALLOW
        }
    }

    /// Drops expired transactions, nonces and bindings. Called periodically.
    pub fn purge(&self) {
        let now = self.clock.now_ms();
        self.transactions.purge(now);
        self.nonces.purge(now);
        self.location.purge(now);
    }
}

/// A random tag, for dialogs the cloud creates.
pub(crate) fn random_tag() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}
