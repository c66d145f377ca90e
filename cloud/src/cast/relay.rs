//! Which rooms have a config channel open, and the way into each: the
//! channel task attaches an outbox the cast service writes to. When a room
//! opens a second channel (a reconnection racing the old one's end), the
//! newer one takes over and the older one's end detaches nothing.

use std::collections::HashMap;

use roomterm_proto::ServerMessage;
use tokio::sync::mpsc;

use super::codes::RoomId;

/// Messages waiting for a room's socket; past this the room counts as
/// unreachable (it is not reading).
const OUTBOX: usize = 64;

struct Link {
    attachment: u64,
    sn: String,
    name: String,
    tx: mpsc::Sender<ServerMessage>,
}

#[derive(Default)]
pub struct Links {
    rooms: HashMap<RoomId, Link>,
    next: u64,
}

/// The room's channel is not open, or not reading.
#[derive(Debug)]
pub struct Unreachable;

impl Links {
    /// Makes a channel the room's way in; returns its attachment number
    /// and the outbox the channel task forwards to its socket.
    pub fn attach(
        &mut self,
        room: RoomId,
        sn: &str,
        name: &str,
    ) -> (u64, mpsc::Receiver<ServerMessage>) {
        self.next += 1;
        let (tx, rx) = mpsc::channel(OUTBOX);
        let link = Link {
            attachment: self.next,
            sn: sn.to_string(),
            name: name.to_string(),
            tx,
        };
        self.rooms.insert(room, link);
        (self.next, rx)
    }

    /// A channel ended; true when it was the room's way in (the room is
    /// now offline).
    pub fn detach(&mut self, room: RoomId, attachment: u64) -> bool {
        let current = self
            .rooms
            .get(&room)
            .is_some_and(|link| link.attachment == attachment);
        if current {
            self.rooms.remove(&room);
        }
        current
    }

    pub fn is_attached(&self, room: RoomId, attachment: u64) -> bool {
        self.rooms
            .get(&room)
            .is_some_and(|link| link.attachment == attachment)
    }

    pub fn sn(&self, room: RoomId) -> Option<&str> {
        self.rooms.get(&room).map(|link| link.sn.as_str())
    }

    pub fn name(&self, room: RoomId) -> Option<&str> {
        self.rooms.get(&room).map(|link| link.name.as_str())
    }

    pub fn rename(&mut self, room: RoomId, name: &str) {
        if let Some(link) = self.rooms.get_mut(&room) {
            link.name = name.to_string();
        }
    }

    pub fn send(&self, room: RoomId, message: ServerMessage) -> Result<(), Unreachable> {
        let link = self.rooms.get(&room).ok_or(Unreachable)?;
        link.tx.try_send(message).map_err(|_| Unreachable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stop(session: &str) -> ServerMessage {
        ServerMessage::CastStop {
            session: session.into(),
            reason: roomterm_proto::CastEnd::StoppedByAdmin,
        }
    }

    #[test]
    fn messages_reach_the_newest_channel_and_an_old_end_detaches_nothing() {
        let mut links = Links::default();
        let (old, mut old_rx) = links.attach(1, "SN-1", "Room 1");
        let (new, mut new_rx) = links.attach(1, "SN-1", "Room 1");
        links.send(1, stop("a")).unwrap();
        assert_eq!(new_rx.try_recv().unwrap(), stop("a"));
        assert!(old_rx.try_recv().is_err());
        assert!(!links.detach(1, old));
        assert!(links.is_attached(1, new));
        assert!(links.detach(1, new));
        assert!(links.send(1, stop("b")).is_err());
    }

    #[test]
    fn a_room_that_does_not_read_is_unreachable() {
        let mut links = Links::default();
        let (_, _rx) = links.attach(1, "SN-1", "Room 1");
        for _ in 0..OUTBOX {
            links.send(1, stop("a")).unwrap();
        }
        assert!(links.send(1, stop("a")).is_err());
    }
}
