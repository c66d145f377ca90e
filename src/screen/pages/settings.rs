//! Settings (auto-answer, who may take over a cast) and Diagnostics (the ping's outcome).

use crate::screen::{DiagnosticsPageState, SettingsPageState};
use crate::status::StatusView;
use crate::ui::UiState;

pub fn apply_settings(state: &SettingsPageState, ui: &UiState) {
    state.set_auto_answer(ui.auto_answer);
    let take_over = match ui.cast_take_over {
        roomterm_proto::TakeOver::Allowed => "allowed",
        roomterm_proto::TakeOver::AskRoom => "ask_room",
        roomterm_proto::TakeOver::Never => "never",
    };
    state.set_cast_take_over(take_over.into());
}

pub fn apply_diagnostics(state: &DiagnosticsPageState, view: &StatusView) {
    state.set_ping_state(view.ping.state.into());
    let Some(report) = &view.ping.report else {
        return;
    };
    state.set_ping_target(report.target.as_str().into());
    state.set_ping_sent(report.sent as i32);
    state.set_ping_answered(report.answered as i32);
    let times = match (report.min_ms, report.avg_ms, report.max_ms) {
        (Some(min), Some(avg), Some(max)) => {
            format!("min/avg/max {min:.1}/{avg:.1}/{max:.1} ms")
        }
        _ => String::new(),
    };
    state.set_ping_times(times.into());
    state.set_ping_error(report.error.clone().unwrap_or_default().into());
}
