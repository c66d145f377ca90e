//! Running as the appliance's systemd service: readiness and watchdog
//! pings (`Type=notify`, `WatchdogSec=`), and a status file for scripts
//! that have no control-API token (the update health check).

use std::path::PathBuf;
use std::time::Duration;

use super::Terminal;

/// Where an image records its release (written by image/build and by
/// update bundles).
pub const IMAGE_RELEASE: &str = "/usr/lib/roomterm/image-release";

/// The software release this terminal reports: the image's (what an
/// update installs) when it runs from one, else the program's version.
pub fn release() -> String {
    std::fs::read_to_string(IMAGE_RELEASE)
        .ok()
        .and_then(|text| image_version(&text))
        .unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string())
}

/// `IMAGE_VERSION=` of an image-release file.
fn image_version(text: &str) -> Option<String> {
    text.lines()
        .find_map(|line| line.strip_prefix("IMAGE_VERSION="))
        .map(|v| v.trim().trim_matches('"').to_string())
        .filter(|v| !v.is_empty())
}

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

#[cfg(test)]
mod tests {
    #[test]
    fn the_image_release_names_the_version() {
        let text = "IMAGE_ID=roomterm\nIMAGE_VERSION=0.2.0+g1234\nIMAGE_TARGET=qemu-amd64\n";
        assert_eq!(super::image_version(text).as_deref(), Some("0.2.0+g1234"));
        assert_eq!(super::image_version("IMAGE_VERSION=\n"), None);
        assert_eq!(super::image_version(""), None);
    }
}
