//! The appliance image booted in QEMU: the qemu-amd64 image (built by
//! `./run image qemu-amd64`, which `./run test` does first) is copied,
//! seeded with an activation code for a cloud on this machine, and booted
//! with user-mode networking (the guest reaches the host's loopback as
//! 10.0.2.2). The terminal must come up from the image's read-only root,
//! activate, and register over SIP; the cloud's device list says so. Then
//! a room user factory-resets it on the keyboard (QEMU's `sendkey`), the
//! power button shuts it down, and the data partition, read back with
//! debugfs, must hold nothing of the room.
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

use crate::common::picture;
use crate::common::{self, add_device};
use roomterm::media::RgbFrame;

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
    /// QEMU's monitor: keys on the guest's USB keyboard, the power button.
    monitor: PathBuf,
}

impl Guest {
    /// Boots the amd64 `disk` (used as is) with `sn` as the firmware's
    /// serial number.
    pub fn boot(disk: &Path, sn: &str, serial: PathBuf) -> Self {
        Self::boot_arch(disk, "amd64", sn, serial)
    }

    pub fn boot_arch(disk: &Path, arch: &str, sn: &str, serial: PathBuf) -> Self {
        let monitor = serial.with_extension("monitor");
        let qemu = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("image/qemu"))
            .arg(disk)
            .args(["--arch", arch, "--sn", sn, "--serial"])
            .arg(&serial)
            .arg("--monitor")
            .arg(&monitor)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("image/qemu (qemu-system-x86 and ovmf installed?)");
        Self {
            qemu,
            serial,
            monitor,
        }
    }

    /// Gives QEMU's monitor `command` (e.g. `sendkey ret`).
    fn monitor(&self, command: &str) {
        use std::io::Write;
        let mut socket = std::os::unix::net::UnixStream::connect(&self.monitor)
            .unwrap_or_else(|e| panic!("QEMU monitor {}: {e}", self.monitor.display()));
        writeln!(socket, "{command}").unwrap();
        // The monitor answers with a prompt once it has run the command.
        let mut seen = Vec::new();
        let mut buf = [0u8; 256];
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        while let Ok(n @ 1..) = std::io::Read::read(&mut socket, &mut buf) {
            seen.extend_from_slice(&buf[..n]);
            if seen.windows(6).filter(|w| w == b"(qemu)").count() >= 2 {
                break;
            }
        }
    }

    /// The guest's display now, as QEMU's `screendump` saves it.
    pub fn screen(&self) -> RgbFrame {
        let file = self.serial.with_extension("ppm");
        let _ = std::fs::remove_file(&file);
        self.monitor(&format!("screendump {}", file.display()));
        picture::read_ppm(&file)
    }

    /// Presses `keys` (QEMU's names: `right`, `down`, `ret`...) on the
    /// guest's USB keyboard, as a room user on the remote, one after the
    /// other with time for the terminal to move its focus.
    pub fn press(&self, keys: &[&str]) {
        for key in keys {
            self.monitor(&format!("sendkey {key}"));
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Presses the power button and waits up to `bound` for the guest to
    /// shut down cleanly (its file systems unmounted) and QEMU to end.
    pub fn power_off(mut self, bound: Duration) {
        self.monitor("system_powerdown");
        let deadline = Instant::now() + bound;
        while self.qemu.try_wait().unwrap().is_none() {
            assert!(
                Instant::now() < deadline,
                "no clean shutdown within {bound:?} of the power button\nconsole:\n{}",
                self.console_tail()
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    pub fn console(&self) -> String {
        self.console_since(0)
    }

    /// The console from byte `offset` on (an earlier `console_len`).
    pub fn console_since(&self, offset: usize) -> String {
        let bytes = std::fs::read(&self.serial).unwrap_or_default();
        String::from_utf8_lossy(bytes.get(offset..).unwrap_or_default()).into_owned()
    }

    pub fn console_len(&self) -> usize {
        std::fs::metadata(&self.serial).map_or(0, |m| m.len() as usize)
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

/// The pages a room user can be on at the test's points, as the terminal
/// itself renders them (`roomterm --screenshots`) at the guest's display
/// size, in the language of a new terminal.
pub struct Pages(Vec<(&'static str, RgbFrame)>);

impl Pages {
    const NAMES: [&'static str; 6] = [
        "language",
        "activation",
        "home",
        "settings",
        "confirm-reset",
        "diagnostics",
    ];

    pub fn render() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_roomterm"));
        command.arg("--screenshots").arg(dir.path());
        for name in Self::NAMES {
            command.args(["--shot", &format!("{name}-zh")]);
        }
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self(
            Self::NAMES
                .iter()
                .map(|name| {
                    let file = dir.path().join(format!("{name}-zh-1280x800.png"));
                    (*name, picture::read_png(&file))
                })
                .collect(),
        )
    }

    /// The page `screen` is most like, and how alike (see
    /// [`picture::page_overlap`]) it is to each.
    pub fn classify(&self, screen: &RgbFrame) -> (&'static str, Vec<(&'static str, f64)>) {
        let scores: Vec<(&'static str, f64)> = self
            .0
            .iter()
            .map(|(name, page)| (*name, picture::page_overlap(screen, page)))
            .collect();
        let best = scores
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(name, _)| *name)
            .unwrap();
        (best, scores)
    }
}

impl Guest {
    /// Waits up to `bound` for the display to show `page`.
    pub fn wait_for_page(&self, pages: &Pages, page: &str, bound: Duration) {
        let deadline = Instant::now() + bound;
        loop {
            let screen = self.screen();
            let (shown, scores) = pages.classify(&screen);
            // Kept for a look after the test's folder is gone.
            let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("screen-{page}.ppm"));
            if shown == page {
                let _ = std::fs::copy(self.serial.with_extension("ppm"), &kept);
                let others: Vec<String> = scores
                    .iter()
                    .filter(|(name, _)| *name != page)
                    .map(|(name, score)| format!("{name} {score:.2}"))
                    .collect();
                let own = scores.iter().find(|(name, _)| *name == page).unwrap().1;
                println!(
                    "display shows {page}: overlap {own:.2} (others: {})",
                    others.join(", ")
                );
                return;
            }
            if Instant::now() > deadline {
                let _ = std::fs::copy(self.serial.with_extension("ppm"), &kept);
                panic!(
                    "the display shows {shown}, not {page}, after {bound:?} (overlap {scores:.2?}; \
                     screen in {})\nconsole:\n{}",
                    kept.display(),
                    self.console_tail()
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
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
    // The room sees it too: the home page on the display.
    let pages = Pages::render();
    guest.wait_for_page(&pages, "home", Duration::from_secs(30));
    assert_eq!(device["state"], "active", "{device}");
    assert_eq!(device["model"], model, "{device}");
    // The image's release, not only the crate's version.
    let release = std::fs::read_to_string(image_dir(target).join("version")).unwrap();
    assert_eq!(device["software_version"], release.trim(), "{device}");

    // The data partition took the rest of the disk, its file system too
    // (the terminal's heartbeat reports its size).
    let table = partition_table(&disk);
    let data = data_partition(&table);
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

    factory_reset_by_remote(guest, &pages, &admin, &device, &disk).await;
}

/// Settings → Factory reset → Erase, pressed on the guest's keyboard as on
/// the room's remote, each page seen on the display: the terminal leaves
/// the registrar and returns to the wizard; after a clean power-off the
/// data partition holds nothing of the room — no seed, no credentials, and
/// a system journal without its number.
async fn factory_reset_by_remote(
    guest: Guest,
    pages: &Pages,
    admin: &AdminClient,
    device: &Value,
    disk: &Path,
) {
    let sn = device["sn"].as_str().unwrap();
    let number = device["number"].as_str().unwrap();
    let before = guest.console_len();
    let page_turn = Duration::from_secs(20);
    tokio::task::block_in_place(|| {
        guest.press(&["right", "right", "right", "ret"]);
        guest.wait_for_page(pages, "settings", page_turn);
        guest.press(&["down", "right", "ret"]); // Factory reset
        guest.wait_for_page(pages, "confirm-reset", page_turn);
        guest.press(&["right", "ret"]); // Erase and restart the wizard
        guest.wait_for_page(pages, "language", page_turn);
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let after = guest.console_since(before);
        let device: Value = common::device(admin, sn).await;
        if after.contains("provisioning not activated") && device["sip_registered"] == false {
            assert!(after.contains("journal erased"), "{after}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no factory reset: {device}\nconsole since the keys:\n{after}"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    tokio::task::block_in_place(|| guest.power_off(Duration::from_secs(120)));

    let data = DataPartition::of(disk);
    let kept = data.list("/roomterm");
    assert_eq!(kept, ["control-token"], "left after the reset");
    let machines = data.list("/log/journal");
    assert_eq!(machines.len(), 1, "{machines:?}");
    let journal_dir = format!("/log/journal/{}", machines[0]);
    let journals = data.list(&journal_dir);
    assert_eq!(journals, ["system.journal"], "archived journals kept");
    let journal = data.read(&format!("{journal_dir}/system.journal"));
    let contains = |needle: &str| {
        journal
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    };
    assert!(
        contains("journal erased"),
        "the fresh journal is not on the data partition"
    );
    assert!(
        !contains(number),
        "the room's number {number} is still in the journal"
    );
}

/// The data partition of a powered-off disk image, read with debugfs.
struct DataPartition {
    device: String,
}

impl DataPartition {
    fn of(disk: &Path) -> Self {
        let start = data_partition(&partition_table(disk))["start"]
            .as_u64()
            .unwrap();
        Self {
            device: format!("{}?offset={}", disk.display(), start * 512),
        }
    }

    fn debugfs(&self, request: &str) -> Vec<u8> {
        let out = Command::new("debugfs")
            .args(["-R", request, &self.device])
            .output()
            .expect("debugfs (e2fsprogs)");
        assert!(
            out.status.success(),
            "debugfs {request}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// The names in `dir`, sorted, without `.` and `..`.
    fn list(&self, dir: &str) -> Vec<String> {
        // `ls -p`: /inode/mode/uid/gid/name/size/ per entry.
        let listing = String::from_utf8(self.debugfs(&format!("ls -p {dir}"))).unwrap();
        let mut names: Vec<String> = listing
            .lines()
            .filter_map(|line| line.split('/').nth(5))
            .filter(|name| !name.is_empty() && *name != "." && *name != "..")
            .map(str::to_string)
            .collect();
        names.sort();
        names
    }

    fn read(&self, file: &str) -> Vec<u8> {
        self.debugfs(&format!("cat {file}"))
    }
}

/// The `data` entry of a [`partition_table`].
fn data_partition(table: &Value) -> &Value {
    table["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "data")
        .unwrap_or_else(|| panic!("no data partition: {table}"))
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
