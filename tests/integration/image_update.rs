//! Updates of the appliance image in QEMU: the qemu-amd64 image, registered
//! with a cloud on this machine, is offered a signed bundle of a new release
//! and switches to slot B running it; then a release whose terminal does
//! not start is offered, and the device comes back on slot B, registered,
//! and reports the rollback.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use reqwest::Method;
use roomcloud::client::AdminClient;
use serde_json::{json, Value};

use crate::common::{self, add_device};
use crate::image_boot::{
    built_image, cloud_for_guests, image_dir, seeded_copy, wait_registered, Guest,
};

/// Download, install and reboot under software emulation.
const UPDATE_BOUND: Duration = Duration::from_secs(1200);

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

/// Waits until the device reports `state` for `offer` and runs `release`,
/// registered; prints the steps seen.
async fn wait_outcome(
    admin: &AdminClient,
    sn: &str,
    offer: &Value,
    (state, release): (&str, &str),
    guest: &Guest,
) -> Value {
    let started = Instant::now();
    let mut seen = String::new();
    loop {
        let device: Value = common::device(admin, sn).await;
        let update = &device["update"];
        if update["offer"] == *offer {
            let step = format!("{} {}", update["state"], update["progress"]);
            if step != seen {
                println!("  {:>5.0} s  {step}", started.elapsed().as_secs_f64());
                seen = step;
            }
            if update["state"] == state
                && device["software_version"] == release
                && device["sip_registered"] == true
            {
                return device;
            }
            assert_ne!(
                update["state"],
                "failed",
                "{device}\n{}",
                guest.console_tail()
            );
        }
        assert!(
            started.elapsed() < UPDATE_BOUND,
            "no {state} after {UPDATE_BOUND:?}: {device}\nconsole:\n{}",
            guest.console_tail()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_update_switches_slots_and_a_broken_one_rolls_back() {
    let image = built_image("qemu-amd64");
    let release = std::fs::read_to_string(image_dir("qemu-amd64").join("version")).unwrap();
    let release = release.trim();
    let dir = tempfile::tempdir().unwrap();
    let cloud_dir = dir.path().join("cloud");
    let (cloud, admin) = cloud_for_guests(&cloud_dir).await;
    let updates = cloud_dir.join("updates");
    std::fs::create_dir_all(&updates).unwrap();
    let sn = "RT-QEMU-0002";
    let code = add_device(&admin, sn).await;
    let disk = seeded_copy(&image, dir.path(), &cloud.endpoints.api_url, &code);

    let next = format!("{release}.next");
    let good = bundle(&next, None);
    let broken_program = dir.path().join("broken-roomterm");
    std::fs::write(
        &broken_program,
        "#!/bin/sh\necho 'this release of the terminal does not start' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &broken_program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let broken_version = format!("{release}.broken");
    let broken = bundle(&broken_version, Some(&broken_program));

    let started = Instant::now();
    let guest = Guest::boot(&disk, sn, dir.path().join("serial.log"));
    wait_registered(&admin, sn, &guest, started).await;
    // The factory release is kept before anything is offered.
    while !guest
        .console()
        .contains(&format!("update-check: release {release} kept"))
    {
        assert!(started.elapsed() < UPDATE_BOUND, "{}", guest.console_tail());
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    println!(
        "booted and registered in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    println!("offering {next}:");
    let offered = offer(&admin, sn, &next, &good, &updates).await;
    let device = wait_outcome(&admin, sn, &offered, ("installed", &next), &guest).await;
    assert_eq!(device["software_version"], next.as_str(), "{device}");
    assert!(guest.console().contains("roomterm: booting slot B"));

    println!("offering {broken_version}:");
    let offered = offer(&admin, sn, &broken_version, &broken, &updates).await;
    let device = wait_outcome(&admin, sn, &offered, ("rolled_back", &next), &guest).await;
    assert_eq!(device["software_version"], next.as_str(), "{device}");
    let console = guest.console();
    assert!(
        console.contains(&format!(
            "update-check: release {broken_version} is not healthy"
        )),
        "{console}"
    );
    assert!(
        device["update"]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("running {next} again")),
        "{device}"
    );
    println!("total {:.0} s", started.elapsed().as_secs_f64());
}
