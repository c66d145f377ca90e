//! The device serial number (SN) the cloud knows this terminal by: the
//! device-tree serial on boards, `/etc/machine-id` elsewhere.

use std::path::Path;

/// Reads the SN from the first usable source under `root` (`/` normally).
pub fn read_serial(root: &Path) -> Option<String> {
    for file in ["proc/device-tree/serial-number", "etc/machine-id"] {
        if let Ok(bytes) = std::fs::read(root.join(file)) {
            let text: String = String::from_utf8_lossy(&bytes)
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            if !text.is_empty() {
                return Some(text.to_ascii_uppercase());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_tree_wins_over_machine_id() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(read_serial(root.path()), None);
        std::fs::create_dir_all(root.path().join("etc")).unwrap();
        std::fs::write(root.path().join("etc/machine-id"), "4c4c4544004d\n").unwrap();
        assert_eq!(read_serial(root.path()).as_deref(), Some("4C4C4544004D"));
        std::fs::create_dir_all(root.path().join("proc/device-tree")).unwrap();
        std::fs::write(
            root.path().join("proc/device-tree/serial-number"),
            b"a1b2c3d4\0",
        )
        .unwrap();
        assert_eq!(read_serial(root.path()).as_deref(), Some("A1B2C3D4"));
    }
}
