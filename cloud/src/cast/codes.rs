//! The rooms' casting codes: six digits each room shows, rotated every
//! period. Pure state; the caller passes the time and the random source in.
//!
//! Rules (each has a test below):
//! - a code is unique among the codes live at that moment across the cloud;
//! - a room never gets a code it had within the last 24 h;
//! - a code a room gave up is not handed to another room for an hour, so a
//!   person typing a code that just rotated never reaches someone else's
//!   room;
//! - a code opens a new session only while it is its room's current code
//!   and before its `valid_until`.

use std::collections::{HashMap, VecDeque};

use rand::{Rng, RngCore};

/// A room: the id of the device whose channel is open.
pub type RoomId = i64;

/// A room keeps no code it had this recently.
pub const NO_REPEAT_SECS: i64 = 24 * 3600;
/// A retired code goes to no other room for this long.
pub const RETIRED_SECS: i64 = 3600;
/// Draws before giving up when (almost) every code is taken.
const MAX_DRAWS: usize = 256;
const SPACE: u32 = 1_000_000;

/// A room's current code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    /// Six digits, leading zeros kept.
    pub code: String,
    /// Unix seconds from which the code opens no new session.
    pub valid_until: i64,
}

#[derive(Debug)]
pub struct CodeBook {
    period: i64,
    current: HashMap<RoomId, (u32, i64)>,
    /// Live codes to their rooms.
    live: HashMap<u32, RoomId>,
    /// Each room's codes of the last 24 h (oldest first), kept while the
    /// room is offline too.
    history: HashMap<RoomId, VecDeque<(u32, i64)>>,
    /// Codes rooms gave up, with when (oldest first), and the same as a map.
    retired: VecDeque<(u32, i64)>,
    retired_at: HashMap<u32, i64>,
}

impl CodeBook {
    /// Codes that rotate every `period_secs` (at least one second).
    pub fn new(period_secs: i64) -> Self {
        Self {
            period: period_secs.max(1),
            current: HashMap::new(),
            live: HashMap::new(),
            history: HashMap::new(),
            retired: VecDeque::new(),
            retired_at: HashMap::new(),
        }
    }

    /// The room's current code, and whether it is new: one is issued when
    /// the room has none or its code's time is up. `None` only when no
    /// code is free (a million rooms).
    pub fn ensure(
        &mut self,
        room: RoomId,
        now: i64,
        rng: &mut impl RngCore,
    ) -> Option<(Issued, bool)> {
        if let Some(&(code, valid_until)) = self.current.get(&room) {
            if now < valid_until {
                return Some((issued(code, valid_until), false));
            }
        }
        self.retire(room, now);
        self.prune(now);
        let code = self.draw(room, rng)?;
        let valid_until = now + self.period;
        self.current.insert(room, (code, valid_until));
        self.live.insert(code, room);
        self.history.entry(room).or_default().push_back((code, now));
        Some((issued(code, valid_until), true))
    }

    /// The room a code opens a new session in, if it is current and in time.
    pub fn room_for(&self, code: &str, now: i64) -> Option<RoomId> {
        let value = parse(code)?;
        let room = *self.live.get(&value)?;
        let &(current, valid_until) = self.current.get(&room)?;
        (current == value && now < valid_until).then_some(room)
    }

    /// The room's channel closed: its code stops working.
    pub fn remove(&mut self, room: RoomId, now: i64) {
        self.retire(room, now);
    }

    fn retire(&mut self, room: RoomId, now: i64) {
        if let Some((code, _)) = self.current.remove(&room) {
            self.live.remove(&code);
            self.retired.push_back((code, now));
            self.retired_at.insert(code, now);
        }
    }

    fn prune(&mut self, now: i64) {
        while let Some(&(code, at)) = self.retired.front() {
            if at > now - RETIRED_SECS {
                break;
            }
            self.retired.pop_front();
            // A code retired twice keeps its later time.
            if self.retired_at.get(&code) == Some(&at) {
                self.retired_at.remove(&code);
            }
        }
        self.history.retain(|_, codes| {
            while codes
                .front()
                .is_some_and(|&(_, at)| at <= now - NO_REPEAT_SECS)
            {
                codes.pop_front();
            }
            !codes.is_empty()
        });
    }

    fn draw(&self, room: RoomId, rng: &mut impl RngCore) -> Option<u32> {
        let had = self.history.get(&room);
        (0..MAX_DRAWS)
            .map(|_| rng.gen_range(0..SPACE))
            .find(|code| {
                !self.live.contains_key(code)
                    && !self.retired_at.contains_key(code)
                    && !had.is_some_and(|h| h.iter().any(|&(c, _)| c == *code))
            })
    }
}

fn issued(code: u32, valid_until: i64) -> Issued {
    Issued {
        code: format!("{code:06}"),
        valid_until,
    }
}

/// Exactly six ASCII digits.
fn parse(code: &str) -> Option<u32> {
    (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()))
        .then(|| code.parse().ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::mock::StepRng;
    use rand::rngs::StdRng;
    use rand::SeedableRng;
    use std::collections::HashSet;

    const T0: i64 = 1_800_000_000;

    fn book() -> CodeBook {
        CodeBook::new(300)
    }

    #[test]
    fn a_code_opens_its_room_until_it_expires() {
        let mut b = book();
        let rng = &mut StdRng::seed_from_u64(1);
        let (first, new) = b.ensure(7, T0, rng).unwrap();
        assert!(new);
        assert_eq!(first.code.len(), 6);
        assert_eq!(first.valid_until, T0 + 300);
        assert_eq!(b.room_for(&first.code, T0 + 299), Some(7));
        assert_eq!(b.room_for(&first.code, T0 + 300), None, "expired");
        // Asking again within the period gives the same code.
        assert_eq!(b.ensure(7, T0 + 10, rng), Some((first.clone(), false)));
    }

    #[test]
    fn rotation_replaces_the_code_and_the_old_one_stops_working() {
        let mut b = book();
        let rng = &mut StdRng::seed_from_u64(2);
        let (old, _) = b.ensure(7, T0, rng).unwrap();
        let (new, rotated) = b.ensure(7, T0 + 300, rng).unwrap();
        assert!(rotated);
        assert_ne!(old.code, new.code);
        assert_eq!(new.valid_until, T0 + 600);
        assert_eq!(b.room_for(&old.code, T0 + 300), None);
        assert_eq!(b.room_for(&new.code, T0 + 300), Some(7));
    }

    #[test]
    fn a_closed_room_has_no_code() {
        let mut b = book();
        let rng = &mut StdRng::seed_from_u64(3);
        let (code, _) = b.ensure(7, T0, rng).unwrap();
        b.remove(7, T0 + 5);
        assert_eq!(b.room_for(&code.code, T0 + 6), None);
        // Back online: a different code.
        let (again, new) = b.ensure(7, T0 + 7, rng).unwrap();
        assert!(new);
        assert_ne!(again.code, code.code);
    }

    #[test]
    fn live_codes_are_unique_across_rooms() {
        let mut b = book();
        let rng = &mut StdRng::seed_from_u64(4);
        let mut seen = HashSet::new();
        for room in 0..5_000 {
            let (code, _) = b.ensure(room, T0, rng).unwrap();
            assert!(seen.insert(code.code), "room {room} got a live code");
        }
    }

    #[test]
    fn a_taken_code_is_drawn_again() {
        // A source that repeats itself: every draw of the first room's code
        // for the second is refused, and then nothing else is left to draw.
        let mut b = book();
        let (first, _) = b.ensure(1, T0, &mut StepRng::new(0, 0)).unwrap();
        assert_eq!(first.code, "000000");
        assert_eq!(b.ensure(2, T0, &mut StepRng::new(0, 0)), None);
        // A source that moves on finds the next free one.
        let (second, _) = b.ensure(2, T0, &mut StepRng::new(0, 1 << 20)).unwrap();
        assert_ne!(second.code, first.code);
        assert_eq!(b.room_for(&first.code, T0), Some(1));
        assert_eq!(b.room_for(&second.code, T0), Some(2));
    }

    #[test]
    fn a_room_never_gets_a_code_again_within_a_day() {
        let mut b = book();
        // Three seeds in turn: every rotation's source first offers the
        // codes the room had three, six, … rotations ago, which the book
        // must refuse.
        let source = |n: i64| StdRng::seed_from_u64((n % 3) as u64);
        let mut seen = HashSet::new();
        let mut first = None;
        let rotations = NO_REPEAT_SECS / 300;
        for n in 0..rotations {
            let (code, new) = b.ensure(9, T0 + n * 300, &mut source(n)).unwrap();
            assert!(new);
            assert!(
                seen.insert(code.code.clone()),
                "{} again at rotation {n}",
                code.code
            );
            first.get_or_insert(code.code);
        }
        // A day after it was issued, the first code may come back.
        let (code, _) = b
            .ensure(9, T0 + rotations * 300, &mut source(rotations))
            .unwrap();
        assert_eq!(Some(code.code), first);
    }

    #[test]
    fn a_retired_code_goes_to_no_other_room_for_an_hour() {
        let mut b = book();
        let (old, _) = b.ensure(1, T0, &mut StepRng::new(0, 0)).unwrap();
        b.remove(1, T0 + 10);
        assert_eq!(b.ensure(2, T0 + 20, &mut StepRng::new(0, 0)), None);
        let (later, _) = b
            .ensure(2, T0 + 10 + RETIRED_SECS, &mut StepRng::new(0, 0))
            .unwrap();
        assert_eq!(later.code, old.code);
    }

    #[test]
    fn only_six_digits_are_a_code() {
        let mut b = book();
        let (code, _) = b.ensure(1, T0, &mut StepRng::new(0, 0)).unwrap();
        assert_eq!(b.room_for("000000", T0), Some(1));
        for wrong in [
            "0",
            "00000",
            "0000000",
            "00000a",
            " 000000",
            "+00000",
            "",
            "٠٠٠٠٠٠",
        ] {
            assert_eq!(b.room_for(wrong, T0), None, "{wrong:?}");
        }
        assert_eq!(code.code, "000000");
    }
}
