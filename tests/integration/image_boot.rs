//! The appliance image booted in QEMU: the qemu-amd64 image (built by
//! `./run image qemu-amd64`, which `./run test` does first) is copied,
//! seeded with an activation code for a cloud on this machine, and booted
//! with user-mode networking (the guest reaches the host's loopback as
//! 10.0.2.2). The terminal must come up from the image's read-only root,
//! activate, and register over SIP; the cloud's device list says so. Then
//! the TV on its HDMI-CEC bus (the kernel's vivid driver, loaded by the
//! qemu-amd64 image; played through the QEMU guest agent) is told to sleep
//! and wake with the room, and its remote opens Settings; a room user
//! factory-resets it on the keyboard (QEMU's `sendkey`), the power button
//! shuts it down, and the data partition, read back with debugfs, must
//! hold nothing of the room.
//! The boot is followed milestone by milestone on the serial console
//! (`common::qemu`): slow is waited for, a hang names where it stopped.
//! The qemu-arm64 image boots the same way under software emulation of
//! another architecture (about a minute too), but building that image
//! runs Debian's package scripts under qemu-user (half an hour from an
//! empty cache): it is the boot benchmark's (`./run bench boot`), an
//! ignored test here.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::Method;
use roomcloud::CloudConfig;
use serde_json::Value;

use roomcloud::client::AdminClient;

use crate::common::cec_tv::{Tv, TvKey};
use crate::common::picture;
use crate::common::qemu::{Guest, Milestone};
use crate::common::web_admin::Visitor;
use crate::common::{self, add_device};
use roomterm::media::RgbFrame;

/// After the terminal's line, the cloud has the registration already (it
/// answered the REGISTER): this is for its API on a loaded machine.
const CLOUD_BOUND: Duration = Duration::from_secs(60);

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

/// A runtime for the cloud while the test follows the guest on its own
/// thread.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
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

    /// Waits up to `bound` for the guest's display to show `page`.
    pub fn wait_for(&self, guest: &mut Guest, page: &str, bound: Duration) {
        // Kept for a look after the test's folder is gone.
        let kept = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("screen-{page}.ppm"));
        let scores = guest.wait_for(&format!("the display showing {page}"), bound, |guest| {
            let (shown, scores) = self.classify(&guest.screen());
            let _ = std::fs::copy(guest.screen_file(), &kept);
            if shown == page {
                Ok(scores)
            } else {
                Err(format!(
                    "{shown} (overlap {scores:.2?}; screen in {})",
                    kept.display()
                ))
            }
        });
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

/// The cloud's view of the guest once `holds` says so (after the console
/// showed what it waits for).
pub fn cloud_view(
    rt: &tokio::runtime::Runtime,
    admin: &AdminClient,
    guest: &mut Guest,
    what: &str,
    holds: impl Fn(&Value) -> bool,
) -> Value {
    let sn = guest.sn().to_string();
    guest.wait_for(
        &format!("the cloud seeing {sn} {what}"),
        CLOUD_BOUND,
        |_| {
            let device = rt.block_on(common::device::<Value>(admin, &sn));
            if holds(&device) {
                Ok(device)
            } else {
                Err(device.to_string())
            }
        },
    )
}

/// The cloud listing the guest as SIP-registered.
pub fn registered_in_cloud(
    rt: &tokio::runtime::Runtime,
    admin: &AdminClient,
    guest: &mut Guest,
) -> Value {
    cloud_view(rt, admin, guest, "registered", |device| {
        device["sip_registered"] == true
    })
}

#[test]
fn the_image_boots_in_qemu_activates_and_registers() {
    boots_grows_and_registers("qemu-amd64", "amd64", "qemu-x86_64");
}

#[test]
#[ignore = "needs the qemu-arm64 image (half an hour to build): ./run bench boot"]
fn the_arm64_image_boots_in_qemu_activates_and_registers() {
    boots_grows_and_registers("qemu-arm64", "arm64", "generic-arm64");
}

/// Boots a seeded copy of `target`'s image written to a disk 2 GiB larger
/// than the image; the terminal must register, the data partition must
/// have grown into the rest of the disk.
fn boots_grows_and_registers(target: &str, arch: &str, model: &str) {
    let image = built_image(target);
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let (cloud, admin) = rt.block_on(cloud_for_guests(&dir.path().join("cloud")));
    let sn = "RT-QEMU-0001";
    let code = rt.block_on(add_device(&admin, sn));
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
    let mut guest = Guest::boot(&disk, arch, sn, dir.path());
    guest.reach_all(&Milestone::boot('A', sn));
    let device = registered_in_cloud(&rt, &admin, &mut guest);
    println!(
        "{target} image: power-on to SIP registered in {:.1} s (software emulation)",
        started.elapsed().as_secs_f64()
    );
    // Slow is fine; a reset of its own (its watchdog) is not.
    let resets = guest.resets();
    assert!(resets.is_empty(), "the guest reset itself: {resets:?}");
    // The room sees it too: the home page on the display.
    let pages = Pages::render();
    pages.wait_for(&mut guest, "home", Duration::from_secs(60));
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
    let device = cloud_view(&rt, &admin, &mut guest, "with its storage", |device| {
        device["storage"].is_object()
    });
    let total = device["storage"]["total_bytes"].as_u64().unwrap_or(0);
    assert!(
        total > 3_400_000_000,
        "data file system of {total} bytes, not grown to ~3.5 GiB: {device}"
    );
    println!(
        "{target}: data partition grown to {:.2} GB",
        total as f64 / 1e9
    );

    let page_turn = Duration::from_secs(30);
    if model == "qemu-x86_64" {
        restart_from_the_web_admin(&rt, &mut guest);
        pages.wait_for(&mut guest, "home", Duration::from_secs(60));
        display_over_cec(&rt, &mut guest, &pages);
    } else {
        guest.press(&["right", "right", "right", "ret"]);
    }
    pages.wait_for(&mut guest, "settings", page_turn);
    factory_reset_by_remote(&rt, guest, &pages, &admin, &device, &disk);
}

/// The web admin's Restart under the image's systemd: the terminal ends
/// with status 75, its unit starts it again at once (another process,
/// counted as the unit's restart) and it registers again.
fn restart_from_the_web_admin(rt: &tokio::runtime::Runtime, guest: &mut Guest) {
    let agent = guest.agent();
    agent.wait_ready(Duration::from_secs(120));
    let unit = |property: &str| {
        let args = ["show", "-p", property, "--value", "roomterm"];
        agent
            .check("systemctl", &args, CLOUD_BOUND)
            .trim()
            .to_string()
    };
    let (pid, restarts) = (unit("MainPID"), unit("NRestarts"));
    let mut visitor = Visitor::at(guest.admin_url());
    let own = visitor.base.clone();
    rt.block_on(async {
        let csrf = visitor.first_sign_in("Room-2026x").await;
        let restarting = visitor
            .form("/maintenance/restart", &own, &[("csrf", &csrf)])
            .await;
        assert_eq!(restarting.status(), reqwest::StatusCode::OK);
    });
    guest.reach(&Milestone::new(
        "the terminal ending for its restart",
        "restarting, as the web admin asked",
        CLOUD_BOUND,
    ));
    guest.reach(&Milestone::registered());
    assert_ne!(unit("MainPID"), pid, "the same process still runs");
    let counted: u32 = unit("NRestarts").parse().unwrap();
    assert_eq!(
        counted,
        restarts.parse::<u32>().unwrap() + 1,
        "not restarted by its unit"
    );
}

/// The room's display on vivid's HDMI-CEC bus: standby asked for through
/// the control API puts the TV to sleep, waking the room wakes it and
/// makes the terminal its source, and the TV's own remote, through the
/// kernel's CEC input and the terminal's evdev path, moves the focus to
/// Settings and opens it.
fn display_over_cec(rt: &tokio::runtime::Runtime, guest: &mut Guest, pages: &Pages) {
    let agent = guest.agent();
    agent.wait_ready(Duration::from_secs(120));
    let token = agent.check("cat", &["/data/roomterm/control-token"], CLOUD_BOUND);
    let mut tv = Tv::switch_on(agent);
    let ours = &tv.terminal_adapter;
    assert!(
        ours.contains("'roomterm'") && ours.contains("1.0.0.0"),
        "the terminal's adapter is not set up as the roomterm source:\n{ours}"
    );
    tv.listen();
    let control = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let standby = |active: bool| {
        let response = rt
            .block_on(
                control
                    .post(format!("{}/api/v1/standby", guest.admin_url()))
                    .bearer_auth(token.trim())
                    .json(&serde_json::json!({ "active": active }))
                    .send(),
            )
            .expect("the guest's control API");
        assert!(response.status().is_success(), "{}", response.status());
    };
    standby(true);
    tv.heard_until(CLOUD_BOUND, |heard| heard.contains("STANDBY"));
    standby(false);
    let heard = tv.heard_until(CLOUD_BOUND, |heard| heard.contains("ACTIVE_SOURCE"));
    let at = |what: &str| heard.find(what).unwrap_or(usize::MAX);
    assert!(
        at("STANDBY") < at("IMAGE_VIEW_ON") && at("IMAGE_VIEW_ON") < at("ACTIVE_SOURCE"),
        "asleep, then on, then our input, in that order:\n{heard}"
    );
    assert!(
        heard.contains("1.0.0.0"),
        "the source switched to is not ours:\n{heard}"
    );
    println!("the TV heard:\n{heard}");
    pages.wait_for(guest, "home", Duration::from_secs(30));
    tv.press(&[TvKey::Right, TvKey::Right, TvKey::Right, TvKey::Select]);
}

/// From Settings, Factory reset → Erase, pressed on the guest's keyboard
/// as on the room's remote, each page seen on the display: the terminal leaves
/// the registrar and returns to the wizard; after a clean power-off the
/// data partition holds nothing of the room — no seed, no credentials, and
/// a system journal without its number.
fn factory_reset_by_remote(
    rt: &tokio::runtime::Runtime,
    mut guest: Guest,
    pages: &Pages,
    admin: &AdminClient,
    device: &Value,
    disk: &Path,
) {
    let number = device["number"].as_str().unwrap();
    let before = guest.console_len();
    let page_turn = Duration::from_secs(30);
    guest.press(&["down", "right", "ret"]); // Factory reset
    pages.wait_for(&mut guest, "confirm-reset", page_turn);
    guest.press(&["right", "ret"]); // Erase and restart the wizard
    pages.wait_for(&mut guest, "language", page_turn);
    guest.reach(&Milestone::new(
        "the reset terminal not activated",
        "provisioning not activated",
        Duration::from_secs(120),
    ));
    assert!(
        guest.console_since(before).contains("journal erased"),
        "{}",
        guest.console_since(before)
    );
    cloud_view(rt, admin, &mut guest, "unregistered", |device| {
        device["sip_registered"] == false
    });
    guest.power_off(Duration::from_secs(180));

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
pub fn partition_table(disk: &Path) -> Value {
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
