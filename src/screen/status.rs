//! The globals every page shares: the device's status lines and the call's
//! outcome, in the codes the control API documents (the pages translate
//! them).

use std::time::Duration;

use super::{CallStatus, DeviceStatus};
use crate::sip::{CallEnd, CallState};
use crate::status::{StatusView, TerminalStatus};
use crate::ui::{Page, UiState};

pub fn apply_device(state: &DeviceStatus, view: &StatusView, clock: &str) {
    state.set_network_state(view.network.state.into());
    state.set_network_detail(view.network.reason.clone().unwrap_or_default().into());
    state.set_room_name(view.room_name.clone().unwrap_or_default().into());
    state.set_number(view.number.clone().unwrap_or_default().into());
    state.set_sn(view.sn.as_str().into());
    state.set_version(env!("CARGO_PKG_VERSION").into());
    state.set_clock(clock.into());
    state.set_provisioning_state(view.provisioning.state.into());
    state.set_provisioning_reason(view.provisioning.reason.clone().unwrap_or_default().into());
    state.set_sip_state(view.sip.state.into());
    state.set_sip_reason(view.sip.reason.clone().unwrap_or_default().into());
    let update = view.update.as_ref();
    state.set_update_state(update.map_or("", |u| u.state).into());
    state.set_update_version(
        update
            .map(|u| u.version.as_str())
            .unwrap_or_default()
            .into(),
    );
    state.set_update_progress(update.and_then(|u| u.progress).map_or(-1, i32::from));
}

/// How long Home says why the cloud ended the last call.
const ENDED_NOTICE: Duration = Duration::from_secs(30);

/// The cloud's reason for ending the last call (`removed`,
/// `ended_by_host`, …) while Home still says it; empty otherwise.
pub fn ended_by(status: &TerminalStatus) -> &str {
    match (&status.call, status.call_ended_at) {
        (Some(CallState::Ended(CallEnd::RemoteHungUp { code: Some(code) })), Some(at))
            if at.elapsed() < ENDED_NOTICE =>
        {
            code
        }
        _ => "",
    }
}

pub fn apply_call(state: &CallStatus, ui: &UiState, view: &StatusView, ended_by: &str) {
    state.set_ended_by(ended_by.into());
    let (peer, is_meeting) = match ui.call_from {
        Page::Dial => (ui.dial_number.as_str(), false),
        // A meeting that rang the room: named by its ID, as one joined.
        Page::Incoming if ui.caller_meeting => (ui.caller_number.as_str(), true),
        Page::Incoming => (ui.caller_name.as_str(), false),
        _ => (ui.meeting_id.as_str(), true),
    };
    state.set_peer(peer.into());
    state.set_is_meeting(is_meeting);
    state.set_state(view.call.state.into());
    state.set_reason(view.call.reason.clone().unwrap_or_default().into());
    state.set_code(view.call.code.clone().unwrap_or_default().into());
    state.set_refused(ui.call_refused);
    state.set_host_refused(ui.meeting.refused.clone().unwrap_or_default().into());
}
