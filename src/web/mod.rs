//! The local control API: HTTP + WebSocket, bearer-token protected. Tests,
//! the web remote and room controllers drive the terminal through it.
//! Documented in docs/CONTROL_API.md. Here the server and its routes; the
//! handlers by what they reach:
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

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;

use crate::app::Terminal;
use calls::{answer, camera, decline, dial, hang_up, join, layout, mute, snapshot, volume};
use common::error;
use device::{activate, auto_answer, events, factory_reset, status};
use screen::{keys, tap, text, ui_state};

#[derive(Clone)]
pub(crate) struct ApiState {
    pub(crate) terminal: Terminal,
    pub(crate) token: String,
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
