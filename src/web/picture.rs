//! The room's screen as pictures, for the web remote: what it shows now as
//! one PNG, a WebSocket of them as it changes, and a click on a picture
//! pressed where it falls (the same tap a finger makes).

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::common::{body, error, Authorized, Body};
use super::ApiState;

/// At most this often while a call or cast moves the picture.
const MOVING: Duration = Duration::from_millis(250);
/// Between changes when nothing moves (the clock's minute still turns).
const IDLE: Duration = Duration::from_secs(20);
/// A burst of changes (a page turning) waits this long to show as one.
const SETTLE: Duration = Duration::from_millis(60);

/// The screen now, as a PNG.
pub async fn picture(_: Authorized, State(state): State<ApiState>) -> Response {
    match state.mirror.picture().await {
        Some(picture) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            picture.png,
        )
            .into_response(),
        None => not_drawn(),
    }
}

fn not_drawn() -> Response {
    error(
        StatusCode::SERVICE_UNAVAILABLE,
        "screen_unavailable",
        "the screen cannot be drawn",
    )
}

#[derive(Deserialize)]
pub struct ClickBody {
    x: f32,
    y: f32,
}

/// Presses the screen at (`x`, `y`), in the picture's pixels. Answers at
/// once: what the tap does shows in the next picture and the events.
pub async fn click(
    _: Authorized,
    State(state): State<ApiState>,
    click: Body<ClickBody>,
) -> Response {
    let click = match body(click) {
        Ok(c) => c,
        Err(response) => return *response,
    };
    let inside = |v: f32| v.is_finite() && (0.0..8192.0).contains(&v);
    if !inside(click.x) || !inside(click.y) {
        return error(
            StatusCode::BAD_REQUEST,
            "invalid_input",
            "x and y are pixels of the screen's picture",
        );
    }
    state.mirror.click(click.x, click.y);
    StatusCode::ACCEPTED.into_response()
}

/// A WebSocket of PNG pictures (binary messages): one at once, then one
/// after each change of the screen — a few a second while a call or a cast
/// moves it, only on changes otherwise — never the same picture twice.
pub async fn live(
    _: Authorized,
    State(state): State<ApiState>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match ws {
        Ok(ws) => ws.on_upgrade(move |socket| stream(socket, state)),
        Err(rejection) => error(
            rejection.status(),
            "websocket_required",
            "this endpoint is a WebSocket: send an upgrade request",
        ),
    }
}

async fn stream(mut socket: WebSocket, state: ApiState) {
    let terminal = &state.terminal;
    let (mut ui, mut status) = (terminal.ui.clone(), terminal.status.clone());
    let mut last: Option<Vec<u8>> = None;
    loop {
        ui.mark_unchanged();
        status.mark_unchanged();
        let Some(picture) = state.mirror.picture().await else {
            let _ = socket.send(Message::Close(None)).await;
            return;
        };
        if last.as_ref() != Some(&picture.png) {
            let png = picture.png;
            if socket
                .send(Message::Binary(png.clone().into()))
                .await
                .is_err()
            {
                return;
            }
            last = Some(png);
        }
        let moving =
            terminal.call_media.borrow().is_some() || terminal.cast_media.borrow().is_some();
        let wait = if moving { MOVING } else { IDLE };
        let started = tokio::time::Instant::now();
        tokio::select! {
            changed = ui.changed() => if changed.is_err() { return },
            changed = status.changed() => if changed.is_err() { return },
            () = tokio::time::sleep(wait) => {}
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
        // Never faster than MOVING, and a burst of changes shown as one.
        let next = started + if moving { MOVING } else { SETTLE };
        tokio::time::sleep_until(next.max(tokio::time::Instant::now() + SETTLE)).await;
    }
}
