//! The meeting and casting states the screenshots show: a room hosting
//! (Participants, Host menu), a guest muted or held by the host, and the
//! Share page, a cast and a take-over asked.

use crate::sip::CallState;
use crate::status::TerminalStatus;
use crate::ui::UiState;

/// A meeting this room hosts: the Participants page with a guest picked,
/// the Host menu, a guest room the host muted (its notice), and one its
/// waiting room holds.
pub(super) fn host_states(
    in_call: &UiState,
    online: &TerminalStatus,
) -> Vec<(&'static str, UiState, TerminalStatus)> {
    use crate::sip::conference::{Roster, RosterMember};
    use crate::ui::Page;
    let member = |id: u64, name: &str| RosterMember {
        id: Some(id),
        ..RosterMember::named(name)
    };
    let roster = |you: u64| Roster {
        count: 4,
        members: vec![
            RosterMember {
                host: true,
                ..member(1, "Boardroom 3F")
            },
            RosterMember {
                muted: true,
                muted_by_host: true,
                hand_raised: true,
                ..member(2, "Huddle 2")
            },
            RosterMember {
                co_host: true,
                ..member(3, "Alice")
            },
            RosterMember {
                video_stopped: true,
                ..member(4, "Shanghai Office")
            },
        ],
        layout: Some("speaker".into()),
        version: 7,
        content: None,
        locked: true,
        self_unmute: false,
        you: Some(you),
        ends_at: Some(1_796_385_600),
        ending_soon: false,
        broadcast: Some(3),
        polling: None,
        waiting: vec![crate::sip::conference::WaitingMember {
            id: 5,
            name: "Lobby guest".into(),
        }],
        ringing: vec![crate::sip::conference::WaitingMember {
            id: 6,
            name: "Training Room".into(),
        }],
        held: false,
        waiting_room: true,
        host_only_share: true,
        mute_on_entry: false,
    };
    let mut status = online.clone();
    status.call = Some(CallState::Established {
        remote_sdp: String::new(),
    });
    let mut states = Vec::new();
    let mut host = in_call.clone();
    host.roster_changed(&roster(1));
    let mut participants = host.clone();
    participants.activate(crate::ui::Control::Participants);
    participants.pick(1);
    participants.focus = (1, 0);
    let mut host_status = status.clone();
    host_status.call_roster = Some(roster(1));
    states.push(("participants", participants.clone(), host_status.clone()));
    let mut admitting = participants;
    admitting.pick(4);
    states.push(("participants-waiting", admitting, host_status.clone()));
    let mut menu = host.clone();
    menu.page = Page::HostMenu;
    menu.meeting.allow_self_unmute = false;
    states.push(("host-menu", menu, host_status));
    let mut guest = in_call.clone();
    guest.roster_changed(&roster(2));
    let mut guest_status = status;
    guest_status.call_roster = Some(roster(2));
    states.push(("in-call-muted-by-host", guest.clone(), guest_status.clone()));
    // A guest claims host: a wrong password, said in words.
    let mut claiming = guest;
    claiming.activate(crate::ui::Control::Participants);
    claiming.activate(crate::ui::Control::BecomeHost);
    claiming.type_text("135");
    claiming.host_answered(Some("wrong_password".into()));
    claiming.focus = (4, 2);
    states.push(("claim-host", claiming, guest_status.clone()));
    // A room the host's waiting room holds: alone, told it waits.
    let held = Roster {
        members: Vec::new(),
        count: 0,
        waiting: Vec::new(),
        held: true,
        ..roster(5)
    };
    let mut waiting = in_call.clone();
    waiting.roster_changed(&held);
    guest_status.call_roster = Some(held);
    states.push(("in-call-waiting-for-host", waiting, guest_status));
    states
}

/// The Share page with its code, a cast on screen, and a take-over asked.
pub(super) fn cast_states(online: &TerminalStatus) -> Vec<(&'static str, UiState, TerminalStatus)> {
    use crate::ui::Page;
    let mut sharing = online.clone();
    sharing.cast_code = Some(roomterm_proto::CastCode {
        code: "482913".into(),
        valid_until: super::pages::cast::unix_now() + 240,
        page: "https://cloud.example.com:8443/cast".into(),
        url: "https://cloud.example.com:8443/cast/482913".into(),
    });
    let ui = |page: Page| {
        let mut ui = UiState::new(&crate::store::Settings::default(), true);
        ui.page = page;
        ui
    };
    let mut casting = sharing.clone();
    casting.cast = Some(crate::status::CastStatus {
        session: "s1".into(),
        caster: "Ann Lee".into(),
        codec: Some("VP8"),
        since: std::time::Instant::now(),
        asking: None,
        in_meeting: false,
    });
    let mut asking = casting.clone();
    if let Some(cast) = &mut asking.cast {
        cast.asking = Some("王伟".into());
    }
    let mut request = ui(Page::CastRequest);
    request.focus = (0, 1);
    vec![
        ("home-cast-code", ui(Page::Home), sharing.clone()),
        ("share", ui(Page::Share), sharing),
        ("casting", ui(Page::Casting), casting),
        ("cast-request", request, asking),
    ]
}
