//! Unit tests of `participants.rs`: the roster as the pages show it, a
//! host's actions, the waiting and the rung, claiming host, inviting.

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

#[test]
fn someone_rung_in_can_only_be_called_off() {
    let mut r = roster(true);
    r.ringing.push(crate::sip::conference::WaitingMember {
        id: 12,
        name: "Training Room".into(),
    });
    let mut ui = in_meeting(true);
    ui.roster_changed(&r);
    ui.activate(Control::Participants);
    let last = ui.meeting.members.len() - 1;
    ui.pick(last);
    assert!(ui.meeting.picked().unwrap().ringing);
    assert_eq!(ui.rows(), Page::RINGING_ROWS);
    assert_eq!(ui.activate(Control::ParticipantMute), None);
    assert_eq!(
        ui.activate(Control::ParticipantRemove),
        Some(Effect::Host(
            json!({ "action": "cancel_invite", "participant": 12 })
        ))
    );
}
