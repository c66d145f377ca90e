//! Slint glue: the window shows [`UiState`] and [`TerminalStatus`]; taps
//! come back as [`Control`]s. The pages themselves live in `ui/*.slint`.

pub mod connectors;
mod screenshot;
mod window;

pub use screenshot::{all_shots, render_pages, standard_shots, Frame, Screenshot, SIZES};
pub use window::{open_window, run_window};

use slint::{ModelRc, SharedString, VecModel};

use crate::app::ui::{Control, Field, JoinField, UiState};
use crate::app::TerminalStatus;
use crate::store::Language;
use crate::web::StatusView;

slint::include_modules!();

/// The id a control has in the .slint files (its snake_case name).
pub fn control_id(control: Control) -> String {
    serde_json::to_value(control)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The control a tap names; unknown ids (a UI/runtime mismatch) are ignored.
pub fn control_from_id(id: &str) -> Option<Control> {
    serde_json::from_value(serde_json::Value::String(id.to_string())).ok()
}

fn page_id(ui: &UiState) -> String {
    serde_json::to_value(ui.page)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The locale folder of a language in `ui/translations/`.
pub fn locale(language: Language) -> &'static str {
    match language {
        Language::ZhCn => "zh_CN",
        Language::En => "",
    }
}

/// Copies the runtime's state into the window's `AppState`.
pub fn apply(window: &AppWindow, ui: &UiState, status: &TerminalStatus, clock: &str) {
    let state = window.global::<AppState>();
    let view = StatusView::from(status);
    state.set_page(page_id(ui).into());
    state.set_focused(control_id(ui.focused()).into());
    state.set_language(
        match ui.settings_language {
            Language::ZhCn => "zh-CN",
            Language::En => "en",
        }
        .into(),
    );
    state.set_dhcp(ui.dhcp);
    state.set_server_url(ui.server_url.as_str().into());
    state.set_address(ui.address.as_str().into());
    state.set_gateway(ui.gateway.as_str().into());
    state.set_dns(ui.dns.as_str().into());
    state.set_dns2(ui.dns2.as_str().into());
    state.set_network_error(ui.network_error.unwrap_or_default().into());
    state.set_network_state(view.network.state.into());
    state.set_network_detail(view.network.reason.clone().unwrap_or_default().into());
    state.set_editing(ui.editing.map(field_id).unwrap_or_default().into());
    state.set_keyboard_rows(keyboard_rows(ui));
    apply_ping(&state, &view);
    state.set_code(group_digits(&ui.code).into());
    state.set_activating(ui.activating);
    let error = view.activation_error.as_ref();
    state.set_activation_error(error.map(|e| e.code).unwrap_or_default().into());
    state.set_retry_after_secs(error.and_then(|e| e.retry_after_secs).unwrap_or(0) as i32);
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
    state.set_meeting_id(ui.meeting_id.as_str().into());
    state.set_meeting_password(ui.meeting_password.as_str().into());
    state.set_join_field(
        match ui.join_field {
            JoinField::MeetingId => "meeting_id",
            JoinField::Password => "password",
        }
        .into(),
    );
    state.set_call_refused(ui.call_refused);
    state.set_dial_number(ui.dial_number.as_str().into());
    // The rooms around the picked one, as many as fit beside the keypad.
    let first = ui
        .directory_selected
        .map_or(0, |i| i.saturating_sub(DIRECTORY_SHOWN / 2))
        .min(ui.directory.len().saturating_sub(DIRECTORY_SHOWN));
    let rooms: Vec<DirectoryRoom> = ui
        .directory
        .iter()
        .skip(first)
        .take(DIRECTORY_SHOWN)
        .map(|e| DirectoryRoom {
            name: e.name.as_str().into(),
            number: e.number.as_str().into(),
            online: e.online,
        })
        .collect();
    state.set_directory(ModelRc::new(VecModel::from(rooms)));
    state.set_directory_offset(first as i32);
    state.set_directory_selected(ui.directory_selected.map_or(-1, |i| i as i32));
    state.set_caller_name(ui.caller_name.as_str().into());
    state.set_caller_number(ui.caller_number.as_str().into());
    state.set_auto_answer(ui.auto_answer);
    let (peer, is_meeting) = match ui.call_from {
        crate::app::ui::Page::Dial => (ui.dial_number.as_str(), false),
        crate::app::ui::Page::Incoming => (ui.caller_name.as_str(), false),
        _ => (ui.meeting_id.as_str(), true),
    };
    state.set_call_peer(peer.into());
    state.set_call_is_meeting(is_meeting);
    state.set_call_state(view.call.state.into());
    state.set_call_reason(view.call.reason.clone().unwrap_or_default().into());
    state.set_call_code(view.call.code.clone().unwrap_or_default().into());
    state.set_mic_muted(view.call.muted);
    state.set_camera_off(!view.call.camera_on);
    state.set_speaker_volume(i32::from(view.speaker_volume));
    let quality = view.call.quality.as_ref();
    state.set_net_level(
        quality
            .map(|q| match q.level {
                crate::media::QualityLevel::Good => "good",
                crate::media::QualityLevel::Fair => "fair",
                crate::media::QualityLevel::Poor => "poor",
            })
            .unwrap_or_default()
            .into(),
    );
    state.set_net_warning(quality.is_some_and(|q| q.warning));
    state.set_camera_missing(view.call.devices.camera_missing.is_some());
    state.set_microphone_missing(view.call.devices.microphone_missing.is_some());
    let roster = view.call.roster.as_ref();
    state.set_meeting_count(roster.map_or(0, |r| r.count as i32));
    state.set_meeting_layout(
        roster
            .and_then(|r| r.layout.clone())
            .unwrap_or_default()
            .into(),
    );
    if view.call.state != "in_call" {
        // The pictures of an earlier call never show in the next one.
        state.set_has_remote_video(false);
        state.set_has_self_video(false);
    }
}

/// How many directory rooms the Dial page lists at once (fits 1280×800).
const DIRECTORY_SHOWN: usize = 5;

/// Shows the room's own camera picture in the in-call page's corner.
pub fn show_self_view(window: &AppWindow, frame: &crate::media::RgbFrame) {
    let state = window.global::<AppState>();
    let buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(
        &frame.data,
        frame.width,
        frame.height,
    );
    state.set_self_video(slint::Image::from_rgb8(buffer));
    state.set_has_self_video(true);
}

/// Shows a decoded picture of the far end on the in-call page.
pub fn show_remote_video(window: &AppWindow, frame: &crate::media::RgbFrame) {
    let state = window.global::<AppState>();
    let buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::clone_from_slice(
        &frame.data,
        frame.width,
        frame.height,
    );
    state.set_remote_video(slint::Image::from_rgb8(buffer));
    state.set_has_remote_video(true);
}

fn field_id(field: Field) -> String {
    serde_json::to_value(field)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The open keyboard's keys as rows of control ids (empty when closed).
fn keyboard_rows(ui: &UiState) -> ModelRc<ModelRc<SharedString>> {
    let rows: Vec<ModelRc<SharedString>> = match ui.editing {
        None => Vec::new(),
        Some(field) => field
            .keyboard()
            .iter()
            .map(|row| {
                let keys: Vec<SharedString> = row.iter().map(|c| control_id(*c).into()).collect();
                ModelRc::new(VecModel::from(keys))
            })
            .collect(),
    };
    ModelRc::new(VecModel::from(rows))
}

fn apply_ping(state: &AppState, view: &StatusView) {
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

fn group_digits(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}
