//! `roomterm --self-check`: what an installer (and CI, on every
//! architecture) runs to see that this build works on this board. The
//! profile is the right one for the machine, each media role has an
//! element, and H.264 and Opus really go through an encoder, RTP and a
//! decoder here. Devices the profile names but the machine lacks are
//! warnings: a call still runs without them.

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::board::{BoardProfile, GpioBackend};
use crate::media::{
    tone_rms, AudioLoopback, AudioLoopbackConfig, MediaPlan, RgbFrame, SourceMode, VideoLoopback,
    VideoLoopbackConfig,
};

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Works, but something the board should have is missing.
    Warn,
    Fail,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub outcome: Outcome,
    pub detail: String,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let outcome = match self.outcome {
            Outcome::Ok => "ok",
            Outcome::Warn => "warn",
            Outcome::Fail => "FAIL",
        };
        write!(f, "{outcome:<5} {:<10} {}", self.name, self.detail)
    }
}

fn check(name: &'static str, outcome: Outcome, detail: impl Into<String>) -> Check {
    Check {
        name,
        outcome,
        detail: detail.into(),
    }
}

/// Runs every check on `profile`; `root` is where device paths are looked
/// up (`/` on a board).
pub fn run(profile: &BoardProfile, root: &Path) -> Vec<Check> {
    let mut checks = vec![board(profile), gpio(profile, root)];
    let plan = match MediaPlan::probe(profile, SourceMode::Profile) {
        Ok(plan) => plan,
        Err(err) => {
            checks.push(check("media", Outcome::Fail, err.to_string()));
            return checks;
        }
    };
    checks.push(check(
        "media",
        Outcome::Ok,
        format!(
            "encoder {}, decoder {}, VP8 decoder {}, display {}",
            plan.h264_encoder, plan.h264_decoder, plan.vp8_decoder, plan.video_sink
        ),
    ));
    checks.extend(devices(&plan, root));
    checks.push(video(&plan));
    checks.push(audio());
    checks
}

/// The profile's architecture is this build's.
fn board(profile: &BoardProfile) -> Check {
    let running = std::env::consts::ARCH;
    let info = &profile.board;
    let outcome = if info.arch == running {
        Outcome::Ok
    } else {
        Outcome::Fail
    };
    check(
        "board",
        outcome,
        format!(
            "{} ({}), profile for {}, running on {running}",
            info.id, info.name, info.arch
        ),
    )
}

fn gpio(profile: &BoardProfile, root: &Path) -> Check {
    let pins = &profile.gpio;
    let lines = format!(
        "reset {}, LEDs {}/{}/{}",
        pins.reset_button, pins.led_registered, pins.led_in_call, pins.led_error
    );
    match pins.backend {
        GpioBackend::Simulated => check("gpio", Outcome::Ok, "simulated (no GPIO on this board)"),
        GpioBackend::Cdev | GpioBackend::Rppal => {
            let chip = under(root, &pins.chip);
            if chip.exists() {
                check("gpio", Outcome::Ok, format!("{}: {lines}", pins.chip))
            } else {
                check(
                    "gpio",
                    Outcome::Warn,
                    format!("{} not found: no reset button or status LEDs", pins.chip),
                )
            }
        }
    }
}

/// The camera and microphone devices the profile names.
fn devices(plan: &MediaPlan, root: &Path) -> Vec<Check> {
    let mut checks = Vec::new();
    for (name, source) in [("camera", &plan.camera), ("microphone", &plan.microphone)] {
        let found = match &source.device {
            None => check(
                name,
                Outcome::Ok,
                format!("{} (test signal)", source.element),
            ),
            // ALSA names (hw:CARD=...) are not paths: the call reports
            // whether they open.
            Some(device) if !device.starts_with('/') => {
                check(name, Outcome::Ok, format!("{} {device}", source.element))
            }
            Some(device) if under(root, device).exists() => {
                check(name, Outcome::Ok, format!("{} {device}", source.element))
            }
            Some(device) => check(
                name,
                Outcome::Warn,
                format!("{device} not found: calls send black"),
            ),
        };
        checks.push(found);
    }
    checks
}

/// A colour through the chosen H.264 encoder, RTP and decoder.
fn video(plan: &MediaPlan) -> Check {
    const SENT: (u32, [u8; 3]) = (0xff20_80c0, [0x20, 0x80, 0xc0]);
    let started = Instant::now();
    let codecs = format!("{} → {}", plan.h264_encoder, plan.h264_decoder);
    let loopback = match VideoLoopback::start(&VideoLoopbackConfig::small(plan, SENT.0)) {
        Ok(loopback) => loopback,
        Err(err) => return check("video", Outcome::Fail, format!("{codecs}: {err}")),
    };
    // Emulated or slow boards take a while for the first key frame.
    let deadline = started + Duration::from_secs(30);
    let mut last = None;
    while Instant::now() < deadline {
        match loopback.next_frame(Duration::from_secs(10)) {
            Ok(frame) => {
                let centre = frame.centre_mean(32);
                if RgbFrame::distance(centre, SENT.1) <= 32 {
                    return check(
                        "video",
                        Outcome::Ok,
                        format!(
                            "{codecs}: {}x{} decoded, colour intact, {} ms",
                            frame.width,
                            frame.height,
                            started.elapsed().as_millis()
                        ),
                    );
                }
                last = Some(centre);
            }
            Err(err) => return check("video", Outcome::Fail, format!("{codecs}: {err}")),
        }
    }
    check(
        "video",
        Outcome::Fail,
        format!("{codecs}: sent {:?}, decoded {last:?}", SENT.1),
    )
}

/// A tone through Opus, RTP and back.
fn audio() -> Check {
    let config = AudioLoopbackConfig::default();
    let started = Instant::now();
    let loopback = match AudioLoopback::start(&config) {
        Ok(loopback) => loopback,
        Err(err) => return check("audio", Outcome::Fail, format!("opus: {err}")),
    };
    let deadline = started + Duration::from_secs(30);
    let mut best = 0.0f64;
    while Instant::now() < deadline {
        match loopback.next_samples(Duration::from_secs(10)) {
            Ok(samples) => {
                let rms = tone_rms(&samples, 48_000.0, config.frequency);
                best = best.max(rms);
                // Half the sent amplitude's RMS (0.5 / √2) is plenty.
                if rms > 0.17 {
                    return check(
                        "audio",
                        Outcome::Ok,
                        format!(
                            "opus: {} Hz tone decoded at {:.1} dBFS, {} ms",
                            config.frequency,
                            20.0 * rms.log10(),
                            started.elapsed().as_millis()
                        ),
                    );
                }
            }
            Err(err) => return check("audio", Outcome::Fail, format!("opus: {err}")),
        }
    }
    check(
        "audio",
        Outcome::Fail,
        format!("opus: tone not heard (best RMS {best:.3})"),
    )
}

/// `path` (absolute) inside `root`.
fn under(root: &Path, path: &str) -> std::path::PathBuf {
    root.join(path.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(id: &str) -> BoardProfile {
        let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("board");
        BoardProfile::load(&boards, id).unwrap()
    }

    #[test]
    fn a_profile_for_another_architecture_fails() {
        let wrong = if std::env::consts::ARCH == "aarch64" {
            "generic-x86_64"
        } else {
            "rk3588"
        };
        let found = board(&profile(wrong));
        assert_eq!(found.outcome, Outcome::Fail, "{found}");
    }

    #[test]
    fn missing_devices_are_warnings_present_ones_are_ok() {
        let root = tempfile::tempdir().unwrap();
        let rk = profile("rk3588");
        assert_eq!(gpio(&rk, root.path()).outcome, Outcome::Warn);
        std::fs::create_dir_all(root.path().join("dev")).unwrap();
        std::fs::write(root.path().join("dev/gpiochip3"), "").unwrap();
        let found = gpio(&rk, root.path());
        assert_eq!(found.outcome, Outcome::Ok, "{found}");
        assert!(found.detail.contains("reset 4"), "{found}");

        let plan = MediaPlan::choose(&rk, SourceMode::Profile, |_| true).unwrap();
        let found = devices(&plan, root.path());
        assert_eq!(found[0].outcome, Outcome::Warn, "{}", found[0]);
        assert!(found[0].detail.contains("/dev/video0"), "{}", found[0]);
        // ALSA card names are checked when the call opens them.
        assert_eq!(found[1].outcome, Outcome::Ok, "{}", found[1]);
        std::fs::write(root.path().join("dev/video0"), "").unwrap();
        assert_eq!(devices(&plan, root.path())[0].outcome, Outcome::Ok);
    }
}
