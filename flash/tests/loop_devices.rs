//! The flash tool against real block devices: loop devices over files made
//! here (root needed, as for flashing). It writes and checks an image, and
//! refuses a disk too small, a mounted one, a partition, the running
//! system's disk, and writing without being asked when nobody can answer.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A loop device over a file of `mib` MiB, detached when dropped.
struct Loop {
    device: String,
    _file: tempfile::NamedTempFile,
}

impl Loop {
    fn new(mib: u64, partitions: bool) -> Self {
        let file = tempfile::NamedTempFile::new().unwrap();
        file.as_file().set_len(mib << 20).unwrap();
        let mut args = vec!["--find", "--show"];
        if partitions {
            args.push("--partscan");
        }
        let out = Command::new("losetup")
            .args(&args)
            .arg(file.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "losetup: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self {
            device: String::from_utf8(out.stdout).unwrap().trim().to_string(),
            _file: file,
        }
    }
}

impl Drop for Loop {
    fn drop(&mut self) {
        let _ = Command::new("losetup").args(["-d", &self.device]).status();
    }
}

/// A 48 MiB image: a GPT with one partition holding 8 MiB of patterned
/// data, the rest sparse, with its block map.
fn image(dir: &Path) -> PathBuf {
    let image = dir.join("test.img");
    let file = std::fs::File::create(&image).unwrap();
    file.set_len(48 << 20).unwrap();
    drop(file);
    let mut sfdisk = Command::new("sfdisk")
        .args(["--quiet", "--no-reread", "--no-tell-kernel"])
        .arg(&image)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(
        sfdisk.stdin.as_mut().unwrap(),
        b"label: gpt\nstart=1MiB, size=40MiB, name=data\n",
    )
    .unwrap();
    assert!(sfdisk.wait().unwrap().success());
    let data: Vec<u8> = (0..8u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(&image)
        .unwrap();
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(2 << 20)).unwrap();
    std::io::Write::write_all(&mut file, &data).unwrap();
    drop(file);
    let bmap = Command::new("bmaptool")
        .args(["-q", "create", "-o"])
        .arg(dir.join("test.img.bmap"))
        .arg(&image)
        .status()
        .unwrap();
    assert!(bmap.success());
    image
}

fn flash(image: &Path, target: &str, yes: bool) -> (Output, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_roomterm-flash"));
    command.arg(image).arg(target).stdin(Stdio::null());
    if yes {
        command.arg("--yes");
    }
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output, text)
}

#[test]
fn writes_and_checks_an_image_and_refuses_the_wrong_targets() {
    let dir = tempfile::tempdir().unwrap();
    let image = image(dir.path());

    // A free disk, larger than the image: written, then read back.
    let disk = Loop::new(64, false);
    let (output, text) = flash(&image, &disk.device, true);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("written and checked"), "{text}");
    let written = std::fs::read(&disk.device).unwrap();
    let source = std::fs::read(&image).unwrap();
    assert_eq!(
        &written[..source.len()],
        &source[..],
        "the disk holds the image"
    );

    // Nobody to ask and no --yes: nothing is written.
    let untouched = Loop::new(64, false);
    let (output, text) = flash(&image, &untouched.device, false);
    assert!(!output.status.success());
    assert!(text.contains("add --yes"), "{text}");
    assert!(std::fs::read(&untouched.device)
        .unwrap()
        .iter()
        .all(|b| *b == 0));

    // Too small.
    let small = Loop::new(32, false);
    let (output, text) = flash(&image, &small.device, true);
    assert!(!output.status.success());
    assert!(text.contains("the image needs"), "{text}");

    // A partition, not the disk.
    let partitioned = Loop::new(64, true);
    let (output, _) = flash(&image, &partitioned.device, true);
    assert!(output.status.success());
    let _ = Command::new("partx")
        .args(["-u", &partitioned.device])
        .status();
    let (output, text) = flash(&image, &format!("{}p1", partitioned.device), true);
    assert!(!output.status.success());
    assert!(text.contains("not a whole disk"), "{text}");

    // Mounted.
    let mounted = Loop::new(64, false);
    assert!(Command::new("mkfs.ext4")
        .args(["-q", "-F", &mounted.device])
        .status()
        .unwrap()
        .success());
    let mount_point = tempfile::tempdir().unwrap();
    assert!(Command::new("mount")
        .arg(&mounted.device)
        .arg(mount_point.path())
        .status()
        .unwrap()
        .success());
    let (output, text) = flash(&image, &mounted.device, true);
    let _ = Command::new("umount").arg(mount_point.path()).status();
    assert!(!output.status.success());
    assert!(text.contains("unmount it first"), "{text}");

    // The disk the running system is on. Without --yes and with nobody to
    // answer: even a wrong decision could not write.
    let root = Command::new("findmnt")
        .args(["-n", "-o", "SOURCE", "/"])
        .output()
        .unwrap();
    let root = String::from_utf8_lossy(&root.stdout).trim().to_string();
    let disk_of_root = Command::new("lsblk")
        .args(["-n", "-s", "-o", "PATH,TYPE", &root])
        .output()
        .unwrap();
    let system = String::from_utf8_lossy(&disk_of_root.stdout)
        .lines()
        .find(|l| l.trim_end().ends_with("disk"))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_string)
        .expect("the disk of the root file system");
    let (output, text) = flash(&image, &system, false);
    assert!(!output.status.success());
    assert!(
        text.contains("holds the running system"),
        "{system}: {text}"
    );
}

/// The maskrom path with the real rkdeveloptool and no board on USB: a
/// clear word for the installer, not rkdeveloptool's.
#[test]
fn a_rockchip_flash_without_a_board_says_how_to_connect_one() {
    let dir = tempfile::tempdir().unwrap();
    let image = image(dir.path());
    let output = Command::new(env!("CARGO_BIN_EXE_roomterm-flash"))
        .arg(&image)
        .args(["--rockchip", "--yes"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        text.contains("no Rockchip board in maskrom mode on USB"),
        "{text}"
    );
}
