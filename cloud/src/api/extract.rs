//! Extractors whose rejections are JSON [`CloudError`]s instead of axum's
//! plain-text ones, and the bearer-token checks.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::AppState;
use crate::error::CloudError;
use crate::secrets;
use crate::store::DeviceRow;

/// `axum::Json` with JSON errors.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = CloudError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::Json::<T>::from_request(req, state)
            .await
            .map(|axum::Json(value)| ApiJson(value))
            .map_err(|rejection| match rejection.status() {
                // A body sent without a length, past the server's maximum.
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => CloudError::Coded {
                    status: 413,
                    code: "payload_too_large",
                    message: rejection.body_text(),
                },
                _ => CloudError::InvalidInput(rejection.body_text()),
            })
    }
}

/// A raw body (at most the server's limit, 64 KiB), with JSON errors.
pub struct ApiBytes(pub bytes::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = CloudError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        bytes::Bytes::from_request(req, state)
            .await
            .map(ApiBytes)
            .map_err(|rejection| match rejection.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => CloudError::Coded {
                    status: 413,
                    code: "payload_too_large",
                    message: rejection.body_text(),
                },
                _ => CloudError::InvalidInput(rejection.body_text()),
            })
    }
}

/// `axum::extract::Query` with JSON errors.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = CloudError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|rejection| CloudError::InvalidInput(rejection.body_text()))
    }
}

/// A single path segment, with JSON errors.
pub struct ApiPath(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ApiPath {
    type Rejection = CloudError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|rejection| CloudError::InvalidInput(rejection.body_text()))
    }
}

/// `WebSocketUpgrade` with JSON errors (`websocket_required`): a plain HTTP
/// request to a WebSocket endpoint gets the same error shape as any other.
pub struct ApiWebSocket(pub WebSocketUpgrade);

impl<S: Send + Sync> FromRequestParts<S> for ApiWebSocket {
    type Rejection = CloudError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        <WebSocketUpgrade as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(ApiWebSocket)
            .map_err(|rejection| CloudError::Coded {
                // 400 for missing/bad upgrade headers, 426 when the
                // connection cannot be upgraded at all.
                status: rejection.status().as_u16(),
                code: "websocket_required",
                message: format!("a WebSocket upgrade is required: {}", rejection.body_text()),
            })
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Proof that the request carries the admin token.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = CloudError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let given = bearer(parts).ok_or(CloudError::Unauthorized)?;
        let hash = secrets::hash_token(given);
        // Comparing hashes keeps the comparison time independent of the token.
        if subtle::ConstantTimeEq::ct_eq(hash.as_bytes(), state.admin_token_hash.as_bytes()).into()
        {
            Ok(Admin)
        } else {
            Err(CloudError::Unauthorized)
        }
    }
}

/// The device whose token the request carries, and the token itself.
pub struct Device(pub DeviceRow, pub String);

impl FromRequestParts<AppState> for Device {
    type Rejection = CloudError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(CloudError::Unauthorized)?.to_string();
        let row = state.devices.device_for_token(&token).await?;
        Ok(Device(row, token))
    }
}
