//! Handing a verified bundle to RAUC, which checks its signature, writes
//! the slot not running and makes it the next to boot; then the reboot.

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

/// Runs `rauc install`, calling `progress` with RAUC's percentages; the
/// error carries RAUC's last words.
pub async fn install(bundle: &Path, mut progress: impl FnMut(u8)) -> Result<(), String> {
    let mut child = tokio::process::Command::new("rauc")
        .arg("install")
        .arg(bundle)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                "rauc is not installed: this terminal does not run from an image".to_string()
            }
            _ => format!("cannot start rauc: {e}"),
        })?;
    let mut last = String::new();
    if let Some(stdout) = child.stdout.take() {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(percent) = percentage(&line) {
                progress(percent);
            }
            if !line.trim().is_empty() {
                last = line.trim().to_string();
            }
        }
    }
    let output = child
        .wait_with_output()
        .await
        .map_err(|e| format!("rauc: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let why = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(&last);
    Err(format!("installation refused: {}", why.trim()))
}

/// RAUC's progress lines start with the percentage: `  40% Copying image`.
fn percentage(line: &str) -> Option<u8> {
    let (number, _) = line.trim_start().split_once('%')?;
    number.trim().parse::<u8>().ok().filter(|p| *p <= 100)
}

/// Restarts into the installed slot.
pub async fn reboot() -> Result<(), String> {
    let status = tokio::process::Command::new("systemctl")
        .arg("reboot")
        .status()
        .await
        .map_err(|e| format!("cannot reboot: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("systemctl reboot: {status}"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn progress_lines_give_percentages() {
        assert_eq!(
            super::percentage("  40% Copying image to rootfs.1"),
            Some(40)
        );
        assert_eq!(super::percentage("100% Installing done."), Some(100));
        assert_eq!(super::percentage("installing `/x`: succeeded"), None);
        assert_eq!(super::percentage("250% nonsense"), None);
    }
}
