//! "Can this caller join now?" — the decision the SIP side takes when a call
//! for `sip:<meeting-id>[*<password>]@<domain>` arrives. Pure: the meeting's
//! facts, the time, how the caller identified itself and the conference's
//! live state go in; a role or a reason code comes out.
//!
//! Reason codes (stable; docs/API.md §6.6):
//!
//! | code | when |
//! |---|---|
//! | `not_found` | no meeting has this ID |
//! | `not_started` | before the join window of an occurrence (15 min before its start), between occurrences, or the host has not joined and join-before-host is off |
//! | `ended` | cancelled, ended, or past the last occurrence with nobody left in it |
//! | `wrong_password` | a password that is neither the host's nor the guest's, or none when a guest password is required |
//! | `full` | the party limit is reached |
//! | `locked` | the host locked the meeting: nobody new joins |
//! | `removed` | the host removed this caller from the running meeting (the focus decides it before this) |
//!
//! Checks run in that order of concern: existence, time, lock, password,
//! capacity, host presence — so a locked meeting does not reveal whether a
//! password was right.

use serde::{Deserialize, Serialize};

use super::recurrence::Schedule;

/// A meeting opens this long before each occurrence's start.
pub const JOIN_EARLY_SECS: i64 = 15 * 60;

/// Stored life-cycle state of a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MeetingState {
    Scheduled,
    Live,
    Ended,
    Cancelled,
}

impl MeetingState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Scheduled => "scheduled",
            Self::Live => "live",
            Self::Ended => "ended",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "live" => Self::Live,
            "ended" => Self::Ended,
            "cancelled" => Self::Cancelled,
            _ => Self::Scheduled,
        }
    }
}

/// What the join decision needs to know about a meeting.
#[derive(Debug, Clone)]
pub struct JoinFacts {
    pub state: MeetingState,
    /// `None` for a device's meeting room, which is always open.
    pub schedule: Option<Schedule>,
    pub join_before_host: bool,
    pub party_limit: u32,
    pub guest_password_required: bool,
}

/// How the caller identified itself (passwords already checked against the
/// stored hashes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Credential {
    /// The device whose meeting room this is.
    Owner,
    /// A device invited to the meeting (joins without a password).
    Invitee,
    HostPassword,
    GuestPassword,
    NoPassword,
    WrongPassword,
}

/// The conference as it is now (from the roster; all zero before anyone
/// joined).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveState {
    pub host_present: bool,
    pub participants: u32,
    pub locked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    NotFound,
    NotStarted,
    Ended,
    WrongPassword,
    /// No password given to a meeting that needs one: a caller that can
    /// type is asked for it instead (the focus's waiting room).
    PasswordRequired,
    Full,
    Locked,
    /// The host removed the caller; decided by the focus, which knows who
    /// was removed.
    Removed,
}

impl RejectReason {
    pub fn code(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::NotStarted => "not_started",
            Self::Ended => "ended",
            Self::WrongPassword => "wrong_password",
            Self::PasswordRequired => "password_required",
            Self::Full => "full",
            Self::Locked => "locked",
            Self::Removed => "removed",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinDecision {
    Host,
    Guest,
    Rejected(RejectReason),
}

/// Decides whether a caller may join `meeting` at `now`, and as what. The
/// first caller with host rights (owner device or host password) becomes
/// host; later ones join as guests.
pub fn decide(
    meeting: Option<&JoinFacts>,
    now: i64,
    credential: Credential,
    live: LiveState,
) -> JoinDecision {
    use JoinDecision::{Guest, Host, Rejected};
    let Some(m) = meeting else {
        return Rejected(RejectReason::NotFound);
    };
    if matches!(m.state, MeetingState::Cancelled | MeetingState::Ended) {
        return Rejected(RejectReason::Ended);
    }
    // A running conference stays open past its scheduled end (extension).
    let running = live.participants > 0;
    if let (Some(schedule), false) = (&m.schedule, running) {
        if schedule.current(now, JOIN_EARLY_SECS).is_none() {
            return Rejected(match schedule.next(now) {
                Some(_) => RejectReason::NotStarted,
                None => RejectReason::Ended,
            });
        }
    }
    if live.locked {
        return Rejected(RejectReason::Locked);
    }
    match credential {
        Credential::WrongPassword => return Rejected(RejectReason::WrongPassword),
        Credential::NoPassword if m.guest_password_required => {
            return Rejected(RejectReason::PasswordRequired)
        }
        _ => {}
    }
    if live.participants >= m.party_limit {
        return Rejected(RejectReason::Full);
    }
    match credential {
        Credential::Owner | Credential::HostPassword if !live.host_present => Host,
        Credential::Owner | Credential::HostPassword => Guest,
        _ if live.host_present || m.join_before_host => Guest,
        _ => Rejected(RejectReason::NotStarted),
    }
}

#[cfg(test)]
mod tests {
    use super::super::recurrence::{Freq, Recurrence};
    use super::*;
    use crate::clock::{Clock, ManualClock};
    use JoinDecision::{Guest, Host, Rejected};

    fn meeting(start: i64, rule: Recurrence) -> JoinFacts {
        JoinFacts {
            state: MeetingState::Scheduled,
            schedule: Some(Schedule {
                start,
                duration_secs: 3600,
                utc_offset_secs: 0,
                rule,
            }),
            join_before_host: false,
            party_limit: 3,
            guest_password_required: false,
        }
    }

    fn idle() -> LiveState {
        LiveState::default()
    }

    fn with_host(participants: u32) -> LiveState {
        LiveState {
            host_present: true,
            participants,
            locked: false,
        }
    }

    #[test]
    fn unknown_meeting_is_not_found() {
        assert_eq!(
            decide(None, 0, Credential::HostPassword, idle()),
            Rejected(RejectReason::NotFound)
        );
    }

    #[test]
    fn time_window_of_a_single_meeting() {
        let clock = ManualClock::new();
        let start = clock.now_secs() + 3600;
        let m = meeting(start, Recurrence::none());
        let host = |now| decide(Some(&m), now, Credential::HostPassword, idle());
        assert_eq!(host(clock.now_secs()), Rejected(RejectReason::NotStarted));
        clock.advance_secs(3600 - JOIN_EARLY_SECS);
        assert_eq!(host(clock.now_secs()), Host);
        clock.advance_secs(JOIN_EARLY_SECS + 3599);
        assert_eq!(host(clock.now_secs()), Host);
        clock.advance_secs(1);
        assert_eq!(host(clock.now_secs()), Rejected(RejectReason::Ended));
        // Still running with people in it: joinable past the end.
        assert_eq!(
            decide(
                Some(&m),
                clock.now_secs(),
                Credential::GuestPassword,
                with_host(2)
            ),
            Guest
        );
    }

    #[test]
    fn between_daily_occurrences_is_not_started_and_after_the_last_is_ended() {
        let clock = ManualClock::new();
        let start = clock.now_secs() + 60;
        let mut rule = Recurrence {
            freq: Freq::Daily,
            ..Recurrence::default()
        };
        rule.count = Some(2);
        let m = meeting(start, rule);
        let host = |now| decide(Some(&m), now, Credential::HostPassword, idle());
        clock.advance_secs(60 + 2 * 3600);
        assert_eq!(host(clock.now_secs()), Rejected(RejectReason::NotStarted));
        clock.advance_secs(22 * 3600);
        assert_eq!(host(clock.now_secs()), Host);
        clock.advance_secs(3600);
        assert_eq!(host(clock.now_secs()), Rejected(RejectReason::Ended));
    }

    #[test]
    fn cancelled_and_ended_meetings_are_ended() {
        let mut m = meeting(0, Recurrence::none());
        for state in [MeetingState::Cancelled, MeetingState::Ended] {
            m.state = state;
            assert_eq!(
                decide(Some(&m), 10, Credential::Owner, idle()),
                Rejected(RejectReason::Ended)
            );
        }
    }

    #[test]
    fn first_host_is_host_then_guest() {
        let m = meeting(0, Recurrence::none());
        assert_eq!(decide(Some(&m), 10, Credential::HostPassword, idle()), Host);
        assert_eq!(
            decide(Some(&m), 10, Credential::HostPassword, with_host(1)),
            Guest
        );
    }

    #[test]
    fn guests_wait_for_the_host_unless_join_before_host() {
        let mut m = meeting(0, Recurrence::none());
        for who in [
            Credential::NoPassword,
            Credential::GuestPassword,
            Credential::Invitee,
        ] {
            assert_eq!(
                decide(Some(&m), 10, who, idle()),
                Rejected(RejectReason::NotStarted)
            );
            assert_eq!(decide(Some(&m), 10, who, with_host(1)), Guest);
        }
        m.join_before_host = true;
        assert_eq!(decide(Some(&m), 10, Credential::NoPassword, idle()), Guest);
    }

    #[test]
    fn passwords() {
        let mut m = meeting(0, Recurrence::none());
        assert_eq!(
            decide(Some(&m), 10, Credential::WrongPassword, with_host(1)),
            Rejected(RejectReason::WrongPassword)
        );
        m.guest_password_required = true;
        assert_eq!(
            decide(Some(&m), 10, Credential::NoPassword, with_host(1)),
            Rejected(RejectReason::PasswordRequired)
        );
        assert_eq!(
            decide(Some(&m), 10, Credential::Invitee, with_host(1)),
            Guest
        );
    }

    #[test]
    fn full_and_locked() {
        let m = meeting(0, Recurrence::none());
        assert_eq!(
            decide(Some(&m), 10, Credential::GuestPassword, with_host(3)),
            Rejected(RejectReason::Full)
        );
        let locked = LiveState {
            locked: true,
            ..with_host(1)
        };
        // Locked wins over a wrong password: nothing is revealed.
        assert_eq!(
            decide(Some(&m), 10, Credential::WrongPassword, locked),
            Rejected(RejectReason::Locked)
        );
    }

    #[test]
    fn a_room_is_always_open_and_its_device_is_host() {
        let room = JoinFacts {
            state: MeetingState::Scheduled,
            schedule: None,
            join_before_host: true,
            party_limit: 100,
            guest_password_required: false,
        };
        assert_eq!(
            decide(Some(&room), i64::MAX, Credential::Owner, idle()),
            Host
        );
        assert_eq!(
            decide(Some(&room), 0, Credential::NoPassword, idle()),
            Guest
        );
    }
}
