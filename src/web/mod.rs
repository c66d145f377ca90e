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
//! | `settings.rs` | the network and the cloud to activate with, checked as the wizard checks them |
//! | `picture.rs` | the screen as pictures (one, or live over a WebSocket) and clicks on them |
//! | `common.rs` | the token check (or a web admin's session), errors, JSON bodies |
//! | `sessions.rs` | the web admin's signed-in browsers (cookie, CSRF token), in memory: the token's stand-in there |
//! | `admin/` | the web admin: HTTPS pages on the room's network that drive these routes |

pub mod admin;
mod calls;
mod common;
mod device;
mod picture;
mod screen;
mod sessions;
pub(crate) mod settings;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use roomterm_http_guard::HttpServer;
pub use roomterm_http_guard::Limits;

use crate::app::Terminal;
use crate::screen::Mirror;
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
    /// The screen the web remote shows and clicks on.
    pub(crate) mirror: Mirror,
    /// On the web admin: its signed-in browsers, which may use the routes
    /// as the token's holder does.
    pub(crate) sessions: Option<std::sync::Arc<sessions::Sessions>>,
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
    /// Serves on `listen`; a headless terminal's screen is drawn offscreen
    /// for `/screen` (see [`start_showing`](Self::start_showing)).
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
        let mirror = Mirror::offscreen(terminal.clone(), tokio::runtime::Handle::current());
        Self::serve(listen, terminal, token, mirror, limits).await
    }

    /// [`start`](Self::start), `/screen` showing `mirror` (the window).
    pub async fn start_showing(
        listen: SocketAddr,
        terminal: Terminal,
        token: String,
        mirror: Mirror,
    ) -> std::io::Result<Self> {
        Self::serve(listen, terminal, token, mirror, LIMITS).await
    }

    async fn serve(
        listen: SocketAddr,
        terminal: Terminal,
        token: String,
        mirror: Mirror,
        limits: Limits,
    ) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let app = routes().with_state(ApiState {
            terminal,
            token: token.clone(),
            mirror,
            sessions: None,
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

/// Every route of the control API (the web admin serves them too).
pub(crate) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/api/v1/status", get(status))
        .route("/api/v1/activate", post(activate))
        .route("/api/v1/factory-reset", post(factory_reset))
        .route("/api/v1/events", get(events))
        .route("/api/v1/ui", get(ui_state))
        .route("/api/v1/keys", post(keys))
        .route("/api/v1/tap", post(tap))
        .route("/api/v1/text", post(text))
        .route("/api/v1/screen", get(picture::picture))
        .route("/api/v1/screen/live", get(picture::live))
        .route("/api/v1/screen/click", post(picture::click))
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
        .route("/api/v1/settings/network", post(settings::network))
        .route("/api/v1/settings/server", post(settings::server))
        .route(
            "/api/v1/diagnostics/reachability",
            post(settings::reachability),
        )
        .route("/api/v1/call/snapshot", get(snapshot))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "not_found", "no such endpoint") })
}
