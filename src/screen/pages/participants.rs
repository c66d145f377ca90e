//! The Participants page, the Host menu and the Claim host page: the
//! meeting's people around the one picked (as many as fit), what the
//! host's buttons would do to it, the meeting's lock, self-unmute choice
//! and end time, and how much of the host password is typed.

use slint::{ModelRc, VecModel};

use crate::screen::{ClaimHostPageState, MeetingMember, ParticipantsPageState};
use crate::ui::UiState;

/// How many participants the page lists at once (fits 1280×800; the
/// previous/next keys move the window).
const SHOWN: usize = 4;

pub fn apply(state: &ParticipantsPageState, ui: &UiState) {
    let panel = &ui.meeting;
    let selected = panel
        .selected
        .and_then(|id| panel.members.iter().position(|m| m.id == id));
    let first = selected
        .map_or(0, |i| i.saturating_sub(SHOWN / 2))
        .min(panel.members.len().saturating_sub(SHOWN));
    let members: Vec<MeetingMember> = panel
        .members
        .iter()
        .skip(first)
        .take(SHOWN)
        .map(|m| MeetingMember {
            name: m.name.as_str().into(),
            role: if m.host {
                "host"
            } else if m.co_host {
                "co_host"
            } else {
                "guest"
            }
            .into(),
            muted: m.muted,
            video_stopped: m.video_stopped,
            hand_raised: m.hand_raised,
            broadcast: panel.broadcast == Some(m.id),
            waiting: m.waiting,
            ringing: m.ringing,
            me: m.me,
        })
        .collect();
    state.set_members(ModelRc::new(VecModel::from(members)));
    state.set_offset(first as i32);
    state.set_selected(selected.map_or(-1, |i| i as i32));
    let waiting = panel.members.iter().filter(|m| m.waiting).count();
    let ringing = panel.members.iter().filter(|m| m.ringing).count();
    state.set_count((panel.members.len() - waiting - ringing) as i32);
    state.set_waiting_count(waiting as i32);
    state.set_host_rights(panel.host_rights);
    let picked = panel.picked();
    state.set_picked_muted(picked.is_some_and(|p| p.muted));
    state.set_picked_video_stopped(picked.is_some_and(|p| p.video_stopped));
    state.set_picked_co_host(picked.is_some_and(|p| p.co_host));
    state.set_picked_broadcast(picked.is_some_and(|p| panel.broadcast == Some(p.id)));
    state.set_polling(panel.polling);
    state.set_picked_waiting(picked.is_some_and(|p| p.waiting));
    state.set_picked_ringing(picked.is_some_and(|p| p.ringing));
    state.set_waiting_room(panel.waiting_room);
    state.set_host_only_share(panel.host_only_share);
    state.set_mute_on_entry(panel.mute_on_entry);
    state.set_my_hand_raised(panel.members.iter().any(|m| m.me && m.hand_raised));
    state.set_locked(panel.locked);
    state.set_allow_self_unmute(panel.allow_self_unmute);
    state.set_ends_at(
        panel
            .ends_at
            .map(super::clock_time)
            .unwrap_or_default()
            .into(),
    );
}

pub fn apply_claim(state: &ClaimHostPageState, ui: &UiState) {
    state.set_password_length(ui.claim_password.chars().count() as i32);
}
