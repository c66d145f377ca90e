//! The host's waiting room: while it is on, a guest who may join is
//! answered with a waiting room's ports instead of the conference's — it
//! hears "please wait, the host will let you in" and nothing of the
//! meeting, and nobody sees or hears it — and waits, listed to the host,
//! until the host lets it in (the conference then takes the ports already
//! answered) or does not (a goodbye, then BYE with `Reason: 403 Denied By
//! Host`). Ten minutes without an answer let it go. Its roster says it is
//! held, so a room shows "waiting for the host to let you in".

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use super::admission::{Decided, WaitingFor};
use super::waiting::{WaitingCall, WaitingEvent};
use super::{Ending, Focus, Refusal};
use crate::lock;
use crate::media::{Lobby, ParticipantId, Prompt};

/// The prompt is said again this often.
const REPEAT: Duration = Duration::from_secs(30);
/// A caller nobody lets in this long is let go.
const LONGEST: Duration = Duration::from_secs(600);

/// A caller waiting for the host, as the host sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Held {
    /// The id it gets when let in (what `admit` and `deny` name).
    pub participant: ParticipantId,
    pub name: String,
    pub from: String,
    pub device_sn: Option<String>,
    /// Since when (ms since the epoch).
    pub since_ms: i64,
    #[serde(skip)]
    pub(super) call_id: String,
}

impl Focus {
    /// Whether the meeting's waiting room is on.
    pub(super) fn holds(&self, meeting_id: &str) -> bool {
        lock(&self.conferences)
            .get(meeting_id)
            .is_some_and(|live| live.controls.waiting_room)
    }

    /// Puts `call` in the host's waiting room.
    pub(super) fn hold(&self, call: WaitingCall) -> Result<Decided, Refusal> {
        let (events_tx, events) = mpsc::unbounded_channel();
        let (lobby, sdp) = self.open_waiting_room(&call, None)?;
        lock(&self.waiting).insert(call.call_id.clone(), events_tx);
        if let Some(live) = lock(&self.conferences).get_mut(&call.target.meeting_id) {
            live.held.push(Held {
                participant: call.participant,
                name: call.caller.name.clone(),
                from: call.from.clone(),
                device_sn: call.caller.device_sn.clone(),
                since_ms: self.clock.now_ms(),
                call_id: call.call_id.clone(),
            });
        }
        tracing::info!(meeting = %call.target.meeting_id, participant = call.participant, "waiting for the host");
        Ok(Decided::Waiting {
            call: Box::new(call),
            lobby,
            sdp,
            events,
            purpose: WaitingFor::Host,
        })
    }

    /// Who waits for the host in the meeting.
    pub fn held(&self, meeting_id: &str) -> Vec<Held> {
        lock(&self.conferences)
            .get(meeting_id)
            .map(|live| live.held.clone())
            .unwrap_or_default()
    }

    /// Tells a held caller's task what the host decided; `false` if it
    /// is not waiting.
    pub(super) fn decide_held(&self, call_id: &str, admitted: bool) -> bool {
        let event = if admitted {
            WaitingEvent::Admitted
        } else {
            WaitingEvent::Denied
        };
        lock(&self.waiting)
            .get(call_id)
            .is_some_and(|events| events.send(event).is_ok())
    }

    /// The caller no longer waits (let in, let go, or gone).
    pub(super) fn unhold(&self, meeting_id: &str, participant: ParticipantId) {
        let removed = lock(&self.conferences)
            .get_mut(meeting_id)
            .map(|live| {
                let before = live.held.len();
                live.held.retain(|h| h.participant != participant);
                before != live.held.len()
            })
            .unwrap_or(false);
        if removed {
            self.notify_meeting(meeting_id);
        }
    }

    /// Keeps a held caller until the host decides, it hangs up, or ten
    /// minutes pass.
    pub(super) async fn wait_for_host(
        self: Arc<Self>,
        call: WaitingCall,
        lobby: Lobby,
        mut events: mpsc::UnboundedReceiver<WaitingEvent>,
    ) {
        let meeting_id = call.target.meeting_id.clone();
        let gave_up = tokio::time::Instant::now() + LONGEST;
        let mut repeat = tokio::time::interval(REPEAT);
        loop {
            tokio::select! {
                _ = repeat.tick() => lobby.say(Prompt::Hold),
                _ = tokio::time::sleep_until(gave_up) => {
                    self.unhold(&meeting_id, call.participant);
                    let why = Refusal::ending(Ending::NotLetIn, &self.host);
                    self.let_go(&call, Some(lobby), Prompt::Denied, Some(&why)).await;
                    return;
                }
                event = events.recv() => match event {
                    Some(WaitingEvent::Admitted) => {
                        self.unhold(&meeting_id, call.participant);
                        self.let_in(call, lobby).await;
                        return;
                    }
                    Some(WaitingEvent::Denied) => {
                        self.unhold(&meeting_id, call.participant);
                        let why = Refusal::ending(Ending::Denied, &self.host);
                        self.let_go(&call, Some(lobby), Prompt::Denied, Some(&why)).await;
                        return;
                    }
                    Some(WaitingEvent::Key(_)) => {}
                    Some(WaitingEvent::Gone) | None => {
                        self.unhold(&meeting_id, call.participant);
                        return;
                    }
                },
            }
        }
    }

    /// The host let the caller in: into the conference on the ports its
    /// answer named, if the meeting still has room (the lock does not
    /// keep out whom the host lets in).
    async fn let_in(&self, call: WaitingCall, lobby: Lobby) {
        lock(&self.waiting).remove(&call.call_id);
        let admitted = self.admit_held(&call.target, &call.caller).await;
        let reservation = match admitted {
            Ok(reservation) => reservation,
            Err(refusal) => {
                self.let_go(&call, Some(lobby), Prompt::Goodbye, Some(&refusal))
                    .await;
                return;
            }
        };
        let ports = lobby.ports();
        drop(lobby);
        match self.enter(&call, false, Some(ports), reservation) {
            Ok(_) => self.notify_meeting(&call.target.meeting_id),
            Err(refusal) => {
                self.let_go(&call, None, Prompt::Goodbye, Some(&refusal))
                    .await
            }
        }
    }
}
