//! Which disk may be written, decided from `lsblk`'s JSON (pure, so the
//! rules are tested on captured machine layouts): a whole disk, not the
//! one the running system is on, with nothing of it mounted, at least as
//! large as the image.

use serde::Deserialize;

/// One node of `lsblk -J -b -o NAME,PATH,TYPE,SIZE,MODEL,VENDOR,TRAN,RM,RO,MOUNTPOINTS`.
#[derive(Debug, Clone, Deserialize)]
pub struct Device {
    pub name: String,
    pub path: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub size: u64,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub vendor: Option<String>,
    #[serde(default)]
    pub tran: Option<String>,
    #[serde(default, deserialize_with = "flag")]
    pub rm: bool,
    #[serde(default, deserialize_with = "flag")]
    pub ro: bool,
    #[serde(default)]
    pub mountpoints: Vec<Option<String>>,
    #[serde(default)]
    pub children: Vec<Device>,
}

#[derive(Debug, Deserialize)]
pub struct Lsblk {
    pub blockdevices: Vec<Device>,
}

/// Older util-linux prints flags as "0"/"1", newer as booleans.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    Ok(match Flag::deserialize(d)? {
        Flag::Bool(b) => b,
        Flag::Text(t) => t == "1",
    })
}

impl Device {
    /// Every mount point of this device and of everything on it.
    pub fn mounts(&self) -> Vec<String> {
        let mut out: Vec<String> = self.mountpoints.iter().flatten().cloned().collect();
        for child in &self.children {
            out.extend(child.mounts());
        }
        out
    }

    /// What an installer recognises a disk by.
    pub fn describe(&self) -> String {
        let name = [self.vendor.as_deref(), self.model.as_deref()]
            .into_iter()
            .flatten()
            .map(str::trim)
            .filter(|s| !s.is_empty() && !s.starts_with("0x"))
            .collect::<Vec<_>>()
            .join(" ");
        let bus = match (self.tran.as_deref(), self.rm) {
            (Some(t), true) => format!(", {t}, removable"),
            (Some(t), false) => format!(", {t}"),
            (None, true) => ", removable".into(),
            (None, false) => String::new(),
        };
        let name = if name.is_empty() {
            "unnamed disk".to_string()
        } else {
            name
        };
        format!("{} ({name}, {}{bus})", self.path, human(self.size))
    }
}

/// Why a target is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    NotFound(String),
    NotAWholeDisk {
        path: String,
        kind: String,
    },
    System {
        path: String,
    },
    Mounted {
        path: String,
        mounts: Vec<String>,
    },
    TooSmall {
        path: String,
        size: u64,
        needed: u64,
    },
    ReadOnly {
        path: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotFound(path) => write!(f, "{path} is not a block device here"),
            Refusal::NotAWholeDisk { path, kind } => write!(
                f,
                "{path} is a {kind}, not a whole disk: name the disk itself (e.g. /dev/sdb, /dev/mmcblk0)"
            ),
            Refusal::System { path } => write!(
                f,
                "{path} holds the running system (/, /boot, /usr or swap): refusing to overwrite it"
            ),
            Refusal::Mounted { path, mounts } => write!(
                f,
                "{path} is in use, mounted at {}: unmount it first",
                mounts.join(", ")
            ),
            Refusal::TooSmall { path, size, needed } => write!(
                f,
                "{path} holds {}, the image needs {}",
                human(*size),
                human(*needed)
            ),
            Refusal::ReadOnly { path } => write!(f, "{path} is read-only (a locked SD card?)"),
        }
    }
}

/// Mount points that make a disk the system's.
fn is_system_mount(mount: &str) -> bool {
    mount == "/" || mount == "/boot" || mount == "/boot/efi" || mount == "/usr" || mount == "[SWAP]"
}

/// The disk at `target` if it may take an image of `needed` bytes.
pub fn check<'a>(lsblk: &'a Lsblk, target: &str, needed: u64) -> Result<&'a Device, Refusal> {
    let Some(disk) = lsblk
        .blockdevices
        .iter()
        .find(|d| d.path == target || d.name == target)
    else {
        // A partition or a device-mapper node sits below a disk.
        let nested = lsblk
            .blockdevices
            .iter()
            .flat_map(|d| d.children.iter())
            .find(|c| c.path == target || c.name == target);
        return Err(match nested {
            Some(part) => Refusal::NotAWholeDisk {
                path: part.path.clone(),
                kind: part.kind.clone(),
            },
            None => Refusal::NotFound(target.to_string()),
        });
    };
    if !matches!(disk.kind.as_str(), "disk" | "loop") {
        return Err(Refusal::NotAWholeDisk {
            path: disk.path.clone(),
            kind: disk.kind.clone(),
        });
    }
    let mounts = disk.mounts();
    if mounts.iter().any(|m| is_system_mount(m)) {
        return Err(Refusal::System {
            path: disk.path.clone(),
        });
    }
    if !mounts.is_empty() {
        return Err(Refusal::Mounted {
            path: disk.path.clone(),
            mounts,
        });
    }
    if disk.ro {
        return Err(Refusal::ReadOnly {
            path: disk.path.clone(),
        });
    }
    if disk.size < needed {
        return Err(Refusal::TooSmall {
            path: disk.path.clone(),
            size: disk.size,
            needed,
        });
    }
    Ok(disk)
}

/// Bytes in the units disks are sold in.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A laptop: NVMe system disk with LVM root and swap, an SD card with a
    /// mounted partition, a USB stick, a loop device.
    const MACHINE: &str = r#"{ "blockdevices": [
      {"name":"nvme0n1","path":"/dev/nvme0n1","type":"disk","size":512110190592,"model":"Samsung SSD 980","vendor":null,"tran":"nvme","rm":false,"ro":false,"mountpoints":[null],
       "children":[
         {"name":"nvme0n1p1","path":"/dev/nvme0n1p1","type":"part","size":536870912,"mountpoints":["/boot/efi"]},
         {"name":"nvme0n1p2","path":"/dev/nvme0n1p2","type":"part","size":511000000000,"mountpoints":[null],
          "children":[
            {"name":"vg-root","path":"/dev/mapper/vg-root","type":"lvm","size":500000000000,"mountpoints":["/"]},
            {"name":"vg-swap","path":"/dev/mapper/vg-swap","type":"lvm","size":8000000000,"mountpoints":["[SWAP]"]}]}]},
      {"name":"mmcblk0","path":"/dev/mmcblk0","type":"disk","size":31914983424,"model":null,"vendor":null,"tran":null,"rm":"1","ro":"0","mountpoints":[null],
       "children":[{"name":"mmcblk0p1","path":"/dev/mmcblk0p1","type":"part","size":31914983424,"mountpoints":["/media/me/SD"]}]},
      {"name":"sdb","path":"/dev/sdb","type":"disk","size":15631122432,"model":"Ultra Fit","vendor":"SanDisk ","tran":"usb","rm":true,"ro":false,"mountpoints":[null]},
      {"name":"sdc","path":"/dev/sdc","type":"disk","size":4000000000,"model":"Tiny","vendor":"Acme","tran":"usb","rm":true,"ro":false,"mountpoints":[null]},
      {"name":"sdd","path":"/dev/sdd","type":"disk","size":31914983424,"model":"Locked SD","vendor":null,"tran":"usb","rm":true,"ro":true,"mountpoints":[null]},
      {"name":"loop3","path":"/dev/loop3","type":"loop","size":8589934592,"mountpoints":[null]}
    ]}"#;

    fn machine() -> Lsblk {
        serde_json::from_str(MACHINE).unwrap()
    }

    const IMAGE: u64 = 5_900_000_000;

    #[test]
    fn the_system_disk_is_refused_even_with_root_on_lvm() {
        let lsblk = machine();
        let refused = check(&lsblk, "/dev/nvme0n1", IMAGE).unwrap_err();
        assert_eq!(
            refused,
            Refusal::System {
                path: "/dev/nvme0n1".into()
            }
        );
    }

    #[test]
    fn mounted_partitions_partitions_small_and_locked_disks_are_refused() {
        let lsblk = machine();
        assert!(matches!(
            check(&lsblk, "/dev/mmcblk0", IMAGE),
            Err(Refusal::Mounted { mounts, .. }) if mounts == ["/media/me/SD"]
        ));
        assert!(matches!(
            check(&lsblk, "/dev/sdc", IMAGE),
            Err(Refusal::TooSmall {
                size: 4_000_000_000,
                ..
            })
        ));
        assert!(matches!(
            check(&lsblk, "/dev/nvme0n1p1", IMAGE),
            Err(Refusal::NotAWholeDisk { .. })
        ));
        assert!(matches!(
            check(&lsblk, "/dev/sdd", IMAGE),
            Err(Refusal::ReadOnly { .. })
        ));
        assert!(matches!(
            check(&lsblk, "/dev/sdz", IMAGE),
            Err(Refusal::NotFound(_))
        ));
    }

    #[test]
    fn a_free_disk_large_enough_is_taken_and_described() {
        let lsblk = machine();
        let disk = check(&lsblk, "/dev/sdb", IMAGE).unwrap();
        assert_eq!(
            disk.describe(),
            "/dev/sdb (SanDisk Ultra Fit, 15.6 GB, usb, removable)"
        );
        assert!(check(&lsblk, "/dev/loop3", IMAGE).is_ok());
        // The message an installer reads.
        let refused = check(&lsblk, "/dev/sdc", IMAGE).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "/dev/sdc holds 4.0 GB, the image needs 5.9 GB"
        );
    }
}
