//! Cast sessions: each browser's offer from the moment it is sent to its
//! room until the cast ends, and for a minute after (a late events stream
//! still learns why it ended).

use std::collections::HashMap;
use std::net::IpAddr;

use roomterm_proto::{CastEnd, CastRefusal};
use tokio::sync::{oneshot, watch};

use super::codes::RoomId;

/// An ended session is remembered this long.
const ENDED_KEPT_SECS: i64 = 60;

/// What the waiting offer learns from its room.
#[derive(Debug)]
pub enum Reply {
    Answer(String),
    Refused {
        reason: CastRefusal,
        showing: Option<String>,
    },
    /// The room's channel closed before it answered.
    Offline,
}

enum Phase {
    /// The offer is with the room; its answer goes here.
    Waiting(oneshot::Sender<Reply>),
    /// Answered: the room shows (or is about to show) the screen.
    Showing,
}

pub struct Session {
    pub room: RoomId,
    pub sn: String,
    pub caster: String,
    pub ip: IpAddr,
    pub started_at: i64,
    /// The offer's media ids in m-line order (where trickled candidates go).
    pub mids: Vec<Option<String>>,
    phase: Phase,
    end: watch::Sender<Option<CastEnd>>,
}

impl Session {
    /// A session waiting for its room's answer, and where it arrives.
    pub fn waiting(
        room: RoomId,
        sn: String,
        caster: String,
        ip: IpAddr,
        started_at: i64,
        mids: Vec<Option<String>>,
    ) -> (Self, oneshot::Receiver<Reply>) {
        let (tx, rx) = oneshot::channel();
        let session = Self {
            room,
            sn,
            caster,
            ip,
            started_at,
            mids,
            phase: Phase::Waiting(tx),
            end: watch::channel(None).0,
        };
        (session, rx)
    }

    pub fn is_showing(&self) -> bool {
        matches!(self.phase, Phase::Showing)
    }
}

#[derive(Default)]
pub struct Sessions {
    live: HashMap<String, Session>,
    ended: HashMap<String, (CastEnd, i64)>,
}

impl Sessions {
    pub fn insert(&mut self, id: String, session: Session) {
        self.live.insert(id, session);
    }

    pub fn get(&self, id: &str) -> Option<&Session> {
        self.live.get(id)
    }

    /// Sessions the room showed or shows, for the admin's list.
    pub fn showing(&self) -> impl Iterator<Item = (&String, &Session)> {
        self.live.iter().filter(|(_, s)| s.is_showing())
    }

    /// The room's answer or refusal to its own waiting offer `id` (another
    /// room's, or one no longer waiting, is ignored: false).
    pub fn reply(&mut self, room: RoomId, id: &str, reply: Reply) -> bool {
        let Some(session) = self.live.get_mut(id).filter(|s| s.room == room) else {
            return false;
        };
        // Showing for Showing changes nothing when it was no longer waiting.
        let Phase::Waiting(tx) = std::mem::replace(&mut session.phase, Phase::Showing) else {
            return false;
        };
        let answered = matches!(reply, Reply::Answer(_));
        // A closed receiver means the offer's request is gone; whoever
        // dropped it removes the session.
        let delivered = tx.send(reply).is_ok();
        if !answered {
            self.live.remove(id);
        }
        delivered
    }

    /// Ends session `id` (of `room`, when given), telling its events
    /// stream why; a waiting offer learns its room went offline. Returns the
    /// session.
    pub fn end(
        &mut self,
        id: &str,
        room: Option<RoomId>,
        reason: CastEnd,
        now: i64,
    ) -> Option<Session> {
        if room.is_some_and(|room| self.live.get(id).is_some_and(|s| s.room != room)) {
            return None;
        }
        let mut session = self.live.remove(id)?;
        if let Phase::Waiting(tx) = std::mem::replace(&mut session.phase, Phase::Showing) {
            let _ = tx.send(Reply::Offline);
        }
        session.end.send_replace(Some(reason));
        self.ended.retain(|_, (_, at)| *at > now - ENDED_KEPT_SECS);
        self.ended.insert(id.to_string(), (reason, now));
        Some(session)
    }

    /// Removes a session without an end (its offer was never answered).
    pub fn forget(&mut self, id: &str) -> Option<Session> {
        self.live.remove(id)
    }

    /// The ids of the room's sessions.
    pub fn of_room(&self, room: RoomId) -> Vec<String> {
        self.live
            .iter()
            .filter(|(_, s)| s.room == room)
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Why the session ended, as it happens: `None` inside until then.
    /// `None` outside for a session never known (or ended long ago).
    pub fn watch_end(&self, id: &str, now: i64) -> Option<watch::Receiver<Option<CastEnd>>> {
        if let Some(session) = self.live.get(id) {
            return Some(session.end.subscribe());
        }
        let &(reason, at) = self.ended.get(id)?;
        (at > now - ENDED_KEPT_SECS).then(|| watch::channel(Some(reason)).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    fn waiting(sessions: &mut Sessions, id: &str, room: RoomId) -> oneshot::Receiver<Reply> {
        let (s, rx) = Session::waiting(room, "SN".into(), "Ann".into(), IP, 100, vec![]);
        sessions.insert(id.into(), s);
        rx
    }

    #[test]
    fn an_answer_reaches_the_offer_and_the_session_shows() {
        let mut s = Sessions::default();
        let mut rx = waiting(&mut s, "a", 1);
        assert!(s.reply(1, "a", Reply::Answer("v=0".into())));
        assert!(matches!(rx.try_recv(), Ok(Reply::Answer(sdp)) if sdp == "v=0"));
        assert!(s.get("a").unwrap().is_showing());
        // A second reply is not another answer.
        assert!(!s.reply(1, "a", Reply::Answer("v=0".into())));
    }

    #[test]
    fn a_room_cannot_answer_or_end_another_rooms_session() {
        let mut s = Sessions::default();
        let mut rx = waiting(&mut s, "a", 1);
        assert!(!s.reply(2, "a", Reply::Answer("v=0".into())));
        assert!(rx.try_recv().is_err());
        assert!(s.end("a", Some(2), CastEnd::StoppedByRoom, 100).is_none());
        assert!(s.get("a").is_some());
    }

    #[test]
    fn a_refusal_removes_the_session() {
        let mut s = Sessions::default();
        let mut rx = waiting(&mut s, "a", 1);
        let refused = Reply::Refused {
            reason: CastRefusal::Busy,
            showing: Some("Bo".into()),
        };
        assert!(s.reply(1, "a", refused));
        assert!(matches!(rx.try_recv(), Ok(Reply::Refused { .. })));
        assert!(s.get("a").is_none());
    }

    #[test]
    fn an_end_is_told_to_watchers_then_and_for_a_minute() {
        let mut s = Sessions::default();
        let _rx = waiting(&mut s, "a", 1);
        s.reply(1, "a", Reply::Answer("v=0".into()));
        let early = s.watch_end("a", 100).unwrap();
        assert_eq!(*early.borrow(), None);
        s.end("a", Some(1), CastEnd::StoppedByRoom, 200).unwrap();
        assert_eq!(*early.borrow(), Some(CastEnd::StoppedByRoom));
        let late = s.watch_end("a", 259).unwrap();
        assert_eq!(*late.borrow(), Some(CastEnd::StoppedByRoom));
        assert!(s.watch_end("a", 260).is_none());
        assert!(s.watch_end("never", 200).is_none());
    }

    #[test]
    fn a_waiting_offer_learns_its_room_went_offline() {
        let mut s = Sessions::default();
        let mut rx = waiting(&mut s, "a", 1);
        assert_eq!(s.of_room(1), vec!["a".to_string()]);
        s.end("a", None, CastEnd::RoomOffline, 100).unwrap();
        assert!(matches!(rx.try_recv(), Ok(Reply::Offline)));
        assert!(s.of_room(1).is_empty());
    }
}
