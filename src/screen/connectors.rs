//! Display connectors as the kernel lists them in sysfs
//! (`/sys/class/drm/card0-HDMI-A-1/status`), so that a terminal which
//! started without a display notices one being plugged in. Polled: a
//! handful of small files every two seconds costs nothing, and needs no
//! udev monitor in the service's sandbox.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the kernel lists DRM devices and their connectors.
pub const SYSFS_DRM: &str = "/sys/class/drm";

/// How often [`newly_connected`] looks.
pub const POLL: Duration = Duration::from_secs(2);

/// The connectors in `dir` whose status is `connected`, by name
/// (`card0-HDMI-A-1`). A missing or unreadable folder has none.
pub fn connected(dir: &Path) -> BTreeSet<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|entry| {
            std::fs::read_to_string(entry.path().join("status"))
                .is_ok_and(|status| status.trim() == "connected")
        })
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect()
}

/// Resolves with the name of the first connector in `dir` that becomes
/// connected after the call (one connected already does not count).
pub async fn newly_connected(dir: PathBuf, every: Duration) -> String {
    let before = connected(&dir);
    loop {
        tokio::time::sleep(every).await;
        if let Some(new) = connected(&dir).difference(&before).next() {
            return new.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connector(dir: &Path, name: &str, status: &str) {
        std::fs::create_dir_all(dir.join(name)).unwrap();
        std::fs::write(dir.join(name).join("status"), format!("{status}\n")).unwrap();
    }

    #[test]
    fn only_connected_connectors_count() {
        let dir = tempfile::tempdir().unwrap();
        connector(dir.path(), "card0-HDMI-A-1", "disconnected");
        connector(dir.path(), "card0-DSI-1", "connected");
        connector(dir.path(), "card0-eDP-1", "unknown");
        // The device itself has no status file.
        std::fs::create_dir_all(dir.path().join("card0")).unwrap();
        assert_eq!(
            connected(dir.path()).into_iter().collect::<Vec<_>>(),
            ["card0-DSI-1"]
        );
        assert!(connected(&dir.path().join("absent")).is_empty());
    }

    #[tokio::test]
    async fn a_display_plugged_in_is_noticed_and_one_there_before_is_not() {
        let dir = tempfile::tempdir().unwrap();
        connector(dir.path(), "card0-DSI-1", "connected");
        connector(dir.path(), "card0-HDMI-A-1", "disconnected");
        let every = Duration::from_millis(20);
        let watch = tokio::spawn(newly_connected(dir.path().to_path_buf(), every));
        tokio::time::sleep(every * 5).await;
        assert!(!watch.is_finished(), "the panel connected at start counted");
        connector(dir.path(), "card0-HDMI-A-1", "connected");
        let name = tokio::time::timeout(Duration::from_secs(2), watch)
            .await
            .expect("the HDMI display is noticed")
            .unwrap();
        assert_eq!(name, "card0-HDMI-A-1");
    }
}
