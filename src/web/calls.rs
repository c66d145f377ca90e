//! Calls from afar: join a meeting, call a room (its number, an
//! endpoint's account, or a SIP URI of this cloud), answer, decline, hang
//! up; and what a room changes in a call — microphone, camera, speaker
//! level, layout — plus the far end's picture as PNG, and host actions
//! taken in the meeting.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::common::{body, error, settle, Authorized, Body};
use super::ApiState;
use crate::app::HostActionError;
use crate::status::StatusView;

#[derive(Deserialize)]
pub struct JoinBody {
    meeting_id: String,
    #[serde(default)]
    password: Option<String>,
}

/// Dials the meeting; `202` with the status (the call's progress follows
/// in `status.call` and the events), `409` when no call can be placed.
pub async fn join(_: Authorized, State(state): State<ApiState>, join: Body<JoinBody>) -> Response {
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

pub async fn hang_up(_: Authorized, State(state): State<ApiState>) -> Response {
    state.terminal.hang_up().await;
    settle(&state.terminal).await;
    StatusCode::NO_CONTENT.into_response()
}

/// The far end's picture now, as PNG: what the room's screen shows, for
/// an operator checking a room from afar. `404` outside a call or before
/// the first picture.
pub async fn snapshot(_: Authorized, State(state): State<ApiState>) -> Response {
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
pub struct DialBody {
    number: String,
}

/// Calls a room by its number (`202`; progress in `status.call`).
pub async fn dial(_: Authorized, State(state): State<ApiState>, dial: Body<DialBody>) -> Response {
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
pub async fn answer(_: Authorized, State(state): State<ApiState>) -> Response {
    match state.terminal.answer().await {
        Ok(()) => (
            StatusCode::ACCEPTED,
            Json(StatusView::from(&*state.terminal.status.borrow())),
        )
            .into_response(),
        Err(why) => error(StatusCode::CONFLICT, "no_incoming_call", &why),
    }
}

pub async fn decline(_: Authorized, State(state): State<ApiState>) -> Response {
    state.terminal.decline().await;
    settle(&state.terminal).await;
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
pub struct MuteBody {
    muted: bool,
}

/// Mutes or unmutes the microphone; answers with the status.
pub async fn mute(_: Authorized, State(state): State<ApiState>, mute: Body<MuteBody>) -> Response {
    let mute = match body(mute) {
        Ok(m) => m,
        Err(response) => return *response,
    };
    state.terminal.set_muted(mute.muted).await;
    settle(&state.terminal).await;
    Json(StatusView::from(&*state.terminal.status.borrow())).into_response()
}

#[derive(Deserialize)]
pub struct CameraBody {
    on: bool,
}

/// Turns the camera on or off in the call; answers with the status.
pub async fn camera(
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
pub struct VolumeBody {
    level: u8,
}

/// Sets the speaker's level (0–100, saved); answers with the status.
pub async fn volume(
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
pub struct LayoutBody {
    layout: String,
}

/// Asks the meeting for a layout in this room (`gallery`, `speaker`,
/// `picture_in_picture`); answers with the status (the roster's `layout`
/// follows once the cloud confirms).
pub async fn layout(
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

/// Takes a host action in the meeting (the cloud's JSON form, e.g.
/// `{"action": "unmute", "participant": "me"}`): `200` with the focus's
/// answer when it took it, `403`/`404`/`400` with its reason code when it
/// refused, `409` when there is no meeting to ask, `504` when it did not
/// answer.
pub async fn host_action(
    _: Authorized,
    State(state): State<ApiState>,
    body_in: Body<serde_json::Value>,
) -> Response {
    let action = match body(body_in) {
        Ok(a) => a,
        Err(response) => return *response,
    };
    match state.terminal.host_action(action).await {
        Ok(outcome) if (200..300).contains(&outcome.status) => Json(outcome).into_response(),
        Ok(outcome) => {
            let status = StatusCode::from_u16(outcome.status).unwrap_or(StatusCode::FORBIDDEN);
            let code = outcome.code.as_deref().unwrap_or("refused");
            error(status, code, "the meeting refused the host action")
        }
        Err(why @ HostActionError::NoAnswer) => {
            error(StatusCode::GATEWAY_TIMEOUT, "no_answer", &why.to_string())
        }
        Err(why @ HostActionError::NotInMeeting) => {
            error(StatusCode::CONFLICT, "not_in_meeting", &why.to_string())
        }
        Err(why @ HostActionError::Invalid(_)) => {
            error(StatusCode::BAD_REQUEST, "invalid_input", &why.to_string())
        }
    }
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
