//! Casting to the room: what the cloud relays (the code to show, a
//! browser's offer, its trickled candidates, a stop) decided here — one
//! caster at a time, a second one refused, asked about or let in by the
//! room's take-over setting — and the cast's media (`crate::cast`) started,
//! shown full screen and stopped. The room returns to where it was when
//! the cast ends, whoever ends it, and says why.

use std::sync::Arc;
use std::time::{Duration, Instant};

use roomterm_proto::{CastEnd, CastRefusal, DeviceMessage, TakeOver};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::calls::SharedOffer;
use super::content::{self, MeetingCall, MeetingShare};
use super::published::Published;
use crate::cast::{CastConfig, CastLink, CastReceiver};
use crate::media::ContentConfig;
use crate::provision::CastSignal;
use crate::sip::conference::ContentOwner;
use crate::sip::{CallState, SipAgent};
use crate::status::CastStatus;

/// How long the room is given to answer "take over?" before it counts as no.
const ASK_ROOM_FOR: Duration = Duration::from_secs(30);

/// The cast on screen, published for the window (its pictures).
pub type LiveCast = watch::Sender<Option<Arc<CastReceiver>>>;

/// What the cast's own tasks tell the runtime.
pub enum CastEvent {
    /// The offer of `session` was answered (or could not be).
    Answered {
        offer: Offer,
        result: Result<(Arc<CastReceiver>, String), String>,
    },
    /// The caster's connection went away.
    Lost { session: String },
    /// The first picture arrived: its codec.
    Showing {
        session: String,
        codec: Option<&'static str>,
    },
    /// Nobody in the room answered the take-over question.
    AskExpired { session: String },
}

/// A browser's offer to cast.
#[derive(Debug, Clone)]
pub struct Offer {
    pub session: String,
    pub caster: String,
    pub sdp: String,
}

struct Showing {
    session: String,
    receiver: Arc<CastReceiver>,
    watcher: JoinHandle<()>,
    /// Shared into the meeting the room is in, as content.
    share: Option<MeetingShare>,
    /// The focus's roster said the meeting's content is this share.
    share_confirmed: bool,
}

pub struct Casting {
    published: Published,
    /// How casts are decoded (`None`: this terminal has no media).
    config: Option<CastConfig>,
    /// How a cast is shared into a meeting (`None`: no call media).
    content: Option<ContentConfig>,
    /// Our last offer in the call under way (content needs a re-INVITE).
    offer: SharedOffer,
    live: Arc<LiveCast>,
    showing: Option<Showing>,
    /// An offer being answered (the room is busy meanwhile).
    answering: Option<String>,
    /// A take-over waiting for the room's yes or no.
    asking: Option<(Offer, JoinHandle<()>)>,
    events: mpsc::Sender<CastEvent>,
}

impl Casting {
    pub fn new(
        published: Published,
        config: Option<CastConfig>,
        content: Option<ContentConfig>,
        offer: SharedOffer,
        live: Arc<LiveCast>,
    ) -> (Self, mpsc::Receiver<CastEvent>) {
        let (events, rx) = mpsc::channel(16);
        // The first cast's plugin loading and DTLS certificate, paid now
        // rather than by the first person pressing Share (1.4 s → 0.4 s).
        if let Some(config) = config.clone() {
            crate::cast::warm::prepare_in_background(config);
        }
        let casting = Self {
            published,
            config,
            content,
            offer,
            live,
            showing: None,
            answering: None,
            asking: None,
            events,
        };
        (casting, rx)
    }

    /// What the cloud said; replies go out on `reports` (the channel).
    pub fn signal(
        &mut self,
        signal: CastSignal,
        take_over: TakeOver,
        reports: &mpsc::Sender<DeviceMessage>,
    ) {
        match signal {
            CastSignal::Code(code) => self.published.status(|s| s.cast_code = Some(code)),
            CastSignal::Offer {
                session,
                caster,
                sdp,
                take_over: confirmed,
            } => {
                let offer = Offer {
                    session,
                    caster: clean_name(&caster),
                    sdp,
                };
                self.offer(offer, confirmed, take_over, reports);
            }
            CastSignal::Candidate {
                session,
                mline,
                candidate,
            } => {
                if let Some(showing) = self.showing.as_ref().filter(|s| s.session == session) {
                    if let Err(err) = showing.receiver.add_candidate(mline, &candidate) {
                        tracing::debug!(%err, "ignored a caster's candidate");
                    }
                }
            }
            CastSignal::Stop { session, reason } => {
                if self.is_showing(&session) {
                    self.end(reason, None);
                } else if self
                    .asking
                    .as_ref()
                    .is_some_and(|(o, _)| o.session == session)
                {
                    self.close_question();
                }
            }
        }
    }

    fn offer(
        &mut self,
        offer: Offer,
        confirmed: bool,
        take_over: TakeOver,
        reports: &mpsc::Sender<DeviceMessage>,
    ) {
        let refuse = |reason: CastRefusal, showing: Option<String>| {
            send(
                reports,
                DeviceMessage::CastRefused {
                    session: offer.session.clone(),
                    reason,
                    showing,
                },
            )
        };
        if self.config.is_none() {
            return refuse(CastRefusal::Unsupported, None);
        }
        // In a meeting the cast is shared as content; a call with another
        // room has no content stream to carry it.
        let in_call = self.published.status.borrow().in_call();
        if in_call && !content::in_meeting(&self.published) {
            tracing::info!(caster = %offer.caster, "cast refused: the room is in a call");
            return refuse(CastRefusal::Unsupported, None);
        }
        let showing_name = self
            .published
            .status
            .borrow()
            .cast
            .as_ref()
            .map(|c| c.caster.clone());
        if self.answering.is_some() || self.asking.is_some() {
            return refuse(CastRefusal::Busy, showing_name);
        }
        if let Some(showing) = showing_name {
            match (confirmed, take_over) {
                (false, _) => return refuse(CastRefusal::Busy, Some(showing)),
                (true, TakeOver::Never) => {
                    return refuse(CastRefusal::TakeOverNotAllowed, Some(showing))
                }
                (true, TakeOver::AskRoom) => return self.ask_room(offer),
                (true, TakeOver::Allowed) => {}
            }
        }
        self.answer(offer);
    }

    /// Answers in a task (ICE gathering takes a moment): the runtime goes
    /// on meanwhile; the outcome comes back as [`CastEvent::Answered`].
    fn answer(&mut self, offer: Offer) {
        let Some(config) = self.config.clone() else {
            return;
        };
        self.answering = Some(offer.session.clone());
        let events = self.events.clone();
        tokio::spawn(async move {
            let sdp = offer.sdp.clone();
            let result = tokio::task::spawn_blocking(move || CastReceiver::answer(&sdp, config))
                .await
                .map_err(|err| err.to_string())
                .and_then(|answered| answered.map_err(|err| err.to_string()))
                .map(|(receiver, answer)| (Arc::new(receiver), answer));
            let _ = events.send(CastEvent::Answered { offer, result }).await;
        });
    }

    fn ask_room(&mut self, offer: Offer) {
        let events = self.events.clone();
        let session = offer.session.clone();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(ASK_ROOM_FOR).await;
            let _ = events.send(CastEvent::AskExpired { session }).await;
        });
        let name = offer.caster.clone();
        self.asking = Some((offer, timer));
        self.published.status(|s| {
            if let Some(cast) = &mut s.cast {
                cast.asking = Some(name);
            }
        });
        self.published.ui(|ui| ui.cast_requested());
    }

    /// The room answered the take-over question.
    pub fn room_answered(&mut self, allow: bool, reports: &mpsc::Sender<DeviceMessage>) {
        let Some((offer, timer)) = self.asking.take() else {
            return;
        };
        timer.abort();
        self.close_question();
        if allow {
            self.answer(offer);
        } else {
            let showing = self
                .published
                .status
                .borrow()
                .cast
                .as_ref()
                .map(|c| c.caster.clone());
            send(
                reports,
                DeviceMessage::CastRefused {
                    session: offer.session,
                    reason: CastRefusal::DeclinedByRoom,
                    showing,
                },
            );
        }
    }

    fn close_question(&mut self) {
        if let Some((_, timer)) = self.asking.take() {
            timer.abort();
        }
        self.published.status(|s| {
            if let Some(cast) = &mut s.cast {
                cast.asking = None;
            }
        });
        self.published.ui(|ui| ui.cast_request_closed());
    }

    /// What the cast's tasks report; `agent` carries the meeting call a
    /// cast is shared into.
    pub fn event(
        &mut self,
        event: CastEvent,
        reports: &mpsc::Sender<DeviceMessage>,
        agent: &SipAgent,
    ) {
        match event {
            CastEvent::Answered { offer, result } => {
                self.answered(offer, result, reports);
                self.share_into_meeting(agent);
            }
            CastEvent::Lost { session } => {
                if self.is_showing(&session) {
                    self.end(CastEnd::ConnectionLost, Some(reports));
                }
            }
            CastEvent::Showing { session, codec } => {
                if self.is_showing(&session) {
                    self.published.status(|s| {
                        if let Some(cast) = &mut s.cast {
                            cast.codec = codec;
                        }
                    });
                }
            }
            CastEvent::AskExpired { session } => {
                if self
                    .asking
                    .as_ref()
                    .is_some_and(|(o, _)| o.session == session)
                {
                    self.room_answered(false, reports);
                }
            }
        }
    }

    fn answered(
        &mut self,
        offer: Offer,
        result: Result<(Arc<CastReceiver>, String), String>,
        reports: &mpsc::Sender<DeviceMessage>,
    ) {
        if self.answering.as_deref() == Some(offer.session.as_str()) {
            self.answering = None;
        }
        let (receiver, answer) = match result {
            Ok(answered) => answered,
            Err(err) => {
                tracing::warn!(%err, caster = %offer.caster, "cannot take the cast");
                send(
                    reports,
                    DeviceMessage::CastRefused {
                        session: offer.session,
                        reason: CastRefusal::Unsupported,
                        showing: None,
                    },
                );
                return;
            }
        };
        // A take-over: the one showing makes way for the new caster.
        if self.showing.is_some() {
            self.end(CastEnd::TakenOver, Some(reports));
        }
        send(
            reports,
            DeviceMessage::CastAnswer {
                session: offer.session.clone(),
                sdp: answer,
            },
        );
        tracing::info!(caster = %offer.caster, session = %offer.session, "cast answered");
        let watcher = watch_link(offer.session.clone(), &receiver, self.events.clone());
        self.live.send_replace(Some(receiver.clone()));
        self.showing = Some(Showing {
            session: offer.session.clone(),
            receiver,
            watcher,
            share: None,
            share_confirmed: false,
        });
        self.published.status(|s| {
            s.cast = Some(CastStatus {
                session: offer.session,
                caster: offer.caster,
                codec: None,
                since: Instant::now(),
                asking: None,
                in_meeting: false,
            });
        });
        self.published.ui(|ui| ui.cast_started());
    }

    /// In a meeting, the cast showing goes to everyone as content.
    fn share_into_meeting(&mut self, agent: &SipAgent) {
        let Some(config) = &self.content else {
            return;
        };
        if !content::in_meeting(&self.published) {
            return;
        }
        let Some(showing) = self.showing.as_mut().filter(|s| s.share.is_none()) else {
            return;
        };
        let call = MeetingCall {
            commands: agent.commands(),
            call: agent.call.clone(),
            renegotiation: agent.renegotiation.clone(),
            offer: self.offer.clone(),
        };
        showing.share =
            MeetingShare::start(&showing.receiver, config, call, self.published.clone());
    }

    /// The room's call changed: a cast showing when a meeting begins is
    /// shared into it; one whose meeting ended keeps showing here, and is
    /// shared again into the next. Once the focus's roster said the
    /// meeting's content is ours, a roster saying it is no longer (another
    /// room shared and replaced it) ends the cast: the room shows the
    /// meeting, and the caster is told someone else took over.
    pub fn follow_meeting(&mut self, agent: &SipAgent, reports: &mpsc::Sender<DeviceMessage>) {
        let (call_over, owner) = {
            let status = self.published.status.borrow();
            let established = matches!(status.call, Some(CallState::Established { .. }));
            let owner = status.call_roster.as_ref().and_then(|r| r.content);
            (!established, owner)
        };
        if call_over {
            if let Some(showing) = self.showing.as_mut() {
                showing.share = None;
                showing.share_confirmed = false;
            }
            return;
        }
        self.share_into_meeting(agent);
        let Some(showing) = self.showing.as_mut().filter(|s| s.share.is_some()) else {
            return;
        };
        match owner {
            Some(ContentOwner::Yours) => showing.share_confirmed = true,
            _ if showing.share_confirmed => {
                tracing::info!("another participant's content replaced the room's");
                self.end(CastEnd::TakenOver, Some(reports));
            }
            _ => {}
        }
    }

    /// The room pressed Stop.
    pub fn stop_by_room(&mut self, reports: &mpsc::Sender<DeviceMessage>) {
        if self.showing.is_some() {
            self.end(CastEnd::StoppedByRoom, Some(reports));
        }
    }

    /// The session ended (reset, unbind, shutdown): nothing to tell.
    pub fn drop_all(&mut self) {
        if let Some((_, timer)) = self.asking.take() {
            timer.abort();
        }
        if self.showing.is_some() {
            self.end(CastEnd::RoomOffline, None);
        }
        self.published.status(|s| s.cast_code = None);
    }

    fn is_showing(&self, session: &str) -> bool {
        self.showing.as_ref().is_some_and(|s| s.session == session)
    }

    /// Ends the cast showing; the cloud hears why when `reports` is given
    /// (not when it asked for the end itself).
    fn end(&mut self, reason: CastEnd, reports: Option<&mpsc::Sender<DeviceMessage>>) {
        let Some(showing) = self.showing.take() else {
            return;
        };
        if self.asking.is_some() {
            self.close_question();
        }
        showing.watcher.abort();
        // Out of the meeting first: its re-INVITE says the content ended.
        drop(showing.share);
        self.live.send_replace(None);
        if let Some(reports) = reports {
            send(
                reports,
                DeviceMessage::CastEnded {
                    session: showing.session.clone(),
                    reason,
                },
            );
        }
        // The pipeline stops on the last reference's drop; the window's
        // copy goes with its next tick.
        drop(showing.receiver);
        tracing::info!(session = %showing.session, reason = reason.as_str(), "cast ended");
        self.published.status(|s| {
            s.cast = None;
            s.cast_ended = Some((reason, Instant::now()));
        });
        self.published.ui(|ui| ui.cast_ended());
    }
}

/// Reports the cast's link: its first picture, and its loss.
fn watch_link(
    session: String,
    receiver: &Arc<CastReceiver>,
    events: mpsc::Sender<CastEvent>,
) -> JoinHandle<()> {
    let mut link = receiver.link();
    let receiver = Arc::downgrade(receiver);
    tokio::spawn(async move {
        let mut told_codec = false;
        loop {
            let now = link.borrow_and_update().clone();
            match now {
                CastLink::Lost(reason) => {
                    tracing::info!(?reason, %session, "cast connection lost");
                    let _ = events.send(CastEvent::Lost { session }).await;
                    return;
                }
                CastLink::Connected if !told_codec => {
                    told_codec = true;
                    // The codec is known once its first packets arrived,
                    // a moment after ICE connected.
                    let mut codec = None;
                    for _ in 0..50 {
                        codec = receiver.upgrade().and_then(|r| r.codec());
                        if codec.is_some() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    let session = session.clone();
                    let _ = events.send(CastEvent::Showing { session, codec }).await;
                }
                _ => {}
            }
            if link.changed().await.is_err() {
                let _ = events.send(CastEvent::Lost { session }).await;
                return;
            }
        }
    })
}

fn send(reports: &mpsc::Sender<DeviceMessage>, message: DeviceMessage) {
    // The channel's queue is short and drained at once; a full one means
    // the channel is down, and the cloud ends the session itself then.
    if let Err(err) = reports.try_send(message) {
        tracing::warn!(%err, "cannot tell the cloud about the cast");
    }
}

/// A caster's name as the screen shows it: no control characters, at
/// most 40 characters (the cloud trims too; the room does not rely on it).
fn clean_name(name: &str) -> String {
    let name: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
    match name.trim() {
        "" => "?".to_string(),
        name => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn a_caster_name_is_shown_without_control_characters_and_not_too_long() {
        assert_eq!(clean_name(" Ann\u{1b}[31m "), "Ann[31m");
        assert_eq!(clean_name(""), "?");
        assert_eq!(clean_name(&"界".repeat(60)).chars().count(), 40);
    }
}
