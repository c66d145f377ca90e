//! `roomterm --self-check` on this machine, and the arm64 build of the
//! terminal under qemu-user with arm64 GStreamer plugins: a change that
//! breaks the ARM build or its media (a codec that will not run there, a
//! profile that does not load) fails here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(mut command: Command) -> (Output, String) {
    let output = command.output().expect("start");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

fn boards() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("board")
}

/// The report's line for `check`, whatever its outcome.
fn line<'a>(report: &'a str, check: &str) -> &'a str {
    report
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(check))
        .unwrap_or_else(|| panic!("no {check} line in:\n{report}"))
}

#[test]
fn the_ci_board_passes_and_a_board_of_another_architecture_fails() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roomterm"));
    command.args(["--self-check", "--board", "generic-x86_64", "--boards"]);
    command.arg(boards());
    let (output, report) = run(command);
    assert!(output.status.success(), "{report}");
    for check in ["board", "media", "video", "audio"] {
        assert!(line(&report, check).starts_with("ok"), "{report}");
    }
    assert!(line(&report, "video").contains("colour intact"), "{report}");

    let mut command = Command::new(env!("CARGO_BIN_EXE_roomterm"));
    command.args(["--self-check", "--board", "rk3588", "--boards"]);
    command.arg(boards());
    let (output, report) = run(command);
    assert!(!output.status.success(), "{report}");
    assert!(line(&report, "board").starts_with("FAIL"), "{report}");
    assert!(
        line(&report, "board").contains("profile for aarch64"),
        "{report}"
    );
}

#[test]
fn the_arm64_terminal_passes_its_self_check_under_emulation() {
    let binary = std::env::var_os("ROOMTERM_ARM64_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("target/aarch64-unknown-linux-gnu/debug/roomterm")
        });
    assert!(
        binary.exists(),
        "{} missing: `./run cross` builds it (`./run test` does first)",
        binary.display()
    );
    let registry = tempfile::tempdir().unwrap();
    let mut command = Command::new("qemu-aarch64-static");
    // -L /: the arm64 loader and libraries from the multiarch folders.
    // No registry fork: the plugin scanner is an arm64 program the kernel
    // cannot start without binfmt_misc, so plugins load in-process.
    command
        .args(["-L", "/"])
        .arg(&binary)
        .args(["--self-check", "--board", "rk3588", "--boards"])
        .arg(boards())
        .env("GST_REGISTRY_FORK", "no")
        .env("GST_REGISTRY", registry.path().join("registry.bin"));
    let (output, report) = run(command);
    println!("{report}");
    assert!(output.status.success(), "{report}");
    assert!(report.contains("self-check (aarch64)"), "{report}");
    assert!(
        line(&report, "board").contains("running on aarch64"),
        "{report}"
    );
    // The Rockchip encoder is not here: the profile's software fallback is
    // chosen and works.
    let video = line(&report, "video");
    assert!(video.starts_with("ok"), "{report}");
    assert!(video.contains("x264enc → avdec_h264"), "{report}");
    assert!(video.contains("colour intact"), "{report}");
    assert!(line(&report, "audio").starts_with("ok"), "{report}");
    // No camera device in an emulator: a warning, not a failure.
    assert!(line(&report, "camera").starts_with("warn"), "{report}");
}
