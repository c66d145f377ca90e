//! Point-to-point calls between registered rooms (and SIP accounts): the
//! cloud answers the caller and rings the callee as a back-to-back user
//! agent (B2BUA), relaying ringing, the answer's SDP, CANCEL and BYE
//! between the two dialogs. Media flows directly between the two ends.
//!
//! Why a B2BUA rather than a proxy: the callee is reached down the flow it
//! registered over (a NAT-ed UDP address or its TCP connection), which a
//! B2BUA does with requests of its own instead of rewriting Vias and
//! Record-Routes; each leg is a plain dialog like the focus's, and the
//! cloud keeps the call's state (who calls whom, for how long).
//!
//! - `bridge.rs`: one call's two legs, as a task fed by events (the
//!   requests and responses themselves are `dialog/`'s, as the focus's).
//! - `mod.rs` (this): which requests are calls to rooms, and the routing of
//!   each message to its call.
//!
//! Only a registered caller may ring a room: the INVITE must come from the
//! address (flow) its registration came from.

mod bridge;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use rsip::Method;
use tokio::sync::mpsc;

use crate::clock::SharedClock;
use crate::dialog::{tag_of, Contacts};
use crate::lock;
use crate::sip::message::{Request, Response};
use crate::sip::transaction::Transactions;
use crate::sip::{Deferred, Directory, Flows, Location, Source};
use crate::store::Store;

/// Which leg of a call a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Caller,
    Callee,
}

/// What a call's task is told.
pub enum Event {
    Request(Side, Box<Deferred>),
    /// A response from the callee.
    Response(Response),
}

/// Routes calls to registered devices.
pub struct Router {
    pub(crate) domain: String,
    /// For `Warning` headers.
    pub(crate) host: String,
    pub(crate) contacts: Contacts,
    directory: Arc<Directory>,
    pub(crate) location: Arc<Location>,
    pub(crate) flows: Arc<Flows>,
    pub(crate) transactions: Arc<Transactions>,
    pub(crate) store: Store,
    pub(crate) clock: SharedClock,
    /// Call-ID of either leg → its call's task.
    calls: Mutex<HashMap<String, (Side, mpsc::UnboundedSender<Event>)>>,
    /// Calls ringing or answered now (not those lingering after their end).
    live: Arc<AtomicUsize>,
}

/// One call counted as live while this exists.
pub(crate) struct LiveCall(Arc<AtomicUsize>);

impl Drop for LiveCall {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What [`Router::new`] needs.
pub struct RouterParts {
    pub domain: String,
    pub host: String,
    pub contacts: Contacts,
    pub directory: Arc<Directory>,
    pub location: Arc<Location>,
    pub flows: Arc<Flows>,
    pub transactions: Arc<Transactions>,
    pub store: Store,
    pub clock: SharedClock,
}

impl Router {
    pub fn new(parts: RouterParts) -> Arc<Self> {
        Arc::new(Self {
            domain: parts.domain,
            host: parts.host,
            contacts: parts.contacts,
            directory: parts.directory,
            location: parts.location,
            flows: parts.flows,
            transactions: parts.transactions,
            store: parts.store,
            clock: parts.clock,
            calls: Mutex::new(HashMap::new()),
            live: Arc::default(),
        })
    }

    /// Whether `request` is this router's: a new INVITE to a known SIP
    /// account (not a meeting ID), or any request in one of its calls.
    pub fn claims(&self, request: &Request) -> bool {
        if lock(&self.calls).contains_key(request.call_id()) {
            return true;
        }
        request.method == Method::Invite
            && tag_of(request.header("to")).is_none()
            && request
                .uri
                .user()
                .is_some_and(|user| self.directory.get(user).is_some())
    }

    /// Hands a claimed request to its call, or starts the call.
    pub fn handle(self: &Arc<Self>, d: Deferred) {
        let call_id = d.request.call_id().to_string();
        let mut calls = lock(&self.calls);
        if let Some((side, events)) = calls.get(&call_id) {
            let _ = events.send(Event::Request(*side, Box::new(d)));
            return;
        }
        if d.request.method != Method::Invite {
            return;
        }
        let (events, receiver) = mpsc::unbounded_channel();
        calls.insert(call_id, (Side::Caller, events));
        drop(calls);
        tokio::spawn(bridge::run(self.clone(), d, receiver));
    }

    /// A response from a callee goes to its call; one to no call of ours
    /// comes back.
    pub fn on_response(&self, response: Response) -> Option<Response> {
        match lock(&self.calls).get(response.call_id()) {
            Some((Side::Callee, events)) => {
                let _ = events.send(Event::Response(response));
                None
            }
            _ => Some(response),
        }
    }

    /// The events channel of the call `call_id` belongs to.
    fn calls_sender(&self, call_id: &str) -> Option<mpsc::UnboundedSender<Event>> {
        lock(&self.calls)
            .get(call_id)
            .map(|(_, events)| events.clone())
    }

    /// The callee's leg joins the routing table under its own Call-ID.
    fn add_callee_leg(&self, call_id: &str, events: mpsc::UnboundedSender<Event>) {
        lock(&self.calls).insert(call_id.to_string(), (Side::Callee, events));
    }

    fn forget(&self, call_ids: &[&str]) {
        let mut calls = lock(&self.calls);
        for call_id in call_ids {
            calls.remove(*call_id);
        }
    }

    /// Calls in progress (ringing or answered).
    pub fn active_calls(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    fn count_live(&self) -> LiveCall {
        self.live.fetch_add(1, Ordering::Relaxed);
        LiveCall(self.live.clone())
    }
}

/// Sends each dialog request to the router if it claims it, else to
/// `others` (the conference focus); each response to the router, else to
/// `other_response` (answers to the focus's NOTIFYs, or strays); until the
/// SIP core stops.
pub async fn dispatch(
    router: Arc<Router>,
    mut requests: mpsc::UnboundedReceiver<Deferred>,
    mut responses: mpsc::UnboundedReceiver<(Response, Source)>,
    others: mpsc::UnboundedSender<Deferred>,
    other_response: impl Fn(&Response),
) {
    loop {
        tokio::select! {
            request = requests.recv() => match request {
                Some(d) if router.claims(&d.request) => router.handle(d),
                Some(d) => {
                    let _ = others.send(d);
                }
                None => return,
            },
            Some((response, _)) = responses.recv() => {
                if let Some(response) = router.on_response(response) {
                    other_response(&response);
                }
            }
        }
    }
}
