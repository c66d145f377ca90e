//! The local control API: HTTP + WebSocket, bearer-token protected. Tests,
//! the web remote and room controllers drive the terminal through it.
//! Documented in docs/CONTROL_API.md.

mod view;

pub use view::{activation_error, StatusView};

use std::net::SocketAddr;
use std::path::Path;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::app::Terminal;

#[derive(Clone)]
struct ApiState {
    terminal: Terminal,
    token: String,
}

/// The running control API.
pub struct ControlApi {
    pub addr: SocketAddr,
    pub token: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ControlApi {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads `<data>/control-token`, creating it on first start.
pub fn load_or_create_token(data: &Path) -> std::io::Result<String> {
    let path = data.join("control-token");
    if let Ok(token) = std::fs::read_to_string(&path) {
        let token = token.trim().to_string();
        if token.len() >= 16 {
            return Ok(token);
        }
    }
    let token = format!("rtc_{:032x}", rand::random::<u128>());
    crate::store::write_atomic(&path, token.as_bytes())?;
    Ok(token)
}

impl ControlApi {
    pub async fn start(
        listen: SocketAddr,
        terminal: Terminal,
        token: String,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/api/v1/status", get(status))
            .route("/api/v1/activate", post(activate))
            .route("/api/v1/factory-reset", post(factory_reset))
            .route("/api/v1/events", get(events))
            .route("/api/v1/ui", get(ui_state))
            .route("/api/v1/keys", post(keys))
            .route("/api/v1/tap", post(tap))
            .route("/api/v1/text", post(text))
            .route("/api/v1/join", post(join))
            .route("/api/v1/hang-up", post(hang_up))
            .route("/api/v1/mute", post(mute))
            .route("/api/v1/dial", post(dial))
            .route("/api/v1/camera", post(camera))
            .route("/api/v1/call/layout", post(layout))
            .route("/api/v1/volume", post(volume))
            .route("/api/v1/call/answer", post(answer))
            .route("/api/v1/call/decline", post(decline))
            .route("/api/v1/settings/auto-answer", post(auto_answer))
            .route("/api/v1/call/snapshot", get(snapshot))
            .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
            .with_state(ApiState {
                terminal,
                token: token.clone(),
            });
        let task = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                tracing::error!(%err, "control API stopped");
            }
        });
        tracing::info!(%addr, "control API listening");
        Ok(Self { addr, token, task })
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

/// Proof of the bearer token.
struct Authorized;

impl FromRequestParts<ApiState> for Authorized {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Response> {
        let given = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(state.token.as_bytes())));
        if ok {
            Ok(Authorized)
        } else {
            Err(error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing or wrong control token",
            ))
        }
    }
}

async fn status(_: Authorized, State(state): State<ApiState>) -> Json<StatusView> {
    Json(StatusView::from(&*state.terminal.status.borrow()))
}

/// The screen: page, focused control and what is typed.
async fn ui_state(_: Authorized, State(state): State<ApiState>) -> Json<serde_json::Value> {
    Json(ui_view(&state.terminal))
}

fn ui_view(terminal: &Terminal) -> serde_json::Value {
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
        // The Join page: the password shows as dots, so only its length.
        "meeting_id": ui.meeting_id,
        "meeting_password_length": ui.meeting_password.len(),
        "join_field": ui.join_field,
        "call_refused": ui.call_refused,
        // The Dial page, and who calls while a call rings here.
        "dial_number": ui.dial_number,
        "directory": ui.directory,
        "directory_selected": ui.directory_selected,
        "caller": {"name": ui.caller_name, "number": ui.caller_number},
        "auto_answer": ui.auto_answer,
        "call": status.call,
    })
}

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

/// The JSON body, or the 400 answer for a malformed one.
fn body<T>(body: Body<T>) -> Result<T, Box<Response>> {
    body.map(|Json(b)| b).map_err(|r| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            &r.body_text(),
        ))
    })
}

#[derive(Deserialize)]
struct KeysBody {
    keys: Vec<crate::board::Key>,
}

/// Presses keys in order, as a remote would; answers with the screen after.
async fn keys(_: Authorized, State(state): State<ApiState>, keys: Body<KeysBody>) -> Response {
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
struct TapBody {
    control: crate::app::ui::Control,
}

async fn tap(_: Authorized, State(state): State<ApiState>, tap: Body<TapBody>) -> Response {
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
struct TextBody {
    text: String,
}

async fn text(_: Authorized, State(state): State<ApiState>, text: Body<TextBody>) -> Response {
    match body(text) {
        Ok(t) => state.terminal.text(&t.text).await,
        Err(response) => return *response,
    }
    settle(&state.terminal).await;
    Json(ui_view(&state.terminal)).into_response()
}

#[derive(Deserialize)]
struct JoinBody {
    meeting_id: String,
    #[serde(default)]
    password: Option<String>,
}

/// Dials the meeting; `202` with the status (the call's progress follows
/// in `status.call` and the events), `409` when no call can be placed.
async fn join(_: Authorized, State(state): State<ApiState>, join: Body<JoinBody>) -> Response {
    let join = match body(join) {
        Ok(j) => j,
        Err(response) => return *response,
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    let password_ok = join
        .password
        .as_deref()
        .is_none_or(|p| p.is_empty() || digits(p));
    if !digits(&join.meeting_id) || !password_ok {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "meeting_id and password are digits",
        );
    }
    match state
        .terminal
        .join(&join.meeting_id, join.password.as_deref())
        .await
    {
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(StatusView::from(&*state.terminal.status.borrow())),
        )
            .into_response(),
        Err(why) => error(StatusCode::CONFLICT, "cannot_call", &why),
    }
}

async fn hang_up(_: Authorized, State(state): State<ApiState>) -> Response {
    state.terminal.hang_up().await;
    settle(&state.terminal).await;
    StatusCode::NO_CONTENT.into_response()
}

/// The far end's picture now, as PNG: what the room's screen shows, for
/// an operator checking a room from afar. `404` outside a call or before
/// the first picture.
async fn snapshot(_: Authorized, State(state): State<ApiState>) -> Response {
    let media = state.terminal.call_media.borrow().clone();
    let Some(media) = media else {
        return error(StatusCode::NOT_FOUND, "no_call", "not in a call");
    };
    let frame = tokio::task::spawn_blocking(move || media.snapshot().map(|f| f.to_png()))
        .await
        .ok()
        .flatten();
    match frame {
        Some(Ok(png)) => ([(axum::http::header::CONTENT_TYPE, "image/png")], png).into_response(),
        Some(Err(err)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "encoding",
            &err.to_string(),
        ),
        None => error(
            StatusCode::NOT_FOUND,
            "no_picture",
            "no picture decoded yet",
        ),
    }
}

#[derive(Deserialize)]
struct DialBody {
    number: String,
}

/// Calls a room by its number (`202`; progress in `status.call`).
async fn dial(_: Authorized, State(state): State<ApiState>, dial: Body<DialBody>) -> Response {
    let dial = match body(dial) {
        Ok(d) => d,
        Err(response) => return *response,
    };
    let domain = state.terminal.status.borrow().sip_domain.clone();
    let Some(number) = callable(&dial.number, &domain) else {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "number is a room's digits, a SIP account's name (letters, digits, _ -) \
             or sip:name@ this cloud's domain, up to 32 characters",
        );
    };
    match state.terminal.dial(&number).await {
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(StatusView::from(&*state.terminal.status.borrow())),
        )
            .into_response(),
        Err(why) => error(StatusCode::CONFLICT, "cannot_call", &why),
    }
}

/// The SIP user part to dial for what was asked: a room's number, an
/// endpoint's account name, or `sip:name@<our domain>` (other domains are
/// not reachable through the cloud yet).
fn callable(asked: &str, domain: &Option<String>) -> Option<String> {
    let asked = asked.trim();
    let user = match asked.strip_prefix("sip:") {
        Some(uri) => {
            let (user, host) = uri.split_once('@')?;
            (Some(host) == domain.as_deref()).then_some(user)?
        }
        None => asked,
    };
    let valid = !user.is_empty()
        && user.len() <= 32
        && user
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'));
    valid.then(|| user.to_string())
}

/// Answers the call ringing here; `409 no_incoming_call` when none rings.
async fn answer(_: Authorized, State(state): State<ApiState>) -> Response {
    match state.terminal.answer().await {
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(StatusView::from(&*state.terminal.status.borrow())),
        )
            .into_response(),
        Err(why) => error(StatusCode::CONFLICT, "no_incoming_call", &why),
    }
}

async fn decline(_: Authorized, State(state): State<ApiState>) -> Response {
    state.terminal.decline().await;
    settle(&state.terminal).await;
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct AutoAnswerBody {
    enabled: bool,
}

async fn auto_answer(
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

#[cfg(test)]
mod tests {
    #[test]
    fn rooms_accounts_and_our_sip_uris_are_callable() {
        let ours = Some("roomcloud.local".to_string());
        let call = |asked: &str| super::callable(asked, &ours);
        assert_eq!(call("100002").as_deref(), Some("100002"));
        assert_eq!(call(" polycom1_b-2 ").as_deref(), Some("polycom1_b-2"));
        assert_eq!(
            call("sip:cisco1@roomcloud.local").as_deref(),
            Some("cisco1")
        );
        assert_eq!(
            call("sip:cisco1@elsewhere.example"),
            None,
            "no outbound route"
        );
        assert_eq!(call("sip:@roomcloud.local"), None);
        assert_eq!(call(""), None);
        assert_eq!(call("a b"), None);
        assert_eq!(call("evil\r\nVia: x"), None);
        assert_eq!(call(&"9".repeat(33)), None);
        assert_eq!(super::callable("sip:cisco1@roomcloud.local", &None), None);
    }
}

#[derive(Deserialize)]
struct CameraBody {
    on: bool,
}

#[derive(Deserialize)]
struct LayoutBody {
    layout: String,
}

/// Asks the meeting for a layout in this room (`gallery`, `speaker`,
/// `picture_in_picture`); answers with the status (the roster's `layout`
/// follows once the cloud confirms).
async fn layout(
    _: Authorized,
    State(state): State<ApiState>,
    body_in: Body<LayoutBody>,
) -> Response {
    let choice = match body(body_in) {
        Ok(c) => c,
        Err(response) => return *response,
    };
    if !["gallery", "speaker", "picture_in_picture"].contains(&choice.layout.as_str()) {
        return error(
            StatusCode::BAD_REQUEST,
            "unknown_layout",
            "layout is one of gallery, speaker, picture_in_picture",
        );
    }
    state.terminal.set_layout(&choice.layout).await;
    settle(&state.terminal).await;
    Json(StatusView::from(&*state.terminal.status.borrow())).into_response()
}

/// Turns the camera on or off in the call; answers with the status.
async fn camera(
    _: Authorized,
    State(state): State<ApiState>,
    body_in: Body<CameraBody>,
) -> Response {
    let camera = match body(body_in) {
        Ok(c) => c,
        Err(response) => return *response,
    };
    state.terminal.set_camera(camera.on).await;
    settle(&state.terminal).await;
    Json(StatusView::from(&*state.terminal.status.borrow())).into_response()
}

#[derive(Deserialize)]
struct VolumeBody {
    level: u8,
}

/// Sets the speaker's level (0–100, saved); answers with the status.
async fn volume(
    _: Authorized,
    State(state): State<ApiState>,
    body_in: Body<VolumeBody>,
) -> Response {
    let volume = match body(body_in) {
        Ok(v) => v,
        Err(response) => return *response,
    };
    if volume.level > 100 {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "level is 0 to 100",
        );
    }
    state.terminal.set_volume(volume.level).await;
    settle(&state.terminal).await;
    Json(StatusView::from(&*state.terminal.status.borrow())).into_response()
}

#[derive(Deserialize)]
struct MuteBody {
    muted: bool,
}

/// Mutes or unmutes the microphone; answers with the status.
async fn mute(_: Authorized, State(state): State<ApiState>, mute: Body<MuteBody>) -> Response {
    let mute = match body(mute) {
        Ok(m) => m,
        Err(response) => return *response,
    };
    state.terminal.set_muted(mute.muted).await;
    settle(&state.terminal).await;
    Json(StatusView::from(&*state.terminal.status.borrow())).into_response()
}

/// Waits until the runtime has handled everything queued before, so the
/// answer shows the effect of the input.
async fn settle(terminal: &Terminal) {
    terminal.barrier().await;
}

#[derive(Deserialize)]
struct ActivateBody {
    server_url: String,
    code: String,
}

async fn activate(
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

async fn factory_reset(_: Authorized, State(state): State<ApiState>) -> Response {
    match state.terminal.factory_reset().await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "reset_failed",
            &err.to_string(),
        ),
    }
}

/// Sends the status and the screen now, then each again on every change.
async fn events(
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
