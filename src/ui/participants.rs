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
                })
            })
            .chain(roster.waiting.iter().map(|w| PanelMember {
                id: w.id,
                name: w.name.clone(),
                host: false,
                co_host: false,
                muted: false,
                video_stopped: false,
                hand_raised: false,
                me: false,
                waiting: true,
            }))
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
            self.pick_contact(index);
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
mod tests {
    use super::*;
    use crate::store::Settings;

    /// A roster of three: the host (1), a guest (2, muted), this room (3).
    fn roster(you_host: bool) -> Roster {
        let role = |host: bool| if host { "host" } else { "participant" };
        let user = |id: u64, name: &str, host: bool, muted: bool| {
            format!(
                "<user entity=\"sip:{id}@x\"><display-text>{name}</display-text>\
                 <roles><entry>{}</entry></roles>\
                 <state id=\"{id}\" muted=\"{muted}\" by-host=\"{muted}\" \
                 video-stopped=\"false\" hand=\"false\"/></user>",
                role(host)
            )
        };
        let xml = format!(
            "<conference-info><conference-state><you>3</you><locked>false</locked>\
             </conference-state><users>{}{}{}</users></conference-info>",
            user(1, "Boardroom", !you_host, false),
            user(2, "Alice", false, true),
            user(3, "Huddle", you_host, false)
        );
        crate::sip::conference::parse(&xml).unwrap()
    }

    fn in_meeting(you_host: bool) -> UiState {
        let mut ui = UiState::new(&Settings::default(), true);
        ui.go(Page::InCall);
        ui.roster_changed(&roster(you_host));
        ui
    }

    #[test]
    fn a_host_picks_a_participant_and_acts_on_it() {
        let mut ui = in_meeting(true);
        assert!(ui.meeting.host_rights);
        assert_eq!(ui.activate(Control::Participants), None);
        assert_eq!(ui.page, Page::Participants);
        assert_eq!(ui.meeting.selected, Some(1));
        ui.activate(Control::ParticipantNext);
        assert_eq!(ui.meeting.picked().unwrap().name, "Alice");
        // Alice is muted: the button unmutes her.
        assert_eq!(
            ui.activate(Control::ParticipantMute),
            Some(Effect::Host(
                json!({ "action": "unmute", "participant": 2 })
            ))
        );
        assert_eq!(
            ui.activate(Control::ParticipantRemove),
            Some(Effect::Host(
                json!({ "action": "remove", "participant": 2 })
            ))
        );
        assert_eq!(
            ui.activate(Control::ParticipantCoHost),
            Some(Effect::Host(
                json!({ "action": "set_role", "participant": 2, "role": "co_host" })
            ))
        );
        ui.activate(Control::ParticipantPrev);
        ui.activate(Control::ParticipantPrev);
        assert_eq!(ui.meeting.picked().unwrap().name, "Huddle");
        assert!(ui.meeting.picked().unwrap().me);
    }

    #[test]
    fn someone_waiting_is_let_in_or_not_and_nothing_else() {
        let mut r = roster(true);
        r.waiting.push(crate::sip::conference::WaitingMember {
            id: 9,
            name: "Lobby".into(),
        });
        let mut ui = in_meeting(true);
        ui.roster_changed(&r);
        ui.activate(Control::Participants);
        ui.pick(3);
        assert!(ui.meeting.picked().unwrap().waiting);
        assert_eq!(
            ui.activate(Control::ParticipantMute),
            Some(Effect::Host(json!({ "action": "admit", "participant": 9 })))
        );
        assert_eq!(
            ui.activate(Control::ParticipantRemove),
            Some(Effect::Host(json!({ "action": "deny", "participant": 9 })))
        );
        assert_eq!(ui.activate(Control::ParticipantHost), None);
        ui.activate(Control::Back);
        ui.activate(Control::HostMenu);
        assert_eq!(
            ui.activate(Control::WaitingRoom),
            Some(Effect::Host(
                json!({ "action": "waiting_room", "on": true })
            ))
        );
        assert_eq!(
            ui.activate(Control::MuteOnEntry),
            Some(Effect::Host(
                json!({ "action": "mute_on_entry", "on": true })
            ))
        );
        assert_eq!(
            ui.activate(Control::HostOnlyShare),
            Some(Effect::Host(
                json!({ "action": "host_only_share", "on": true })
            ))
        );
    }

    #[test]
    fn the_host_menu_mutes_all_with_the_self_unmute_choice_locks_and_ends() {
        let mut ui = in_meeting(true);
        ui.activate(Control::HostMenu);
        assert_eq!(ui.page, Page::HostMenu);
        ui.activate(Control::SelfUnmute);
        assert_eq!(
            ui.activate(Control::MuteAll),
            Some(Effect::Host(
                json!({ "action": "mute_all", "allow_self_unmute": false })
            ))
        );
        assert_eq!(
            ui.activate(Control::LockMeeting),
            Some(Effect::Host(json!({ "action": "lock" })))
        );
        assert_eq!(
            ui.activate(Control::EndForAll),
            Some(Effect::Host(json!({ "action": "end_for_all" })))
        );
        assert_eq!(
            ui.activate(Control::PollMeeting),
            Some(Effect::Host(
                json!({ "action": "poll", "interval_secs": POLL_SECS })
            ))
        );
        ui.activate(Control::Back);
        assert_eq!(ui.page, Page::InCall);
        ui.activate(Control::Participants);
        assert_eq!(
            ui.activate(Control::ParticipantBroadcast),
            Some(Effect::Host(
                json!({ "action": "broadcast", "participant": 1 })
            ))
        );
    }

    #[test]
    fn a_guest_sees_the_list_raises_its_hand_and_has_no_host_controls() {
        let mut ui = in_meeting(false);
        assert!(!ui.meeting.host_rights);
        assert!(!ui.on_screen(Control::HostMenu));
        ui.activate(Control::Participants);
        assert!(!ui.on_screen(Control::ParticipantRemove));
        assert_eq!(
            ui.activate(Control::RaiseHand),
            Some(Effect::Host(
                json!({ "action": "raise_hand", "participant": 3 })
            ))
        );
    }

    #[test]
    fn losing_host_rights_leaves_the_host_menu_and_the_call_end_goes_home() {
        let mut ui = in_meeting(true);
        ui.activate(Control::HostMenu);
        ui.roster_changed(&roster(false));
        assert_eq!(ui.page, Page::InCall);
        ui.activate(Control::Participants);
        ui.pick(1);
        assert_eq!(ui.meeting.picked().unwrap().name, "Alice");
        ui.call_ended(false);
        assert_eq!(ui.page, Page::Home);
        // The next call starts without the last meeting's people.
        assert!(!ui.meeting.in_meeting && ui.meeting.members.is_empty());
        assert!(!ui.on_screen(Control::Participants) || ui.page != Page::InCall);
    }

    #[test]
    fn the_host_invites_from_the_dial_page_and_back_returns_to_the_host_menu() {
        let mut ui = in_meeting(true);
        ui.activate(Control::HostMenu);
        assert_eq!(ui.activate(Control::Invite), Some(Effect::LoadDirectory));
        assert_eq!((ui.page, ui.inviting), (Page::Dial, true));
        ui.activate(Control::Back);
        assert_eq!((ui.page, ui.inviting), (Page::HostMenu, false));
        ui.activate(Control::Invite);
        ui.type_text("100003");
        assert_eq!(
            ui.key(crate::keys::Key::Call),
            Some(Effect::Host(json!({ "action": "invite", "to": "100003" })))
        );
        assert_eq!((ui.page, ui.inviting), (Page::Participants, false));
        // The call ends while inviting: Home, and the Dial page calls again.
        ui.activate(Control::Back);
        ui.activate(Control::HostMenu);
        ui.activate(Control::Invite);
        ui.call_ended(false);
        assert_eq!((ui.page, ui.inviting), (Page::Home, false));
        // A guest has no Invite.
        let mut guest = in_meeting(false);
        guest.activate(Control::HostMenu);
        assert!(!guest.on_screen(Control::Invite));
    }

    #[test]
    fn a_guest_claims_host_on_the_keypad_and_sees_why_not() {
        let mut ui = in_meeting(false);
        ui.activate(Control::Participants);
        assert!(ui.on_screen(Control::BecomeHost));
        ui.activate(Control::BecomeHost);
        assert_eq!(ui.page, Page::ClaimHost);
        assert_eq!(ui.activate(Control::ClaimHost), None, "nothing typed");
        ui.type_text("12x34");
        assert_eq!(ui.claim_password, "1234");
        ui.key(crate::keys::Key::Back);
        assert_eq!(ui.claim_password, "123", "Back erases first");
        ui.activate(Control::Key9);
        // OK on the field sends it; the password is not kept.
        ui.focus = (0, 0);
        assert_eq!(
            ui.key(crate::keys::Key::Ok),
            Some(Effect::Host(
                json!({ "action": "claim_host", "password": "1239" })
            ))
        );
        assert!(ui.claim_password.is_empty());
        ui.host_answered(Some("wrong_password".into()));
        assert_eq!(ui.meeting.refused.as_deref(), Some("wrong_password"));
        // Taken: the roster makes the room host, and the Host menu opens.
        ui.roster_changed(&roster(true));
        assert_eq!(ui.page, Page::HostMenu);
        assert!(!ui.on_screen(Control::BecomeHost));
    }
}
