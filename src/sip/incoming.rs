//! An incoming call (RFC 3261 §13.3, §17.2.1) as a state machine: the
//! INVITE rings here (`180 Ringing`), and the user (or auto-answer)
//! answers with our SDP — `200 OK`, repeated over UDP until the ACK — or
//! declines (`603`). The caller may CANCEL while it rings; either side may
//! hang up once answered. Time is a parameter; sockets live in the agent.

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
        let caller = caller_of(&from);
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

    /// Answers with `sdp`; `None` unless it is ringing.
    pub fn answer(&mut self, sdp: &str, now: Instant) -> Option<Vec<u8>> {
        let CallState::Incoming { offer, .. } = &self.state else {
            return None;
        };
        let offer = offer.clone();
        self.last_answer = self.answer_invite(200, "OK", Some(sdp));
        if self.transport == SipTransport::Udp {
            self.retransmit = Some((now + T1, T1));
        }
        self.answered_at = Some(now);
        self.state = CallState::Established { remote_sdp: offer };
        Some(self.last_answer.clone())
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
            _ => self.retransmit.map(|(at, _)| at),
        }
    }

    /// Repeats the unacknowledged `200 OK` (T1 doubling to T2, until Timer
    /// H); gives up ringing after the limit.
    pub fn poll(&mut self, now: Instant) -> Option<Vec<u8>> {
        if matches!(self.state, CallState::Incoming { .. }) && now >= self.rang_at + RING_LIMIT {
            self.state = CallState::Ended(CallEnd::Missed);
            self.last_answer = self.answer_invite(480, "Temporarily Unavailable", None);
            return Some(self.last_answer.clone());
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
            ("BYE", CallState::Established { .. }) => {
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
            CallState::Established { .. } => {
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
    Caller { name, number }
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
mod tests {
    use super::*;

    fn account(transport: SipTransport) -> Account {
        Account::for_tests("100002", transport)
    }

    const INVITE: &str = "INVITE sip:100002@127.0.0.1:40000 SIP/2.0\r\n\
        Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKcloud1;rport\r\n\
        Max-Forwards: 70\r\n\
        From: \"Boardroom\" <sip:100001@roomcloud.local>;tag=c1\r\n\
        To: <sip:100002@roomcloud.local>\r\n\
        Call-ID: b2b@roomcloud\r\n\
        CSeq: 1 INVITE\r\n\
        Contact: <sip:calls@127.0.0.1:5060>\r\n\
        Content-Type: application/sdp\r\n\
        Content-Length: 5\r\n\r\nv=0\r\n";

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    fn ringing(transport: SipTransport, now: Instant) -> (IncomingCall, Vec<u8>) {
        let local = "127.0.0.1:40000".parse().unwrap();
        IncomingCall::ring(&account(transport), local, INVITE.as_bytes(), now).unwrap()
    }

    /// `request` for this call with a changed method line and CSeq.
    fn in_call(call: &IncomingCall, method: &str, tagged: bool) -> Vec<u8> {
        let to = if tagged {
            format!("To: <sip:100002@roomcloud.local>;tag={}", call.local_tag)
        } else {
            "To: <sip:100002@roomcloud.local>".into()
        };
        INVITE
            .replace("INVITE sip:", &format!("{method} sip:"))
            .replace("CSeq: 1 INVITE", &format!("CSeq: 1 {method}"))
            .replace("To: <sip:100002@roomcloud.local>", &to)
            .replace(
                "Content-Length: 5\r\n\r\nv=0\r\n",
                "Content-Length: 0\r\n\r\n",
            )
            .into_bytes()
    }

    #[test]
    fn it_rings_with_the_caller_named_then_answers_until_acked() {
        let now = Instant::now();
        let (mut call, ringing) = ringing(SipTransport::Udp, now);
        assert!(text(&ringing).starts_with("SIP/2.0 180 Ringing\r\n"));
        assert!(text(&ringing).contains(&format!("tag={}", call.local_tag)));
        let CallState::Incoming { caller, offer } = call.state().clone() else {
            panic!("not ringing");
        };
        assert_eq!(caller.name, "Boardroom");
        assert_eq!(caller.number, "100001");
        assert_eq!(offer, "v=0\r\n");
        let ok = call.answer("v=0\r\nanswer\r\n", now).unwrap();
        let ok_text = text(&ok);
        assert!(ok_text.starts_with("SIP/2.0 200 OK\r\n"));
        assert!(ok_text.contains("Contact: <sip:100002@127.0.0.1:40000>"));
        assert!(ok_text.ends_with("v=0\r\nanswer\r\n"));
        // Repeated until the ACK (UDP).
        assert_eq!(
            call.poll(now + Duration::from_millis(600)),
            Some(ok.clone())
        );
        assert!(call.on_request(&in_call(&call, "ACK", true)).is_empty());
        assert_eq!(call.poll(now + Duration::from_secs(3)), None);
        // The caller hangs up.
        let answers = call.on_request(&in_call(&call, "BYE", true));
        assert!(text(&answers[0]).starts_with("SIP/2.0 200 OK"));
        assert_eq!(
            call.state(),
            &CallState::Ended(CallEnd::RemoteHungUp { code: None })
        );
    }

    #[test]
    fn a_cancel_while_ringing_is_a_missed_call_with_487() {
        let (mut call, _) = ringing(SipTransport::Tcp, Instant::now());
        let answers = call.on_request(&in_call(&call, "CANCEL", false));
        assert_eq!(answers.len(), 2);
        assert!(text(&answers[0]).starts_with("SIP/2.0 200 OK"));
        assert!(text(&answers[0]).contains("CSeq: 1 CANCEL"));
        assert!(text(&answers[1]).starts_with("SIP/2.0 487 Request Terminated"));
        assert!(text(&answers[1]).contains("CSeq: 1 INVITE"));
        assert_eq!(call.state(), &CallState::Ended(CallEnd::Missed));
        assert_eq!(call.answer("v=0\r\n", Instant::now()), None);
    }

    #[test]
    fn declining_and_hanging_up_say_so_to_the_caller() {
        let now = Instant::now();
        let (mut call, _) = ringing(SipTransport::Udp, now);
        // A retransmitted INVITE gets the 180 again.
        let again = call.on_request(INVITE.as_bytes());
        assert!(text(&again[0]).starts_with("SIP/2.0 180"));
        let declined = call.decline().unwrap();
        assert!(text(&declined).starts_with("SIP/2.0 603 Decline"));
        assert_eq!(call.state(), &CallState::Ended(CallEnd::Declined));

        let (mut answered, _) = ringing(SipTransport::Tcp, now);
        answered.answer("v=0\r\n", now).unwrap();
        assert_eq!(answered.poll(now + Duration::from_secs(1)), None, "TCP");
        let bye = text(&answered.hang_up().unwrap());
        assert!(
            bye.starts_with("BYE sip:calls@127.0.0.1:5060 SIP/2.0"),
            "{bye}"
        );
        assert!(bye.contains("To: \"Boardroom\" <sip:100001@roomcloud.local>;tag=c1"));
        assert!(bye.contains(&format!(
            "From: <sip:100002@roomcloud.local>;tag={}",
            answered.local_tag
        )));
        assert!(bye.contains("CSeq: 1 BYE"));
        assert_eq!(answered.state(), &CallState::Ended(CallEnd::HungUp));
    }

    #[test]
    fn an_unanswered_call_stops_ringing_and_garbage_is_ignored() {
        let now = Instant::now();
        let (mut call, _) = ringing(SipTransport::Udp, now);
        assert!(call.on_request(b"\x00garbage").is_empty());
        let gave_up = call.poll(now + RING_LIMIT).unwrap();
        assert!(text(&gave_up).starts_with("SIP/2.0 480"));
        assert_eq!(call.state(), &CallState::Ended(CallEnd::Missed));
        let local = "127.0.0.1:40000".parse().unwrap();
        let acct = account(SipTransport::Udp);
        assert!(IncomingCall::ring(&acct, local, b"garbage", now).is_none());
        let tagged = INVITE.replace(
            "To: <sip:100002@roomcloud.local>",
            "To: <sip:100002@roomcloud.local>;tag=x",
        );
        assert!(IncomingCall::ring(&acct, local, tagged.as_bytes(), now).is_none());
    }
}
