//! The terminal itself: its status, activation with a code, factory
//! reset, settings the control API may change, and the WebSocket of
//! status and screen changes.

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::common::{body, error, settle, Authorized, Body};
use super::screen::ui_view;
use super::ApiState;
use crate::app::Terminal;
use crate::status::{activation_error, StatusView};

pub async fn status(_: Authorized, State(state): State<ApiState>) -> Json<StatusView> {
    Json(StatusView::from(&*state.terminal.status.borrow()))
}

#[derive(Deserialize)]
pub struct ActivateBody {
    server_url: String,
    code: String,
}

pub async fn activate(
    _: Authorized,
    State(state): State<ApiState>,
    body: Result<Json<ActivateBody>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_input",
                &rejection.body_text(),
            )
        }
    };
    match state.terminal.activate(&body.server_url, &body.code).await {
        Ok(()) => Json(StatusView::from(&*state.terminal.status.borrow())).into_response(),
        Err(err) => {
            let view = activation_error(&err);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(json!({ "error": view })),
            )
                .into_response()
        }
    }
}

pub async fn factory_reset(_: Authorized, State(state): State<ApiState>) -> Response {
    match state.terminal.factory_reset().await {
        Ok(()) => {
            // The admin password is the factory one again: nobody stays in.
            if let Some(sessions) = &state.sessions {
                sessions.end_all();
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Err(err) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "reset_failed",
            &err.to_string(),
        ),
    }
}

#[derive(Deserialize)]
pub struct AutoAnswerBody {
    enabled: bool,
}

pub async fn auto_answer(
    _: Authorized,
    State(state): State<ApiState>,
    auto: Body<AutoAnswerBody>,
) -> Response {
    let auto = match body(auto) {
        Ok(a) => a,
        Err(response) => return *response,
    };
    state.terminal.set_auto_answer(auto.enabled).await;
    settle(&state.terminal).await;
    Json(ui_view(&state.terminal)).into_response()
}

#[derive(Deserialize)]
pub struct StandbyBody {
    active: bool,
}

/// Standby on or off; the status after (`standby` stays off while a call
/// or a cast keeps the room awake).
pub async fn standby(
    _: Authorized,
    State(state): State<ApiState>,
    standby: Body<StandbyBody>,
) -> Response {
    let standby = match body(standby) {
        Ok(s) => s,
        Err(response) => return *response,
    };
    state.terminal.set_standby(standby.active).await;
    settle(&state.terminal).await;
    Json(StatusView::from(&*state.terminal.status.borrow())).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StandbyMinutesBody {
    minutes: u32,
}

/// Idle minutes before standby (0: never; at most a day).
pub async fn standby_minutes(
    _: Authorized,
    State(state): State<ApiState>,
    minutes: Body<StandbyMinutesBody>,
) -> Response {
    let minutes = match body(minutes) {
        Ok(m) => m.minutes,
        Err(response) => return *response,
    };
    if minutes > 24 * 60 {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_minutes",
            "standby minutes must be 0 (never) to 1440",
        );
    }
    state.terminal.set_standby_minutes(minutes).await;
    settle(&state.terminal).await;
    Json(json!({ "minutes": minutes })).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineProtocolBody {
    /// `"0.0.0.0:4998"`, or `null` for off.
    listen: Option<String>,
}

/// Where the room-controller line protocol listens (`null`: off); saved,
/// applied at once.
pub async fn line_protocol(
    _: Authorized,
    State(state): State<ApiState>,
    line: Body<LineProtocolBody>,
) -> Response {
    let line = match body(line) {
        Ok(l) => l,
        Err(response) => return *response,
    };
    let listen = match line
        .listen
        .as_deref()
        .map(str::parse::<std::net::SocketAddr>)
    {
        None => None,
        Some(Ok(addr)) if addr.port() != 0 => Some(addr),
        Some(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_listen",
                "listen must be an address with a port, e.g. 0.0.0.0:4998, or null",
            )
        }
    };
    state.terminal.set_line_protocol(listen).await;
    settle(&state.terminal).await;
    Json(json!({ "listen": listen })).into_response()
}

/// Sends the status and the screen now, then each again on every change.
pub async fn events(
    _: Authorized,
    State(state): State<ApiState>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match ws {
        Ok(ws) => ws.on_upgrade(move |socket| stream_events(socket, state.terminal)),
        Err(rejection) => error(
            rejection.status(),
            "websocket_required",
            "this endpoint is a WebSocket: send an upgrade request",
        ),
    }
}

async fn stream_events(mut socket: WebSocket, terminal: Terminal) {
    let mut status = terminal.status.clone();
    let mut ui = terminal.ui.clone();
    // Both are due at first; afterwards each goes out when it changes.
    let (mut status_due, mut ui_due) = (true, true);
    status.mark_unchanged();
    ui.mark_unchanged();
    loop {
        if status_due {
            let view = StatusView::from(&*status.borrow_and_update());
            let text = json!({ "type": "status", "status": view }).to_string();
            if socket.send(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
        if ui_due {
            ui.mark_unchanged();
            let text = json!({ "type": "ui", "ui": ui_view(&terminal) }).to_string();
            if socket.send(Message::Text(text.into())).await.is_err() {
                return;
            }
        }
        (status_due, ui_due) = (false, false);
        tokio::select! {
            changed = status.changed() => match changed {
                Ok(()) => status_due = true,
                Err(_) => return,
            },
            changed = ui.changed() => match changed {
                Ok(()) => ui_due = true,
                Err(_) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
