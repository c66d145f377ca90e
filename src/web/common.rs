//! What every route shares: the bearer token check, JSON errors in one
//! shape, reading a JSON body (a malformed one is a `400` naming why), and
//! waiting for the runtime before answering.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::ApiState;
use crate::app::Terminal;

pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(json!({ "error": { "code": code, "message": message } })),
    )
        .into_response()
}

/// Proof of the bearer token — or, on the web admin, of a signed-in
/// browser: its session cookie (the factory password changed), from the
/// page's own origin, with the session's CSRF token on anything but a GET.
pub struct Authorized;

/// The header the web admin's script sends its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

impl FromRequestParts<ApiState> for Authorized {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &ApiState) -> Result<Self, Response> {
        let given = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = given.is_some_and(|g| bool::from(g.as_bytes().ct_eq(state.token.as_bytes())));
        if ok || signed_in(parts, state) {
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

fn signed_in(parts: &Parts, state: &ApiState) -> bool {
    let Some(sessions) = &state.sessions else {
        return false;
    };
    let h = &parts.headers;
    let session = roomterm_http_guard::pages::cookie(h, super::sessions::COOKIE)
        .and_then(|id| sessions.get(id));
    let Some(session) = session else {
        return false;
    };
    if session.must_change || !roomterm_http_guard::pages::same_origin(h) {
        return false;
    }
    let csrf = h.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    parts.method == axum::http::Method::GET
        || csrf.is_some_and(|c| bool::from(c.as_bytes().ct_eq(session.csrf.as_bytes())))
}

pub type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

/// The JSON body, or the 400 answer for a malformed one.
pub fn body<T>(body: Body<T>) -> Result<T, Box<Response>> {
    body.map(|Json(b)| b).map_err(|r| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            &r.body_text(),
        ))
    })
}

/// Waits until the runtime has handled everything queued before, so the
/// answer shows the effect of the input.
pub async fn settle(terminal: &Terminal) {
    terminal.barrier().await;
}
