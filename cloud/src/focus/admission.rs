//! An INVITE's way into a meeting: what was dialled and who calls, the
//! meeting's join decision against who is in it now, a place held while
//! the join completes, then the conference joined — or, for a guest who
//! can type and gave no password, the waiting room — or a refusal.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::control::Role;
use super::reject::Refusal;
use super::sdp::{self, VideoClass};
use super::{caller, caller_identity, counts, target, waiting, Focus, RosterEntry};
use crate::lock;
use crate::media::{ParticipantId, ParticipantSpec};
use crate::meetings::join::{JoinDecision, LiveState, RejectReason};
use crate::meetings::JoinQuery;
use crate::sip::message::Request;
use crate::sip::Source;

pub(super) struct Joined {
    pub meeting_id: String,
    pub participant: ParticipantId,
    pub sdp: String,
}

/// What a caller in a waiting room waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WaitingFor {
    /// To type the meeting password.
    Password,
    /// The host to let it in.
    Host,
}

/// What an INVITE to a meeting comes to, if not a refusal.
pub(super) enum Decided {
    Joined(Joined),
    /// In a waiting room: typing the password, or until the host lets it
    /// in (`holding.rs`).
    Waiting {
        call: Box<waiting::WaitingCall>,
        lobby: crate::media::Lobby,
        /// The answer, naming the waiting room's ports.
        sdp: String,
        events: mpsc::UnboundedReceiver<waiting::WaitingEvent>,
        purpose: WaitingFor,
    },
}

/// A place held in a meeting while a join is decided; given back when the
/// join is done (by then a successful one is on the roster).
pub(super) struct Reservation {
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

impl Focus {
    /// The join decision, then the conference joined — or, for a guest
    /// who can type and gave no password, the waiting room.
    pub(super) async fn decide(
        &self,
        request: &Request,
        source: Source,
    ) -> Result<Decided, Refusal> {
        let target = request
            .uri
            .user()
            .and_then(target::parse)
            .ok_or_else(|| Refusal::plain(404, "Not Found"))?;
        let now_ms = self.clock.now_ms();
        let caller = caller::identify(request, source, &self.location, &self.store, now_ms).await;
        let admitted = self.admit(&target, &caller).await;
        // A join that would go ahead (or wait for its password) here goes
        // where the meeting runs, if that is another node behind the edge.
        let goes_ahead = match &admitted {
            Ok(_) => true,
            Err(refusal) => refusal.reason_code == Some(RejectReason::PasswordRequired.code()),
        };
        if goes_ahead {
            if let Some(node) = self.placed_elsewhere(&target.meeting_id, &source).await {
                let user = request.uri.user().unwrap_or_default();
                return Err(Refusal::moved(user, &node));
            }
        }
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
                // The host's waiting room: guests wait to be let in.
                if !host && self.holds(&call.target.meeting_id) {
                    return self.hold(call);
                }
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
                let (lobby, sdp) = self.open_waiting_room(&call, Some(events_tx.clone()))?;
                lock(&self.waiting).insert(call.call_id.clone(), events_tx);
                tracing::info!(meeting = %call.target.meeting_id, "waiting for the password");
                Ok(Decided::Waiting {
                    call: Box::new(call),
                    lobby,
                    sdp,
                    events,
                    purpose: WaitingFor::Password,
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
    pub(super) async fn admit(
        &self,
        target: &target::Target,
        caller: &caller::Caller,
    ) -> Result<(bool, Reservation), Refusal> {
        if self.removed(&target.meeting_id, caller) {
            return Err(Refusal::rejected(RejectReason::Removed, &self.host));
        }
        let before = self.live_counts(&target.meeting_id);
        let host = self.judge(target, caller, before, false).await?;
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
            let counted = LiveState {
                participants: now.participants + reservation.others,
                ..now
            };
            self.judge(target, caller, counted, false).await?
        };
        Ok((host, reservation))
    }

    /// A place for a caller the host lets in from its waiting room: the
    /// meeting's decision again, the lock aside (the host chose it).
    pub(super) async fn admit_held(
        &self,
        target: &target::Target,
        caller: &caller::Caller,
    ) -> Result<Reservation, Refusal> {
        self.place_chosen_by_host(target, caller, false).await
    }

    /// A place for a callee the focus rang (`dialling.rs`): the meeting's
    /// decision for an invitee — no password, the lock aside (the host
    /// chose it), and a removal lifted (the host allows it back).
    pub(super) async fn admit_invited(
        &self,
        target: &target::Target,
        caller: &caller::Caller,
    ) -> Result<Reservation, Refusal> {
        let identity = caller_identity(caller.device_sn.as_deref(), &caller.uri);
        if let Some(live) = lock(&self.conferences).get_mut(&target.meeting_id) {
            live.removed.remove(&identity);
        }
        self.place_chosen_by_host(target, caller, true).await
    }

    /// A place held for someone the host chose (let in, or invited): the
    /// meeting's decision counting the joins under way, the lock aside.
    async fn place_chosen_by_host(
        &self,
        target: &target::Target,
        caller: &caller::Caller,
        invited: bool,
    ) -> Result<Reservation, Refusal> {
        let reservation = Reservation::new(&self.joining, &target.meeting_id);
        let now = self.live_counts(&target.meeting_id);
        let counted = LiveState {
            participants: now.participants + reservation.others,
            locked: false,
            ..now
        };
        self.judge(target, caller, counted, invited).await?;
        Ok(reservation)
    }

    /// Whether an invitation of `caller` would be let in now (before it
    /// is rung: nobody is rung into a refusal).
    pub(super) async fn may_invite(
        &self,
        meeting_id: &str,
        device_sn: Option<&str>,
    ) -> Result<(), Refusal> {
        let target = target::Target {
            meeting_id: meeting_id.to_string(),
            password: None,
        };
        let caller = caller::Caller {
            uri: String::new(),
            name: String::new(),
            device_sn: device_sn.map(str::to_string),
        };
        let now = LiveState {
            locked: false,
            ..self.live_counts(meeting_id)
        };
        self.judge(&target, &caller, now, true).await.map(|_| ())
    }

    /// The admitted caller into the conference media (on `ports` when a
    /// waiting room held them) and onto the roster.
    pub(super) fn enter(
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
            name: call.caller.name.clone(),
        };
        let meeting_id = &call.target.meeting_id;
        let conference = self.conference_for(meeting_id).map_err(|err| {
            tracing::error!(%err, "cannot start the conference media");
            Refusal::plain(503, "Media Unavailable")
        })?;
        let sends_sizes = video.as_ref().is_some_and(|v| v.sizes_on_request);
        let class = (spec.class.width, spec.class.height);
        let ports = conference.join(spec).map_err(|err| {
            tracing::error!(%err, "cannot join the conference media");
            Refusal::plain(503, "Media Unavailable")
        })?;
        if sends_sizes {
            lock(&self.sizing).insert(participant, super::sizing::Sizing::new(class));
        }
        if let Some(live) = lock(&self.conferences).get_mut(meeting_id) {
            let muted = live.controls.mute_on_entry && !host;
            if muted {
                if let Err(err) = conference.set_muted(participant, true) {
                    tracing::warn!(%err, "cannot mute a newcomer");
                }
            }
            live.roster.push(RosterEntry {
                participant,
                role: if host { Role::Host } else { Role::Guest },
                from: call.from.clone(),
                name: call.caller.name.clone(),
                device_sn: call.caller.device_sn.clone(),
                kind: if call.caller.device_sn.is_some() {
                    "roomterm"
                } else {
                    "sip"
                },
                video: video.is_some(),
                muted,
                muted_by_host: muted,
                video_stopped: false,
                hand_raised: false,
                joined_at_ms: self.clock.now_ms(),
            });
        }
        // Content offered from the start is shared at once; a content
        // line to receive gets its leg.
        let content_port = super::reinvite::share(&conference, participant, offer);
        let local = sdp::Local {
            ip: self.config.media_ip,
            video_port: ports.video.unwrap_or(0),
            audio_port: ports.audio,
            content_port,
            content_out_port: super::reinvite::watch(&conference, participant, offer),
        };
        tracing::info!(meeting = %meeting_id, participant, host, "joined");
        Ok(Joined {
            meeting_id: meeting_id.clone(),
            participant,
            sdp: sdp::answer(offer, local, participant),
        })
    }

    /// What the join decision needs of the meeting's conference now.
    fn live_counts(&self, meeting_id: &str) -> LiveState {
        counts(lock(&self.conferences).get(meeting_id))
    }

    /// Whether the host removed this caller from the running meeting.
    fn removed(&self, meeting_id: &str, caller: &caller::Caller) -> bool {
        let identity = caller_identity(caller.device_sn.as_deref(), &caller.uri);
        lock(&self.conferences)
            .get(meeting_id)
            .is_some_and(|live| live.removed.contains(&identity))
    }

    /// The meeting's join decision for `target` with the meeting as `live`:
    /// host rights (`true`), guest, or the refusal as SIP.
    async fn judge(
        &self,
        target: &target::Target,
        caller: &caller::Caller,
        live: LiveState,
        invited: bool,
    ) -> Result<bool, Refusal> {
        let query = JoinQuery {
            invited,
            device_sn: caller.device_sn.clone(),
            password: target.password.clone(),
            host_present: live.host_present,
            participants: live.participants,
            locked: live.locked,
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
            JoinDecision::Rejected(reason) => Err(Refusal::rejected(reason, &self.host)),
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
}
