//! The diagnostic bundle support asks for: one `.tar.gz` with the recent
//! log (and the service's journal where there is one), the status, the
//! settings and activation without their secrets, the versions and a
//! self-check. Secrets are left out field by field, and then every file
//! is searched for each secret's value and it is replaced — so a token
//! that found its way into a log line does not leave the room either.

use std::io::Write;
use std::process::Command;

use crate::board::BoardProfile;
use crate::status::StatusView;
use crate::store::DataDir;

/// What stands where a secret was.
pub const REMOVED: &str = "[removed]";

/// What the bundle is made of.
pub struct Inputs {
    pub data: DataDir,
    pub status: StatusView,
    /// The control API's token (a secret too).
    pub control_token: String,
    /// For the self-check; `None`: left out (said so in the file).
    pub board: Option<BoardProfile>,
}

/// The bundle's files, by name.
pub fn files(inputs: &Inputs) -> Vec<(&'static str, String)> {
    let settings = inputs.data.load_settings();
    let credentials = inputs.data.load_credentials();
    let mut secrets = vec![inputs.control_token.clone()];
    let device = match &credentials {
        Some(c) => {
            secrets.extend([c.device_token.clone(), c.sip.password.clone()]);
            let mut shown = c.clone();
            shown.device_token = REMOVED.into();
            shown.sip.password = REMOVED.into();
            pretty(&shown)
        }
        None => "not activated\n".into(),
    };
    let mut files = vec![
        ("README.txt", readme()),
        ("status.json", pretty(&inputs.status)),
        ("settings.json", pretty(&settings)),
        ("activation.json", device),
        ("versions.txt", versions(inputs.board.as_ref())),
        ("self-check.txt", self_check(inputs)),
        ("log.txt", crate::logs::recent().join("\n") + "\n"),
    ];
    if let Some(journal) = journal() {
        files.push(("journal.txt", journal));
    }
    // Values too short to be secrets would blank ordinary words.
    secrets.retain(|s| s.len() >= 4);
    for (_, text) in &mut files {
        for secret in &secrets {
            if text.contains(secret.as_str()) {
                *text = text.replace(secret.as_str(), REMOVED);
            }
        }
    }
    files
}

/// The files as a gzip-compressed tar, in one folder named `folder`.
pub fn archive(folder: &str, files: &[(&str, String)]) -> std::io::Result<Vec<u8>> {
    let gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gzip);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for (name, text) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(text.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(now);
        header.set_cksum();
        tar.append_data(&mut header, format!("{folder}/{name}"), text.as_bytes())?;
    }
    let mut gzip = tar.into_inner()?;
    gzip.flush()?;
    gzip.finish()
}

fn pretty<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

fn readme() -> String {
    "roomterm diagnostic bundle\n\
     status.json      what the terminal showed when the bundle was made\n\
     settings.json    its settings\n\
     activation.json  its cloud and SIP account, secrets removed\n\
     versions.txt     software, GStreamer, kernel, board\n\
     self-check.txt   the board's elements, devices and codec round trips\n\
     log.txt          the terminal's recent log lines\n\
     journal.txt      the service's journal (on the appliance image)\n\
     Secrets (device token, SIP password, control token) are replaced by [removed].\n"
        .into()
}

fn versions(board: Option<&BoardProfile>) -> String {
    let kernel = std::fs::read_to_string("/proc/version").unwrap_or_default();
    format!(
        "roomterm {}\nrelease {}\ngstreamer {}\nboard {}\nkernel {}",
        env!("CARGO_PKG_VERSION"),
        crate::app::service::release(),
        gst::version_string(),
        board.map_or("unknown", |b| b.board.id.as_str()),
        if kernel.is_empty() {
            "unknown\n"
        } else {
            &kernel
        },
    )
}

fn self_check(inputs: &Inputs) -> String {
    let Some(board) = &inputs.board else {
        return "no board profile given: self-check not run\n".into();
    };
    crate::self_check::run(board, std::path::Path::new("/"))
        .iter()
        .map(|check| format!("{check}\n"))
        .collect()
}

/// The service's journal, where systemd runs it.
fn journal() -> Option<String> {
    let out = Command::new("journalctl")
        .args([
            "-u",
            "roomterm.service",
            "-n",
            "5000",
            "--no-pager",
            "-o",
            "short-iso",
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && text.lines().count() > 1).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_reach_the_bundle_even_in_a_log_line() {
        let dir = tempfile::tempdir().unwrap();
        let data = DataDir::new(dir.path()).unwrap();
        tracing::subscriber::with_default(
            tracing_subscriber::layer::SubscriberExt::with(
                tracing_subscriber::registry(),
                crate::logs::Recent,
            ),
            || tracing::info!("leaked rtc_0123456789abcdef by mistake"),
        );
        let inputs = Inputs {
            data,
            status: StatusView::from(&crate::status::TerminalStatus::new("RT-1")),
            control_token: "rtc_0123456789abcdef".into(),
            board: None,
        };
        let files = files(&inputs);
        let log = &files.iter().find(|(n, _)| *n == "log.txt").unwrap().1;
        assert!(log.contains("leaked [removed] by mistake"), "{log}");
        assert!(files
            .iter()
            .all(|(_, t)| !t.contains("rtc_0123456789abcdef")));
        let bytes = archive("bundle", &files).unwrap();
        let mut names = Vec::new();
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(&bytes[..]));
        for entry in tar.entries().unwrap() {
            names.push(entry.unwrap().path().unwrap().display().to_string());
        }
        assert!(
            names.contains(&"bundle/status.json".to_string()),
            "{names:?}"
        );
    }
}
