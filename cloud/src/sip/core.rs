//! The SIP entry point: bytes in, bytes out. Transports call
//! [`SipCore::handle`] for every message they frame; it never panics on peer
//! input and answers anything that looks like a request (`400` if malformed).
//! This is also what the fuzz target drives.

use std::sync::Arc;

use rsip::headers::UntypedHeader;
use rsip::Method;

use crate::clock::SharedClock;

use super::directory::Directory;
use super::location::{Location, Source, Transport};
use super::message::{ParseError, Request, ResponseBuilder};
use super::nonce::NonceKeeper;
use super::registrar::{Realm, Registrar, Reply};
use super::transaction::{Begin, TransactionKey, Transactions};

const ALLOW: &str = "REGISTER, OPTIONS";

pub struct SipCore {
    pub realm: Realm,
    pub directory: Arc<Directory>,
    pub location: Arc<Location>,
    nonces: NonceKeeper,
    transactions: Transactions,
    clock: SharedClock,
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
            transactions: Transactions::default(),
            clock,
        }
    }

    /// Handles one framed message; returns the bytes to send back, if any.
    pub fn handle(&self, data: &[u8], source: Source) -> Option<Arc<Vec<u8>>> {
        let now = self.clock.now_ms();
        let request = match Request::parse(data) {
            Ok(request) => request,
            Err(ParseError::BadRequest { reason, echo }) => {
                tracing::debug!(%reason, from = %source.addr, "malformed SIP request");
                let to_tag = random_tag();
                let bytes = ResponseBuilder::new(&echo, None, &to_tag).build(400, &reason, vec![]);
                return Some(Arc::new(bytes));
            }
            Err(err) => {
                tracing::debug!(%err, from = %source.addr, "dropped SIP message");
                return None;
            }
        };
        if request.method == Method::Ack {
            // ACKs to our non-2xx final responses end nothing we keep.
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
                reply.headers.push(rsip::headers::Allow::new(ALLOW).into());
                reply
                    .headers
                    .push(rsip::headers::Accept::new("application/sdp").into());
                reply
            }
            Method::Cancel => Reply::new(481, "Call/Transaction Does Not Exist"),
            _ => {
                let mut reply = Reply::new(405, "Method Not Allowed");
                reply.headers.push(rsip::headers::Allow::new(ALLOW).into());
                reply
            }
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

fn random_tag() -> String {
    use rand::Rng;
    format!("{:016x}", rand::thread_rng().gen::<u64>())
}
