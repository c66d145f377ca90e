//! Casting, the cloud's part: each room's casting code, and the signalling
//! between a browser (WHIP-shaped HTTP, `api/cast.rs`) and the room (its
//! config channel, `api/channel.rs`). Media never passes through the cloud.
//!
//! | file | job |
//! |---|---|
//! | `mod.rs` | [`Casting`], the service: codes, rooms and sessions under one lock |
//! | `codes.rs` | the codes: unique, unrepeated, rotating (pure) |
//! | `relay.rs` | the rooms' open channels and their outboxes |
//! | `sessions.rs` | sessions from offer to end, and why they ended |
//! | `sdp.rs` | what the cloud reads of an offer and a trickle fragment (pure) |
//! | `errors.rs` | the refusals and their codes |

mod codes;
mod errors;
mod relay;
mod sdp;
mod sessions;

pub use codes::{Issued, RoomId};
pub use sdp::MAX_BYTES as MAX_SDP_BYTES;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::OsRng;
use rand::RngCore;
use roomterm_proto::{CastCode, CastEnd, DeviceMessage, ServerMessage};
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};

use crate::clock::SharedClock;
use crate::devices::lockout::Lockout;
use crate::error::{CloudError, CloudResult};
use crate::lock;
use crate::store::Store;
use codes::CodeBook;
use relay::Links;
use sessions::{Reply, Session, Sessions};

/// How long a code works, by default.
pub const CODE_PERIOD: Duration = Duration::from_secs(300);
/// How long an offer waits for its room (which may ask a person).
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(40);

#[derive(Debug, Clone)]
pub struct CastSettings {
    /// The casting page, `<API URL>/cast`.
    pub page: String,
    pub code_period: Duration,
    pub answer_timeout: Duration,
}

/// A cast as the admin API lists it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CastView {
    pub session: String,
    pub room_sn: String,
    pub room_name: String,
    pub caster: String,
    pub remote_ip: String,
    pub started_at: i64,
}

/// A browser's offer, as the HTTP side read it.
pub struct Offer<'a> {
    pub ip: IpAddr,
    /// The code from `Authorization: Bearer`.
    pub code: Option<&'a str>,
    pub caster: String,
    pub sdp: &'a [u8],
    pub take_over: bool,
}

/// The room took the cast.
#[derive(Debug)]
pub struct Answer {
    pub session: String,
    pub sdp: String,
}

pub struct Casting {
    settings: CastSettings,
    clock: SharedClock,
    state: Mutex<State>,
    /// Wrong codes per address (the activation rule, its own instance).
    lockout: Lockout,
}

struct State {
    codes: CodeBook,
    links: Links,
    sessions: Sessions,
}

impl Casting {
    pub fn new(settings: CastSettings, clock: SharedClock, store: Store) -> Self {
        let period = settings.code_period.as_secs().max(1) as i64;
        Self {
            settings,
            clock,
            state: Mutex::new(State {
                codes: CodeBook::new(period),
                links: Links::default(),
                sessions: Sessions::default(),
            }),
            lockout: Lockout::new(store, "casting"),
        }
    }

    /// The casting page's address.
    pub fn page(&self) -> &str {
        &self.settings.page
    }

    fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    /// A room's channel opened: it becomes the room's way in and is sent
    /// the room's code at once.
    pub fn attach(self: &Arc<Self>, room: RoomId, sn: &str, name: &str) -> RoomChannel {
        let mut state = lock(&self.state);
        let (attachment, outbox) = state.links.attach(room, sn, name);
        let channel = RoomChannel {
            outbox,
            casting: self.clone(),
            room,
            attachment,
        };
        self.push_code(&mut state, room, true);
        channel
    }

    /// Issues or rotates the room's code when due; sends it when new (or
    /// when `always`).
    fn push_code(&self, state: &mut State, room: RoomId, always: bool) {
        let Some((issued, new)) = state.codes.ensure(room, self.now(), &mut OsRng) else {
            tracing::error!(room, "no casting code is free");
            return;
        };
        if new || always {
            let code = self.cast_code(issued);
            if state
                .links
                .send(room, ServerMessage::CastCode { code })
                .is_err()
            {
                tracing::warn!(room, "casting code not sent: the room's channel is full");
            }
        }
    }

    fn cast_code(&self, issued: Issued) -> CastCode {
        CastCode {
            url: format!("{}/{}", self.settings.page, issued.code),
            page: self.settings.page.clone(),
            code: issued.code,
            valid_until: issued.valid_until,
        }
    }

    fn detach(&self, room: RoomId, attachment: u64) {
        let now = self.now();
        let mut state = lock(&self.state);
        if !state.links.detach(room, attachment) {
            return;
        }
        state.codes.remove(room, now);
        for id in state.sessions.of_room(room) {
            state.sessions.end(&id, None, CastEnd::RoomOffline, now);
        }
    }

    /// The room's reply to an offer, or the end of one of its casts.
    fn room_says(&self, room: RoomId, message: DeviceMessage) {
        let mut state = lock(&self.state);
        let known = match message {
            DeviceMessage::CastAnswer { session, sdp } => {
                state.sessions.reply(room, &session, Reply::Answer(sdp))
            }
            DeviceMessage::CastRefused {
                session,
                reason,
                showing,
            } => {
                let showing = showing.map(|name| clean_name(&name));
                let reply = Reply::Refused { reason, showing };
                state.sessions.reply(room, &session, reply)
            }
            DeviceMessage::CastEnded { session, reason } => state
                .sessions
                .end(&session, Some(room), reason, self.now())
                .is_some(),
            other => {
                tracing::debug!(?other, "not a casting message");
                return;
            }
        };
        if !known {
            tracing::debug!(room, "casting reply for no session of this room");
        }
    }

    /// Sends a browser's offer to the room its code names and waits for
    /// the room's answer.
    pub async fn offer(&self, offer: Offer<'_>) -> CloudResult<Answer> {
        let now = self.now();
        if let Some(retry_after_secs) = self.lockout.locked_for(offer.ip, now).await? {
            return Err(CloudError::CastLocked { retry_after_secs });
        }
        let (sdp, mids) =
            sdp::offer(offer.sdp).map_err(|bad| CloudError::InvalidInput(bad.0.into()))?;
        let code = offer.code.ok_or_else(errors::code_missing)?;
        let id = new_session_id();
        // The guard is not held across the wait below.
        let room = lock(&self.state).codes.room_for(code, now);
        let Some(room) = room else {
            return Err(self.wrong_code(offer.ip, now).await);
        };
        let reply = {
            let mut state = lock(&self.state);
            let sn = state
                .links
                .sn(room)
                .ok_or_else(errors::room_offline)?
                .to_string();
            let (session, reply) =
                Session::waiting(room, sn, offer.caster.clone(), offer.ip, now, mids);
            let message = ServerMessage::CastOffer {
                session: id.clone(),
                caster: offer.caster,
                sdp,
                take_over: offer.take_over,
            };
            state
                .links
                .send(room, message)
                .map_err(|_| errors::room_offline())?;
            state.sessions.insert(id.clone(), session);
            reply
        };
        // Until the answer is handed over, a request that goes away (the
        // browser closed, the wait timed out) takes its session along.
        let mut pending = Pending {
            casting: self,
            id: &id,
            armed: true,
        };
        let timeout = self.settings.answer_timeout;
        let outcome = match tokio::time::timeout(timeout, reply).await {
            Err(_) => return Err(errors::no_answer(timeout.as_secs())),
            Ok(outcome) => outcome,
        };
        pending.armed = false;
        match outcome {
            Ok(Reply::Answer(sdp)) => Ok(Answer {
                session: id.clone(),
                sdp,
            }),
            Ok(Reply::Refused { reason, showing }) => Err(errors::refused(reason, showing)),
            Ok(Reply::Offline) | Err(_) => Err(errors::room_offline()),
        }
    }

    async fn wrong_code(&self, ip: IpAddr, now: i64) -> CloudError {
        tracing::warn!(%ip, "wrong casting code");
        match self.lockout.record_failure(ip, now).await {
            Ok(Some(retry_after_secs)) => {
                tracing::warn!(%ip, "address locked out of casting");
                CloudError::CastLocked { retry_after_secs }
            }
            Ok(None) => errors::code_invalid(),
            Err(err) => err.into(),
        }
    }

    /// Relays the candidates of a trickle-ICE fragment to the session's room.
    pub fn trickle(&self, id: &str, fragment: &[u8]) -> CloudResult<()> {
        let state = lock(&self.state);
        let session = state
            .sessions
            .get(id)
            .filter(|s| s.is_showing())
            .ok_or_else(errors::unknown_session)?;
        let candidates = sdp::fragment(fragment, &session.mids)
            .map_err(|bad| CloudError::InvalidInput(bad.0.into()))?;
        for found in candidates {
            let message = ServerMessage::CastCandidate {
                session: id.to_string(),
                mline: found.mline,
                candidate: found.candidate,
            };
            state
                .links
                .send(session.room, message)
                .map_err(|_| errors::room_offline())?;
        }
        Ok(())
    }

    /// Ends a cast from the cloud's side (its caster, an admin): the room
    /// is told to stop; the events stream says why.
    pub fn stop(&self, id: &str, reason: CastEnd) -> CloudResult<CastView> {
        let mut state = lock(&self.state);
        let view = state
            .sessions
            .get(id)
            .filter(|s| s.is_showing())
            .map(|s| view(&state.links, id, s))
            .ok_or_else(errors::unknown_session)?;
        if let Some(session) = state.sessions.end(id, None, reason, self.now()) {
            let stop = ServerMessage::CastStop {
                session: id.to_string(),
                reason,
            };
            if state.links.send(session.room, stop).is_err() {
                tracing::debug!(session = id, "the room's channel is gone; nothing to stop");
            }
        }
        Ok(view)
    }

    /// Why the cast ends, once it does.
    pub fn watch_end(&self, id: &str) -> CloudResult<watch::Receiver<Option<CastEnd>>> {
        lock(&self.state)
            .sessions
            .watch_end(id, self.now())
            .ok_or_else(errors::unknown_session)
    }

    /// The casts rooms show now, oldest first.
    pub fn list(&self) -> Vec<CastView> {
        let state = lock(&self.state);
        let mut casts: Vec<CastView> = state
            .sessions
            .showing()
            .map(|(id, s)| view(&state.links, id, s))
            .collect();
        casts.sort_by(|a, b| (a.started_at, &a.session).cmp(&(b.started_at, &b.session)));
        casts
    }

    /// An offer whose request went away before its answer was handed over.
    fn abandon(&self, id: &str) {
        let mut state = lock(&self.state);
        if let Some(session) = state.sessions.forget(id) {
            let stop = ServerMessage::CastStop {
                session: id.to_string(),
                reason: CastEnd::StoppedByCaster,
            };
            let _ = state.links.send(session.room, stop);
        }
    }
}

fn view(links: &Links, id: &str, s: &Session) -> CastView {
    CastView {
        session: id.to_string(),
        room_sn: s.sn.clone(),
        room_name: links.name(s.room).unwrap_or(&s.sn).to_string(),
        caster: s.caster.clone(),
        remote_ip: s.ip.to_string(),
        started_at: s.started_at,
    }
}

/// 128 random bits: the session's resource URL is its capability. Hex, so
/// an admin can double-click it in a terminal and pass it to `roomcloud casts
/// stop` (a base64url id may begin with `-` and read as an option).
fn new_session_id() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// A person's name as the cloud passes it on: control characters dropped,
/// trimmed, at most [`MAX_NAME_CHARS`] characters.
pub fn clean_name(raw: &str) -> String {
    let kept: String = raw.chars().filter(|c| !c.is_control()).collect();
    kept.trim()
        .chars()
        .take(MAX_NAME_CHARS)
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// Longest caster name passed to a room.
pub const MAX_NAME_CHARS: usize = 40;

/// Removes an offer's session when its request goes away unanswered.
struct Pending<'a> {
    casting: &'a Casting,
    id: &'a str,
    armed: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.casting.abandon(self.id);
        }
    }
}

/// A room's channel as casting sees it: the outbox the channel task
/// forwards, the code's rotation, the room's replies. Dropping it (the
/// channel closed) takes the room's code and ends its casts.
pub struct RoomChannel {
    pub outbox: mpsc::Receiver<ServerMessage>,
    casting: Arc<Casting>,
    room: RoomId,
    attachment: u64,
}

impl RoomChannel {
    /// Rotates the room's code when its time is up (called every second).
    pub fn tick(&self) {
        let mut state = lock(&self.casting.state);
        if state.links.is_attached(self.room, self.attachment) {
            self.casting.push_code(&mut state, self.room, false);
        }
    }

    /// The room was renamed (admin lists show the name).
    pub fn rename(&self, name: &str) {
        lock(&self.casting.state).links.rename(self.room, name);
    }

    /// A casting message from the room.
    pub fn room_says(&self, message: DeviceMessage) {
        self.casting.room_says(self.room, message);
    }
}

impl Drop for RoomChannel {
    fn drop(&mut self) {
        self.casting.detach(self.room, self.attachment);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_cut_and_without_control_characters() {
        assert_eq!(clean_name("  Ann\u{7}\n Lee \t"), "Ann Lee");
        assert_eq!(clean_name(&"长".repeat(50)).chars().count(), 40);
        assert_eq!(clean_name("\u{1b}[31m"), "[31m");
        assert_eq!(clean_name(" \n "), "");
    }

    #[test]
    fn session_ids_are_long_random_and_plain() {
        let a = new_session_id();
        assert_eq!(a.len(), 32); // 128 bits in hex
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, new_session_id());
    }
}
