//! Slint glue: the window shows [`UiState`] and [`TerminalStatus`]; taps
//! come back as [`Control`]s. The pages themselves live in `ui/pages/`, one
//! `.slint` file per page, each reading its own global; this folder sets
//! them, one file per page group as `src/ui/` has:
//!
//! | file | sets |
//! |---|---|
//! | `mod.rs` | `AppState`: the page, focus, language, the open keyboard |
//! | `status.rs` | `DeviceStatus` (status lines, room, clock) and `CallStatus` (the call's outcome) |
//! | `pages/wizard.rs` | the network, server and activation pages |
//! | `pages/settings.rs` | settings and diagnostics |
//! | `pages/join.rs`, `dial.rs`, `incoming.rs`, `in_call.rs` | the call pages (and the in-call pictures) |
//! | `pages/cast.rs` | the Share page (code, address, QR code), a cast on screen, the take-over question |
//! | `qr.rs` | the casting page's address as a QR code image |
//! | `window.rs` | the window: the event loop, the video tick |
//! | `inputs.rs` | a window's taps, keys and text back to the runtime, in order |
//! | `mirror.rs` | the web remote's screen: the window's snapshot, or the pages drawn offscreen when headless; clicks pressed as taps |
//! | `screenshot.rs` | offscreen renders of named states (docs, tests) |
//! | `offscreen.rs` | the platform of one offscreen window, and PNG encoding |
//! | `screenshot_states.rs` | the meeting and casting states among them |
//! | `connectors.rs` | which displays sysfs says are connected |

pub mod connectors;
mod inputs;
mod mirror;
mod offscreen;
mod pages;
mod qr;
mod screenshot;
mod screenshot_states;
mod status;
mod window;

pub use mirror::{Mirror, ScreenPicture, HEADLESS_SIZE};
pub use screenshot::{all_shots, render_pages, standard_shots, Frame, Screenshot, SIZES};
pub use window::{open_window, run_window};

use slint::{ModelRc, SharedString, VecModel};

use crate::status::{StatusView, TerminalStatus};
use crate::store::Language;
use crate::ui::{Control, Field, UiState};

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

/// Copies the runtime's state into the window's globals.
pub fn apply(window: &AppWindow, ui: &UiState, status: &TerminalStatus, clock: &str) {
    let view = StatusView::from(status);
    let state = window.global::<AppState>();
    state.set_page(page_id(ui).into());
    state.set_focused(control_id(ui.focused()).into());
    state.set_language(
        match ui.settings_language {
            Language::ZhCn => "zh-CN",
            Language::En => "en",
        }
        .into(),
    );
    state.set_editing(ui.editing.map(field_id).unwrap_or_default().into());
    state.set_standby(ui.standby);
    state.set_keyboard_rows(keyboard_rows(ui));
    status::apply_device(&window.global::<DeviceStatus>(), &view, clock);
    let ended_by = status::ended_by(status);
    status::apply_call(&window.global::<CallStatus>(), ui, &view, ended_by);
    pages::wizard::apply_network(&window.global::<NetworkPageState>(), ui);
    pages::wizard::apply_server(&window.global::<ServerPageState>(), ui);
    pages::wizard::apply_activation(&window.global::<ActivationPageState>(), ui, &view);
    pages::settings::apply_settings(&window.global::<SettingsPageState>(), ui);
    pages::settings::apply_diagnostics(&window.global::<DiagnosticsPageState>(), &view);
    pages::join::apply(&window.global::<JoinPageState>(), ui);
    pages::dial::apply(&window.global::<DialPageState>(), ui);
    pages::incoming::apply(&window.global::<IncomingPageState>(), ui);
    pages::in_call::apply(&window.global::<InCallPageState>(), &view);
    let in_call = window.global::<InCallPageState>();
    in_call.set_in_meeting(ui.meeting.in_meeting);
    in_call.set_host_rights(ui.meeting.host_rights);
    pages::participants::apply(&window.global::<ParticipantsPageState>(), ui);
    pages::participants::apply_claim(&window.global::<ClaimHostPageState>(), ui);
    let now = pages::cast::unix_now();
    pages::home::apply(&window.global::<HomePageState>(), ui, now);
    pages::cast::apply_share(&window.global::<SharePageState>(), status, now);
    pages::cast::apply_casting(&window.global::<CastingPageState>(), status);
}

/// Shows the newest picture of the cast.
pub fn show_cast_picture(window: &AppWindow, frame: &crate::media::RgbFrame) {
    pages::cast::show_cast_picture(&window.global::<CastingPageState>(), frame);
}

/// Shows the room's own camera picture in the in-call page's corner.
pub fn show_self_view(window: &AppWindow, frame: &crate::media::RgbFrame) {
    pages::in_call::show_self_view(&window.global::<InCallPageState>(), frame);
}

/// Shows a decoded picture of the far end on the in-call page.
pub fn show_remote_video(window: &AppWindow, frame: &crate::media::RgbFrame) {
    pages::in_call::show_remote_video(&window.global::<InCallPageState>(), frame);
}

/// Shows the meeting's shared content (`None`: it stopped).
pub fn show_content(window: &AppWindow, frame: Option<&crate::media::RgbFrame>) {
    pages::in_call::show_content(&window.global::<InCallPageState>(), frame);
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
