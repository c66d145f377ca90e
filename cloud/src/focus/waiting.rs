//! The waiting room for the meeting password (a guest dialled the meeting
//! without `*<password>`): a caller whose offer carries telephone-events
//! is answered, told to type the password (a spoken prompt, Chinese then
//! English), and types it on its keypad — RFC 4733 events in its RTP, or
//! INFO `dtmf-relay` — ending with `#` (or a pause). A right one joins
//! the meeting on the ports already answered; a wrong one is told so and
//! asked again; after three wrong ones, or a minute of nothing, the focus
//! says goodbye and hangs up.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use super::dtmf::{DtmfReader, PasswordEntry, ENTRY_PAUSE};
use super::{caller::Caller, sdp, target::Target, Focus, Refusal};
use crate::lock;
use crate::media::{Lobby, LobbySpec, ParticipantId, Prompt};
use crate::meetings::join::RejectReason;

/// Wrong passwords before the focus hangs up.
const ATTEMPTS: u32 = 3;
/// A caller who types nothing this long after a prompt ends is let go.
const IDLE: Duration = Duration::from_secs(60);
/// The goodbye is said before hanging up, at most this long.
const GOODBYE_WAIT: Duration = Duration::from_secs(15);

/// What reaches a waiting caller's task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum WaitingEvent {
    Key(char),
    /// The caller hung up (BYE).
    Gone,
    /// The host let the caller in, or did not (`holding.rs`).
    Admitted,
    Denied,
}

/// A caller in the waiting room, as the task that keeps it needs it.
pub(super) struct WaitingCall {
    pub call_id: String,
    pub target: Target,
    pub caller: Caller,
    pub from: String,
    pub offer: sdp::Offer,
    pub participant: ParticipantId,
}

impl Focus {
    /// Opens a waiting room for a caller: its media ports held (nothing of
    /// the meeting reaches it), and — for a caller who can type (its offer
    /// has telephone-events) — its keys read into `keys`. Returns the room
    /// and the answer naming its ports.
    pub(super) fn open_waiting_room(
        &self,
        call: &WaitingCall,
        keys: Option<mpsc::UnboundedSender<WaitingEvent>>,
    ) -> Result<(Lobby, String), Refusal> {
        let unavailable = |err: crate::media::MediaError| {
            tracing::error!(%err, "cannot open the waiting room");
            Refusal::plain(503, "Media Unavailable")
        };
        let audio = call
            .offer
            .audio
            .clone()
            .ok_or_else(|| Refusal::plain(488, "Not Acceptable Here"))?;
        let reader = match (&keys, audio.telephone_event) {
            (Some(_), Some((event_pt, _))) => Some(Mutex::new(DtmfReader::new(event_pt))),
            (Some(_), None) => return Err(Refusal::plain(488, "Not Acceptable Here")),
            (None, _) => None,
        };
        let spec = LobbySpec {
            bind: self.config.media_bind(),
            audio_to: audio.to,
            audio_pt: audio.pt,
            audio_codec: audio.codec,
            video: call.offer.video.is_some(),
        };
        let lobby = Lobby::start(&spec, move |packet| {
            let key = reader.as_ref().and_then(|r| lock(r).packet(packet));
            if let (Some(key), Some(keys)) = (key, &keys) {
                let _ = keys.send(WaitingEvent::Key(key));
            }
        })
        .map_err(unavailable)?;
        let ports = lobby.ports();
        let local = sdp::Local {
            ip: self.config.media_ip,
            video_port: ports.video.unwrap_or(0),
            audio_port: ports.audio,
            content_port: None,
            content_out_port: None,
        };
        let answer = sdp::answer(&call.offer, local, call.participant);
        Ok((lobby, answer))
    }

    /// A key the caller sent in an INFO; `false` if it is not waiting.
    pub(super) fn waiting_key(&self, call_id: &str, key: char) -> bool {
        lock(&self.waiting)
            .get(call_id)
            .is_some_and(|events| events.send(WaitingEvent::Key(key)).is_ok())
    }

    /// The caller hung up; `true` if it was waiting.
    pub(super) fn waiting_gone(&self, call_id: &str) -> bool {
        match lock(&self.waiting).remove(call_id) {
            Some(events) => {
                let _ = events.send(WaitingEvent::Gone);
                true
            }
            None => false,
        }
    }

    /// Keeps the waiting room until the caller joins, gives up or is let
    /// go.
    pub(super) async fn wait_for_password(
        self: Arc<Self>,
        mut call: WaitingCall,
        lobby: Lobby,
        mut events: mpsc::UnboundedReceiver<WaitingEvent>,
    ) {
        lobby.say(Prompt::Password);
        let mut entry = PasswordEntry::default();
        let mut wrong = 0;
        let mut lobby = Some(lobby);
        loop {
            let wait = if entry.is_typing() { ENTRY_PAUSE } else { IDLE };
            let typed = tokio::select! {
                event = events.recv() => match event {
                    Some(WaitingEvent::Key(key)) => entry.key(key),
                    Some(WaitingEvent::Admitted | WaitingEvent::Denied) => None,
                    Some(WaitingEvent::Gone) | None => return,
                },
                _ = tokio::time::sleep(wait) => match entry.take() {
                    Some(password) => Some(password),
                    None => {
                        tracing::info!(call = %call.call_id, "nothing typed: let go");
                        self.let_go(&call, lobby.take(), Prompt::Goodbye, None).await;
                        return;
                    }
                },
            };
            let Some(password) = typed else {
                continue;
            };
            call.target.password = Some(password);
            match self.admit(&call.target, &call.caller).await {
                Ok((host, reservation)) => {
                    // The conference takes the ports the answer named.
                    let ports = lobby.as_ref().map(|l| l.ports());
                    drop(lobby.take());
                    lock(&self.waiting).remove(&call.call_id);
                    match self.enter(&call, host, ports, reservation) {
                        Ok(_) => {
                            self.notify_meeting(&call.target.meeting_id);
                            return;
                        }
                        Err(refusal) => {
                            self.let_go(&call, None, Prompt::Goodbye, Some(&refusal))
                                .await;
                            return;
                        }
                    }
                }
                Err(refusal) if refusal.reason_code == Some(RejectReason::WrongPassword.code()) => {
                    wrong += 1;
                    tracing::info!(call = %call.call_id, wrong, "wrong password typed");
                    if wrong >= ATTEMPTS {
                        self.let_go(&call, lobby.take(), Prompt::Goodbye, Some(&refusal))
                            .await;
                        return;
                    }
                    if let Some(lobby) = &lobby {
                        lobby.say(Prompt::Wrong);
                    }
                }
                Err(refusal) => {
                    self.let_go(&call, lobby.take(), Prompt::Goodbye, Some(&refusal))
                        .await;
                    return;
                }
            }
        }
    }

    /// Says `goodbye` (when the room is still open) and hangs up: a BYE
    /// with why, if there is a refusal to tell.
    pub(super) async fn let_go(
        &self,
        call: &WaitingCall,
        lobby: Option<Lobby>,
        goodbye: Prompt,
        why: Option<&Refusal>,
    ) {
        lock(&self.waiting).remove(&call.call_id);
        if let Some(lobby) = lobby {
            lobby.say(goodbye);
            let deadline = Instant::now() + GOODBYE_WAIT;
            while lobby.speaking() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        let Some(dialog) = lock(&self.dialogs).remove(&call.call_id) else {
            return;
        };
        // Why the call ends, for a phone to show.
        super::ending::send_bye(&dialog, why);
    }
}
