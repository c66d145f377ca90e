//! A participant claims host with the meeting's host password (a room
//! whose host left, a chair arriving late): right, it becomes host and the
//! host before a guest; wrong three times, that caller may not try again
//! for 3 minutes (the rule for password entry everywhere in the product),
//! counted by identity so that dialling in again does not reset it.

use super::control::{Actor, Denial, Role};
use super::Focus;
use crate::lock;

/// Wrong passwords allowed before the bar.
const TRIES: u32 = 3;
/// How long the bar lasts (s).
const BARRED_SECS: i64 = 180;

/// One identity's wrong host passwords in a running meeting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Tries {
    wrong: u32,
    barred_until: Option<i64>,
}

impl Tries {
    /// Whether it may try at `now` (a bar past its end is lifted).
    fn may_try(&mut self, now: i64) -> bool {
        match self.barred_until {
            Some(until) if now < until => false,
            Some(_) => {
                *self = Self::default();
                true
            }
            None => true,
        }
    }

    /// A wrong password at `now`: the third bars it.
    fn failed(&mut self, now: i64) {
        self.wrong += 1;
        if self.wrong >= TRIES {
            self.barred_until = Some(now + BARRED_SECS);
        }
    }
}

impl Focus {
    /// `actor` claims host in `meeting_id` with `password`.
    pub(super) async fn claim_host(
        &self,
        meeting_id: &str,
        actor: Actor,
        password: &str,
    ) -> Result<(), Denial> {
        let Actor::Participant(me) = actor else {
            return Err(Denial::NoParticipant);
        };
        let identity = {
            let mut conferences = lock(&self.conferences);
            let live = conferences
                .get_mut(meeting_id)
                .ok_or(Denial::NotInProgress)?;
            let entry = live.roster.iter().find(|e| e.participant == me);
            let identity = entry.ok_or(Denial::NoParticipant)?.identity();
            let now = self.clock.now_secs();
            if !live
                .claims
                .entry(identity.clone())
                .or_default()
                .may_try(now)
            {
                return Err(Denial::TooManyTries);
            }
            identity
        };
        let right = self
            .meetings
            .is_host_password(meeting_id, password)
            .await
            .unwrap_or_else(|err| {
                tracing::warn!(%err, meeting = %meeting_id, "cannot check a host password");
                false
            });
        let mut conferences = lock(&self.conferences);
        let live = conferences
            .get_mut(meeting_id)
            .ok_or(Denial::NotInProgress)?;
        if !right {
            let now = self.clock.now_secs();
            live.claims.entry(identity).or_default().failed(now);
            return Err(Denial::WrongPassword);
        }
        live.claims.remove(&identity);
        for e in live.roster.iter_mut() {
            if e.participant == me {
                e.role = Role::Host;
            } else if e.role == Role::Host {
                e.role = Role::Guest;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_wrong_passwords_bar_for_three_minutes_then_it_starts_over() {
        let mut tries = Tries::default();
        for _ in 0..2 {
            assert!(tries.may_try(100));
            tries.failed(100);
        }
        assert!(tries.may_try(100), "two wrong ones do not bar");
        tries.failed(100);
        assert!(!tries.may_try(100));
        assert!(!tries.may_try(100 + BARRED_SECS - 1));
        assert!(tries.may_try(100 + BARRED_SECS));
        tries.failed(300);
        assert!(tries.may_try(300), "the count starts over after a bar");
    }
}
