//! The line protocol as the settings want it: a task that follows the
//! status's `line_protocol` (set from the control API, saved in the
//! settings) and starts, moves or stops the listener to match. Connections
//! already open stay until they end; a port that cannot be bound is
//! logged and tried again on the next change.

use std::net::SocketAddr;

use super::LineServer;
use crate::app::Terminal;

/// Follows the settings until the terminal stops.
pub fn follow_settings(terminal: Terminal, token: String) {
    tokio::spawn(async move {
        let mut status = terminal.status.clone();
        let mut listening: Option<LineServer> = None;
        let mut wanted: Option<SocketAddr> = None;
        loop {
            let now = status.borrow_and_update().line_protocol;
            if now != wanted {
                wanted = now;
                // The old listener closes first (the new one may take its port).
                if let Some(old) = listening.take() {
                    tracing::info!(addr = %old.addr, "line protocol no longer listening");
                }
                if let Some(listen) = now {
                    match LineServer::start(listen, terminal.clone(), token.clone()).await {
                        Ok(started) => listening = Some(started),
                        Err(err) => {
                            tracing::error!(%listen, %err, "cannot listen for the line protocol");
                        }
                    }
                }
            }
            if status.changed().await.is_err() {
                return;
            }
        }
    });
}
