//! An incoming call (RFC 3261 §13.3, §17.2.1) as a state machine: the
//! INVITE rings here (`180 Ringing`), and the user (or auto-answer)
//! answers with our SDP — `200 OK`, repeated over UDP until the ACK — or
//! declines (`603`). The caller may CANCEL while it rings; either side may
//! hang up once answered. Time is a parameter; sockets live in the agent.
//!
//! An INVITE without SDP (a delayed offer, RFC 3264 §5: how a meeting's
//! focus rings a room) is answered with our offer, and the call is
//! established by the ACK carrying the caller's answer. A call from a
//! focus is handed to the agent as a meeting call ([`IncomingCall::dialog`]).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use rsip::{Method, Uri};

use super::account::{Account, SipTransport};
use super::call_state::{CallEnd, CallState, Caller};
use super::message::{warning_code, Message};
use super::wire::{self, has_tag, Local};
use super::{random_hex, T1, T2};

/// Timer H: stop repeating the answer when no ACK comes.
const ACK_WAIT: Duration = Duration::from_secs(32);
/// How long an unanswered call rings before it is given up here.
const RING_LIMIT: Duration = Duration::from_secs(90);

pub struct IncomingCall {
    transport: SipTransport,
    local: SocketAddr,
    user: String,
    invite: Message,
    call_id: String,
    local_tag: String,
    /// The INVITE's top Via branch: a retransmitted INVITE carries it.
    branch: String,
    /// Their From (our To in requests we send), and where requests go.
    remote: String,
    remote_target: Uri,
    cseq: u32,
    /// The last answer to the INVITE, repeated for its retransmissions.
    last_answer: Vec<u8>,
    retransmit: Option<(Instant, Duration)>,
    answered_at: Option<Instant>,
    rang_at: Instant,
    state: CallState,
    /// Our offer went in the `200 OK` (a delayed offer): the answer is
    /// due in the ACK.
    awaiting_answer: bool,
    /// A meeting's focus rang.
    meeting: bool,
    /// Our SDP in the answer (or delayed offer) we gave.
    local_sdp: String,
}

/// The dialog of an answered call, as a meeting call goes on in it.
#[derive(Debug, Clone)]
pub struct AnsweredDialog {
    pub call_id: String,
    /// Our tag (the From tag of requests we send).
    pub local_tag: String,
    /// Their From, with their tag: the To of requests we send.
    pub remote: String,
    /// Their Contact: where requests go.
    pub remote_target: Uri,
    /// The address they called (their To, our From).
    pub local_uri: String,
    /// Our SDP in the session (what a re-INVITE's answer builds on).
    pub local_sdp: String,
}

impl IncomingCall {
    /// Takes a new INVITE (no To tag) with an SDP offer: returns the call
    /// ringing and the `180 Ringing` to send. `None` for anything else.
    pub fn ring(
        account: &Account,
        local: SocketAddr,
        data: &[u8],
        now: Instant,
    ) -> Option<(Self, Vec<u8>)> {
        let invite = Message::parse(data)?;
        if invite.status.is_some() || invite.method != "INVITE" {
            return None;
        }
        let to = invite.header("to")?;
        if has_tag(to) {
            return None;
        }
        let call_id = invite.header("call-id")?.to_string();
        let from = invite.header("from")?.to_string();
        let mut caller = caller_of(&from);
        caller.meeting = invite
            .header("contact")
            .is_some_and(|c| c.to_ascii_lowercase().contains("isfocus"));
        let meeting = caller.meeting;
        // Our BYE goes to the caller's Contact: an INVITE must carry one
        // that is a SIP URI (RFC 3261 §8.1.1.8), else it is refused.
        let remote_target = invite.header("contact").and_then(uri_of)?;
        if !is_sip_uri(remote_target) {
            return None;
        }
        let remote_target = Uri::try_from(remote_target).ok()?;
        let branch = invite
            .header("via")
            .and_then(|via| param(via, "branch"))
            .unwrap_or_default();
        let offer = invite.body.clone();
        let mut call = Self {
            transport: account.transport,
            local,
            user: account.username.clone(),
            call_id,
            local_tag: random_hex(),
            branch,
            remote: from,
            remote_target,
            cseq: 0,
            last_answer: Vec::new(),
            retransmit: None,
            answered_at: None,
            rang_at: now,
            state: CallState::Incoming { caller, offer },
            awaiting_answer: false,
            meeting,
            local_sdp: String::new(),
            invite,
        };
        call.last_answer = call.answer_invite(180, "Ringing", None);
        let ringing = call.last_answer.clone();
        Some((call, ringing))
    }

    pub fn state(&self) -> &CallState {
        &self.state
    }

    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// Answers with `sdp` (our answer, or our offer to a delayed offer:
    /// the call is then `Calling` until the ACK brings the answer); `None`
    /// unless it is ringing.
    pub fn answer(&mut self, sdp: &str, now: Instant) -> Option<Vec<u8>> {
        let CallState::Incoming { offer, .. } = &self.state else {
            return None;
        };
        let offer = offer.clone();
        self.last_answer = self.answer_invite(200, "OK", Some(sdp));
        self.local_sdp = sdp.to_string();
        if self.transport == SipTransport::Udp {
            self.retransmit = Some((now + T1, T1));
        }
        self.answered_at = Some(now);
        self.awaiting_answer = offer.trim().is_empty();
        self.state = match self.awaiting_answer {
            true => CallState::Calling,
            false => CallState::Established { remote_sdp: offer },
        };
        Some(self.last_answer.clone())
    }

    /// Whether a meeting's focus rang (its Contact says `isfocus`).
    pub fn from_focus(&self) -> bool {
        self.meeting
    }

    /// The answered call's dialog, for a meeting call to go on in.
    pub fn dialog(&self) -> AnsweredDialog {
        AnsweredDialog {
            call_id: self.call_id.clone(),
            local_tag: self.local_tag.clone(),
            remote: self.remote.clone(),
            remote_target: self.remote_target.clone(),
            local_uri: self
                .invite
                .header("to")
                .and_then(uri_of)
                .unwrap_or_default()
                .to_string(),
            local_sdp: self.local_sdp.clone(),
        }
    }

    /// Declines the ringing call (`603 Decline`).
    pub fn decline(&mut self) -> Option<Vec<u8>> {
        if !matches!(self.state, CallState::Incoming { .. }) {
            return None;
        }
        self.state = CallState::Ended(CallEnd::Declined);
        self.last_answer = self.answer_invite(603, "Decline", None);
        Some(self.last_answer.clone())
    }

    pub fn next_wakeup(&self) -> Option<Instant> {
        match self.state {
            CallState::Incoming { .. } => Some(self.rang_at + RING_LIMIT),
            // Given up at Timer H if the answer never comes.
            CallState::Calling => [self.retransmit.map(|(at, _)| at), self.ack_deadline()]
                .into_iter()
                .flatten()
                .min(),
            _ => self.retransmit.map(|(at, _)| at),
        }
    }

    fn ack_deadline(&self) -> Option<Instant> {
        self.answered_at.map(|at| at + ACK_WAIT)
    }

    /// Repeats the unacknowledged `200 OK` (T1 doubling to T2, until Timer
    /// H); gives up ringing after the limit.
    pub fn poll(&mut self, now: Instant) -> Option<Vec<u8>> {
        if matches!(self.state, CallState::Incoming { .. }) && now >= self.rang_at + RING_LIMIT {
            self.state = CallState::Ended(CallEnd::Missed);
            self.last_answer = self.answer_invite(480, "Temporarily Unavailable", None);
            return Some(self.last_answer.clone());
        }
        // Our offer was never answered (no ACK): the call cannot go on.
        if self.state == CallState::Calling && self.ack_deadline().is_some_and(|at| now >= at) {
            self.retransmit = None;
            self.state = CallState::Ended(CallEnd::Timeout);
            self.cseq += 1;
            return Some(self.request(Method::Bye, self.cseq));
        }
        let (due, interval) = self.retransmit?;
        if now < due {
            return None;
        }
        if self.answered_at.is_some_and(|at| now >= at + ACK_WAIT) {
            self.retransmit = None;
            return None;
        }
        let interval = (interval * 2).min(T2);
        self.retransmit = Some((now + interval, interval));
        Some(self.last_answer.clone())
    }

    /// A request in this call: the answers to send (a CANCEL gets two:
    /// `200` for itself and `487` for the INVITE).
    pub fn on_request(&mut self, data: &[u8]) -> Vec<Vec<u8>> {
        let Some(msg) = Message::parse(data) else {
            return Vec::new();
        };
        if msg.status.is_some() || msg.header("call-id") != Some(self.call_id.as_str()) {
            return Vec::new();
        }
        match (msg.method.as_str(), &self.state) {
            ("ACK", CallState::Calling) if self.awaiting_answer => {
                self.retransmit = None;
                self.awaiting_answer = false;
                if msg.body.trim().is_empty() {
                    // No answer to our offer: nothing to send media by.
                    tracing::warn!("a delayed offer's ACK without an answer");
                    self.state = CallState::Ended(CallEnd::HungUp);
                    self.cseq += 1;
                    return vec![self.request(Method::Bye, self.cseq)];
                }
                self.state = CallState::Established {
                    remote_sdp: msg.body.clone(),
                };
                Vec::new()
            }
            ("ACK", _) => {
                self.retransmit = None;
                Vec::new()
            }
            // A retransmitted INVITE: the same answer again.
            ("INVITE", _) if self.is_retransmission(&msg) => vec![self.last_answer.clone()],
            ("CANCEL", CallState::Incoming { .. }) => {
                self.state = CallState::Ended(CallEnd::Missed);
                let ok = self.respond(&msg, 200, "OK", true);
                self.last_answer = self.answer_invite(487, "Request Terminated", None);
                vec![ok, self.last_answer.clone()]
            }
            ("CANCEL", _) => vec![self.respond(&msg, 200, "OK", true)],
            ("BYE", CallState::Established { .. } | CallState::Calling) => {
                self.state = CallState::Ended(CallEnd::RemoteHungUp {
                    code: msg.header("warning").and_then(warning_code),
                });
                self.retransmit = None;
                vec![self.respond(&msg, 200, "OK", false)]
            }
            ("BYE", _) => vec![self.respond(&msg, 481, "Call/Transaction Does Not Exist", false)],
            ("INVITE", CallState::Established { .. }) => {
                // A re-INVITE: the session stays as it is.
                vec![self.respond(&msg, 488, "Not Acceptable Here", false)]
            }
            _ => vec![self.respond(&msg, 501, "Not Implemented", false)],
        }
    }

    /// Hangs up: BYE once answered, a decline while it rings.
    pub fn hang_up(&mut self) -> Option<Vec<u8>> {
        match self.state {
            CallState::Established { .. } | CallState::Calling => {
                self.state = CallState::Ended(CallEnd::HungUp);
                self.retransmit = None;
                self.cseq += 1;
                Some(self.request(Method::Bye, self.cseq))
            }
            CallState::Incoming { .. } => self.decline(),
            _ => None,
        }
    }

    fn is_retransmission(&self, msg: &Message) -> bool {
        let to_tagged = msg.header("to").is_some_and(has_tag);
        let branch = msg.header("via").and_then(|via| param(via, "branch"));
        !to_tagged && branch.as_deref() == Some(self.branch.as_str())
    }

    /// A response to the INVITE, with our tag (and Contact on 1xx/2xx).
    fn answer_invite(&self, code: u16, reason: &str, sdp: Option<&str>) -> Vec<u8> {
        let mut response = wire::response(&self.invite, code, reason, Some(&self.local_tag));
        if code < 300 {
            response = response.header(self.local().contact(Vec::new()));
        }
        if let Some(sdp) = sdp {
            response = response.body("application/sdp", sdp);
        }
        response.build()
    }

    /// A response to another request of the call; `tagged`: with our To
    /// tag (a CANCEL's answer: the INVITE's dialog is ours).
    fn respond(&self, request: &Message, code: u16, reason: &str, tagged: bool) -> Vec<u8> {
        let tag = tagged.then_some(self.local_tag.as_str());
        wire::response(request, code, reason, tag).build()
    }

    fn local(&self) -> Local {
        Local {
            transport: self.transport,
            addr: self.local,
            user: self.user.clone(),
        }
    }

    /// A request in the dialog (a BYE), §12.2.1.1: to the caller's
    /// Contact, from the To it called (with our tag).
    fn request(&self, method: Method, cseq: u32) -> Vec<u8> {
        let to_us = self.invite.header("to").unwrap_or_default();
        let branch = format!("z9hG4bK{}", random_hex());
        wire::request(method, self.remote_target.clone(), &self.local(), &branch)
            .echo_from(to_us, &self.local_tag)
            .echo_to(&self.remote)
            .call_id(&self.call_id)
            .cseq(cseq)
            .build()
    }
}

/// The caller as the From header names it.
fn caller_of(from: &str) -> Caller {
    let number = uri_of(from)
        .and_then(|uri| {
            uri.strip_prefix("sip:")
                .or_else(|| uri.strip_prefix("sips:"))
        })
        .and_then(|rest| rest.split('@').next())
        .unwrap_or_default()
        .to_string();
    let name = match from.find('<') {
        Some(start) => from[..start].trim().trim_matches('"').trim().to_string(),
        None => String::new(),
    };
    let name = if name.is_empty() {
        number.clone()
    } else {
        name
    };
    Caller {
        name,
        number,
        meeting: false,
    }
}

/// Whether `uri` is a SIP URI we can put on a request line: the scheme,
/// only characters URIs may hold, and a request line made of it parses
/// (rsip's URI parser alone is lenient about what follows a valid prefix).
fn is_sip_uri(uri: &str) -> bool {
    (uri.starts_with("sip:") || uri.starts_with("sips:"))
        && uri
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.!~*'()%;:@&=+$,/?#[]".contains(&b))
        && rsip::SipMessage::try_from(format!("BYE {uri} SIP/2.0\r\nContent-Length: 0\r\n\r\n"))
            .is_ok()
}

/// The URI inside `<…>`, or a bare one before its parameters.
fn uri_of(value: &str) -> Option<&str> {
    match (value.find('<'), value.find('>')) {
        (Some(start), Some(end)) if start < end => Some(&value[start + 1..end]),
        _ => value.split(';').next().map(str::trim),
    }
}

/// A `;name=value` parameter of a header value.
fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

#[cfg(test)]
#[path = "incoming_tests.rs"]
mod tests;
