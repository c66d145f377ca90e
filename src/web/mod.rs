//! The local control API: HTTP + WebSocket, bearer-token protected. Tests,
//! the web remote and room controllers drive the terminal through it.
//! Documented in docs/CONTROL_API.md. It serves through
//! `roomterm_http_guard` under [`LIMITS`] (deadlines for every request,
//! connections per address), as the cloud does. Here the server and its
//! routes; the handlers by what they reach:
//!
//! | file | routes |
//! |---|---|
//! | `device.rs` | status, activation, factory reset, settings, the events WebSocket |
//! | `screen.rs` | the UI state, keys, taps, text |
//! | `calls.rs` | join, dial, answer, decline, hang up, mute, camera, volume, layout, snapshot |
//! | `common.rs` | the token check, errors, JSON bodies |

mod calls;
mod common;
mod device;
mod screen;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use roomterm_http_guard::HttpServer;
pub use roomterm_http_guard::Limits;

use crate::app::Terminal;
use calls::{
    answer, camera, decline, dial, hang_up, host_action, join, layout, mute, snapshot, volume,
};
use common::error;
use device::{
    activate, auto_answer, events, factory_reset, line_protocol, standby, standby_minutes, status,
};
use screen::{keys, tap, text, ui_state};

#[derive(Clone)]
pub(crate) struct ApiState {
    pub(crate) terminal: Terminal,
    pub(crate) token: String,
}

/// The running control API (stopped when dropped).
pub struct ControlApi {
    pub addr: SocketAddr,
    pub token: String,
    _server: HttpServer,
}

/// What one client may take of the control API: JSON bodies of a few
/// hundred bytes, a room controller or two and the web remote's tabs per
/// address; each request's head and body in within 10 s, so a slow or
/// stalled client cannot hold the room's control away from the others.
pub const LIMITS: Limits = Limits {
    handshake_timeout: Duration::from_secs(10),
    header_timeout: Duration::from_secs(10),
    body_timeout: Duration::from_secs(10),
    body_max: 16 * 1024,
    connections_per_address: 16,
};

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
        Self::start_with_limits(listen, terminal, token, LIMITS).await
    }

    /// [`start`](Self::start) under other limits (tests shorten them).
    pub async fn start_with_limits(
        listen: SocketAddr,
        terminal: Terminal,
        token: String,
        limits: Limits,
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
            .route("/api/v1/call/host", post(host_action))
            .route("/api/v1/volume", post(volume))
            .route("/api/v1/call/answer", post(answer))
            .route("/api/v1/call/decline", post(decline))
            .route("/api/v1/settings/auto-answer", post(auto_answer))
            .route("/api/v1/standby", post(standby))
            .route("/api/v1/settings/standby", post(standby_minutes))
            .route("/api/v1/settings/line-protocol", post(line_protocol))
            .route("/api/v1/call/snapshot", get(snapshot))
            .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
            .with_state(ApiState {
                terminal,
                token: token.clone(),
            });
        let server = HttpServer::start(listener, None, app, limits)?;
        tracing::info!(%addr, "control API listening");
        Ok(Self {
            addr,
            token,
            _server: server,
        })
    }
}
