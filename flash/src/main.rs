//! `roomterm-flash IMAGE DISK` (or `IMAGE --rockchip`): writes a roomterm
//! image for an installer, refusing the disks it must not touch (the
//! running system's, one in use, a partition, one too small), asking before
//! it writes, and reading back what it wrote.
//!
//! - `disks.rs`: the refusal rules on `lsblk`'s view of the machine (pure).
//! - `bmap.rs`: the image's block map (which ranges hold data, their hashes).
//! - `verify.rs`: the read-back check.
//! - `rockchip.rs`: a board in maskrom mode through `rkdeveloptool`.
//!
//! The copy itself is `bmaptool copy` (only the mapped blocks, with its
//! progress bar), the tool Yocto and most board vendors use.

mod bmap;
mod disks;
mod rockchip;
mod verify;

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Parser;

use bmap::BlockMap;
use disks::{human, Lsblk};

#[derive(Parser)]
#[command(
    name = "roomterm-flash",
    version,
    about = "Write a roomterm image to a disk or a Rockchip board"
)]
struct Cli {
    /// The image (`roomterm-TARGET.img`, with its `.bmap` beside it).
    image: PathBuf,
    /// The whole disk to write, e.g. /dev/sdb or /dev/mmcblk0.
    disk: Option<String>,
    /// Write to a Rockchip board in maskrom mode over USB instead.
    #[arg(long, conflicts_with = "disk")]
    rockchip: bool,
    /// The board's USB loader for maskrom mode (rk3588_spl_loader*.bin).
    #[arg(long, requires = "rockchip")]
    loader: Option<PathBuf>,
    /// Do not ask before writing.
    #[arg(long)]
    yes: bool,
}

fn main() -> std::process::ExitCode {
    match run(Cli::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("roomterm-flash: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let bmap_path = PathBuf::from(format!("{}.bmap", cli.image.display()));
    let xml = std::fs::read_to_string(&bmap_path).with_context(|| {
        format!(
            "{} missing (make it with: bmaptool create -o {} {})",
            bmap_path.display(),
            bmap_path.display(),
            cli.image.display()
        )
    })?;
    let map = BlockMap::parse(&xml).map_err(anyhow::Error::msg)?;
    let image_len = std::fs::metadata(&cli.image)
        .with_context(|| format!("cannot read {}", cli.image.display()))?
        .len();
    if image_len != map.image_size {
        bail!(
            "{} is {image_len} bytes, its .bmap says {}: they do not belong together",
            cli.image.display(),
            map.image_size
        );
    }
    let what = format!(
        "{} ({}, {} of data)",
        cli.image.display(),
        human(map.image_size),
        human(map.mapped_bytes())
    );
    if cli.rockchip {
        return rockchip::flash(&cli.image, &map, cli.loader.as_deref(), |target| {
            confirm(&what, target, cli.yes)
        });
    }
    let Some(target) = cli.disk.as_deref() else {
        bail!("name the disk to write (e.g. /dev/sdb), or --rockchip for a board in maskrom mode");
    };
    let lsblk = list_disks()?;
    let disk = disks::check(&lsblk, target, map.image_size).map_err(|r| anyhow::anyhow!("{r}"))?;
    confirm(&what, &disk.describe(), cli.yes)?;
    let started = Instant::now();
    let copied = Command::new("bmaptool")
        .args(["copy", "--bmap"])
        .arg(&bmap_path)
        .arg(&cli.image)
        .arg(&disk.path)
        .status()
        .context("cannot run bmaptool (install bmap-tools)")?;
    if !copied.success() {
        bail!("bmaptool could not write {}", disk.path);
    }
    eprintln!("reading back {} to check it", human(map.mapped_bytes()));
    let total = map.mapped_bytes().max(1);
    let mut shown = 0;
    verify::verify(Path::new(&disk.path), &map, |done| {
        let percent = done * 100 / total;
        if percent >= shown + 10 {
            shown = percent;
            eprintln!("  {percent}%");
        }
    })
    .map_err(anyhow::Error::msg)?;
    println!(
        "{} written and checked in {:.0} s: move it to the board and power on",
        disk.path,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The block devices as `lsblk` sees them (disks, their partitions, what
/// is mounted).
fn list_disks() -> anyhow::Result<Lsblk> {
    let output = Command::new("lsblk")
        .args([
            "-J",
            "-b",
            "-o",
            "NAME,PATH,TYPE,SIZE,MODEL,VENDOR,TRAN,RM,RO,MOUNTPOINTS",
        ])
        .output()
        .context("cannot run lsblk (util-linux)")?;
    if !output.status.success() {
        bail!("lsblk: {}", String::from_utf8_lossy(&output.stderr).trim());
    }
    serde_json::from_slice(&output.stdout).context("lsblk's output")
}

/// Shows what will be overwritten; asks unless `yes`.
fn confirm(image: &str, target: &str, yes: bool) -> anyhow::Result<()> {
    eprintln!("image:  {image}");
    eprintln!("target: {target}");
    eprintln!("Everything on the target will be lost.");
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("not asking without a terminal: add --yes to write anyway");
    }
    eprint!("Type yes to write: ");
    std::io::stderr().flush().ok();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() != "yes" {
        bail!("nothing written");
    }
    Ok(())
}
