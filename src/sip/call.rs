//! An outgoing call (RFC 3261 §13, §17.1.1) as a state machine: it builds
//! the INVITE with our SDP offer, consumes responses, in-dialog requests
//! and the passage of time, and says what to send. Sockets live in the
//! agent; here time is a parameter, so every path (ringing, answer, ACK,
//! refusal with its reason, retransmission, timeout, hang-up either way)
//! is testable.
//!
//! When the answer comes from a conference focus (`isfocus` on its
//! Contact, RFC 4579), the call subscribes to the meeting's roster in its
//! dialog (RFC 4575: `SUBSCRIBE` with `Event: conference`, refreshed before
//! it expires) and takes the focus's NOTIFYs; a layout choice goes to the
//! focus as an `INFO`.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rsip::headers::{self, UntypedHeader};
use rsip::{Header, Method, Uri};

use super::account::{Account, SipTransport};
use super::call_state::{CallEnd, CallState};
use super::conference::{self, Roster};
use super::incoming::AnsweredDialog;
use super::message::{warning_code, Message};
use super::pending::Pending;
use super::wire::{self, Local};
use super::{random_hex, T1, T2};

/// Timer B: an INVITE with no answer at all this long has failed.
const TIMER_B: Duration = Duration::from_secs(32);
/// How long a ringing call may wait for an answer before we give up.
const RING_LIMIT: Duration = Duration::from_secs(60);
/// The roster subscription asked for, and refreshed this long before it
/// runs out.
const SUBSCRIPTION_SECS: u64 = 600;
const REFRESH_BEFORE: Duration = Duration::from_secs(60);

/// A new offer in the established call (a re-INVITE, RFC 3261 §14): the
/// room shares content into the meeting, or stops.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Renegotiation {
    /// None asked for in this call.
    #[default]
    None,
    /// Sent, not answered yet.
    Offered,
    /// The far end's answer (SDP): the session as it is now.
    Answered(String),
    /// Refused (or never answered: 408); the session stays as it was.
    Refused(u16),
}

/// How the call's last host action (an INFO to the focus) went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum HostAnswer {
    /// None asked for in this call.
    #[default]
    None,
    /// Sent as the INFO with this CSeq, not answered yet.
    Asked(u32),
    /// The focus's final answer: its status and, for a refusal, its reason
    /// code (`not_host`, `self_unmute_forbidden`, …).
    Answered { status: u16, code: Option<String> },
}

/// The roster subscription of a call to a focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subscription {
    /// Not a focus, or not answered yet.
    None,
    /// To be sent (or refreshed) at this time.
    Due(Instant),
    /// The focus refused it: no roster for this call.
    Refused,
}

pub struct OutgoingCall {
    transport: SipTransport,
    local: SocketAddr,
    /// Our SIP user (Contact).
    user: String,
    /// The Request-URI of every request of the call: `sip:<user>@<domain>`.
    target: Uri,
    /// Our address of record (From).
    aor: Uri,
    call_id: String,
    from_tag: String,
    cseq: u32,
    branch: String,
    invite: Vec<u8>,
    started: Instant,
    next_retransmit: Option<Instant>,
    interval: Duration,
    /// The far end's To (with its tag) once answered: in-dialog requests use it.
    remote_to: Option<String>,
    state: CallState,
    subscription: Subscription,
    /// The meeting's roster, from the focus's last NOTIFY.
    roster: Option<Roster>,
    /// SUBSCRIBEs, INFOs and a re-INVITE awaiting their answer.
    pending: Pending,
    /// The re-INVITE in progress (its CSeq; its branch, which a
    /// failure's ACK shares; when it is given up), and how the last went.
    reinviting: Option<(u32, String, Instant)>,
    renegotiation: Renegotiation,
    host_answer: HostAnswer,
    /// Our SDP in the session now, and our re-INVITE's offer while it
    /// waits (it becomes the session's when answered).
    local_sdp: String,
    reoffer: Option<String>,
    /// The picture size the focus asked us to send (RFC 6236, its last
    /// re-INVITE); `None`: the class's.
    asked_size: Option<(u32, u32)>,
    /// The focus's last re-INVITE (its CSeq) and our answer, repeated if
    /// the INVITE is (our answer was lost).
    answered_offer: Option<(u32, Vec<u8>)>,
}

impl OutgoingCall {
    /// Starts a call to `user@domain` offering `sdp`; returns the INVITE.
    pub fn start(
        account: &Account,
        local: SocketAddr,
        user: &str,
        sdp: &str,
        now: Instant,
    ) -> (Self, Vec<u8>) {
        let mut call = Self {
            transport: account.transport,
            local,
            user: account.username.clone(),
            target: wire::sip_uri(Some(user), &account.domain),
            aor: wire::sip_uri(Some(&account.username), &account.domain),
            call_id: format!("{}@roomterm", random_hex()),
            from_tag: random_hex(),
            cseq: 1,
            branch: format!("z9hG4bK{}", random_hex()),
            invite: Vec::new(),
            started: now,
            next_retransmit: (account.transport == SipTransport::Udp).then(|| now + T1),
            interval: T1,
            remote_to: None,
            state: CallState::Calling,
            subscription: Subscription::None,
            roster: None,
            pending: Pending::default(),
            reinviting: None,
            renegotiation: Renegotiation::None,
            host_answer: HostAnswer::None,
            local_sdp: sdp.to_string(),
            reoffer: None,
            asked_size: None,
            answered_offer: None,
        };
        let to = wire::to_addr(call.target.clone()).into();
        let branch = call.branch.clone();
        call.invite = call.request(Method::Invite, to, &branch, 1, Some(sdp));
        let invite = call.invite.clone();
        (call, invite)
    }

    /// A meeting call a focus rang this room into, answered here: it goes
    /// on in `dialog` as a placed meeting call (roster, host actions…).
    pub fn answered(
        account: &Account,
        local: SocketAddr,
        dialog: AnsweredDialog,
        remote_sdp: String,
        now: Instant,
    ) -> Self {
        let aor = Uri::try_from(dialog.local_uri.as_str())
            .unwrap_or_else(|_| wire::sip_uri(Some(&account.username), &account.domain));
        Self {
            transport: account.transport,
            local,
            user: account.username.clone(),
            target: dialog.remote_target,
            aor,
            call_id: dialog.call_id,
            from_tag: dialog.local_tag,
            // Our own requests in the dialog count on from here.
            cseq: 1,
            branch: new_branch(),
            invite: Vec::new(),
            started: now,
            next_retransmit: None,
            interval: T1,
            remote_to: Some(dialog.remote),
            state: CallState::Established { remote_sdp },
            subscription: Subscription::Due(now),
            roster: None,
            pending: Pending::default(),
            reinviting: None,
            renegotiation: Renegotiation::None,
            host_answer: HostAnswer::None,
            local_sdp: dialog.local_sdp,
            reoffer: None,
            asked_size: None,
            answered_offer: None,
        }
    }

    pub fn state(&self) -> &CallState {
        &self.state
    }

    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The meeting's roster, while the focus sends one.
    pub fn roster(&self) -> Option<&Roster> {
        self.roster.as_ref()
    }

    /// When [`poll`](Self::poll) next has something to do.
    pub fn next_wakeup(&self) -> Option<Instant> {
        match self.state {
            CallState::Calling => Some(
                self.next_retransmit
                    .unwrap_or(self.started + TIMER_B)
                    .min(self.started + TIMER_B),
            ),
            CallState::Ringing => Some(self.started + RING_LIMIT),
            CallState::Established { .. } => {
                let subscribe = match self.subscription {
                    Subscription::Due(at) => Some(at),
                    _ => None,
                };
                let reinvite = self.reinviting.as_ref().map(|(_, _, deadline)| *deadline);
                [subscribe, self.pending.next_wakeup(), reinvite]
                    .into_iter()
                    .flatten()
                    .min()
            }
            _ => None,
        }
    }

    /// Retransmits the INVITE over UDP (T1 doubling to T2) and gives up at
    /// Timer B (or the ring limit).
    pub fn poll(&mut self, now: Instant) -> Option<Vec<u8>> {
        match self.state {
            CallState::Calling if now >= self.started + TIMER_B => {
                self.state = CallState::Ended(CallEnd::Timeout);
                None
            }
            CallState::Ringing if now >= self.started + RING_LIMIT => {
                self.state = CallState::Ended(CallEnd::Timeout);
                Some(self.cancel())
            }
            CallState::Calling => {
                let due = self.next_retransmit.filter(|t| now >= *t)?;
                self.interval = (self.interval * 2).min(T2);
                self.next_retransmit = Some(due + self.interval);
                Some(self.invite.clone())
            }
            CallState::Established { .. } => {
                // A re-INVITE nobody answered (Timer B) failed.
                if let Some((cseq, _, deadline)) = &self.reinviting {
                    if now >= *deadline {
                        self.pending.answered(*cseq);
                        self.reinviting = None;
                        self.renegotiation = Renegotiation::Refused(408);
                    }
                }
                match self.subscription {
                    Subscription::Due(at) if now >= at => Some(self.subscribe(now)),
                    _ => self.pending.due(now),
                }
            }
            _ => None,
        }
    }

    /// A SUBSCRIBE to the meeting's roster, to be refreshed before it ends.
    fn subscribe(&mut self, now: Instant) -> Vec<u8> {
        let refresh = Duration::from_secs(SUBSCRIPTION_SECS) - REFRESH_BEFORE;
        self.subscription = Subscription::Due(now + refresh);
        let expires = SUBSCRIPTION_SECS.to_string();
        self.in_dialog(
            Method::Subscribe,
            vec![
                headers::Event::new("conference").into(),
                headers::Expires::from(expires).into(),
                headers::Accept::new(conference::CONTENT_TYPE).into(),
            ],
            None,
            now,
        )
    }

    /// Asks the focus for `layout` (`gallery`, `speaker`,
    /// `picture_in_picture`) in this room; `None` if this is no meeting
    /// call or it is not established.
    pub fn select_layout(&mut self, layout: &str, now: Instant) -> Option<Vec<u8>> {
        if !matches!(self.state, CallState::Established { .. })
            || self.subscription == Subscription::None
        {
            return None;
        }
        let body = conference::layout_choice(layout);
        Some(self.in_dialog(
            Method::Info,
            Vec::new(),
            Some((conference::LAYOUT_TYPE, &body)),
            now,
        ))
    }

    /// Asks the focus to take a host action (`body`: its JSON, see the
    /// cloud's `focus::control`); `None` if this is no meeting call or it
    /// is not established. The answer: [`host_answer`](Self::host_answer).
    pub fn host_action(&mut self, body: &str, now: Instant) -> Option<Vec<u8>> {
        if !matches!(self.state, CallState::Established { .. })
            || self.subscription == Subscription::None
        {
            return None;
        }
        let info = self.in_dialog(
            Method::Info,
            Vec::new(),
            Some((conference::CONTROL_TYPE, body)),
            now,
        );
        self.host_answer = HostAnswer::Asked(self.cseq);
        Some(info)
    }

    /// How the last host action went.
    pub fn host_answer(&self) -> &HostAnswer {
        &self.host_answer
    }

    /// A non-INVITE request of ours in the dialog, remembered until its
    /// answer comes.
    fn in_dialog(
        &mut self,
        method: Method,
        headers: Vec<Header>,
        body: Option<(&str, &str)>,
        now: Instant,
    ) -> Vec<u8> {
        self.cseq += 1;
        let to = self.remote_to_header();
        let branch = format!("z9hG4bK{}", random_hex());
        let bytes = self.request_with(method, to, &branch, self.cseq, headers, body);
        let reliable = self.transport == SipTransport::Tcp;
        self.pending.sent(self.cseq, &bytes, reliable, now);
        bytes
    }

    /// A response from the network; returns what to send (the ACK).
    pub fn on_response(&mut self, data: &[u8]) -> Option<Vec<u8>> {
        let msg = Message::parse(data)?;
        let (status, reason) = msg.status.clone()?;
        if msg.header("call-id") != Some(self.call_id.as_str()) {
            return None;
        }
        let cseq = msg.header("cseq").unwrap_or_default();
        if cseq.ends_with("BYE") || cseq.ends_with("CANCEL") {
            return None;
        }
        if cseq.ends_with("SUBSCRIBE") || cseq.ends_with("INFO") {
            let number = cseq.split_whitespace().next().and_then(|n| n.parse().ok());
            if let Some(number) = number.filter(|_| status >= 200) {
                self.pending.answered(number);
                if cseq.ends_with("SUBSCRIBE") && status >= 300 {
                    tracing::info!(status, "the focus refused the roster subscription");
                    self.subscription = Subscription::Refused;
                }
                if self.host_answer == HostAnswer::Asked(number) {
                    self.host_answer = HostAnswer::Answered {
                        status,
                        code: msg.header("warning").and_then(warning_code),
                    };
                }
            }
            return None;
        }
        let number = cseq.split_whitespace().next().and_then(|n| n.parse().ok());
        if let Some(number) = number.filter(|n| *n > 1 && cseq.ends_with("INVITE")) {
            return self.on_reinvite_response(number, status, &msg);
        }
        let to = msg.header("to").unwrap_or_default().to_string();
        match (status, &self.state) {
            (100..=199, CallState::Calling | CallState::Ringing) => {
                self.next_retransmit = None;
                if status > 100 {
                    self.state = CallState::Ringing;
                }
                None
            }
            (200..=299, CallState::Calling | CallState::Ringing) => {
                self.remote_to = Some(to.clone());
                self.state = CallState::Established {
                    remote_sdp: msg.body.clone(),
                };
                // A conference focus: subscribe to its roster at once.
                let focus = msg
                    .header("contact")
                    .is_some_and(|c| c.to_ascii_lowercase().contains("isfocus"));
                if focus {
                    self.subscription = Subscription::Due(self.started);
                }
                Some(self.ack_2xx(&to))
            }
            // A retransmitted 2xx: our ACK was lost; send it again.
            (200..=299, CallState::Established { .. }) => Some(self.ack_2xx(&to)),
            (300..=699, CallState::Calling | CallState::Ringing) => {
                self.state = CallState::Ended(CallEnd::Refused {
                    status,
                    reason,
                    code: msg.header("warning").and_then(warning_code),
                });
                Some(self.ack_failure(&to))
            }
            // A retransmitted failure: ACK again (§17.1.1.2).
            (300..=699, CallState::Ended(CallEnd::Refused { .. })) => Some(self.ack_failure(&to)),
            _ => None,
        }
    }

    /// A request from the network in this call; returns the response.
    pub fn on_request(&mut self, data: &[u8]) -> Option<Vec<u8>> {
        let msg = Message::parse(data)?;
        if msg.status.is_some() || msg.header("call-id") != Some(self.call_id.as_str()) {
            return None;
        }
        let code = match (msg.method.as_str(), &self.state) {
            // The ACK of our answer to a re-INVITE: nothing to answer.
            ("ACK", _) => return None,
            ("INVITE", CallState::Established { .. }) => return Some(self.on_reoffer(&msg)),
            ("BYE", CallState::Established { .. }) => {
                self.state = CallState::Ended(CallEnd::RemoteHungUp {
                    code: msg.header("warning").and_then(warning_code),
                });
                (200, "OK")
            }
            ("BYE", _) => (481, "Call/Transaction Does Not Exist"),
            ("NOTIFY", CallState::Established { .. }) => self.on_notify(&msg),
            ("NOTIFY", _) => (481, "Call/Transaction Does Not Exist"),
            _ => (501, "Not Implemented"),
        };
        Some(wire::response(&msg, code.0, code.1, None).build())
    }

    /// The focus's NOTIFY: the roster now (a stale one, by its version,
    /// is answered and ignored).
    fn on_notify(&mut self, msg: &Message) -> (u16, &'static str) {
        let event = msg.header("event").unwrap_or_default();
        if !event.trim().to_ascii_lowercase().starts_with("conference") {
            return (489, "Bad Event");
        }
        let state = msg.header("subscription-state").unwrap_or_default();
        if state.trim().to_ascii_lowercase().starts_with("terminated") {
            self.roster = None;
            self.subscription = Subscription::Refused;
            return (200, "OK");
        }
        match conference::parse(&msg.body) {
            Some(roster) => {
                let stale = self
                    .roster
                    .as_ref()
                    .is_some_and(|last| roster.version != 0 && roster.version < last.version);
                if !stale {
                    self.roster = Some(roster);
                }
                (200, "OK")
            }
            None => (400, "Bad Conference Info"),
        }
    }

    /// Hangs up: BYE when answered, CANCEL while still calling.
    pub fn hang_up(&mut self) -> Option<Vec<u8>> {
        match &self.state {
            CallState::Established { .. } => {
                self.state = CallState::Ended(CallEnd::HungUp);
                self.cseq += 1;
                let to = self.remote_to_header();
                let branch = format!("z9hG4bK{}", random_hex());
                Some(self.request(Method::Bye, to, &branch, self.cseq, None))
            }
            CallState::Calling | CallState::Ringing => {
                self.state = CallState::Ended(CallEnd::HungUp);
                Some(self.cancel())
            }
            CallState::Ended(_) | CallState::Incoming { .. } => None,
        }
    }

    fn cancel(&self) -> Vec<u8> {
        // Same branch and CSeq number as the INVITE (§9.1).
        let to = wire::to_addr(self.target.clone()).into();
        self.request(Method::Cancel, to, &self.branch.clone(), 1, None)
    }

    fn ack_2xx(&self, to: &str) -> Vec<u8> {
        self.ack(to, &new_branch(), 1)
    }

    fn ack_failure(&self, to: &str) -> Vec<u8> {
        self.ack(to, &self.branch.clone(), 1)
    }

    /// The ACK of INVITE `cseq`: a new transaction after a 2xx, the
    /// INVITE's own branch after a failure (§17.1.1.3).
    fn ack(&self, to: &str, branch: &str, cseq: u32) -> Vec<u8> {
        self.request(Method::Ack, wire::echoed_to(to), branch, cseq, None)
    }

    /// The far end's To as its answer gave it (with its tag).
    fn remote_to_header(&self) -> Header {
        wire::echoed_to(self.remote_to.as_deref().unwrap_or_default())
    }

    fn request(
        &self,
        method: Method,
        to: Header,
        branch: &str,
        cseq: u32,
        sdp: Option<&str>,
    ) -> Vec<u8> {
        let body = sdp.map(|sdp| ("application/sdp", sdp));
        self.request_with(method, to, branch, cseq, Vec::new(), body)
    }

    /// A request of this call (§8.1.1, §12.2.1.1): to the call's target,
    /// from us, with our Contact.
    fn request_with(
        &self,
        method: Method,
        to: Header,
        branch: &str,
        cseq: u32,
        headers: Vec<Header>,
        body: Option<(&str, &str)>,
    ) -> Vec<u8> {
        let local = Local {
            transport: self.transport,
            addr: self.local,
            user: self.user.clone(),
        };
        let mut request = wire::request(method, self.target.clone(), &local, branch)
            .from(wire::from_addr(self.aor.clone(), &self.from_tag))
            .header(to)
            .call_id(&self.call_id)
            .cseq(cseq)
            .header(local.contact(Vec::new()));
        for header in headers {
            request = request.header(header);
        }
        if let Some((content_type, body)) = body {
            request = request.body(content_type, body);
        }
        request.build()
    }
}

fn new_branch() -> String {
    format!("z9hG4bK{}", random_hex())
}

#[path = "call_reinvite.rs"]
mod reinvite;

#[cfg(test)]
#[path = "call_tests.rs"]
mod tests;
