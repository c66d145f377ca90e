//! The Join page: what is typed, and the field the keypad fills.

use crate::screen::JoinPageState;
use crate::ui::{JoinField, UiState};

pub fn apply(state: &JoinPageState, ui: &UiState) {
    state.set_meeting_id(ui.meeting_id.as_str().into());
    state.set_password(ui.meeting_password.as_str().into());
    state.set_field(
        match ui.join_field {
            JoinField::MeetingId => "meeting_id",
            JoinField::Password => "password",
        }
        .into(),
    );
}
