//! One forwarded call: the caller's INVITE answered as a UAS (leg A), the
//! callee rung as a UAC (leg B), and everything between relayed. A task
//! per call, fed by [`Event`]s; it ends a few seconds after the call does
//! (so late retransmissions are still answered) and leaves the routing
//! table then.

use std::sync::Arc;
use std::time::Duration;

use rsip::headers::UntypedHeader;
use rsip::Method;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Event, Router, Side};
use crate::dialog::address::{
    name_addr, new_call_id, quoted, target_of, uri_of, user_of, with_tag,
};
use crate::dialog::contacts::contact;
use crate::dialog::{
    self, complete, new_branch, respond, LegIdentity, Outgoing, T1, T2, TRANSACTION_WAIT,
};
use crate::sip::location::{Binding, Transport};
use crate::sip::location_sync;
use crate::sip::message::Response;
use crate::sip::{random_tag, Deferred, ReplyPath};
/// How long the callee may ring before the caller is told "no answer".
const RING_LIMIT: Duration = Duration::from_secs(60);
/// How long a finished call still answers retransmissions (Timer D, K).
const LINGER: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Calling,
    Ringing,
    Answered,
    /// The caller cancelled; waiting for the callee's 487.
    Cancelling,
    Done,
}

/// What stops a retransmission.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Stop {
    /// Any response to our request with this CSeq method on leg B (or A).
    Response { call_id: String, method: String },
    /// The caller's ACK of our 2xx.
    Ack,
}

/// A message repeated over UDP (T1 doubling to T2) until answered.
struct Resend {
    bytes: Arc<Vec<u8>>,
    path: ReplyPath,
    next: Instant,
    interval: Duration,
    until: Instant,
    stop: Stop,
}

struct Bridge {
    router: Arc<Router>,
    /// The caller's INVITE.
    a: Deferred,
    a_tag: String,
    /// Leg A as a dialog we send in (a BYE to the caller), once answered.
    a_leg: Option<LegIdentity>,
    a_cseq: u32,
    b_leg: LegIdentity,
    b_path: ReplyPath,
    /// The INVITE's branch: CANCEL and the ACK of a failure reuse it.
    b_branch: String,
    /// The To of our INVITE, before the callee's tag.
    b_to: String,
    b_cseq: u32,
    state: State,
    deadline: Option<Instant>,
    resends: Vec<Resend>,
    ended_at: Option<Instant>,
    /// Counts this call as live until it ends.
    live: Option<super::LiveCall>,
}

/// Runs the call the caller's INVITE `a` starts.
pub(super) async fn run(router: Arc<Router>, a: Deferred, events: mpsc::UnboundedReceiver<Event>) {
    let a_call_id = a.request.call_id().to_string();
    let a_tag = random_tag();
    let callee = match callee_of(&router, &a).await {
        Ok(callee) => callee,
        Err((code, reason, warning)) => {
            tracing::info!(call = %a_call_id, code, reason, "point-to-point call refused");
            let answer = respond(
                &a,
                &a_tag,
                code,
                reason,
                warning_header(&router, warning),
                None,
            );
            complete(&router.transactions, &a, answer);
            // Retransmissions of the INVITE are answered by the transaction.
            router.forget(&[&a_call_id]);
            return;
        }
    };
    let b_call_id = new_call_id();
    let b_to = name_addr(None, &callee.user, &router.domain, None);
    let (transport, sent_by) = match callee.binding.source.transport {
        Transport::Udp => (rsip::Transport::Udp, router.contacts.udp.clone()),
        Transport::Tcp => (rsip::Transport::Tcp, router.contacts.tcp.clone()),
    };
    let b_leg = LegIdentity {
        call_id: b_call_id.clone(),
        local: name_addr(
            Some(&quoted(&callee.caller_name)),
            &callee.caller,
            &router.domain,
            Some(&random_tag()),
        ),
        remote: b_to.clone(),
        target: callee.target,
        transport,
        sent_by,
    };
    if let Some(events) = router.calls_sender(&a_call_id) {
        router.add_callee_leg(&b_call_id, events);
    }
    tracing::info!(
        caller = %callee.caller,
        callee = %callee.user,
        call = %a_call_id,
        "ringing a room"
    );
    let mut bridge = Bridge {
        router: router.clone(),
        a,
        a_tag,
        a_leg: None,
        a_cseq: 0,
        b_leg,
        b_path: callee.path,
        b_branch: new_branch(),
        b_to,
        b_cseq: 1,
        state: State::Calling,
        deadline: Some(Instant::now() + TRANSACTION_WAIT),
        resends: Vec::new(),
        ended_at: None,
        live: Some(router.count_live()),
    };
    bridge.invite_callee();
    bridge.serve(events).await;
    router.forget(&[&a_call_id, &b_call_id]);
}

/// Who is called, and how to reach them.
struct Callee {
    caller: String,
    caller_name: String,
    user: String,
    binding: Binding,
    /// The binding's URI: the callee's Request-URI.
    target: rsip::Uri,
    path: ReplyPath,
}

type Refusal = (u16, &'static str, Option<&'static str>);

async fn callee_of(router: &Router, a: &Deferred) -> Result<Callee, Refusal> {
    let now = router.clock.now_ms();
    let caller = a
        .request
        .header("from")
        .and_then(uri_of)
        .and_then(user_of)
        .unwrap_or_default()
        .to_string();
    // Only a registered caller, from where it registered, may ring a room.
    if !location_sync::is_registered_from(&router.location, &router.store, &caller, a.source, now)
        .await
    {
        return Err((403, "Caller Not Registered", Some("not_registered")));
    }
    let user = a.request.uri.user().unwrap_or_default().to_string();
    if user == caller {
        return Err((486, "Busy Here", Some("busy")));
    }
    if a.request.body.is_empty() {
        // An INVITE without an offer would need the answer's SDP relayed
        // in the ACK; no room terminal sends one.
        return Err((488, "Not Acceptable Here", None));
    }
    // The binding refreshed last is the one most likely still reachable.
    let reachable = location_sync::bindings(&router.location, &router.store, &user, now)
        .await
        .into_iter()
        .filter_map(|b| {
            let target = rsip::Uri::try_from(b.uri.as_str()).ok()?;
            Some((router.flows.path_to(b.source)?, target, b))
        })
        .max_by_key(|(_, _, b)| b.expires_at);
    let Some((path, target, binding)) = reachable else {
        return Err((480, "Temporarily Unavailable", Some("offline")));
    };
    let caller_name = match router.store.device_by_number(&caller).await {
        Ok(row) => row.name,
        Err(_) => caller.clone(),
    };
    Ok(Callee {
        caller,
        caller_name,
        user,
        binding,
        target,
        path,
    })
}

impl Bridge {
    async fn serve(&mut self, mut events: mpsc::UnboundedReceiver<Event>) {
        loop {
            if let Some(ended) = self.ended_at {
                if self.resends.is_empty() && ended.elapsed() >= LINGER {
                    return;
                }
            }
            let wake = [
                self.deadline,
                self.resends.iter().map(|r| r.next).min(),
                self.ended_at.map(|at| at + LINGER),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or_else(|| Instant::now() + LINGER);
            tokio::select! {
                event = events.recv() => match event {
                    Some(Event::Response(response)) => self.on_callee_response(&response),
                    Some(Event::Request(Side::Caller, d)) => self.on_caller_request(*d),
                    Some(Event::Request(Side::Callee, d)) => self.on_callee_request(*d),
                    None => return,
                },
                _ = tokio::time::sleep_until(wake) => self.on_timer(),
            }
        }
    }

    fn invite_callee(&mut self) {
        let mut out = Outgoing::new(rsip::Method::Invite, 1);
        out.branch = Some(&self.b_branch);
        let body = self.a.request.body.clone();
        out.body = Some(("application/sdp", &body));
        let bytes = self.b_leg.print(&out);
        let stop = Stop::Response {
            call_id: self.b_leg.call_id.clone(),
            method: "INVITE".into(),
        };
        let path = self.b_path.clone();
        self.send(path, bytes, stop);
    }

    fn on_timer(&mut self) {
        let now = Instant::now();
        self.resends.retain(|r| r.until > now);
        for resend in &mut self.resends {
            if resend.next <= now {
                resend.path.send(resend.bytes.clone());
                resend.interval = (resend.interval * 2).min(T2);
                resend.next = now + resend.interval;
            }
        }
        if self.deadline.is_some_and(|at| at <= now) {
            self.deadline = None;
            match self.state {
                State::Calling => self.fail_caller(408, "Request Timeout", Some("no_answer")),
                State::Ringing => {
                    self.cancel_callee();
                    self.fail_caller(480, "No Answer", Some("no_answer"));
                }
                State::Cancelling => self.end(),
                State::Answered | State::Done => {}
            }
        }
    }

    fn on_callee_response(&mut self, r: &Response) {
        let Some((_, method)) = r.cseq() else {
            return;
        };
        let method = method.to_ascii_uppercase();
        self.stop(&Stop::Response {
            call_id: self.b_leg.call_id.clone(),
            method: method.clone(),
        });
        if method != "INVITE" {
            return;
        }
        let to = r.header("to").unwrap_or_default().to_string();
        match (r.status, self.state) {
            (101..=199, State::Calling) => {
                self.state = State::Ringing;
                self.deadline = Some(Instant::now() + RING_LIMIT);
                let contact = self.contact_header();
                let ringing = respond(&self.a, &self.a_tag, 180, "Ringing", vec![contact], None);
                self.a.reply.send(ringing);
            }
            (200..=299, State::Calling | State::Ringing) => {
                self.b_leg.remote = to.clone();
                let target = r.header("contact").and_then(uri_of);
                if let Some(target) = target.and_then(|t| rsip::Uri::try_from(t).ok()) {
                    self.b_leg.target = target;
                }
                self.ack_callee_2xx();
                self.answer_caller(&r.body);
            }
            // Our ACK was lost: the callee repeats its 2xx.
            (200..=299, State::Answered | State::Done) if to == self.b_leg.remote => {
                self.ack_callee_2xx();
            }
            // It answered as the CANCEL crossed: take the call down.
            (200..=299, State::Cancelling) => {
                self.b_leg.remote = to;
                self.ack_callee_2xx();
                self.bye_callee();
                self.end();
            }
            (300..=699, _) => {
                self.ack_callee_failure(&to);
                if matches!(self.state, State::Calling | State::Ringing) {
                    let warning = r.header("warning").map(str::to_string).or_else(|| {
                        default_code(r.status).map(|code| dialog::warning(&self.router.host, code))
                    });
                    let extra = warning
                        .map(|w| vec![rsip::headers::Warning::new(w).into()])
                        .unwrap_or_default();
                    let reason = r.reason.clone();
                    let answer = respond(&self.a, &self.a_tag, r.status, &reason, extra, None);
                    complete(&self.router.transactions, &self.a, answer);
                    tracing::info!(status = r.status, %reason, "the callee refused");
                }
                if self.state != State::Done {
                    self.end();
                }
            }
            _ => {}
        }
    }

    fn on_caller_request(&mut self, d: Deferred) {
        match d.request.method {
            Method::Ack => self.stop(&Stop::Ack),
            Method::Cancel => {
                let answer = respond(&d, &self.a_tag, 200, "OK", vec![], None);
                complete(&self.router.transactions, &d, answer);
                if matches!(self.state, State::Calling | State::Ringing) {
                    let terminated = respond(
                        &self.a,
                        &self.a_tag,
                        487,
                        "Request Terminated",
                        vec![],
                        None,
                    );
                    complete(&self.router.transactions, &self.a, terminated);
                    self.cancel_callee();
                    self.state = State::Cancelling;
                    self.deadline = Some(Instant::now() + TRANSACTION_WAIT);
                }
            }
            Method::Bye if self.state == State::Answered => {
                let ok = respond(&d, &self.a_tag, 200, "OK", vec![], None);
                complete(&self.router.transactions, &d, ok);
                self.bye_callee();
                tracing::info!(call = %self.a.request.call_id(), "the caller hung up");
                self.end();
            }
            // A re-INVITE (session refresh): the session stays as it is.
            Method::Invite if self.state == State::Answered => {
                let refused = respond(&d, &self.a_tag, 488, "Not Acceptable Here", vec![], None);
                complete(&self.router.transactions, &d, refused);
            }
            _ => {
                let answer = respond(
                    &d,
                    &self.a_tag,
                    481,
                    "Call/Transaction Does Not Exist",
                    vec![],
                    None,
                );
                complete(&self.router.transactions, &d, answer);
            }
        }
    }

    fn on_callee_request(&mut self, d: Deferred) {
        let tag = random_tag();
        match d.request.method {
            Method::Bye if self.state == State::Answered => {
                let ok = respond(&d, &tag, 200, "OK", vec![], None);
                complete(&self.router.transactions, &d, ok);
                self.bye_caller();
                tracing::info!(call = %self.a.request.call_id(), "the callee hung up");
                self.end();
            }
            Method::Ack => {}
            _ => {
                let answer = respond(
                    &d,
                    &tag,
                    481,
                    "Call/Transaction Does Not Exist",
                    vec![],
                    None,
                );
                complete(&self.router.transactions, &d, answer);
            }
        }
    }

    fn answer_caller(&mut self, sdp: &[u8]) {
        let body = Some(("application/sdp", sdp.to_vec()));
        let contact = self.contact_header();
        let answer = respond(&self.a, &self.a_tag, 200, "OK", vec![contact], body);
        if let Some(key) = &self.a.key {
            self.router.transactions.complete(key, answer.clone());
        }
        let path = self.a.reply.clone();
        self.send_arc(path, answer, Stop::Ack);
        let request = &self.a.request;
        let (transport, sent_by) = self.router.contacts.for_path(&self.a.reply);
        self.a_leg = Some(LegIdentity {
            call_id: request.call_id().to_string(),
            local: with_tag(request.header("to").unwrap_or_default(), &self.a_tag),
            remote: request.header("from").unwrap_or_default().to_string(),
            target: target_of(request.header("contact"), self.a.source.addr),
            transport,
            sent_by,
        });
        self.state = State::Answered;
        self.deadline = None;
        tracing::info!(call = %request.call_id(), "point-to-point call answered");
    }

    fn ack_callee_2xx(&mut self) {
        let bytes = self.b_leg.print(&Outgoing::new(Method::Ack, 1));
        self.b_path.send(Arc::new(bytes));
    }

    fn ack_callee_failure(&mut self, to: &str) {
        let mut out = Outgoing::new(Method::Ack, 1);
        out.branch = Some(&self.b_branch);
        out.to = Some(to);
        let bytes = self.b_leg.print(&out);
        self.b_path.send(Arc::new(bytes));
    }

    fn cancel_callee(&mut self) {
        let mut out = Outgoing::new(Method::Cancel, 1);
        out.branch = Some(&self.b_branch);
        out.to = Some(&self.b_to);
        let bytes = self.b_leg.print(&out);
        let stop = Stop::Response {
            call_id: self.b_leg.call_id.clone(),
            method: "CANCEL".into(),
        };
        self.send(self.b_path.clone(), bytes, stop);
    }

    fn bye_callee(&mut self) {
        self.b_cseq += 1;
        let bytes = self.b_leg.print(&Outgoing::new(Method::Bye, self.b_cseq));
        let stop = Stop::Response {
            call_id: self.b_leg.call_id.clone(),
            method: "BYE".into(),
        };
        self.send(self.b_path.clone(), bytes, stop);
    }

    fn bye_caller(&mut self) {
        let Some(leg) = &self.a_leg else {
            return;
        };
        self.a_cseq += 1;
        let bytes = leg.print(&Outgoing::new(Method::Bye, self.a_cseq));
        let stop = Stop::Response {
            call_id: leg.call_id.clone(),
            method: "BYE".into(),
        };
        self.send(self.a.reply.clone(), bytes, stop);
    }

    fn fail_caller(&mut self, code: u16, reason: &str, warning: Option<&str>) {
        let extra = warning_header(&self.router, warning);
        let answer = respond(&self.a, &self.a_tag, code, reason, extra, None);
        complete(&self.router.transactions, &self.a, answer);
        tracing::info!(code, reason, "point-to-point call failed");
        self.end();
    }

    fn end(&mut self) {
        self.live = None;
        self.state = State::Done;
        self.deadline = None;
        self.ended_at = Some(Instant::now());
    }

    fn send(&mut self, path: ReplyPath, bytes: Vec<u8>, stop: Stop) {
        self.send_arc(path, Arc::new(bytes), stop);
    }

    /// Sends now; over UDP, keeps repeating until `stop` happens.
    fn send_arc(&mut self, path: ReplyPath, bytes: Arc<Vec<u8>>, stop: Stop) {
        path.send(bytes.clone());
        if path.is_unreliable() {
            let now = Instant::now();
            self.resends.push(Resend {
                bytes,
                path,
                next: now + T1,
                interval: T1,
                until: now + TRANSACTION_WAIT,
                stop,
            });
        }
    }

    fn stop(&mut self, stop: &Stop) {
        self.resends.retain(|r| &r.stop != stop);
    }

    fn contact_header(&self) -> rsip::Header {
        let (transport, sent_by) = self.router.contacts.for_path(&self.a.reply);
        contact("calls", transport, &sent_by).into()
    }
}

/// The stable reason code of a callee's refusal without one of its own.
fn default_code(status: u16) -> Option<&'static str> {
    match status {
        486 | 600 => Some("busy"),
        603 => Some("declined"),
        480 | 408 => Some("no_answer"),
        _ => None,
    }
}

fn warning_header(router: &Router, code: Option<&str>) -> Vec<rsip::Header> {
    code.map(|code| dialog::warning_header(&router.host, code))
        .into_iter()
        .collect()
}
