//! The appliance image booted in QEMU: the qemu-amd64 image (built by
//! `./run image qemu-amd64`, which `./run test` does first) is copied,
//! seeded with an activation code for a cloud on this machine, and booted
//! with user-mode networking (the guest reaches the host's loopback as
//! 10.0.2.2). The terminal must come up from the image's read-only root,
//! activate, and register over SIP; the cloud's device list says so.
//! The qemu-arm64 image boots the same way under software emulation of
//! another architecture (about a minute too), but building that image
//! runs Debian's package scripts under qemu-user (half an hour from an
//! empty cache): it is the boot benchmark's (`./run bench boot`), an
//! ignored test here.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use roomcloud::CloudConfig;
use serde_json::Value;

use roomcloud::client::AdminClient;

use crate::common::{self, add_device};

/// Software emulation on 2 cores boots the amd64 image in about a minute;
/// this allows for a loaded machine.
const BOOT_BOUND: Duration = Duration::from_secs(600);
/// The arm64 image emulated instruction by instruction (about a minute).
const ARM64_BOOT_BOUND: Duration = Duration::from_secs(900);

pub fn image_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/image")
        .join(target)
}

/// The built image of `target`, or a clear failure saying how to build it.
pub fn built_image(target: &str) -> PathBuf {
    let image = image_dir(target).join(format!("roomterm-{target}.img"));
    assert!(
        image.exists(),
        "{} missing: `./run image {target}` builds it (`./run test` does first)",
        image.display()
    );
    image
}

/// A guest running until dropped.
pub struct Guest {
    qemu: Child,
    pub serial: PathBuf,
}

impl Guest {
    /// Boots the amd64 `disk` (used as is) with `sn` as the firmware's
    /// serial number.
    pub fn boot(disk: &Path, sn: &str, serial: PathBuf) -> Self {
        Self::boot_arch(disk, "amd64", sn, serial)
    }

    pub fn boot_arch(disk: &Path, arch: &str, sn: &str, serial: PathBuf) -> Self {
        let qemu = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("image/qemu"))
            .arg(disk)
            .args(["--arch", arch, "--sn", sn, "--serial"])
            .arg(&serial)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("image/qemu (qemu-system-x86 and ovmf installed?)");
        Self { qemu, serial }
    }

    pub fn console(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(&self.serial).unwrap_or_default()).into_owned()
    }

    /// The console's last lines, for failure messages.
    pub fn console_tail(&self) -> String {
        let text = self.console();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        // image/qemu runs qemu as its child: end the whole group.
        let _ = Command::new("pkill")
            .args(["-TERM", "-P", &self.qemu.id().to_string()])
            .status();
        let _ = self.qemu.kill();
        let _ = self.qemu.wait();
    }
}

/// A sparse copy of `image` in `dir`, seeded to activate with `server`.
pub fn seeded_copy(image: &Path, dir: &Path, server: &str, code: &str) -> PathBuf {
    let disk = dir.join("disk.img");
    let copied = Command::new("cp")
        .arg("--sparse=always")
        .arg(image)
        .arg(&disk)
        .status()
        .unwrap();
    assert!(copied.success());
    let seeded = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("image/seed"))
        .arg(&disk)
        .args(["--server", server, "--code", code])
        .status()
        .unwrap();
    assert!(seeded.success(), "image/seed failed");
    disk
}

/// A cloud the guest reaches as 10.0.2.2 (its certificate names that).
pub async fn cloud_for_guests(dir: &Path) -> (roomcloud::RunningCloud, AdminClient) {
    let mut config = CloudConfig::local(dir);
    config.public_host = Some("10.0.2.2".into());
    let cloud = roomcloud::start(config, std::sync::Arc::new(roomcloud::clock::SystemClock))
        .await
        .unwrap();
    // This side reaches the same sockets on loopback.
    let local = cloud.endpoints.api_url.replace("10.0.2.2", "127.0.0.1");
    let admin = AdminClient::new(&local, &cloud.admin_token, Some(&cloud.ca_pem)).unwrap();
    let _: Value = admin
        .call(
            Method::POST,
            "/enterprises",
            Some(serde_json::json!({ "name": "Acme" })),
        )
        .await
        .unwrap();
    (cloud, admin)
}

/// Waits until the cloud lists `sn` as SIP-registered.
pub async fn wait_registered(
    admin: &AdminClient,
    sn: &str,
    guest: &Guest,
    started: Instant,
) -> Value {
    wait_registered_within(admin, sn, guest, started, BOOT_BOUND).await
}

async fn wait_registered_within(
    admin: &AdminClient,
    sn: &str,
    guest: &Guest,
    started: Instant,
    bound: Duration,
) -> Value {
    loop {
        let device: Value = common::device(admin, sn).await;
        if device["sip_registered"] == true {
            return device;
        }
        assert!(
            started.elapsed() < bound,
            "{sn} not registered after {:?}: {device}\nconsole:\n{}",
            bound,
            guest.console_tail()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_image_boots_in_qemu_activates_and_registers() {
    boots_grows_and_registers("qemu-amd64", "amd64", "generic-x86_64", BOOT_BOUND).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the qemu-arm64 image (half an hour to build): ./run bench boot"]
async fn the_arm64_image_boots_in_qemu_activates_and_registers() {
    boots_grows_and_registers("qemu-arm64", "arm64", "generic-arm64", ARM64_BOOT_BOUND).await;
}

/// Boots a seeded copy of `target`'s image written to a disk 2 GiB larger
/// than the image; the terminal must register, the data partition must
/// have grown into the rest of the disk.
async fn boots_grows_and_registers(target: &str, arch: &str, model: &str, bound: Duration) {
    let image = built_image(target);
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = cloud_for_guests(&dir.path().join("cloud")).await;
    let sn = "RT-QEMU-0001";
    let code = add_device(&admin, sn).await;
    let disk = seeded_copy(&image, dir.path(), &cloud.endpoints.api_url, &code);
    // Written to a disk 2 GiB larger than the image, as to an eMMC.
    let image_bytes = std::fs::metadata(&disk).unwrap().len();
    let grown = Command::new("truncate")
        .args(["-s", "+2G"])
        .arg(&disk)
        .status()
        .unwrap();
    assert!(grown.success());

    let started = Instant::now();
    let guest = Guest::boot_arch(&disk, arch, sn, dir.path().join("serial.log"));
    let device = wait_registered_within(&admin, sn, &guest, started, bound).await;
    let console = guest.console();
    println!(
        "{target} image: power-on to SIP registered in {:.1} s (software emulation)",
        started.elapsed().as_secs_f64()
    );
    assert!(console.contains("roomterm: booting slot A"), "{console}");
    assert!(console.contains("SIP registered"), "{console}");
    assert_eq!(device["state"], "active", "{device}");
    assert_eq!(device["model"], model, "{device}");
    // The image's release, not only the crate's version.
    let release = std::fs::read_to_string(image_dir(target).join("version")).unwrap();
    assert_eq!(device["software_version"], release.trim(), "{device}");

    // The data partition took the rest of the disk, its file system too
    // (the terminal's heartbeat reports its size).
    let table = partition_table(&disk);
    let data = table["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "data")
        .unwrap_or_else(|| panic!("no data partition: {table}"));
    let data_end = data["start"].as_u64().unwrap() + data["size"].as_u64().unwrap();
    let disk_sectors = std::fs::metadata(&disk).unwrap().len() / 512;
    // Up to the backup GPT (33 sectors) and 1 MiB alignment.
    assert!(
        data_end + 2048 + 33 >= disk_sectors && data_end > image_bytes / 512,
        "data partition not grown: {table}"
    );
    assert_eq!(
        table["lastlba"].as_u64(),
        Some(disk_sectors - 34),
        "{table}"
    );
    let mut device = device;
    for _ in 0..60 {
        if device["storage"].is_object() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        device = common::device(&admin, sn).await;
    }
    let total = device["storage"]["total_bytes"].as_u64().unwrap_or(0);
    assert!(
        total > 3_400_000_000,
        "data file system of {total} bytes, not grown to ~3.5 GiB: {device}"
    );
    println!(
        "{target}: data partition grown to {:.2} GB",
        total as f64 / 1e9
    );
}

/// `sfdisk --json` of a disk image.
fn partition_table(disk: &Path) -> Value {
    let out = Command::new("sfdisk")
        .arg("--json")
        .arg(disk)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Value>(&out.stdout).unwrap()["partitiontable"].clone()
}
