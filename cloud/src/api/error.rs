//! HTTP face of [`CloudError`]: a JSON body with a stable code, the status,
//! and `Retry-After` where the client has to wait.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use roomterm_proto::{ErrorBody, ErrorDetail};

use crate::error::CloudError;

impl IntoResponse for CloudError {
    fn into_response(self) -> Response {
        if let CloudError::Internal(source) = &self {
            tracing::error!(error = ?source, "internal error");
        }
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.to_string(),
                retry_after_secs: self.retry_after_secs(),
            },
        };
        let mut response = match self.showing() {
            Some(showing) => {
                let body = WithShowing {
                    error: DetailWithShowing {
                        detail: body.error,
                        showing,
                    },
                };
                (status, Json(body)).into_response()
            }
            None => (status, Json(body)).into_response(),
        };
        if let Some(secs) = self.retry_after_secs() {
            if let Ok(value) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
        }
        response
    }
}

/// The error body with who is showing on a room's screen (a casting
/// refusal): the same shape, one field more.
#[derive(serde::Serialize)]
struct WithShowing<'a> {
    error: DetailWithShowing<'a>,
}

#[derive(serde::Serialize)]
struct DetailWithShowing<'a> {
    #[serde(flatten)]
    detail: ErrorDetail,
    showing: &'a str,
}

/// Answers for routes and methods that do not exist, in the same JSON shape.
pub async fn not_found() -> CloudError {
    CloudError::NotFound("endpoint")
}

pub async fn method_not_allowed() -> Response {
    let body = ErrorBody {
        error: ErrorDetail {
            code: "method_not_allowed".into(),
            message: "method not allowed on this endpoint".into(),
            retry_after_secs: None,
        },
    };
    (StatusCode::METHOD_NOT_ALLOWED, Json(body)).into_response()
}
