//! The conference focus: SIP calls to `sip:<meeting-id>[*<password>]@domain`
//! become participants of the meeting's conference media.
//!
//! - `target.rs`: what was dialled (meeting ID, password), pure.
//! - `sdp.rs`: the offer read and the answer written (gstreamer-sdp).
//! - `reject.rs`: a refused join as a SIP status, phrase and reason code.
//! - `caller.rs`: who calls — a registered room (by its flow) or a guest.
//! - `roster.rs`: the roster as RFC 4575 conference-info, pure.
//! - `events.rs`: in-dialog SUBSCRIBE (the roster, NOTIFYs as it changes)
//!   and INFO (the participant's own layout, or a key pressed).
//! - `waiting.rs`, `dtmf.rs`: the waiting room where a guest without the
//!   password is asked for it and types it on its keypad.
//! - `mod.rs` (this): the dialogs — INVITE → the meeting's join decision →
//!   a rejection, or the conference joined and `200 OK` with the answer
//!   (retransmitted over UDP until the ACK, §13.3.1.4); BYE leaves; CANCEL
//!   of an INVITE still being decided ends it with `487`.
//!
//! The synchronous SIP core answers `100 Trying` and hands these requests
//! over (`sip::Deferred`); this side answers through the request's
//! `ReplyPath` and completes its server transaction, so a retransmitted
//! INVITE gets the same final answer.

pub mod caller;
pub mod dtmf;
mod events;
pub mod reject;
pub mod roster;
pub mod sdp;
pub mod target;
mod waiting;

use crate::lock;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsip::headers::UntypedHeader;
use rsip::Method;
use tokio::sync::{mpsc, watch};

use crate::calls::request::{uri_of, LegIdentity};
use crate::clock::SharedClock;
use crate::media::{Conference, ConferenceConfig, ParticipantId, ParticipantSpec};
use crate::meetings::join::{JoinDecision, RejectReason};
use crate::meetings::{JoinQuery, Meetings};
use crate::sip::message::{EchoHeaders, Request, ResponseBuilder};
use crate::sip::transaction::Transactions;
use crate::sip::{Deferred, Location, ReplyPath, Source};
use crate::store::Store;
use sdp::VideoClass;

/// How long a participant may send no media before it is dropped.
pub const MEDIA_TIMEOUT: Duration = Duration::from_secs(30);

/// RFC 3261 timers for answering INVITEs over UDP.
const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);
/// Timer H: give up waiting for the ACK.
const ACK_WAIT: Duration = Duration::from_secs(32);

/// Media settings of the focus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FocusConfig {
    /// The address participants send media to (the cloud's public one).
    pub media_ip: IpAddr,
    /// The composed picture (1280×720 by default; tests use less).
    pub canvas: (u32, u32),
    pub fps: u32,
    /// The highest class sent (bounded by the canvas anyway).
    pub max_class: VideoClass,
    /// A participant from whom no RTP arrives this long is dropped (a
    /// terminal that lost power sends no BYE).
    pub media_timeout: Duration,
}

impl FocusConfig {
    pub fn new(media_ip: IpAddr) -> Self {
        Self {
            media_ip,
            canvas: (1280, 720),
            fps: 30,
            max_class: VideoClass::Hd720,
            media_timeout: MEDIA_TIMEOUT,
        }
    }
}

/// Who is in a meeting now, as the join decision and the roster need it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RosterEntry {
    pub participant: ParticipantId,
    pub host: bool,
    /// The caller's From header.
    pub from: String,
    /// The room's name, or the guest's display name.
    pub name: String,
    /// The room's SN, when a registered device called.
    pub device_sn: Option<String>,
}

struct Live {
    conference: Arc<Conference>,
    roster: Vec<RosterEntry>,
}

struct Dialog {
    meeting_id: String,
    participant: ParticipantId,
    /// Our To tag: in-dialog requests must carry it.
    local_tag: String,
    /// The last final INVITE answer, for re-INVITEs and retransmissions.
    answer: Arc<Vec<u8>>,
    /// How we send requests (NOTIFYs, a BYE) in the dialog, where, and
    /// the CSeq of our last one.
    leg: LegIdentity,
    path: ReplyPath,
    cseq: Arc<AtomicU32>,
}

/// The focus's own address per transport, `host:port`, for its Contact.
#[derive(Debug, Clone)]
pub struct FocusContacts {
    pub udp: String,
    pub tcp: String,
}

/// What [`Focus::new`] needs.
pub struct FocusParts {
    pub config: FocusConfig,
    pub meetings: Arc<Meetings>,
    pub transactions: Arc<Transactions>,
    /// For `Warning` headers.
    pub host: String,
    pub contacts: FocusContacts,
    /// The SIP domain (conference URIs are `sip:<meeting-id>@<domain>`).
    pub domain: String,
    /// Who is registered from where: a room calling in is known by it.
    pub location: Arc<Location>,
    pub store: Store,
    pub clock: SharedClock,
}

pub struct Focus {
    config: FocusConfig,
    contacts: FocusContacts,
    meetings: Arc<Meetings>,
    transactions: Arc<Transactions>,
    host: String,
    domain: String,
    location: Arc<Location>,
    store: Store,
    clock: SharedClock,
    /// Roster subscriptions, by their call's Call-ID.
    subscriptions: Mutex<HashMap<String, events::Subscription>>,
    /// NOTIFYs sent over UDP and not yet answered: Call-ID + CSeq → stop.
    unanswered: Mutex<HashMap<(String, u32), watch::Sender<bool>>>,
    /// Callers in the waiting room for the password, by Call-ID.
    waiting: Mutex<HashMap<String, mpsc::UnboundedSender<waiting::WaitingEvent>>>,
    conferences: Mutex<HashMap<String, Live>>,
    dialogs: Mutex<HashMap<String, Dialog>>,
    /// Final answers awaiting their ACK (UDP): Call-ID + CSeq → stop signal.
    unacked: Mutex<HashMap<(String, u32), watch::Sender<bool>>>,
    /// INVITEs still being decided: Call-ID → cancelled.
    deciding: Mutex<HashMap<String, watch::Sender<bool>>>,
    /// Joins being decided per meeting ID (they hold a place).
    joining: Arc<Mutex<HashMap<String, u32>>>,
    next_participant: AtomicU64,
}

impl Focus {
    pub fn new(parts: FocusParts) -> Arc<Self> {
        Arc::new(Self {
            config: parts.config,
            meetings: parts.meetings,
            transactions: parts.transactions,
            host: parts.host,
            contacts: parts.contacts,
            domain: parts.domain,
            location: parts.location,
            subscriptions: Mutex::new(HashMap::new()),
            unanswered: Mutex::new(HashMap::new()),
            waiting: Mutex::new(HashMap::new()),
            store: parts.store,
            clock: parts.clock,
            conferences: Mutex::new(HashMap::new()),
            dialogs: Mutex::new(HashMap::new()),
            unacked: Mutex::new(HashMap::new()),
            deciding: Mutex::new(HashMap::new()),
            joining: Arc::default(),
            next_participant: AtomicU64::new(1),
        })
    }

    /// Serves the requests the SIP core hands over until it stops.
    pub async fn run(self: Arc<Self>, mut requests: mpsc::UnboundedReceiver<Deferred>) {
        let sweeper = tokio::spawn(self.clone().drop_silent());
        while let Some(deferred) = requests.recv().await {
            let focus = self.clone();
            tokio::spawn(async move { focus.handle(deferred).await });
        }
        sweeper.abort();
    }

    /// Drops participants whose media stopped without a BYE, checking a
    /// few times per timeout.
    async fn drop_silent(self: Arc<Self>) {
        let timeout = self.config.media_timeout;
        let mut tick = tokio::time::interval((timeout / 4).max(Duration::from_millis(100)));
        loop {
            tick.tick().await;
            let live: Vec<(String, Arc<Conference>)> = lock(&self.conferences)
                .iter()
                .map(|(id, live)| (id.clone(), live.conference.clone()))
                .collect();
            for (meeting_id, conference) in live {
                for participant in conference.silent(timeout) {
                    tracing::warn!(
                        meeting = %meeting_id,
                        participant,
                        ?timeout,
                        "no media: dropped from the meeting"
                    );
                    let gone: Vec<String> = {
                        let mut dialogs = lock(&self.dialogs);
                        let gone = dialogs
                            .iter()
                            .filter(|(_, d)| {
                                d.meeting_id == meeting_id && d.participant == participant
                            })
                            .map(|(call_id, _)| call_id.clone())
                            .collect::<Vec<_>>();
                        for call_id in &gone {
                            dialogs.remove(call_id);
                        }
                        gone
                    };
                    for call_id in &gone {
                        self.unsubscribe(call_id);
                    }
                    self.remove_participant(&meeting_id, participant);
                }
            }
        }
    }

    /// The meeting's participants now.
    pub fn roster(&self, meeting_id: &str) -> Vec<RosterEntry> {
        lock(&self.conferences)
            .get(meeting_id)
            .map(|live| live.roster.clone())
            .unwrap_or_default()
    }

    /// The meeting's conference media, while anyone is in it.
    pub fn conference(&self, meeting_id: &str) -> Option<Arc<Conference>> {
        lock(&self.conferences)
            .get(meeting_id)
            .map(|live| live.conference.clone())
    }

    async fn handle(self: Arc<Self>, d: Deferred) {
        match d.request.method {
            Method::Invite => self.invite(d).await,
            Method::Ack => self.ack(&d),
            Method::Bye => self.bye(d),
            Method::Cancel => self.cancel(d),
            Method::Subscribe => self.subscribe(d),
            Method::Info => self.info(d),
            _ => {}
        }
    }

    fn domain(&self) -> &str {
        &self.domain
    }

    /// Sets the meeting's layout for everyone and tells the subscribers;
    /// `false` when nobody is in the meeting.
    pub fn set_layout(&self, meeting_id: &str, layout: crate::media::LayoutKind) -> bool {
        let Some(conference) = self.conference(meeting_id) else {
            return false;
        };
        conference.set_layout(layout);
        self.notify_meeting(meeting_id);
        true
    }

    async fn invite(self: &Arc<Self>, d: Deferred) {
        let call_id = d.request.call_id().to_string();
        let echo = d.request.echo();
        // A re-INVITE in a dialog we hold: the session stays as it is.
        if let Some(answer) = self.in_dialog(&d.request) {
            return self.finish(&d, answer);
        }
        let (cancelled_tx, cancelled) = watch::channel(false);
        lock(&self.deciding).insert(call_id.clone(), cancelled_tx);
        let local_tag = crate::sip::random_tag();
        let outcome = self.decide(&d.request, d.source).await;
        lock(&self.deciding).remove(&call_id);
        let outcome = match outcome {
            Ok(decided) if *cancelled.borrow() => {
                // CANCEL arrived while deciding: undo the join (or close
                // the waiting room, dropped here).
                match decided {
                    Decided::Joined(joined) => {
                        self.remove_participant(&joined.meeting_id, joined.participant)
                    }
                    Decided::Waiting { call, .. } => {
                        lock(&self.waiting).remove(&call.call_id);
                    }
                }
                Err(Refusal::plain(487, "Request Terminated"))
            }
            other => other,
        };
        let answer = match outcome {
            Ok(decided) => {
                let (meeting_id, participant, sdp) = match &decided {
                    Decided::Joined(joined) => (
                        joined.meeting_id.clone(),
                        joined.participant,
                        joined.sdp.clone(),
                    ),
                    Decided::Waiting { call, sdp, .. } => (
                        call.target.meeting_id.clone(),
                        call.participant,
                        sdp.clone(),
                    ),
                };
                let answer = self.respond(
                    &d,
                    &echo,
                    &local_tag,
                    200,
                    "OK",
                    vec![self.contact(&d.reply)],
                    Some(("application/sdp", sdp.into_bytes())),
                );
                lock(&self.dialogs).insert(
                    call_id.clone(),
                    Dialog {
                        meeting_id: meeting_id.clone(),
                        participant,
                        local_tag: local_tag.clone(),
                        answer: answer.clone(),
                        leg: self.leg_of(&d, &local_tag),
                        path: d.reply.clone(),
                        cseq: Arc::default(),
                    },
                );
                match decided {
                    Decided::Joined(_) => self.notify_meeting(&meeting_id),
                    Decided::Waiting {
                        call,
                        lobby,
                        events,
                        ..
                    } => {
                        tokio::spawn(self.clone().wait_for_password(*call, lobby, events));
                    }
                }
                answer
            }
            Err(refusal) => self.respond(
                &d,
                &echo,
                &local_tag,
                refusal.code,
                &refusal.reason,
                refusal.warning.into_iter().collect(),
                None,
            ),
        };
        self.finish(&d, answer);
    }

    /// Sends the final answer and keeps it for retransmitted INVITEs; over
    /// UDP, repeats it until the ACK comes (T1 doubling to T2, Timer H).
    fn finish(&self, d: &Deferred, answer: Arc<Vec<u8>>) {
        if let Some(key) = &d.key {
            self.transactions.complete(key, answer.clone());
        }
        d.reply.send(answer.clone());
        if !d.reply.is_unreliable() {
            return;
        }
        let Some((cseq, _)) = d.request.cseq() else {
            return;
        };
        let (acked_tx, mut acked) = watch::channel(false);
        let call_id = d.request.call_id().to_string();
        lock(&self.unacked).insert((call_id.clone(), cseq), acked_tx);
        let reply = d.reply.clone();
        tokio::spawn(async move {
            let mut wait = T1;
            let deadline = tokio::time::Instant::now() + ACK_WAIT;
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = acked.wait_for(|a| *a) => return,
                }
                if tokio::time::Instant::now() >= deadline {
                    tracing::debug!(%call_id, "no ACK for the INVITE answer");
                    return;
                }
                reply.send(answer.clone());
                wait = (wait * 2).min(T2);
            }
        });
    }

    fn ack(&self, d: &Deferred) {
        let Some((cseq, _)) = d.request.cseq() else {
            return;
        };
        let key = (d.request.call_id().to_string(), cseq);
        if let Some(acked) = lock(&self.unacked).remove(&key) {
            let _ = acked.send(true);
        }
    }

    fn bye(&self, d: Deferred) {
        let echo = d.request.echo();
        let call_id = d.request.call_id();
        let dialog = {
            let mut dialogs = lock(&self.dialogs);
            match dialogs.get(call_id) {
                Some(dialog)
                    if tag_of(d.request.header("to")) == Some(dialog.local_tag.clone()) =>
                {
                    dialogs.remove(call_id)
                }
                _ => None,
            }
        };
        let answer = match dialog {
            Some(dialog) => {
                self.unsubscribe(call_id);
                // A caller still typing its password is in no conference.
                if !self.waiting_gone(call_id) {
                    self.remove_participant(&dialog.meeting_id, dialog.participant);
                }
                self.respond(&d, &echo, &dialog.local_tag, 200, "OK", vec![], None)
            }
            None => self.respond(
                &d,
                &echo,
                &crate::sip::random_tag(),
                481,
                "Call/Transaction Does Not Exist",
                vec![],
                None,
            ),
        };
        if let Some(key) = &d.key {
            self.transactions.complete(key, answer.clone());
        }
        d.reply.send(answer);
    }

    fn cancel(&self, d: Deferred) {
        let echo = d.request.echo();
        let pending = lock(&self.deciding).remove(d.request.call_id());
        let (code, reason) = match pending {
            Some(cancelled) => {
                let _ = cancelled.send(true);
                (200, "OK")
            }
            None => (481, "Call/Transaction Does Not Exist"),
        };
        let tag = crate::sip::random_tag();
        let answer = self.respond(&d, &echo, &tag, code, reason, vec![], None);
        if let Some(key) = &d.key {
            self.transactions.complete(key, answer.clone());
        }
        d.reply.send(answer);
    }

    /// The stored answer of the dialog this in-dialog INVITE belongs to.
    fn in_dialog(&self, request: &Request) -> Option<Arc<Vec<u8>>> {
        let tag = tag_of(request.header("to"))?;
        let dialogs = lock(&self.dialogs);
        let dialog = dialogs.get(request.call_id())?;
        (dialog.local_tag == tag).then(|| dialog.answer.clone())
    }

    /// The join decision, then the conference joined — or, for a guest
    /// who can type and gave no password, the waiting room.
    async fn decide(&self, request: &Request, source: Source) -> Result<Decided, Refusal> {
        let target = request
            .uri
            .user()
            .and_then(target::parse)
            .ok_or_else(|| Refusal::plain(404, "Not Found"))?;
        let now_ms = self.clock.now_ms();
        let caller = caller::identify(request, source, &self.location, &self.store, now_ms).await;
        let admitted = self.admit(&target, &caller).await;
        // GStreamer (its SDP library too) is set up on the first call.
        if let Err(err) = crate::media::init() {
            tracing::error!(%err, "GStreamer unavailable");
            return Err(Refusal::plain(503, "Media Unavailable"));
        }
        let read_offer = || {
            sdp::read_offer(&request.body, self.config.max_class).map_err(|err| {
                tracing::info!(%err, "unusable SDP offer");
                Refusal::plain(488, "Not Acceptable Here")
            })
        };
        let call = |offer: sdp::Offer| waiting::WaitingCall {
            call_id: request.call_id().to_string(),
            target: target.clone(),
            caller: caller.clone(),
            from: request.header("from").unwrap_or_default().to_string(),
            offer,
            participant: self.next_participant.fetch_add(1, Ordering::Relaxed),
        };
        match admitted {
            Ok((host, reservation)) => {
                let call = call(read_offer()?);
                let joined = self.enter(&call, host, None, reservation)?;
                Ok(Decided::Joined(joined))
            }
            // No password, but a keypad: asked for it in the waiting room.
            Err(refusal) if refusal.reason_code == Some(RejectReason::PasswordRequired.code()) => {
                let offer = read_offer()?;
                let can_type = offer
                    .audio
                    .as_ref()
                    .is_some_and(|a| a.telephone_event.is_some());
                if !can_type {
                    return Err(refusal);
                }
                let call = call(offer);
                let (events_tx, events) = mpsc::unbounded_channel();
                let (lobby, sdp) = self.open_waiting_room(&call, events_tx.clone())?;
                lock(&self.waiting).insert(call.call_id.clone(), events_tx);
                tracing::info!(meeting = %call.target.meeting_id, "waiting for the password");
                Ok(Decided::Waiting {
                    call: Box::new(call),
                    lobby,
                    sdp,
                    events,
                })
            }
            Err(refusal) => Err(refusal),
        }
    }

    /// The join decision against who is in the meeting now: host rights
    /// (`true`) or guest, with a place held until the caller is on the
    /// roster. Only an accepted join holds a place (a burst of wrong
    /// passwords must not crowd out a right one). If the meeting changed
    /// meanwhile — others joined, or accepted joins not yet on the roster
    /// are pending — the decision is taken again counting them: INVITEs
    /// at the same instant must not all take the last place.
    async fn admit(
        &self,
        target: &target::Target,
        caller: &caller::Caller,
    ) -> Result<(bool, Reservation), Refusal> {
        let before = self.live_counts(&target.meeting_id);
        let host = self.judge(target, caller, before.0, before.1).await?;
        // The place and the count it is checked against, read together.
        let (reservation, now) = {
            let conferences = lock(&self.conferences);
            let reservation = Reservation::new(&self.joining, &target.meeting_id);
            let now = counts(conferences.get(&target.meeting_id));
            (reservation, now)
        };
        let host = if reservation.others == 0 && now == before {
            host
        } else {
            // Others joined or are joining meanwhile: decide again with them.
            self.judge(target, caller, now.0, now.1 + reservation.others)
                .await?
        };
        Ok((host, reservation))
    }

    /// The admitted caller into the conference media (on `ports` when a
    /// waiting room held them) and onto the roster.
    fn enter(
        &self,
        call: &waiting::WaitingCall,
        host: bool,
        ports: Option<crate::media::MediaPorts>,
        _place: Reservation,
    ) -> Result<Joined, Refusal> {
        let offer = &call.offer;
        // Sound is needed; a picture is not (a phone joins audio only).
        let Some(audio) = offer.audio.clone() else {
            return Err(Refusal::plain(488, "Not Acceptable Here"));
        };
        let video = offer.video.clone();
        let participant = call.participant;
        let spec = ParticipantSpec {
            id: participant,
            video_to: video.as_ref().map(|v| v.to),
            audio_to: audio.to,
            video_pt: video.as_ref().map_or(0, |v| v.pt),
            video_rtx_pt: video.as_ref().and_then(|v| v.rtx_pt),
            audio_pt: audio.pt,
            audio_codec: audio.codec,
            class: self.class_spec(video.as_ref().map_or(VideoClass::Cif4, |v| v.class)),
            ports,
        };
        let meeting_id = &call.target.meeting_id;
        let conference = self.conference_for(meeting_id).map_err(|err| {
            tracing::error!(%err, "cannot start the conference media");
            Refusal::plain(503, "Media Unavailable")
        })?;
        let ports = conference.join(spec).map_err(|err| {
            tracing::error!(%err, "cannot join the conference media");
            Refusal::plain(503, "Media Unavailable")
        })?;
        if let Some(live) = lock(&self.conferences).get_mut(meeting_id) {
            live.roster.push(RosterEntry {
                participant,
                host,
                from: call.from.clone(),
                name: call.caller.name.clone(),
                device_sn: call.caller.device_sn.clone(),
            });
        }
        let local = sdp::Local {
            ip: self.config.media_ip,
            video_port: ports.video.unwrap_or(0),
            audio_port: ports.audio,
        };
        tracing::info!(meeting = %meeting_id, participant, host, "joined");
        Ok(Joined {
            meeting_id: meeting_id.clone(),
            participant,
            sdp: sdp::answer(offer, local, participant),
        })
    }

    /// (host present, participants) of the meeting's conference now.
    fn live_counts(&self, meeting_id: &str) -> (bool, u32) {
        counts(lock(&self.conferences).get(meeting_id))
    }

    /// The meeting's join decision for `target` with `participants` in it:
    /// host rights (`true`), guest, or the refusal as SIP.
    async fn judge(
        &self,
        target: &target::Target,
        caller: &caller::Caller,
        host_present: bool,
        participants: u32,
    ) -> Result<bool, Refusal> {
        let query = JoinQuery {
            device_sn: caller.device_sn.clone(),
            password: target.password.clone(),
            host_present,
            participants,
            locked: false,
        };
        let decision = self
            .meetings
            .join_decision(&target.meeting_id, &query)
            .await
            .map_err(|err| {
                tracing::error!(%err, "join decision failed");
                Refusal::plain(500, "Server Internal Error")
            })?;
        match decision {
            JoinDecision::Host => Ok(true),
            JoinDecision::Guest => Ok(false),
            JoinDecision::Rejected(reason) => {
                let (code, phrase) = reject::status(reason);
                Err(Refusal {
                    code,
                    reason: phrase.to_string(),
                    warning: Some(
                        rsip::headers::Warning::new(reject::warning(&self.host, reason.code()))
                            .into(),
                    ),
                    reason_code: Some(reason.code()),
                })
            }
        }
    }

    /// The class's size, never larger than the canvas it is scaled from.
    fn class_spec(&self, class: VideoClass) -> crate::media::ClassSpec {
        let mut spec = class.spec();
        let (w, h) = self.config.canvas;
        if spec.width > w || spec.height > h {
            spec.width = w;
            spec.height = h;
        }
        spec
    }

    fn conference_for(
        &self,
        meeting_id: &str,
    ) -> Result<Arc<Conference>, crate::media::MediaError> {
        let mut conferences = lock(&self.conferences);
        if let Some(live) = conferences.get(meeting_id) {
            return Ok(live.conference.clone());
        }
        let (w, h) = self.config.canvas;
        let config = ConferenceConfig::probe(w, h, self.config.fps, self.config.media_ip)?;
        let conference = Arc::new(Conference::start(config)?);
        conferences.insert(
            meeting_id.to_string(),
            Live {
                conference: conference.clone(),
                roster: Vec::new(),
            },
        );
        Ok(conference)
    }

    /// Takes a participant out; the last one out ends the conference media.
    fn remove_participant(&self, meeting_id: &str, participant: ParticipantId) {
        let mut conferences = lock(&self.conferences);
        let Some(live) = conferences.get_mut(meeting_id) else {
            return;
        };
        if let Err(err) = live.conference.leave(participant) {
            tracing::warn!(%err, "leaving the conference media");
        }
        live.roster.retain(|r| r.participant != participant);
        if live.roster.is_empty() {
            conferences.remove(meeting_id);
        }
        drop(conferences);
        self.notify_meeting(meeting_id);
        tracing::info!(meeting = %meeting_id, participant, "left");
    }

    /// Where the caller sends the dialog's ACK and BYE: back over the
    /// transport the INVITE came on. `isfocus` (RFC 4579) tells it this
    /// is a conference it may subscribe to.
    fn contact(&self, via: &ReplyPath) -> rsip::Header {
        let value = match via {
            ReplyPath::Udp { .. } => format!("<sip:focus@{}>;isfocus", self.contacts.udp),
            ReplyPath::Tcp(_) => {
                format!("<sip:focus@{};transport=tcp>;isfocus", self.contacts.tcp)
            }
        };
        rsip::headers::Contact::new(value).into()
    }

    /// How we send requests in the dialog the INVITE `d` opened.
    fn leg_of(&self, d: &Deferred, local_tag: &str) -> LegIdentity {
        let request = &d.request;
        let from = request.header("from").unwrap_or_default().to_string();
        let target = request
            .header("contact")
            .and_then(uri_of)
            .or_else(|| uri_of(&from))
            .unwrap_or_default()
            .to_string();
        let (transport, sent_by) = match d.reply {
            ReplyPath::Udp { .. } => ("UDP", self.contacts.udp.clone()),
            ReplyPath::Tcp(_) => ("TCP", self.contacts.tcp.clone()),
        };
        LegIdentity {
            call_id: request.call_id().to_string(),
            local: format!(
                "{};tag={local_tag}",
                request.header("to").unwrap_or_default()
            ),
            remote: from,
            target,
            transport,
            sent_by,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn respond(
        &self,
        d: &Deferred,
        echo: &EchoHeaders,
        local_tag: &str,
        code: u16,
        reason: &str,
        extra: Vec<rsip::Header>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Arc<Vec<u8>> {
        let top_via = d.request.via.answered_from(d.source.addr);
        Arc::new(
            ResponseBuilder::new(echo, Some(top_via), local_tag)
                .build_with_body(code, reason, extra, body),
        )
    }
}

struct Joined {
    meeting_id: String,
    participant: ParticipantId,
    sdp: String,
}

struct Refusal {
    code: u16,
    reason: String,
    warning: Option<rsip::Header>,
    /// The stable reason code (`wrong_password`, `full`, …) of a refused
    /// join.
    reason_code: Option<&'static str>,
}

impl Refusal {
    fn plain(code: u16, reason: &str) -> Self {
        Self {
            code,
            reason: reason.to_string(),
            warning: None,
            reason_code: None,
        }
    }
}

/// What an INVITE to a meeting comes to, if not a refusal.
enum Decided {
    Joined(Joined),
    /// In the waiting room, typing the password.
    Waiting {
        call: Box<waiting::WaitingCall>,
        lobby: crate::media::Lobby,
        /// The answer, naming the waiting room's ports.
        sdp: String,
        events: mpsc::UnboundedReceiver<waiting::WaitingEvent>,
    },
}

/// (host present, participants) of a live conference (none: nobody).
fn counts(live: Option<&Live>) -> (bool, u32) {
    let roster = live.map(|l| l.roster.as_slice()).unwrap_or_default();
    (roster.iter().any(|r| r.host), roster.len() as u32)
}

/// The `tag` parameter of a From/To value.
pub(crate) fn tag_of(value: Option<&str>) -> Option<String> {
    let value = value?;
    let params = match value.rfind('>') {
        Some(i) => &value[i..],
        None => value,
    };
    params.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("tag")
            .then(|| v.trim().to_string())
    })
}

/// A place held in a meeting while a join is decided; given back when the
/// join is done (by then a successful one is on the roster).
struct Reservation {
    joining: Arc<Mutex<HashMap<String, u32>>>,
    meeting_id: String,
    /// Other joins of this meeting being decided when this one began.
    others: u32,
}

impl Reservation {
    fn new(joining: &Arc<Mutex<HashMap<String, u32>>>, meeting_id: &str) -> Self {
        let mut map = lock(joining);
        let count = map.entry(meeting_id.to_string()).or_insert(0);
        let others = *count;
        *count += 1;
        Self {
            joining: joining.clone(),
            meeting_id: meeting_id.to_string(),
            others,
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        let mut map = lock(&self.joining);
        if let Some(count) = map.get_mut(&self.meeting_id) {
            *count -= 1;
            if *count == 0 {
                map.remove(&self.meeting_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_found_after_the_uri() {
        assert_eq!(
            tag_of(Some("<sip:a@b;tag=uri>;tag=abc")),
            Some("abc".into())
        );
        assert_eq!(tag_of(Some("sip:a@b;tag=x1")), Some("x1".into()));
        assert_eq!(tag_of(Some("<sip:a@b>")), None);
        assert_eq!(tag_of(None), None);
    }
}
