//! Updates of the appliance image in QEMU: the qemu-amd64 image, registered
//! with a cloud on this machine, is offered a signed bundle of a new release
//! and switches to slot B running it; then a release whose terminal does
//! not start is offered, and the device comes back on slot B, registered,
//! and reports the rollback. Before that, the first power-on meets an
//! empty slot B marked bootable: the boot loader gives it up and boots A
//! instead of stopping.
//! A release that hangs the whole system, which only the hardware watchdog
//! can end, is written into slot B as RAUC leaves a fresh install (an
//! update over the emulated network costs a quarter of an hour on a loaded
//! machine): the watchdog resets the guest and slot A comes back.
//! Each step is followed on the serial console (`common::qemu`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use reqwest::Method;
use roomcloud::client::AdminClient;
use serde_json::{json, Value};

use crate::common::add_device;
use crate::common::qemu::{Guest, Milestone, Restart};
use crate::image_boot::{
    built_image, cloud_for_guests, cloud_view, image_dir, partition_table, registered_in_cloud,
    runtime, seeded_copy,
};

/// Download, and then install, of a bundle (0.6 GB) under software
/// emulation: 6 and 5 minutes on a loaded machine.
const INSTALL_BOUND: Duration = Duration::from_secs(1500);

/// A bundle of release `version` (with `binary` as the terminal program).
fn bundle(version: &str, binary: Option<&Path>) -> PathBuf {
    let mut command = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("image/bundle"));
    command.args(["qemu-amd64", "--version", version]);
    if let Some(binary) = binary {
        command.arg("--binary").arg(binary);
    }
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "image/bundle: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// A terminal program that is a shell script.
fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

/// Offers `bundle` (release `version`); returns the offer's id.
async fn offer(
    admin: &AdminClient,
    sn: &str,
    version: &str,
    bundle: &Path,
    updates: &Path,
) -> Value {
    let name = bundle.file_name().unwrap().to_str().unwrap();
    std::os::unix::fs::symlink(bundle, updates.join(name)).unwrap();
    let device: Value = admin
        .call(
            Method::POST,
            &format!("/devices/{sn}/update"),
            Some(json!({ "version": version, "bundle": name })),
        )
        .await
        .unwrap();
    device["update"]["offer"].clone()
}

/// The terminal installing release `version` and the device restarting
/// into it, on the console.
fn installs(guest: &mut Guest, version: &str) {
    guest.reach(&Milestone::new(
        "update installing",
        &format!("update {version} installing"),
        INSTALL_BOUND,
    ));
    guest.reach(&Milestone {
        bound: INSTALL_BOUND,
        ..Milestone::restarting()
    });
}

/// Slot A booting `release`, known good on this device: the update check
/// keeps it as soon as the terminal starts, so its line and the
/// registration come in either order (on a loaded machine the terminal
/// takes long to register).
fn boots_known_good(guest: &mut Guest, sn: &str, release: &str) {
    let mut boot = Milestone::boot('A', sn);
    let registered = boot.pop().expect("a boot ends registered");
    guest.reach_all(&boot);
    guest.reach_unordered(&[registered, kept(release)]);
}

/// The update check keeping `release` on this boot.
fn kept(release: &str) -> Milestone {
    Milestone::new(
        "update check keeping the release",
        &format!("update-check: release {release} kept"),
        Duration::from_secs(360),
    )
}

/// The cloud seeing the device report `state` for `offer`, running
/// `release`, registered.
fn reported(
    rt: &tokio::runtime::Runtime,
    admin: &AdminClient,
    guest: &mut Guest,
    offer: &Value,
    (state, release): (&str, &str),
) -> Value {
    cloud_view(rt, admin, guest, &format!("{state}, on {release}"), |d| {
        d["update"]["offer"] == *offer
            && d["update"]["state"] == state
            && d["software_version"] == release
            && d["sip_registered"] == true
    })
}

/// Sets `vars` in the grubenv on the ESP of the powered-off `disk`, as
/// RAUC would.
fn set_grubenv(disk: &Path, vars: &[&str]) {
    let table = partition_table(disk);
    let esp = table["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "esp")
        .unwrap_or_else(|| panic!("no ESP: {table}"));
    let image = format!(
        "{}@@{}",
        disk.display(),
        esp["start"].as_u64().unwrap() * 512
    );
    let env = disk.with_file_name("grubenv");
    let run = |command: &mut Command| {
        let out = command.output().unwrap();
        assert!(out.status.success(), "{command:?}: {out:?}");
    };
    run(Command::new("mcopy")
        .args(["-n", "-i", &image, "::/EFI/BOOT/grubenv"])
        .arg(&env));
    run(Command::new("grub-editenv").arg(&env).arg("set").args(vars));
    run(Command::new("mcopy")
        .args(["-o", "-i", &image])
        .arg(&env)
        .arg("::/EFI/BOOT/grubenv"));
}

#[test]
fn a_good_update_switches_slots_and_a_broken_one_rolls_back() {
    let image = built_image("qemu-amd64");
    let release = std::fs::read_to_string(image_dir("qemu-amd64").join("version")).unwrap();
    let release = release.trim();
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let cloud_dir = dir.path().join("cloud");
    let (cloud, admin) = rt.block_on(cloud_for_guests(&cloud_dir));
    let updates = cloud_dir.join("updates");
    std::fs::create_dir_all(&updates).unwrap();
    let sn = "RT-QEMU-0002";
    let code = rt.block_on(add_device(&admin, sn));
    let disk = seeded_copy(&image, dir.path(), &cloud.endpoints.api_url, &code);
    // Slot B, empty, marked bootable and first: a slot damaged under the
    // boot loader's feet.
    set_grubenv(&disk, &["ORDER=B A", "B_OK=1", "B_TRY=0"]);

    let next = format!("{release}.next");
    let good = bundle(&next, None);
    let broken_version = format!("{release}.broken");
    let broken_program = script(
        dir.path(),
        "broken-roomterm",
        "#!/bin/sh\necho 'this release of the terminal does not start' >&2\nexit 1\n",
    );
    let broken = bundle(&broken_version, Some(&broken_program));

    println!("power-on, slot B empty but marked bootable:");
    let mut guest = Guest::boot(&disk, "amd64", sn, dir.path());
    guest.reach_all(&[
        Milestone::firmware(),
        Milestone::boot_loader(),
        Milestone::slot('B'),
        Milestone::new(
            "boot loader giving up slot B",
            "roomterm: slot B did not boot: marked bad",
            Duration::from_secs(120),
        ),
    ]);
    // The factory release is kept before anything is offered.
    boots_known_good(&mut guest, sn, release);
    assert_eq!(guest.resets(), [Restart::Reboot]);
    registered_in_cloud(&rt, &admin, &mut guest);

    println!("offering {next}:");
    let offered = rt.block_on(offer(&admin, sn, &next, &good, &updates));
    installs(&mut guest, &next);
    guest.reach_all(&Milestone::boot('B', sn));
    guest.reach(&kept(&next));
    reported(&rt, &admin, &mut guest, &offered, ("installed", &next));

    println!("offering {broken_version}:");
    let offered = rt.block_on(offer(&admin, sn, &broken_version, &broken, &updates));
    installs(&mut guest, &broken_version);
    guest.reach_all(&[
        Milestone::firmware(),
        Milestone::boot_loader(),
        Milestone::slot('A'),
        Milestone::kernel(),
        Milestone::new(
            "update check giving the release up",
            &format!("update-check: release {broken_version} is not healthy"),
            // systemd's start-up, as for the terminal (Milestone::terminal).
            Duration::from_secs(900),
        ),
        Milestone::restarting(),
    ]);
    guest.reach_all(&Milestone::boot('B', sn));
    let device = reported(&rt, &admin, &mut guest, &offered, ("rolled_back", &next));
    assert!(
        device["update"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("running {next} again")),
        "{device}"
    );
}

/// A terminal program that hangs the whole system: busy loops at the top
/// real-time priority on every CPU, with the kernel's real-time throttling
/// off, leave nothing else any CPU time, systemd's pings of the hardware
/// watchdog included. Its line goes through the kernel's log, which
/// reaches the console at once.
const HANGING_PROGRAM: &str = "#!/bin/sh
echo 'roomterm-test: this release hangs the system' >/dev/kmsg
echo -1 >/proc/sys/kernel/sched_rt_runtime_us
for cpu in $(seq 0 $(($(nproc --all) - 1))); do
    taskset -c \"$cpu\" chrt -f 99 sh -c 'while :; do :; done' &
done
wait
";

#[test]
fn a_release_that_hangs_the_system_is_reset_by_the_watchdog_into_the_other_slot() {
    let image = built_image("qemu-amd64");
    let release = std::fs::read_to_string(image_dir("qemu-amd64").join("version")).unwrap();
    let release = release.trim();
    let dir = tempfile::tempdir().unwrap();
    let rt = runtime();
    let (cloud, admin) = rt.block_on(cloud_for_guests(&dir.path().join("cloud")));
    let sn = "RT-QEMU-0003";
    let code = rt.block_on(add_device(&admin, sn));
    let disk = seeded_copy(&image, dir.path(), &cloud.endpoints.api_url, &code);
    let program = script(dir.path(), "hanging-roomterm", HANGING_PROGRAM);
    write_slot_b(&disk, &format!("{release}.hang"), &program, dir.path());
    // What RAUC writes after installing into B: B first, good, its try
    // not spent.
    set_grubenv(&disk, &["ORDER=B A", "B_OK=1", "B_TRY=0"]);

    let mut guest = Guest::boot(&disk, "amd64", sn, dir.path());
    guest.reach_all(&[
        Milestone::firmware(),
        Milestone::boot_loader(),
        Milestone::slot('B'),
        Milestone::kernel(),
        Milestone::new(
            "the hanging release started",
            "roomterm-test: this release hangs the system",
            Duration::from_secs(900),
        ),
    ]);
    // systemd pinged every 15 s (RuntimeWatchdogSec=30s); the TCO resets
    // on its second time-out.
    guest.wait_for(
        "the hardware watchdog resetting the hung system",
        Duration::from_secs(240),
        |guest| {
            if guest.resets().is_empty() {
                Err("the guest still hung".into())
            } else {
                Ok(())
            }
        },
    );
    assert_eq!(guest.resets(), [Restart::Watchdog]);
    // B's try is spent: the boot loader takes A.
    boots_known_good(&mut guest, sn, release);
    let device = registered_in_cloud(&rt, &admin, &mut guest);
    assert_eq!(device["software_version"], release, "{device}");
    assert_eq!(guest.resets(), [Restart::Watchdog]);
}

/// Writes a root file system of release `version`, with `program` as the
/// terminal, into slot B of the powered-off `disk`, as an update would.
fn write_slot_b(disk: &Path, version: &str, program: &Path, dir: &Path) {
    let rootfs = image_dir("qemu-amd64").join("rootfs");
    let release = dir.join("image-release");
    std::fs::write(
        &release,
        format!("IMAGE_ID=roomterm\nIMAGE_VERSION={version}\nIMAGE_TARGET=qemu-amd64\n"),
    )
    .unwrap();
    let squashfs = dir.join("slot-b.squashfs");
    let squashed = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("image/squash"))
        .arg(&rootfs)
        .arg(&squashfs)
        .arg("-p")
        .arg(format!(
            "usr/bin/roomterm f 755 0 0 cat {}",
            program.display()
        ))
        .arg("-p")
        .arg(format!(
            "usr/lib/roomterm/image-release f 644 0 0 cat {}",
            release.display()
        ))
        .args(["-e", "usr/bin/roomterm", "usr/lib/roomterm/image-release"])
        .status()
        .unwrap();
    assert!(squashed.success(), "image/squash {}", rootfs.display());
    let table = partition_table(disk);
    let slot = table["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "rootfs_b")
        .unwrap_or_else(|| panic!("no rootfs_b: {table}"));
    let written = Command::new("dd")
        .arg(format!("if={}", squashfs.display()))
        .arg(format!("of={}", disk.display()))
        .args(["bs=512", "conv=notrunc,sparse", "status=none"])
        .arg(format!("seek={}", slot["start"].as_u64().unwrap()))
        .status()
        .unwrap();
    assert!(written.success());
}
