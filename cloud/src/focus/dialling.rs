//! The focus calls out: a room, a SIP account or any SIP URI rung into a
//! meeting — by its host (`invite`) or at a scheduled meeting's start
//! (its invitees, `ringing.rs`). One task per call, fed the responses to
//! its INVITE; once answered the call is a meeting dialog like any other.
//!
//! Delayed offer (RFC 3261 §13.2.1, RFC 3264 §5): the INVITE carries no
//! SDP, the callee offers in its `200 OK` what it can — as it would when
//! dialling in — and the focus answers in the ACK. So a dialled endpoint
//! is admitted exactly as one that dials in: the same join decision
//! (`admission.rs`, as an invitee: no password, the lock aside), codecs,
//! picture class and content apart chosen from its offer by `sdp/`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rsip::Method;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::caller::Caller;
use super::control::Denial;
use super::dialogs::Dialog;
use super::reject::Refusal;
use super::target::Target;
use super::{ending, sdp, waiting, Focus};
use crate::dialog::address::{name_addr, new_call_id, quoted, uri_of};
use crate::dialog::{new_branch, LegIdentity, Outgoing, T1, T2, TRANSACTION_WAIT};
use crate::lock;
use crate::media::ParticipantId;
use crate::sip::location::{Source, Transport};
use crate::sip::message::Response;
use crate::sip::{location_sync, random_tag, ReplyPath};

/// How long a callee may ring before the call is given up.
const RING_LIMIT: Duration = Duration::from_secs(60);
/// How long an answered call's task still answers a repeated `200 OK`
/// (our ACK lost) with the ACK again.
const LINGER: Duration = Duration::from_secs(32);
/// The SIP port of a URI that names none.
const SIP_PORT: u16 = 5060;

/// Someone to ring, and how to reach them now.
#[derive(Clone)]
pub(super) struct Callee {
    /// As the roster shows them.
    pub name: String,
    /// A room's SN, when a room is rung.
    pub device_sn: Option<String>,
    /// Their address of record: the INVITE's To.
    pub uri: String,
    /// The Request-URI: a room's registered binding, or the URI itself.
    pub target: rsip::Uri,
    pub path: ReplyPath,
}

/// What a call out's task is told.
pub(super) enum DialEvent {
    Response(Response),
    /// The host called it off while it rang.
    Cancel,
}

/// A call out, as the focus keeps it while its task runs.
pub(super) struct Dialling {
    events: mpsc::UnboundedSender<DialEvent>,
    /// Who is rung, as the roster and the live view list them.
    ringing: Ringing,
    meeting_id: String,
    /// Still ringing (not answered, refused or given up).
    shown: bool,
}

/// Someone the focus is ringing into a meeting.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Ringing {
    /// The participant ID it joins as (`cancel_invite` names it).
    pub participant: ParticipantId,
    pub name: String,
    /// Whom the INVITE is to.
    pub to: String,
    pub since_ms: i64,
}

impl Focus {
    /// Who is being rung into `meeting_id` now.
    pub fn ringing(&self, meeting_id: &str) -> Vec<Ringing> {
        let mut ringing: Vec<Ringing> = lock(&self.dialling)
            .values()
            .filter(|d| d.shown && d.meeting_id == meeting_id)
            .map(|d| d.ringing.clone())
            .collect();
        ringing.sort_by_key(|r| r.participant);
        ringing
    }

    /// Calls off ringing `participant` into `meeting_id`; `false` if it
    /// is not being rung.
    pub(super) fn cancel_ringing(&self, meeting_id: &str, participant: ParticipantId) -> bool {
        lock(&self.dialling)
            .values()
            .find(|d| d.shown && d.meeting_id == meeting_id && d.ringing.participant == participant)
            .is_some_and(|d| d.events.send(DialEvent::Cancel).is_ok())
    }

    /// Calls off everyone being rung into `meeting_id` (it ended).
    pub(super) fn cancel_all_ringing(&self, meeting_id: &str) {
        for d in lock(&self.dialling).values() {
            if d.shown && d.meeting_id == meeting_id {
                let _ = d.events.send(DialEvent::Cancel);
            }
        }
    }

    /// The call out `call_id` no longer rings: off the lists.
    fn stop_ringing(&self, call_id: &str) {
        let meeting = match lock(&self.dialling).get_mut(call_id) {
            Some(d) if d.shown => {
                d.shown = false;
                Some(d.meeting_id.clone())
            }
            _ => None,
        };
        if let Some(meeting_id) = meeting {
            self.notify_meeting(&meeting_id);
        }
    }

    /// Where `to` — a room's or SIP account's number, or a SIP URI — is
    /// reached now: a registered one down the flow it registered over, any
    /// other URI over UDP at its host.
    pub(super) async fn reach(&self, to: &str) -> Result<Callee, Denial> {
        let to = to.trim();
        if !to.is_empty() && to.bytes().all(|b| b.is_ascii_digit()) {
            return self.reach_number(to).await;
        }
        let uri = rsip::Uri::try_from(to).map_err(|_| Denial::BadAddress)?;
        let host = uri.host_with_port.host.to_string();
        let user = uri.user().map(str::to_string);
        if !matches!(uri.scheme, Some(rsip::Scheme::Sip)) || to.contains(['\r', '\n']) {
            return Err(Denial::BadAddress);
        }
        // Our own domain: a number registered here.
        if host.eq_ignore_ascii_case(&self.domain) {
            return self.reach_number(&user.ok_or(Denial::BadAddress)?).await;
        }
        let port = uri.host_with_port.port.map_or(SIP_PORT, |p| *p.value());
        let addr = resolve(&host, port).await.ok_or(Denial::Unreachable)?;
        let path = self
            .flows
            .path_to(Source::direct(Transport::Udp, addr))
            .ok_or(Denial::Unreachable)?;
        Ok(Callee {
            name: user.unwrap_or_else(|| host.clone()),
            device_sn: None,
            uri: format!("<{uri}>"),
            target: uri,
            path,
        })
    }

    /// A number registered here: the binding refreshed last, the one most
    /// likely still reachable.
    async fn reach_number(&self, number: &str) -> Result<Callee, Denial> {
        let now = self.clock.now_ms();
        let (path, target) = location_sync::bindings(&self.location, &self.store, number, now)
            .await
            .into_iter()
            .filter_map(|b| {
                let target = rsip::Uri::try_from(b.uri.as_str()).ok()?;
                Some((self.flows.path_to(b.source)?, target, b.expires_at))
            })
            .max_by_key(|(_, _, expires_at)| *expires_at)
            .map(|(path, target, _)| (path, target))
            .ok_or(Denial::Unreachable)?;
        let device = self.store.device_by_number(number).await.ok();
        Ok(Callee {
            name: device
                .as_ref()
                .map_or_else(|| number.to_string(), |d| d.name.clone()),
            device_sn: device.map(|d| d.sn),
            uri: name_addr(None, number, &self.domain, None),
            target,
            path,
        })
    }

    /// Rings `callee` into `meeting_id` (whose subject names the call);
    /// the call goes on in its own task.
    pub(super) fn dial(self: &Arc<Self>, meeting_id: &str, subject: &str, callee: Callee) {
        let call_id = new_call_id();
        let (transport, sent_by) = self.contacts.for_path(&callee.path);
        let leg = LegIdentity {
            call_id: call_id.clone(),
            local: name_addr(
                Some(&quoted(subject)),
                meeting_id,
                &self.domain,
                Some(&random_tag()),
            ),
            remote: callee.uri.clone(),
            target: callee.target.clone(),
            transport,
            sent_by,
        };
        let (events, responses) = mpsc::unbounded_channel();
        let participant = self.next_participant.fetch_add(1, Ordering::Relaxed);
        lock(&self.dialling).insert(
            call_id.clone(),
            Dialling {
                events,
                ringing: Ringing {
                    participant,
                    name: callee.name.clone(),
                    to: uri_of(&callee.uri).unwrap_or(&callee.uri).to_string(),
                    since_ms: self.clock.now_ms(),
                },
                meeting_id: meeting_id.to_string(),
                shown: true,
            },
        );
        self.notify_meeting(meeting_id);
        tracing::info!(meeting = %meeting_id, callee = %callee.uri, call = %call_id, "ringing out");
        let call = OutCall {
            focus: self.clone(),
            meeting_id: meeting_id.to_string(),
            participant,
            callee,
            leg,
            branch: new_branch(),
            state: State::Calling,
            resend: None,
            deadline: Instant::now() + TRANSACTION_WAIT,
            ack: None,
        };
        let focus = self.clone();
        tokio::spawn(async move {
            call.run(responses).await;
            lock(&focus.dialling).remove(&call_id);
        });
    }

    /// A response to one of our INVITEs goes to its call; `false` when it
    /// is none of theirs.
    pub(super) fn to_dialling(&self, response: &Response) -> bool {
        match lock(&self.dialling).get(response.call_id()) {
            Some(call) => {
                let _ = call.events.send(DialEvent::Response(response.clone()));
                true
            }
            None => false,
        }
    }
}

/// `host` (a name or an address) and `port` as a socket address.
async fn resolve(host: &str, port: u16) -> Option<SocketAddr> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Some(SocketAddr::new(ip, port));
    }
    tokio::net::lookup_host((host, port)).await.ok()?.next()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Calling,
    Ringing,
    /// Called off before any provisional response: the CANCEL waits for
    /// one (RFC 3261 §9.1), the INVITE still repeated meanwhile.
    CancelWanted,
    /// Given up while ringing: waiting for the callee's 487.
    Cancelling,
    /// Answered (the ACK sent) or failed: only repeats are answered.
    Done,
}

/// One call out, as its task holds it.
struct OutCall {
    focus: Arc<Focus>,
    meeting_id: String,
    /// The participant ID it joins as.
    participant: ParticipantId,
    callee: Callee,
    leg: LegIdentity,
    /// The INVITE's branch: its CANCEL and a failure's ACK share it.
    branch: String,
    state: State,
    /// The INVITE (or CANCEL) repeated over UDP until answered: the bytes,
    /// when next, and the interval.
    resend: Option<(Arc<Vec<u8>>, Instant, Duration)>,
    /// When the present state gives up.
    deadline: Instant,
    /// The ACK of the `200 OK`, sent again if the 200 is repeated.
    ack: Option<Arc<Vec<u8>>>,
}

impl OutCall {
    async fn run(mut self, mut events: mpsc::UnboundedReceiver<DialEvent>) {
        let mut invite = Outgoing::new(Method::Invite, 1);
        invite.branch = Some(&self.branch);
        invite.contact = Some(self.focus.contact(&self.callee.path));
        let bytes = Arc::new(self.leg.print(&invite));
        self.send(bytes);
        loop {
            let wake = self
                .resend
                .as_ref()
                .map_or(self.deadline, |(_, at, _)| (*at).min(self.deadline));
            tokio::select! {
                event = events.recv() => match event {
                    Some(DialEvent::Response(response)) => self.on_response(response).await,
                    Some(DialEvent::Cancel) if self.state == State::Calling => {
                        tracing::info!(callee = %self.callee.uri, "ringing called off");
                        self.focus.stop_ringing(&self.leg.call_id);
                        self.state = State::CancelWanted;
                    }
                    Some(DialEvent::Cancel) if self.state == State::Ringing => {
                        tracing::info!(callee = %self.callee.uri, "ringing called off");
                        self.cancel();
                    }
                    Some(DialEvent::Cancel) => {}
                    None => return,
                },
                _ = tokio::time::sleep_until(wake) => {
                    if !self.on_timer() {
                        return;
                    }
                }
            }
        }
    }

    /// Sends now; over UDP, repeats until a response comes.
    fn send(&mut self, bytes: Arc<Vec<u8>>) {
        self.callee.path.send(bytes.clone());
        self.resend = self
            .callee
            .path
            .is_unreliable()
            .then(|| (bytes, Instant::now() + T1, T1));
    }

    /// Repeats what is due; `false` once the call is over.
    fn on_timer(&mut self) -> bool {
        let now = Instant::now();
        if let Some((bytes, at, interval)) = &mut self.resend {
            if *at <= now {
                self.callee.path.send(bytes.clone());
                *interval = (*interval * 2).min(T2);
                *at = now + *interval;
            }
        }
        if self.deadline > now {
            return true;
        }
        match self.state {
            State::Calling | State::CancelWanted => {
                tracing::info!(callee = %self.callee.uri, "never answered: not rung");
                self.focus.stop_ringing(&self.leg.call_id);
                false
            }
            State::Ringing => {
                tracing::info!(callee = %self.callee.uri, "no answer: ringing stopped");
                self.cancel();
                true
            }
            State::Cancelling | State::Done => false,
        }
    }

    fn cancel(&mut self) {
        self.focus.stop_ringing(&self.leg.call_id);
        let mut cancel = Outgoing::new(Method::Cancel, 1);
        cancel.branch = Some(&self.branch);
        let bytes = Arc::new(self.leg.print(&cancel));
        self.send(bytes);
        self.state = State::Cancelling;
        self.deadline = Instant::now() + TRANSACTION_WAIT;
    }

    async fn on_response(&mut self, response: Response) {
        let Some((_, method)) = response.cseq() else {
            return;
        };
        // Any answer to the CANCEL or the INVITE stops their repetition.
        self.resend = None;
        if !method.eq_ignore_ascii_case("INVITE") {
            return;
        }
        match (response.status, self.state) {
            (100..=199, State::CancelWanted) => self.cancel(),
            (101..=199, State::Calling) => {
                self.state = State::Ringing;
                self.deadline = Instant::now() + RING_LIMIT;
            }
            (200..=299, State::Calling | State::Ringing) => self.answered(&response).await,
            // It answered as the CANCEL crossed: take the call down.
            (200..=299, State::Cancelling | State::CancelWanted) => {
                self.leg.remote = response.header("to").unwrap_or_default().to_string();
                self.acknowledge(&response, None);
                self.bye(None);
                self.done();
            }
            // Our ACK was lost: the callee repeats its 200.
            (200..=299, State::Done) => {
                if let Some(ack) = &self.ack {
                    self.callee.path.send(ack.clone());
                }
            }
            (300..=699, _) => {
                let mut ack = Outgoing::new(Method::Ack, 1);
                ack.branch = Some(&self.branch);
                let to = response.header("to").unwrap_or_default().to_string();
                ack.to = Some(&to);
                self.callee.path.send(Arc::new(self.leg.print(&ack)));
                if self.state != State::Done {
                    tracing::info!(callee = %self.callee.uri, status = response.status, "the callee did not take the call");
                    self.done();
                }
            }
            _ => {}
        }
    }

    /// The callee answered with its offer: admitted as an invitee, our
    /// answer in the ACK, and the call a meeting dialog from now on.
    async fn answered(&mut self, response: &Response) {
        self.leg.remote = response.header("to").unwrap_or_default().to_string();
        if let Some(target) = response
            .header("contact")
            .and_then(uri_of)
            .and_then(|c| rsip::Uri::try_from(c).ok())
        {
            self.leg.target = target;
        }
        match self.admit(&response.body).await {
            Ok((participant, answer)) => {
                self.acknowledge(response, Some(&answer));
                let local_tag = crate::dialog::tag_of(Some(&self.leg.local)).unwrap_or_default();
                lock(&self.focus.dialogs).insert(
                    self.leg.call_id.clone(),
                    Dialog {
                        meeting_id: self.meeting_id.clone(),
                        participant,
                        local_tag,
                        sdp: answer,
                        sdp_version: 1,
                        leg: self.leg.clone(),
                        path: self.callee.path.clone(),
                        cseq: Arc::new(AtomicU32::new(1)),
                    },
                );
                self.focus.notify_meeting(&self.meeting_id);
            }
            Err(refusal) => {
                tracing::info!(callee = %self.callee.uri, reason = %refusal.reason, "answered, but not let in");
                self.acknowledge(response, None);
                self.bye(Some(&refusal));
            }
        }
        self.done();
    }

    /// The join decision for the callee (an invitee) and its place in the
    /// conference: its participant ID and our answer.
    async fn admit(&self, offer: &[u8]) -> Result<(crate::media::ParticipantId, String), Refusal> {
        let offer = sdp::read_offer(offer, self.focus.config.max_class).map_err(|err| {
            tracing::info!(%err, "unusable SDP offer in the answer");
            Refusal::plain(488, "Not Acceptable Here")
        })?;
        let call = waiting::WaitingCall {
            call_id: self.leg.call_id.clone(),
            target: Target {
                meeting_id: self.meeting_id.clone(),
                password: None,
            },
            caller: Caller {
                uri: uri_of(&self.callee.uri)
                    .unwrap_or(&self.callee.uri)
                    .to_string(),
                name: self.callee.name.clone(),
                device_sn: self.callee.device_sn.clone(),
            },
            from: self.leg.remote.clone(),
            offer,
            participant: self.participant,
        };
        let place = self.focus.admit_invited(&call.target, &call.caller).await?;
        let joined = self.focus.enter(&call, false, None, place)?;
        Ok((joined.participant, joined.sdp))
    }

    /// The ACK of a `200 OK` (a new transaction), with our answer.
    fn acknowledge(&mut self, response: &Response, answer: Option<&str>) {
        let mut ack = Outgoing::new(Method::Ack, 1);
        let remote = response.header("to").unwrap_or_default().to_string();
        ack.to = Some(&remote);
        if let Some(answer) = answer {
            ack.body = Some(("application/sdp", answer.as_bytes()));
        }
        let bytes = Arc::new(self.leg.print(&ack));
        self.callee.path.send(bytes.clone());
        self.ack = Some(bytes);
    }

    /// Ends the answered call at once, saying why if there is a refusal.
    fn bye(&self, why: Option<&Refusal>) {
        // Our INVITE was CSeq 1.
        ending::send_bye_on(&self.leg, &self.callee.path, 2, why);
    }

    fn done(&mut self) {
        self.focus.stop_ringing(&self.leg.call_id);
        self.state = State::Done;
        self.deadline = Instant::now() + LINGER;
    }
}
