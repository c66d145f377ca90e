//! A call ringing here: who calls.

use crate::screen::IncomingPageState;
use crate::ui::UiState;

pub fn apply(state: &IncomingPageState, ui: &UiState) {
    state.set_caller_name(ui.caller_name.as_str().into());
    state.set_caller_number(ui.caller_number.as_str().into());
    state.set_meeting(ui.caller_meeting);
}
