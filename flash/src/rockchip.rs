//! A Rockchip board in maskrom mode (no boot loader runs; its boot ROM
//! talks USB): `rkdeveloptool` loads the vendor's USB loader into RAM,
//! writes the image to the eMMC from sector 0, reads the mapped ranges back
//! for the check, and resets the board.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

use crate::bmap::BlockMap;

fn rkdeveloptool(args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("rkdeveloptool")
        .args(args)
        .output()
        .context("cannot run rkdeveloptool (install rkdeveloptool)")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if !output.status.success() || text.contains("failed") {
        bail!("rkdeveloptool {}: {}", args.join(" "), text.trim());
    }
    Ok(text)
}

/// `rkdeveloptool ld`: one `DevNo=` line per board; none is not an error.
fn list_boards() -> anyhow::Result<String> {
    match rkdeveloptool(&["ld"]) {
        Err(err) if err.to_string().contains("not found any devices") => Ok(String::new()),
        other => other,
    }
}

pub fn flash(
    image: &Path,
    map: &BlockMap,
    loader: Option<&Path>,
    confirm: impl FnOnce(&str) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let listed = list_boards()?;
    let boards: Vec<&str> = listed.lines().filter(|l| l.contains("DevNo=")).collect();
    match boards.as_slice() {
        [] => bail!("no Rockchip board in maskrom mode on USB (hold its maskrom button while plugging it in)"),
        [one] if one.contains("Maskrom") || one.contains("Loader") => {}
        [one] => bail!("the board is not in maskrom or loader mode: {one}"),
        _ => bail!("{} Rockchip boards are connected: connect one at a time", boards.len()),
    }
    confirm(&format!(
        "the eMMC of the Rockchip board on USB ({})",
        boards[0].trim()
    ))?;
    if boards[0].contains("Maskrom") {
        let loader = loader.context(
            "maskrom mode needs the board's USB loader: --loader rk3588_spl_loader*.bin",
        )?;
        rkdeveloptool(&["db", &loader.display().to_string()])?;
    }
    eprintln!(
        "writing {} (the whole image: maskrom cannot skip empty blocks)",
        image.display()
    );
    rkdeveloptool(&["wl", "0", &image.display().to_string()])?;
    eprintln!("reading back the written ranges to check them");
    let scratch = tempfile::NamedTempFile::new().context("scratch file")?;
    for range in &map.ranges {
        let start = range.first * map.block_size;
        let end = ((range.last + 1) * map.block_size).min(map.image_size);
        let (sector, sectors) = (start / 512, (end - start).div_ceil(512));
        rkdeveloptool(&[
            "rl",
            &sector.to_string(),
            &sectors.to_string(),
            &scratch.path().display().to_string(),
        ])?;
        let bytes = std::fs::read(scratch.path())?;
        let take = usize::try_from(end - start)?.min(bytes.len());
        if hex::encode(Sha256::digest(&bytes[..take])) != range.sha256 {
            bail!(
                "blocks {}-{} read back differ from the image",
                range.first,
                range.last
            );
        }
    }
    rkdeveloptool(&["rd"])?;
    println!("written and checked; the board restarts from its eMMC");
    Ok(())
}
