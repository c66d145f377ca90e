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

/// Proof of the bearer token.
pub struct Authorized;

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
