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

use super::conference::{self, Roster};
use super::message::{respond, warning_code, Message};
use super::pending::Pending;
use super::register::{Account, SipTransport};
use super::{random_hex, T1, T2};

/// Timer B: an INVITE with no answer at all this long has failed.
const TIMER_B: Duration = Duration::from_secs(32);
/// How long a ringing call may wait for an answer before we give up.
const RING_LIMIT: Duration = Duration::from_secs(60);
/// The roster subscription asked for, and refreshed this long before it
/// runs out.
const SUBSCRIPTION_SECS: u64 = 600;
const REFRESH_BEFORE: Duration = Duration::from_secs(60);

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

/// Why a call ended, as the terminal says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEnd {
    /// A final refusal; `code` is the stable reason (the cloud's
    /// `Warning: 399 … "<code>"`, e.g. `wrong_password`, `full`) if given.
    Refused {
        status: u16,
        reason: String,
        code: Option<String>,
    },
    /// No answer (Timer B), or ringing past the limit.
    Timeout,
    /// We hung up.
    HungUp,
    /// The far end hung up (BYE).
    RemoteHungUp,
    /// An incoming call we declined.
    Declined,
    /// An incoming call that stopped ringing unanswered (the caller gave
    /// up, or it rang too long).
    Missed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallState {
    Calling,
    Ringing,
    /// An incoming call ringing here, with the caller's offer.
    Incoming {
        caller: super::incoming::Caller,
        offer: String,
    },
    /// Answered: the far end's SDP (its answer to our offer, or the offer
    /// of a call we answered).
    Established {
        remote_sdp: String,
    },
    Ended(CallEnd),
}

pub struct OutgoingCall {
    transport: SipTransport,
    local: SocketAddr,
    target: String,
    from: String,
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
    /// SUBSCRIBEs and INFOs awaiting their answer.
    pending: Pending,
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
            target: format!("sip:{user}@{}", account.domain),
            from: format!("<sip:{}@{}>", account.username, account.domain),
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
        };
        let to = format!("<{}>", call.target);
        let branch = call.branch.clone();
        call.invite = call.request("INVITE", &to, &branch, 1, Some(sdp));
        let invite = call.invite.clone();
        (call, invite)
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
                [subscribe, self.pending.next_wakeup()]
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
            CallState::Established { .. } => match self.subscription {
                Subscription::Due(at) if now >= at => Some(self.subscribe(now)),
                _ => self.pending.due(now),
            },
            _ => None,
        }
    }

    /// A SUBSCRIBE to the meeting's roster, to be refreshed before it ends.
    fn subscribe(&mut self, now: Instant) -> Vec<u8> {
        let refresh = Duration::from_secs(SUBSCRIPTION_SECS) - REFRESH_BEFORE;
        self.subscription = Subscription::Due(now + refresh);
        let expires = SUBSCRIPTION_SECS.to_string();
        self.in_dialog(
            "SUBSCRIBE",
            &[
                ("Event", "conference"),
                ("Expires", &expires),
                ("Accept", conference::CONTENT_TYPE),
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
        Some(self.in_dialog("INFO", &[], Some((conference::LAYOUT_TYPE, &body)), now))
    }

    /// A non-INVITE request of ours in the dialog, remembered until its
    /// answer comes.
    fn in_dialog(
        &mut self,
        method: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, &str)>,
        now: Instant,
    ) -> Vec<u8> {
        self.cseq += 1;
        let to = self.remote_to.clone().unwrap_or_default();
        let branch = format!("z9hG4bK{}", random_hex());
        let bytes = self.request_with(method, &to, &branch, self.cseq, headers, body);
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
            }
            return None;
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
            ("BYE", CallState::Established { .. }) => {
                self.state = CallState::Ended(CallEnd::RemoteHungUp);
                (200, "OK")
            }
            ("BYE", _) => (481, "Call/Transaction Does Not Exist"),
            ("NOTIFY", CallState::Established { .. }) => self.on_notify(&msg),
            ("NOTIFY", _) => (481, "Call/Transaction Does Not Exist"),
            _ => (501, "Not Implemented"),
        };
        Some(respond(&msg, code.0, code.1))
    }

    /// Hangs up: BYE when answered, CANCEL while still calling.
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

    pub fn hang_up(&mut self) -> Option<Vec<u8>> {
        match &self.state {
            CallState::Established { .. } => {
                self.state = CallState::Ended(CallEnd::HungUp);
                self.cseq += 1;
                let to = self.remote_to.clone().unwrap_or_default();
                let branch = format!("z9hG4bK{}", random_hex());
                Some(self.request("BYE", &to, &branch, self.cseq, None))
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
        let to = format!("<{}>", self.target);
        self.request("CANCEL", &to, &self.branch.clone(), 1, None)
    }

    fn ack_2xx(&self, to: &str) -> Vec<u8> {
        let branch = format!("z9hG4bK{}", random_hex());
        self.request("ACK", to, &branch, 1, None)
    }

    fn ack_failure(&self, to: &str) -> Vec<u8> {
        self.request("ACK", to, &self.branch.clone(), 1, None)
    }

    fn request(
        &self,
        method: &str,
        to: &str,
        branch: &str,
        cseq: u32,
        sdp: Option<&str>,
    ) -> Vec<u8> {
        let body = sdp.map(|sdp| ("application/sdp", sdp));
        self.request_with(method, to, branch, cseq, &[], body)
    }

    fn request_with(
        &self,
        method: &str,
        to: &str,
        branch: &str,
        cseq: u32,
        headers: &[(&str, &str)],
        body: Option<(&str, &str)>,
    ) -> Vec<u8> {
        let via = match self.transport {
            SipTransport::Udp => "UDP",
            SipTransport::Tcp => "TCP",
        };
        let transport = match self.transport {
            SipTransport::Udp => "",
            SipTransport::Tcp => ";transport=tcp",
        };
        let (content_type, body) = match body {
            Some((kind, body)) => (format!("Content-Type: {kind}\r\n"), body),
            None => (String::new(), ""),
        };
        let extra: String = headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .collect();
        format!(
            "{method} {target} SIP/2.0\r\n\
             Via: SIP/2.0/{via} {local};branch={branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: {from};tag={tag}\r\n\
             To: {to}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: <sip:{user}@{local}{transport}>\r\n\
             User-Agent: roomterm/{version}\r\n\
             {extra}{content_type}Content-Length: {len}\r\n\r\n{body}",
            target = self.target,
            local = self.local,
            from = self.from,
            tag = self.from_tag,
            call_id = self.call_id,
            user = self
                .from
                .trim_start_matches("<sip:")
                .split('@')
                .next()
                .unwrap_or_default(),
            version = env!("CARGO_PKG_VERSION"),
            len = body.len(),
        )
        .into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(transport: SipTransport) -> Account {
        Account {
            username: "100001".into(),
            password: "pw".into(),
            domain: "roomcloud.local".into(),
            proxy: "127.0.0.1:5060".parse().unwrap(),
            transport,
            expires: 3600,
            instance: None,
        }
    }

    /// A call from 127.0.0.1:40000 to `user` offering a stub SDP.
    fn call_to(transport: SipTransport, user: &str, now: Instant) -> (OutgoingCall, Vec<u8>) {
        let local = "127.0.0.1:40000".parse().unwrap();
        OutgoingCall::start(&account(transport), local, user, "v=0\r\n", now)
    }

    /// A response to `request` as the focus would send it.
    fn answer(request: &[u8], status: &str, extra: &str, body: &str) -> Vec<u8> {
        let text = String::from_utf8_lossy(request).into_owned();
        let line = |name: &str| {
            text.lines()
                .find(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
                .unwrap()
                .to_string()
        };
        let to = if status.starts_with("100") {
            line("to")
        } else {
            format!("{};tag=focus1", line("to"))
        };
        format!(
            "SIP/2.0 {status}\r\n{}\r\n{}\r\n{to}\r\n{}\r\n{}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            line("via"),
            line("from"),
            line("call-id"),
            line("cseq"),
            body.len()
        )
        .into_bytes()
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    #[test]
    fn an_answered_call_is_acked_and_hung_up_with_bye() {
        let now = Instant::now();
        let (mut call, invite) = call_to(SipTransport::Udp, "123456789*2222", now);
        let invite_text = text(&invite);
        assert!(invite_text.starts_with("INVITE sip:123456789*2222@roomcloud.local SIP/2.0"));
        assert!(invite_text.contains("Content-Type: application/sdp"));
        assert!(invite_text.ends_with("v=0\r\n"));
        assert_eq!(
            call.on_response(&answer(&invite, "100 Trying", "", "")),
            None
        );
        assert_eq!(call.state(), &CallState::Calling);
        // No retransmission after a provisional answer.
        assert_eq!(call.poll(now + Duration::from_secs(1)), None);
        let ack = call
            .on_response(&answer(&invite, "200 OK", "", "v=0\r\nanswer\r\n"))
            .unwrap();
        assert!(text(&ack).starts_with("ACK sip:123456789*2222@roomcloud.local"));
        assert!(text(&ack).contains("tag=focus1"), "{}", text(&ack));
        assert!(
            !text(&ack).contains(&call.branch),
            "a 2xx ACK is a new transaction"
        );
        assert_eq!(
            call.state(),
            &CallState::Established {
                remote_sdp: "v=0\r\nanswer\r\n".into()
            }
        );
        // A retransmitted 200 is ACKed again.
        assert!(call
            .on_response(&answer(&invite, "200 OK", "", "v=0\r\nanswer\r\n"))
            .is_some());
        let bye = call.hang_up().unwrap();
        assert!(text(&bye).starts_with("BYE "));
        assert!(text(&bye).contains("CSeq: 2 BYE"));
        assert!(text(&bye).contains("tag=focus1"));
        assert_eq!(call.state(), &CallState::Ended(CallEnd::HungUp));
        assert_eq!(call.hang_up(), None);
    }

    #[test]
    fn a_refusal_names_its_reason_and_is_acked_on_the_invite_branch() {
        let now = Instant::now();
        let (mut call, invite) = call_to(SipTransport::Udp, "123456789*9", now);
        let refusal = answer(
            &invite,
            "403 Wrong Meeting Password",
            "Warning: 399 roomcloud.local \"wrong_password\"\r\n",
            "",
        );
        let ack = call.on_response(&refusal).unwrap();
        assert!(text(&ack).contains(&call.branch));
        assert_eq!(
            call.state(),
            &CallState::Ended(CallEnd::Refused {
                status: 403,
                reason: "Wrong Meeting Password".into(),
                code: Some("wrong_password".into()),
            })
        );
        assert!(
            call.on_response(&refusal).is_some(),
            "retransmission re-ACKed"
        );
    }

    #[test]
    fn udp_retransmits_then_times_out_and_tcp_does_not_retransmit() {
        let now = Instant::now();
        let (mut call, invite) = call_to(SipTransport::Udp, "123456789", now);
        let mut sent = 0;
        let mut t = now;
        while t < now + Duration::from_secs(40) {
            if let Some(again) = call.poll(t) {
                assert_eq!(again, invite);
                sent += 1;
            }
            t += Duration::from_millis(100);
        }
        // 0.5, 1.5, 3.5, 7.5, 11.5, … 31.5 s: T1 doubling, capped at T2.
        assert!((9..=11).contains(&sent), "{sent} retransmissions");
        assert_eq!(call.state(), &CallState::Ended(CallEnd::Timeout));

        let (mut tcp, _) = call_to(SipTransport::Tcp, "123456789", now);
        assert_eq!(tcp.poll(now + Duration::from_secs(5)), None);
        assert!(text(&tcp.invite).contains("SIP/2.0/TCP"));
    }

    #[test]
    fn the_far_end_hangs_up_and_strays_are_ignored() {
        let now = Instant::now();
        let (mut call, invite) = call_to(SipTransport::Udp, "123456789", now);
        // Not ours, and not SIP at all.
        let other = text(&answer(&invite, "200 OK", "", "")).replace(call.call_id(), "other@x");
        assert_eq!(call.on_response(other.as_bytes()), None);
        assert_eq!(call.on_response(b"\x00garbage"), None);
        assert_eq!(call.state(), &CallState::Calling);
        call.on_response(&answer(&invite, "200 OK", "", "v=0\r\n"))
            .unwrap();
        let bye = format!(
            "BYE sip:100001@127.0.0.1:40000 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\n\
             From: <sip:123456789@roomcloud.local>;tag=focus1\r\nTo: <sip:100001@roomcloud.local>;tag={}\r\n\
             Call-ID: {}\r\nCSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n",
            call.from_tag,
            call.call_id()
        );
        let ok = call.on_request(bye.as_bytes()).unwrap();
        assert!(text(&ok).starts_with("SIP/2.0 200 OK"));
        assert!(text(&ok).contains("CSeq: 7 BYE"));
        assert_eq!(call.state(), &CallState::Ended(CallEnd::RemoteHungUp));
    }

    #[test]
    fn hanging_up_before_the_answer_cancels_the_invite() {
        let now = Instant::now();
        let (mut call, invite) = call_to(SipTransport::Udp, "123456789", now);
        call.on_response(&answer(&invite, "180 Ringing", "", ""));
        assert_eq!(call.state(), &CallState::Ringing);
        let cancel = call.hang_up().unwrap();
        assert!(text(&cancel).starts_with("CANCEL "));
        assert!(text(&cancel).contains(&call.branch));
        assert!(text(&cancel).contains("CSeq: 1 CANCEL"));
    }

    /// A NOTIFY from the focus in `call`'s dialog carrying `body`.
    fn notify(call: &OutgoingCall, cseq: u32, state: &str, body: &str) -> Vec<u8> {
        format!(
            "NOTIFY sip:100001@127.0.0.1:40000 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKn{cseq}\r\n\
             From: <sip:123456789@roomcloud.local>;tag=focus1\r\n\
             To: <sip:100001@roomcloud.local>;tag={}\r\n\
             Call-ID: {}\r\nCSeq: {cseq} NOTIFY\r\nEvent: conference\r\n\
             Subscription-State: {state}\r\n\
             Content-Type: application/conference-info+xml\r\n\
             Content-Length: {}\r\n\r\n{body}",
            call.from_tag,
            call.call_id,
            body.len()
        )
        .into_bytes()
    }

    const ROSTER: &str = "<conference-info version=\"2\"><conference-state>\
        <user-count>3</user-count><layout>gallery</layout></conference-state>\
        <users><user><display-text>Board Room</display-text></user></users></conference-info>";

    #[test]
    fn a_focus_call_subscribes_to_the_roster_and_sends_layout_choices() {
        let now = Instant::now();
        let (mut call, invite) = call_to(SipTransport::Udp, "123456789", now);
        let ok = answer(
            &invite,
            "200 OK",
            "Contact: <sip:focus@127.0.0.1:5060>;isfocus\r\n",
            "v=0\r\n",
        );
        assert!(call.on_response(&ok).is_some(), "acked");
        // At once: the roster subscription.
        let due = call.next_wakeup().unwrap();
        assert!(due <= now + Duration::from_millis(1));
        let subscribe = text(&call.poll(now).unwrap());
        assert!(
            subscribe.starts_with("SUBSCRIBE sip:123456789@roomcloud.local"),
            "{subscribe}"
        );
        assert!(subscribe.contains("Event: conference\r\n"));
        assert!(subscribe.contains("Expires: 600\r\n"));
        assert!(subscribe.contains("CSeq: 2 SUBSCRIBE"));
        assert!(subscribe.contains("tag=focus1"), "in the dialog");
        // Unanswered over UDP: repeated after T1.
        assert_eq!(text(&call.poll(now + T1).unwrap()), subscribe);
        let subscribed = answer(subscribe.as_bytes(), "200 OK", "Expires: 600\r\n", "");
        assert_eq!(call.on_response(&subscribed), None);
        assert_eq!(call.poll(now + T1 * 3), None, "answered: no more repeats");
        // The NOTIFY gives the roster.
        let reply = call
            .on_request(&notify(&call, 1, "active;expires=600", ROSTER))
            .unwrap();
        assert!(text(&reply).starts_with("SIP/2.0 200 OK"));
        let roster = call.roster().unwrap();
        assert_eq!(
            (roster.count, roster.layout.as_deref()),
            (3, Some("gallery"))
        );
        // A stale one (older version) does not replace it.
        let older = ROSTER
            .replace("version=\"2\"", "version=\"1\"")
            .replace(">3<", ">9<");
        call.on_request(&notify(&call, 2, "active", &older))
            .unwrap();
        assert_eq!(call.roster().unwrap().count, 3);
        // Garbage is refused, the roster kept.
        let bad = call
            .on_request(&notify(&call, 3, "active", "<html/>"))
            .unwrap();
        assert!(text(&bad).starts_with("SIP/2.0 400"));
        assert_eq!(call.roster().unwrap().count, 3);
        // A layout choice is an INFO with the JSON body.
        let info = text(&call.select_layout("speaker", now).unwrap());
        assert!(info.starts_with("INFO "), "{info}");
        assert!(info.contains("Content-Type: application/vnd.roomterm.layout+json"));
        assert!(info.ends_with("{\"layout\":\"speaker\"}"));
        call.on_response(&answer(info.as_bytes(), "200 OK", "", ""));
        // The subscription is refreshed a minute before it runs out.
        assert_eq!(call.next_wakeup(), Some(now + Duration::from_secs(540)));
        let again = text(&call.poll(now + Duration::from_secs(540)).unwrap());
        assert!(again.starts_with("SUBSCRIBE ") && again.contains("CSeq: 4 SUBSCRIBE"));
        // Ended by the focus: no roster.
        call.on_request(&notify(&call, 4, "terminated;reason=timeout", ""))
            .unwrap();
        assert!(call.roster().is_none());
    }

    #[test]
    fn a_room_call_subscribes_to_nothing_and_has_no_layouts() {
        let now = Instant::now();
        let (mut call, invite) = call_to(SipTransport::Udp, "100002", now);
        call.on_response(&answer(
            &invite,
            "200 OK",
            "Contact: <sip:calls@127.0.0.1:5060>\r\n",
            "v=0\r\n",
        ));
        assert_eq!(call.next_wakeup(), None);
        assert_eq!(call.poll(now + Duration::from_secs(5)), None);
        assert_eq!(call.select_layout("gallery", now), None);
    }
}
