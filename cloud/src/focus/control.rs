//! Host controls, pure: the roles in a live meeting, the actions a host
//! (or an admin, or a participant on itself) takes, and who may take
//! which. `hosting.rs` carries a permitted action out on the conference.
//!
//! | who | may |
//! |---|---|
//! | an enterprise admin | everything |
//! | the host | everything |
//! | a co-host | everything but making someone host, ending for all, and acting on the host |
//! | a guest | mute itself, unmute itself unless the host's mute forbids it, stop its video, raise or lower its hand |
//!
//! A refusal names its reason with a stable code (`not_host`,
//! `self_unmute_forbidden`, …) that the API, the SIP door and the pages
//! all show.

use serde::{Deserialize, Serialize};

use crate::media::ParticipantId;

/// A participant's part in the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Host,
    CoHost,
    Guest,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Host => "host",
            Self::CoHost => "co_host",
            Self::Guest => "guest",
        }
    }
}

/// A host action. On the wire (API body, SIP INFO body) it is JSON tagged
/// by `action`: `{"action": "mute_all", "allow_self_unmute": false}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Silences the participant's sound for everyone (in the MCU).
    Mute {
        participant: ParticipantId,
    },
    /// Lets the participant's sound through again (a room's own mute, on
    /// its microphone, stays the room's).
    Unmute {
        participant: ParticipantId,
    },
    /// Mutes everyone but the host and the one who asks; whether they may
    /// unmute themselves.
    MuteAll {
        allow_self_unmute: bool,
    },
    UnmuteAll,
    /// Newcomers join muted (by the host) from now on, or not.
    MuteOnEntry {
        on: bool,
    },
    /// Takes the participant's picture out of every composition.
    StopVideo {
        participant: ParticipantId,
    },
    StartVideo {
        participant: ParticipantId,
    },
    RaiseHand {
        participant: ParticipantId,
    },
    LowerHand {
        participant: ParticipantId,
    },
    Rename {
        participant: ParticipantId,
        name: String,
    },
    /// Makes the participant host (the host before becomes a guest),
    /// co-host or guest.
    SetRole {
        participant: ParticipantId,
        role: Role,
    },
    /// Ends the participant's call; it may not join this meeting again.
    Remove {
        participant: ParticipantId,
    },
    /// Guests wait until the host lets them in (on), or join at once.
    WaitingRoom {
        on: bool,
    },
    /// Lets a waiting caller in (its id in the waiting list), or not.
    Admit {
        participant: ParticipantId,
    },
    Deny {
        participant: ParticipantId,
    },
    AdmitAll,
    /// Only the host and co-hosts may share content (on); a guest sharing
    /// stops.
    HostOnlyShare {
        on: bool,
    },
    /// The asker becomes host with the meeting's host password (the host
    /// before becomes a guest); three wrong ones bar it for 3 minutes.
    ClaimHost {
        password: String,
    },
    /// Nobody new joins while locked.
    Lock,
    Unlock,
    /// 30 minutes more for a scheduled meeting (at most 24 hours in all).
    Extend,
    /// Everyone watches this site full screen (it sees the speaker before
    /// it); stops polling.
    Broadcast {
        participant: ParticipantId,
    },
    StopBroadcast,
    /// Broadcast each site with a picture in turn, `interval_secs` (5 to
    /// 300) each — or, with `pages`, turn everyone's gallery to its next
    /// page of pictures each time (past 25 people).
    Poll {
        interval_secs: u32,
        #[serde(default)]
        pages: bool,
    },
    StopPolling,
    /// The focus rings a room or SIP account (its number) or any SIP URI
    /// into the meeting; it joins as an invitee.
    Invite {
        to: String,
    },
    /// Stops ringing someone invited (its id in the live view's
    /// `ringing`).
    CancelInvite {
        participant: ParticipantId,
    },
    /// Every call ends; a one-off meeting is over.
    EndForAll,
}

impl Action {
    /// The participant acted on, if one.
    pub fn target(&self) -> Option<ParticipantId> {
        match self {
            Self::Mute { participant }
            | Self::Unmute { participant }
            | Self::StopVideo { participant }
            | Self::StartVideo { participant }
            | Self::RaiseHand { participant }
            | Self::LowerHand { participant }
            | Self::Rename { participant, .. }
            | Self::SetRole { participant, .. }
            | Self::Remove { participant }
            | Self::Broadcast { participant } => Some(*participant),
            _ => None,
        }
    }

    /// The action's name on the wire (the audit log's `action`).
    pub fn name(&self) -> &'static str {
        match self {
            Self::Mute { .. } => "mute",
            Self::Unmute { .. } => "unmute",
            Self::MuteAll { .. } => "mute_all",
            Self::UnmuteAll => "unmute_all",
            Self::MuteOnEntry { .. } => "mute_on_entry",
            Self::StopVideo { .. } => "stop_video",
            Self::StartVideo { .. } => "start_video",
            Self::RaiseHand { .. } => "raise_hand",
            Self::LowerHand { .. } => "lower_hand",
            Self::Rename { .. } => "rename",
            Self::SetRole { .. } => "set_role",
            Self::Remove { .. } => "remove",
            Self::WaitingRoom { .. } => "waiting_room",
            Self::Admit { .. } => "admit",
            Self::Deny { .. } => "deny",
            Self::AdmitAll => "admit_all",
            Self::HostOnlyShare { .. } => "host_only_share",
            Self::ClaimHost { .. } => "claim_host",
            Self::Lock => "lock",
            Self::Unlock => "unlock",
            Self::Extend => "extend",
            Self::Broadcast { .. } => "broadcast",
            Self::StopBroadcast => "stop_broadcast",
            Self::Poll { .. } => "poll",
            Self::StopPolling => "stop_polling",
            Self::Invite { .. } => "invite",
            Self::CancelInvite { .. } => "cancel_invite",
            Self::EndForAll => "end_for_all",
        }
    }
}

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// An enterprise admin (the API's admin token).
    Admin,
    /// A participant of this meeting, from its own call or its room.
    Participant(ParticipantId),
}

impl Actor {
    /// As the audit log writes it.
    pub fn label(self) -> String {
        match self {
            Self::Admin => "admin".into(),
            Self::Participant(id) => format!("participant:{id}"),
        }
    }
}

/// Why an action is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("only the host may do this")]
    NotHost,
    #[error("the host has muted you and does not allow unmuting yourself")]
    SelfUnmuteForbidden,
    #[error("nobody acts on the host but the host")]
    HostProtected,
    #[error("no such participant in this meeting")]
    NoParticipant,
    #[error("nobody is in this meeting")]
    NotInProgress,
    #[error("a name must have 1 to 64 characters")]
    BadName,
    #[error("this meeting has no end time to extend")]
    NoEndTime,
    #[error("a meeting runs at most 24 hours")]
    TooLong,
    #[error("only a participant with a picture can be broadcast")]
    NoPicture,
    #[error("polling changes sites every 5 to 300 seconds")]
    BadInterval,
    #[error("that is not the meeting's host password")]
    WrongPassword,
    #[error("three wrong host passwords: try again in a few minutes")]
    TooManyTries,
    #[error("not a number or a SIP URI")]
    BadAddress,
    #[error("that room or address cannot be reached now")]
    Unreachable,
    #[error("the meeting would not let them in now")]
    NotJoinable,
}

impl Denial {
    /// The stable code the API, the SIP door and the pages show.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotHost => "not_host",
            Self::SelfUnmuteForbidden => "self_unmute_forbidden",
            Self::HostProtected => "host_protected",
            Self::NoParticipant => "no_participant",
            Self::NotInProgress => "not_in_progress",
            Self::BadName => "bad_name",
            Self::NoEndTime => "no_end_time",
            Self::TooLong => "meeting_too_long",
            Self::NoPicture => "no_picture",
            Self::BadInterval => "bad_interval",
            Self::WrongPassword => "wrong_password",
            Self::TooManyTries => "too_many_tries",
            Self::BadAddress => "bad_address",
            Self::Unreachable => "unreachable",
            Self::NotJoinable => "not_joinable",
        }
    }

    /// The HTTP (and SIP) status it is answered with.
    pub fn status(self) -> u16 {
        match self {
            Self::NoParticipant | Self::NotInProgress => 404,
            Self::BadName | Self::BadInterval | Self::BadAddress => 400,
            Self::Unreachable => 404,
            Self::NoEndTime | Self::TooLong | Self::NoPicture | Self::NotJoinable => 409,
            _ => 403,
        }
    }
}

/// What the permission check needs to know about the meeting now.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    /// The actor's role (`None` for an admin).
    pub actor_role: Option<Role>,
    /// The target's role, when the action has a target.
    pub target_role: Option<Role>,
    /// The target is muted by the host (not by itself).
    pub target_muted_by_host: bool,
    pub allow_self_unmute: bool,
}

/// Whether `actor` may take `action` given `standing`.
pub fn permitted(actor: Actor, action: &Action, standing: Standing) -> Result<(), Denial> {
    let Actor::Participant(me) = actor else {
        return Ok(());
    };
    let role = standing.actor_role.ok_or(Denial::NoParticipant)?;
    let on_self = action.target() == Some(me);
    match role {
        Role::Host => Ok(()),
        Role::CoHost => {
            let makes_host = matches!(
                action,
                Action::SetRole {
                    role: Role::Host,
                    ..
                }
            );
            if makes_host || *action == Action::EndForAll {
                Err(Denial::NotHost)
            } else if standing.target_role == Some(Role::Host) && !on_self {
                Err(Denial::HostProtected)
            } else {
                Ok(())
            }
        }
        Role::Guest => match action {
            Action::Mute { .. }
            | Action::StopVideo { .. }
            | Action::RaiseHand { .. }
            | Action::LowerHand { .. }
                if on_self =>
            {
                Ok(())
            }
            // The password decides (`claiming.rs`).
            Action::ClaimHost { .. } => Ok(()),
            Action::Unmute { .. } if on_self => {
                if standing.target_muted_by_host && !standing.allow_self_unmute {
                    Err(Denial::SelfUnmuteForbidden)
                } else {
                    Ok(())
                }
            }
            _ => Err(Denial::NotHost),
        },
    }
}

/// A display name as a host may set it: trimmed, no control characters,
/// 1 to 64 characters.
pub fn clean_name(raw: &str) -> Result<String, Denial> {
    let name: String = raw.chars().filter(|c| !c.is_control()).collect();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 {
        return Err(Denial::BadName);
    }
    Ok(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(actor: Role, target: Option<Role>) -> Standing {
        Standing {
            actor_role: Some(actor),
            target_role: target,
            target_muted_by_host: false,
            allow_self_unmute: true,
        }
    }

    #[test]
    fn the_wire_form_is_tagged_json() {
        let action: Action =
            serde_json::from_str(r#"{"action":"mute_all","allow_self_unmute":false}"#).unwrap();
        assert_eq!(
            action,
            Action::MuteAll {
                allow_self_unmute: false
            }
        );
        let action: Action =
            serde_json::from_str(r#"{"action":"set_role","participant":3,"role":"co_host"}"#)
                .unwrap();
        assert_eq!(action.target(), Some(3));
        assert_eq!(action.name(), "set_role");
        for bad in [
            r#"{"action":"mute"}"#,
            r#"{"action":"explode"}"#,
            r#"{"action":"mute","participant":1,"extra":1}"#,
            r#"{"participant":1}"#,
        ] {
            assert!(serde_json::from_str::<Action>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_admin_and_the_host_may_do_anything() {
        let actions = [
            Action::EndForAll,
            Action::Remove { participant: 2 },
            Action::SetRole {
                participant: 2,
                role: Role::Host,
            },
        ];
        for action in &actions {
            assert_eq!(
                permitted(Actor::Admin, action, standing(Role::Guest, None)),
                Ok(())
            );
            assert_eq!(
                permitted(
                    Actor::Participant(1),
                    action,
                    standing(Role::Host, Some(Role::Guest))
                ),
                Ok(())
            );
        }
    }

    #[test]
    fn a_co_host_leads_but_neither_crowns_nor_ends_nor_touches_the_host() {
        let me = Actor::Participant(1);
        let guest = standing(Role::CoHost, Some(Role::Guest));
        assert_eq!(
            permitted(me, &Action::Remove { participant: 2 }, guest),
            Ok(())
        );
        assert_eq!(
            permitted(
                me,
                &Action::MuteAll {
                    allow_self_unmute: true
                },
                standing(Role::CoHost, None)
            ),
            Ok(())
        );
        assert_eq!(
            permitted(me, &Action::EndForAll, standing(Role::CoHost, None)),
            Err(Denial::NotHost)
        );
        let crown = Action::SetRole {
            participant: 2,
            role: Role::Host,
        };
        assert_eq!(permitted(me, &crown, guest), Err(Denial::NotHost));
        let host = standing(Role::CoHost, Some(Role::Host));
        assert_eq!(
            permitted(me, &Action::Mute { participant: 2 }, host),
            Err(Denial::HostProtected)
        );
    }

    #[test]
    fn a_guest_acts_on_itself_only_and_unmutes_only_when_allowed() {
        let me = Actor::Participant(1);
        let own = standing(Role::Guest, Some(Role::Guest));
        for action in [
            Action::Mute { participant: 1 },
            Action::Unmute { participant: 1 },
            Action::StopVideo { participant: 1 },
            Action::RaiseHand { participant: 1 },
            Action::LowerHand { participant: 1 },
        ] {
            assert_eq!(permitted(me, &action, own), Ok(()), "{action:?}");
        }
        for action in [
            Action::Mute { participant: 2 },
            Action::Unmute { participant: 2 },
            Action::StartVideo { participant: 1 },
            Action::Lock,
            Action::MuteAll {
                allow_self_unmute: true,
            },
            Action::EndForAll,
        ] {
            assert_eq!(
                permitted(me, &action, own),
                Err(Denial::NotHost),
                "{action:?}"
            );
        }
        let held = Standing {
            target_muted_by_host: true,
            allow_self_unmute: false,
            ..own
        };
        assert_eq!(
            permitted(me, &Action::Unmute { participant: 1 }, held),
            Err(Denial::SelfUnmuteForbidden)
        );
        let allowed = Standing {
            allow_self_unmute: true,
            ..held
        };
        assert_eq!(
            permitted(me, &Action::Unmute { participant: 1 }, allowed),
            Ok(())
        );
    }

    #[test]
    fn names_are_cleaned_and_bounded() {
        assert_eq!(clean_name("  Board\u{7} room "), Ok("Board room".into()));
        assert_eq!(clean_name("会议室"), Ok("会议室".into()));
        assert_eq!(clean_name(" \n"), Err(Denial::BadName));
        assert_eq!(clean_name(&"x".repeat(65)), Err(Denial::BadName));
    }
}
