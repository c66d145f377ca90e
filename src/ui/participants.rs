//! The meeting's people and a host's controls, from the room: the
//! Participants page lists who is in the meeting (role, microphone,
//! picture, hand) with one picked by the previous/next keys or a tap; a
//! host acts on the one picked (mute, picture, co-host, host, remove) and,
//! in the Host menu, on the meeting (mute all with or without
//! self-unmute, lock, extend, end for all). A participant without host
//! rights sees the list and raises its hand, or claims host with the host
//! password (the Claim host page); the host's controls are not on its
//! screen (`Page::guest_rows`). A refusal's reason shows on these pages. Every action is an
//! [`Effect::Host`] in the cloud's JSON form; the roster the cloud sends
//! back is what the pages show.

use serde::Serialize;
use serde_json::json;

use super::{Control, Effect, Page, UiState};
use crate::sip::conference::Roster;

/// Someone not in the meeting yet: waiting for the host (`waiting`), or
/// being rung in.
fn pending(member: &crate::sip::conference::WaitingMember, waiting: bool) -> PanelMember {
    PanelMember {
        id: member.id,
        name: member.name.clone(),
        host: false,
        co_host: false,
        muted: false,
        video_stopped: false,
        hand_raised: false,
        me: false,
        waiting,
        ringing: !waiting,
    }
}

/// Longest host password typed on the Claim host page.
const CLAIM_MAX: usize = 32;

/// How long each site shows when the room's host starts polling.
pub const POLL_SECS: u32 = 15;

/// One participant as the Participants page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PanelMember {
    pub id: u64,
    pub name: String,
    pub host: bool,
    pub co_host: bool,
    pub muted: bool,
    pub video_stopped: bool,
    pub hand_raised: bool,
    /// This room.
    pub me: bool,
    /// Waits for the host to let it in (Admit and Deny act on it).
    pub waiting: bool,
    /// The meeting is ringing it in (Remove's place stops that).
    pub ringing: bool,
}

/// The meeting as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingPanel {
    /// The call is a meeting (a roster came).
    pub in_meeting: bool,
    pub members: Vec<PanelMember>,
    /// The participant picked on the Participants page (its id).
    pub selected: Option<u64>,
    /// This room is host or co-host.
    pub host_rights: bool,
    pub locked: bool,
    /// Mute all lets the muted unmute themselves (the Host menu's toggle).
    pub allow_self_unmute: bool,
    /// When the meeting ends (seconds), if it has an end.
    pub ends_at: Option<i64>,
    /// The participant broadcast to everyone, and whether the host polls.
    pub broadcast: Option<u64>,
    pub polling: bool,
    pub waiting_room: bool,
    pub host_only_share: bool,
    pub mute_on_entry: bool,
    /// Why the meeting refused this room's last host action, by its code
    /// (`wrong_password`, `unreachable`, …), until the next one.
    pub refused: Option<String>,
}

impl Default for MeetingPanel {
    fn default() -> Self {
        Self {
            in_meeting: false,
            members: Vec::new(),
            selected: None,
            host_rights: false,
            locked: false,
            allow_self_unmute: true,
            ends_at: None,
            broadcast: None,
            polling: false,
            waiting_room: false,
            host_only_share: false,
            mute_on_entry: false,
            refused: None,
        }
    }
}

impl MeetingPanel {
    /// The participant picked, if still in the meeting.
    pub fn picked(&self) -> Option<&PanelMember> {
        let id = self.selected?;
        self.members.iter().find(|m| m.id == id)
    }

    fn me(&self) -> Option<&PanelMember> {
        self.members.iter().find(|m| m.me)
    }
}

impl UiState {
    /// The roster changed: the pages follow; a pick that left is dropped,
    /// and a room that lost its host rights leaves the Host menu.
    pub fn roster_changed(&mut self, roster: &Roster) {
        let panel = &mut self.meeting;
        panel.in_meeting = true;
        panel.members = roster
            .members
            .iter()
            .filter_map(|m| {
                Some(PanelMember {
                    id: m.id?,
                    name: m.name.clone(),
                    host: m.host,
                    co_host: m.co_host,
                    muted: m.muted,
                    video_stopped: m.video_stopped,
                    hand_raised: m.hand_raised,
                    me: m.id.is_some() && m.id == roster.you,
                    waiting: false,
                    ringing: false,
                })
            })
            .chain(roster.waiting.iter().map(|w| pending(w, true)))
            .chain(roster.ringing.iter().map(|r| pending(r, false)))
            .collect();
        if panel.picked().is_none() {
            panel.selected = panel.members.first().map(|m| m.id);
        }
        panel.locked = roster.locked;
        panel.ends_at = roster.ends_at;
        panel.broadcast = roster.broadcast;
        panel.polling = roster.polling.is_some();
        panel.waiting_room = roster.waiting_room;
        panel.host_only_share = roster.host_only_share;
        panel.mute_on_entry = roster.mute_on_entry;
        let had_rights = panel.host_rights;
        panel.host_rights = roster.me().is_some_and(|me| me.host || me.co_host);
        if had_rights != panel.host_rights {
            // The rows changed under the focus.
            if self.page == Page::HostMenu && !self.meeting.host_rights {
                self.go(Page::InCall);
            } else if self.page == Page::ClaimHost && self.meeting.host_rights {
                // The claim was taken: the host's controls at once.
                self.go(Page::HostMenu);
            } else {
                self.focus = (0, 0);
            }
        }
    }

    /// A row of the page's list picked by touch: a participant, or a room
    /// of the Dial page's directory.
    pub fn pick(&mut self, index: usize) {
        if self.page == Page::Participants {
            self.pick_participant(index);
        } else {
            self.pick_listed(index);
        }
    }

    /// A digit of the host password on the Claim host page.
    pub(super) fn type_claim_digit(&mut self, digit: char) {
        if self.claim_password.len() < CLAIM_MAX {
            self.claim_password.push(digit);
        }
    }

    /// How the meeting answered this room's host action: its refusal's
    /// code shows on the meeting's pages until the next answer.
    pub fn host_answered(&mut self, refused: Option<String>) {
        self.meeting.refused = refused;
    }

    /// Picks participant `index` of the list (a tap on it).
    pub fn pick_participant(&mut self, index: usize) {
        if let Some(member) = self.meeting.members.get(index) {
            self.meeting.selected = Some(member.id);
        }
    }

    pub(super) fn meeting_control(&mut self, control: Control) -> Option<Effect> {
        let panel = &self.meeting;
        let picked = panel.picked().cloned();
        let on_picked = |action: &str| {
            picked
                .as_ref()
                .map(|p| Effect::Host(json!({ "action": action, "participant": p.id })))
        };
        match control {
            Control::ParticipantPrev | Control::ParticipantNext => {
                let n = panel.members.len();
                let at = picked
                    .as_ref()
                    .and_then(|p| panel.members.iter().position(|m| m.id == p.id));
                let next = match (at, control) {
                    (_, _) if n == 0 => return None,
                    (None, _) => 0,
                    (Some(i), Control::ParticipantPrev) => (i + n - 1) % n,
                    (Some(i), _) => (i + 1) % n,
                };
                self.pick_participant(next);
                None
            }
            // Someone rung in: Remove's place stops ringing it; nothing
            // else applies.
            Control::ParticipantRemove if picked.as_ref()?.ringing => on_picked("cancel_invite"),
            _ if picked.as_ref().is_some_and(|p| p.ringing)
                && matches!(
                    control,
                    Control::ParticipantMute
                        | Control::ParticipantVideo
                        | Control::ParticipantBroadcast
                        | Control::ParticipantCoHost
                        | Control::ParticipantHost
                ) =>
            {
                None
            }
            // Someone waiting: Mute's place lets it in, Remove's does not.
            Control::ParticipantMute if picked.as_ref()?.waiting => on_picked("admit"),
            Control::ParticipantRemove if picked.as_ref()?.waiting => on_picked("deny"),
            _ if picked.as_ref().is_some_and(|p| p.waiting)
                && matches!(
                    control,
                    Control::ParticipantVideo
                        | Control::ParticipantBroadcast
                        | Control::ParticipantCoHost
                        | Control::ParticipantHost
                ) =>
            {
                None
            }
            Control::ParticipantMute => {
                let muted = picked.as_ref()?.muted;
                on_picked(if muted { "unmute" } else { "mute" })
            }
            Control::ParticipantVideo => {
                let stopped = picked.as_ref()?.video_stopped;
                on_picked(if stopped { "start_video" } else { "stop_video" })
            }
            Control::ParticipantCoHost => {
                let p = picked.as_ref()?;
                let role = if p.co_host { "guest" } else { "co_host" };
                Some(Effect::Host(
                    json!({ "action": "set_role", "participant": p.id, "role": role }),
                ))
            }
            Control::ParticipantHost => {
                let p = picked.as_ref()?;
                Some(Effect::Host(
                    json!({ "action": "set_role", "participant": p.id, "role": "host" }),
                ))
            }
            Control::ParticipantRemove => on_picked("remove"),
            Control::ParticipantBroadcast => {
                let p = picked.as_ref()?;
                if panel.broadcast == Some(p.id) {
                    Some(Effect::Host(json!({ "action": "stop_broadcast" })))
                } else {
                    on_picked("broadcast")
                }
            }
            Control::PollMeeting => Some(Effect::Host(if panel.polling {
                json!({ "action": "stop_polling" })
            } else {
                json!({ "action": "poll", "interval_secs": POLL_SECS })
            })),
            Control::RaiseHand => {
                let me = panel.me()?;
                let action = if me.hand_raised {
                    "lower_hand"
                } else {
                    "raise_hand"
                };
                Some(Effect::Host(
                    json!({ "action": action, "participant": me.id }),
                ))
            }
            Control::MuteAll => Some(Effect::Host(
                json!({ "action": "mute_all", "allow_self_unmute": panel.allow_self_unmute }),
            )),
            Control::SelfUnmute => {
                self.meeting.allow_self_unmute = !self.meeting.allow_self_unmute;
                None
            }
            Control::UnmuteAll => Some(Effect::Host(json!({ "action": "unmute_all" }))),
            Control::WaitingRoom => Some(Effect::Host(
                json!({ "action": "waiting_room", "on": !panel.waiting_room }),
            )),
            Control::BecomeHost => {
                self.claim_password.clear();
                self.meeting.refused = None;
                self.go(Page::ClaimHost);
                None
            }
            Control::Delete if self.page == Page::ClaimHost => {
                self.claim_password.pop();
                None
            }
            Control::ClaimHost if !self.claim_password.is_empty() => {
                let password = std::mem::take(&mut self.claim_password);
                Some(Effect::Host(
                    json!({ "action": "claim_host", "password": password }),
                ))
            }
            Control::Invite => {
                self.inviting = true;
                self.dial_number.clear();
                self.directory_query.clear();
                self.directory_selected = None;
                self.call_refused = false;
                self.go(Page::Dial);
                Some(Effect::LoadDirectory)
            }
            Control::MuteOnEntry => Some(Effect::Host(
                json!({ "action": "mute_on_entry", "on": !panel.mute_on_entry }),
            )),
            Control::HostOnlyShare => Some(Effect::Host(
                json!({ "action": "host_only_share", "on": !panel.host_only_share }),
            )),
            Control::LockMeeting => {
                let action = if panel.locked { "unlock" } else { "lock" };
                Some(Effect::Host(json!({ "action": action })))
            }
            Control::ExtendMeeting => Some(Effect::Host(json!({ "action": "extend" }))),
            Control::EndForAll => Some(Effect::Host(json!({ "action": "end_for_all" }))),
            _ => None,
        }
    }
}

#[cfg(test)]
#[path = "participants_tests.rs"]
mod tests;
