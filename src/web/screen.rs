//! The screen from afar, as the web remote and room controllers see and
//! drive it: the UI state, keys pressed as a remote does, taps on what is
//! on screen, typed text. Each answers with the screen after the input.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::common::{body, error, settle, Authorized, Body};
use super::ApiState;
use crate::app::Terminal;
use crate::status::StatusView;

/// The screen: page, focused control and what is typed.
pub async fn ui_state(_: Authorized, State(state): State<ApiState>) -> Json<serde_json::Value> {
    Json(ui_view(&state.terminal))
}

pub fn ui_view(terminal: &Terminal) -> serde_json::Value {
    let ui = terminal.ui.borrow();
    let status = StatusView::from(&*terminal.status.borrow());
    json!({
        "page": ui.page,
        "focused": ui.focused(),
        "language": ui.settings_language,
        "code": ui.code,
        "server_url": ui.server_url,
        "activating": ui.activating,
        "dhcp": ui.dhcp,
        "address": ui.address,
        "gateway": ui.gateway,
        "dns": ui.dns,
        "dns2": ui.dns2,
        "network_error": ui.network_error,
        "editing": ui.editing,
        // What is on screen now: the page's controls, or the keyboard's.
        "controls": ui.rows(),
        // What Home (and About) shows of the room.
        "room_name": status.room_name,
        "number": status.number,
        "sn": status.sn,
        "activation_error": status.activation_error,
        // Home's Start meeting (the room's own meeting room) and the
        // room's meetings of the day (`meeting0`, `meeting1` join them).
        "meeting_room": status.meeting_room,
        "schedule": ui.schedule,
        // The Join page: the password shows as dots, so only its length.
        "meeting_id": ui.meeting_id,
        "meeting_password_length": ui.meeting_password.len(),
        "join_field": ui.join_field,
        "call_refused": ui.call_refused,
        // The Dial page, and who calls while a call rings here.
        "dial_number": ui.dial_number,
        // Opened from the Host menu: Call rings the number into the meeting.
        "inviting": ui.inviting,
        "directory": ui.directory,
        "directory_selected": ui.directory_selected,
        // The directory's search, and the rooms it leaves (indices).
        "directory_query": ui.directory_query,
        "directory_matches": ui.directory_matches(),
        "caller": {"name": ui.caller_name, "number": ui.caller_number,
                   "meeting": ui.caller_meeting},
        "auto_answer": ui.auto_answer,
        // Dark until a touch, a key or a call.
        "standby": ui.standby,
        // The Participants page and the Host menu.
        "meeting": ui.meeting,
        "call": status.call,
    })
}

#[derive(Deserialize)]
pub struct KeysBody {
    keys: Vec<crate::keys::Key>,
}

/// Presses keys in order, as a remote would; answers with the screen after.
pub async fn keys(_: Authorized, State(state): State<ApiState>, keys: Body<KeysBody>) -> Response {
    let keys = match body(keys) {
        Ok(k) => k.keys,
        Err(response) => return *response,
    };
    for key in keys {
        state.terminal.key(key).await;
    }
    settle(&state.terminal).await;
    Json(ui_view(&state.terminal)).into_response()
}

#[derive(Deserialize)]
pub struct TapBody {
    control: crate::ui::Control,
}

pub async fn tap(_: Authorized, State(state): State<ApiState>, tap: Body<TapBody>) -> Response {
    match body(tap) {
        Ok(t) if !state.terminal.ui.borrow().on_screen(t.control) => {
            return error(
                StatusCode::CONFLICT,
                "not_on_screen",
                "that control is not on the current page",
            )
        }
        Ok(t) => state.terminal.tap(t.control).await,
        Err(response) => return *response,
    }
    settle(&state.terminal).await;
    Json(ui_view(&state.terminal)).into_response()
}

#[derive(Deserialize)]
pub struct TextBody {
    text: String,
}

pub async fn text(_: Authorized, State(state): State<ApiState>, text: Body<TextBody>) -> Response {
    match body(text) {
        Ok(t) => state.terminal.text(&t.text).await,
        Err(response) => return *response,
    }
    settle(&state.terminal).await;
    Json(ui_view(&state.terminal)).into_response()
}
