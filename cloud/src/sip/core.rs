//! The SIP entry point: bytes in, bytes out. Transports call
//! [`SipCore::handle`] for every message they frame; it never panics on peer
//! input and answers anything that looks like a request (`400` if malformed).
//! This is also what the fuzz target drives.

use std::sync::Arc;

use rsip::headers::UntypedHeader;
use rsip::Method;

use tokio::sync::mpsc;

use crate::clock::SharedClock;

use super::deferred::{Deferred, ReplyPath};
use super::directory::Directory;
use super::flows::Flows;
use super::location::{Location, Source, Transport};
use super::message::{ParseError, Request, Response, ResponseBuilder};
use super::nonce::NonceKeeper;
use super::registrar::{Realm, Registrar, Reply};
use super::transaction::{Begin, TransactionKey, Transactions};

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
        }
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
                let bytes =
                    ResponseBuilder::new(&echo, None, &random_tag()).build(code, &reason, headers);
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
        // TCP does not retransmit (Timer J = 0): only UDP needs the table.
        let key = (source.transport == Transport::Udp).then(|| TransactionKey::of(&request));
        if let Some(key) = &key {
            match self.transactions.begin(key, now) {
                Begin::New => {}
                Begin::Retransmission(response) => return Some(response),
                Begin::InProgress => return None,
            }
        }
        if let Some((calls, reply)) = calls {
            // 100 Trying at once stops the caller's INVITE retransmissions
            // while the meeting is looked up (§17.2.1).
            let trying = (request.method == Method::Invite).then(|| {
                let echo = request.echo();
                let top_via = request.via.answered_from(source.addr);
                Arc::new(ResponseBuilder::new(&echo, Some(top_via), "").build(
                    100,
                    "Trying",
                    vec![],
                ))
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
            return trying;
        }
        let reply = self.dispatch(&request, source, now);
        let echo = request.echo();
        let to_tag = random_tag();
        let top_via = request.via.answered_from(source.addr);
        let code = reply.code;
        let bytes = Arc::new(ResponseBuilder::new(&echo, Some(top_via), &to_tag).build(
            code,
            &reply.reason,
            reply.headers,
        ));
        // Every final response, 401s too: a retransmission gets the same
        // nonce and To tag, not a new challenge (§17.2.2).
        if let Some(key) = &key {
            self.transactions.complete(key, bytes.clone());
        }
        Some(bytes)
    }

    fn dispatch(&self, request: &Request, source: Source, now: i64) -> Reply {
        match request.method {
            Method::Register => Registrar {
                realm: &self.realm,
                directory: &self.directory,
                location: &self.location,
                nonces: &self.nonces,
            }
            .register(request, source, now),
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
        }
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

pub(crate) fn random_tag() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}
