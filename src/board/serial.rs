//! The device serial number (SN) the cloud knows this terminal by: the
//! device-tree serial on boards, the firmware's (SMBIOS) system serial on
//! PCs and virtual machines, `/etc/machine-id` elsewhere.

use std::path::Path;

/// Reads the SN from the first usable source under `root` (`/` normally).
pub fn read_serial(root: &Path) -> Option<String> {
    let sources = [
        "proc/device-tree/serial-number",
        "sys/class/dmi/id/product_serial",
        "etc/machine-id",
    ];
    for file in sources {
        if let Ok(bytes) = std::fs::read(root.join(file)) {
            let text: String = String::from_utf8_lossy(&bytes)
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                .collect();
            if !text.is_empty() && !placeholder(&text) {
                return Some(text.to_ascii_uppercase());
            }
        }
    }
    None
}

/// What firmware writes when nobody set a serial.
fn placeholder(serial: &str) -> bool {
    let bare: String = serial
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    bare.chars().all(|c| c == '0')
        || [
            "tobefilledbyoem",
            "defaultstring",
            "systemserialnumber",
            "none",
            "notspecified",
            "notapplicable",
            "123456789",
        ]
        .contains(&bare.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_firmware_serial_comes_before_the_machine_id_unless_a_placeholder() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("etc")).unwrap();
        std::fs::write(root.path().join("etc/machine-id"), "4c4c4544004d\n").unwrap();
        let dmi = root.path().join("sys/class/dmi/id");
        std::fs::create_dir_all(&dmi).unwrap();
        for junk in [
            "To Be Filled By O.E.M.\n",
            "Default string\n",
            "0000000\n",
            "\n",
        ] {
            std::fs::write(dmi.join("product_serial"), junk).unwrap();
            assert_eq!(
                read_serial(root.path()).as_deref(),
                Some("4C4C4544004D"),
                "{junk:?}"
            );
        }
        std::fs::write(dmi.join("product_serial"), "rt-qemu-0001\n").unwrap();
        assert_eq!(read_serial(root.path()).as_deref(), Some("RT-QEMU-0001"));
    }

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
