//! Running as the appliance's systemd service: readiness and watchdog
//! pings (`Type=notify`, `WatchdogSec=`), and a status file for scripts
//! that have no control-API token (the update health check).

use std::path::PathBuf;
use std::time::Duration;

use super::Terminal;

/// Tells systemd the terminal is up (no-op outside systemd).
pub fn notify_ready() {
    if let Err(err) = sd_notify::notify(false, &[sd_notify::NotifyState::Ready]) {
        tracing::debug!(%err, "sd_notify READY");
    }
}

/// When the unit has a watchdog, pings it at half its period from the
/// runtime: a runtime that stops running tasks stops the pings, and
/// systemd restarts the service.
pub fn spawn_watchdog() {
    let mut usec = 0;
    if !sd_notify::watchdog_enabled(false, &mut usec) || usec == 0 {
        return;
    }
    let every = Duration::from_micros(usec) / 2;
    tracing::info!(?every, "systemd watchdog");
    tokio::spawn(async move {
        loop {
            let _ = sd_notify::notify(false, &[sd_notify::NotifyState::Watchdog]);
            tokio::time::sleep(every).await;
        }
    });
}

/// Keeps `path` holding the status summary line, replaced atomically on
/// every change.
pub fn spawn_status_file(terminal: &Terminal, path: PathBuf) {
    let mut status = terminal.status.clone();
    tokio::spawn(async move {
        let mut last = String::new();
        loop {
            let line = status.borrow_and_update().summary();
            if line != last {
                if let Err(err) = write_atomically(&path, &line) {
                    tracing::warn!(%err, path = %path.display(), "status file");
                }
                last = line;
            }
            if status.changed().await.is_err() {
                return;
            }
        }
    });
}

fn write_atomically(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let temp = path.with_extension("tmp");
    std::fs::write(&temp, format!("{line}\n"))?;
    std::fs::rename(&temp, path)
}
