//! Non-INVITE requests we sent in a dialog (SUBSCRIBE, INFO), waiting for
//! their answer (RFC 3261 §17.1.2): over UDP each is repeated at T1
//! doubling to T2 until any response with its CSeq arrives, and given up
//! after 64·T1 (Timer F). Pure: time is passed in.

use std::time::{Duration, Instant};

use super::{T1, T2};

/// Timer F.
const GIVE_UP: Duration = Duration::from_secs(32);

struct Request {
    cseq: u32,
    bytes: Vec<u8>,
    next: Instant,
    interval: Duration,
    deadline: Instant,
}

/// The requests still unanswered.
#[derive(Default)]
pub struct Pending {
    requests: Vec<Request>,
}

impl Pending {
    /// Remembers `bytes` (sent now, CSeq `cseq`) for repetition; over a
    /// reliable transport there is nothing to repeat.
    pub fn sent(&mut self, cseq: u32, bytes: &[u8], reliable: bool, now: Instant) {
        if reliable {
            return;
        }
        self.requests.push(Request {
            cseq,
            bytes: bytes.to_vec(),
            next: now + T1,
            interval: T1,
            deadline: now + GIVE_UP,
        });
    }

    /// A response with CSeq `cseq` arrived: that request is answered.
    pub fn answered(&mut self, cseq: u32) {
        self.requests.retain(|r| r.cseq != cseq);
    }

    /// When [`due`](Self::due) next has something.
    pub fn next_wakeup(&self) -> Option<Instant> {
        self.requests.iter().map(|r| r.next.min(r.deadline)).min()
    }

    /// The next repetition due at `now` (one per call), dropping those
    /// past Timer F.
    pub fn due(&mut self, now: Instant) -> Option<Vec<u8>> {
        self.requests.retain(|r| r.deadline > now);
        let request = self.requests.iter_mut().find(|r| r.next <= now)?;
        request.interval = (request.interval * 2).min(T2);
        request.next = now + request.interval;
        Some(request.bytes.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_until_answered_or_timer_f() {
        let now = Instant::now();
        let mut pending = Pending::default();
        pending.sent(2, b"SUBSCRIBE", false, now);
        pending.sent(3, b"INFO", false, now);
        assert_eq!(pending.next_wakeup(), Some(now + T1));
        assert_eq!(pending.due(now), None);
        assert_eq!(pending.due(now + T1).as_deref(), Some(&b"SUBSCRIBE"[..]));
        assert_eq!(pending.due(now + T1).as_deref(), Some(&b"INFO"[..]));
        assert_eq!(pending.due(now + T1), None, "each once per interval");
        pending.answered(2);
        assert_eq!(pending.due(now + T1 * 3).as_deref(), Some(&b"INFO"[..]));
        assert_eq!(pending.due(now + GIVE_UP), None, "given up");
        assert_eq!(pending.next_wakeup(), None);
    }

    #[test]
    fn reliable_transports_repeat_nothing() {
        let now = Instant::now();
        let mut pending = Pending::default();
        pending.sent(2, b"SUBSCRIBE", true, now);
        assert_eq!(pending.next_wakeup(), None);
    }
}
