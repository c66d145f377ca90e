//! HDMI-CEC with the room's display, through v4l-utils' `cec-ctl` on the
//! adapter the board profile names (`[cec] device`): the terminal
//! registers as a playback device, wakes the display and makes itself its
//! source when a call rings, a cast starts or the room wakes from
//! standby, and puts the display to standby with the room. The TV's own
//! remote reaches the pages through the adapter's input device
//! (`[cec] input_names`, read by `crate::input` like a keyboard).
//!
//! What to do is decided from the status and the screen ([`decide`],
//! pure); `cec-ctl` carries it out. A failing `cec-ctl` (none installed,
//! no display answering) is logged and changes nothing else.

use std::path::{Path, PathBuf};

use crate::app::Terminal;
use crate::sip::CallState;

/// What the display is told about.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Watched {
    /// A call rings here (an incoming call or a meeting's invitation).
    pub ringing: bool,
    /// A cast is showing.
    pub casting: bool,
    /// The room's screen is in standby.
    pub standby: bool,
}

impl Watched {
    pub fn of(terminal: &Terminal) -> Self {
        let status = terminal.status.borrow();
        Self {
            ringing: matches!(status.call, Some(CallState::Incoming { .. })),
            casting: status.cast.is_some(),
            standby: terminal.ui.borrow().standby,
        }
    }
}

/// What to tell the display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CecAction {
    /// Turn on and show this source (CEC's One Touch Play).
    Wake,
    /// Go to standby.
    Sleep,
}

/// The change from `was` to `now`, if it concerns the display.
pub fn decide(was: Watched, now: Watched) -> Option<CecAction> {
    if now.standby && !was.standby {
        return Some(CecAction::Sleep);
    }
    let started = |then: bool, now: bool| now && !then;
    let woke = was.standby && !now.standby;
    (started(was.ringing, now.ringing) || started(was.casting, now.casting) || woke)
        .then_some(CecAction::Wake)
}

/// `cec-ctl`'s arguments, one command per entry; `phys_addr` is ours (as
/// the set-up reported it), for the display to switch to.
pub fn commands(
    action: Option<CecAction>,
    device: &Path,
    phys_addr: Option<&str>,
) -> Vec<Vec<String>> {
    let d = device.display().to_string();
    let command = |args: &[&str]| {
        ["-d", d.as_str()]
            .iter()
            .chain(args)
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    };
    match action {
        // Set-up: a playback device named as the product.
        None => vec![command(&["--playback", "--osd-name", "roomterm"])],
        // To the TV (logical address 0): on, then switch to our input.
        Some(CecAction::Wake) => {
            let mut wake = vec![command(&["--to", "0", "--image-view-on"])];
            if let Some(pa) = phys_addr {
                let source = format!("phys-addr={pa}");
                wake.push(command(&["--to", "0", "--active-source", &source]));
            }
            wake
        }
        Some(CecAction::Sleep) => vec![command(&["--to", "0", "--standby"])],
    }
}

/// Our physical address in `cec-ctl`'s report (`Physical Address : 1.0.0.0`).
pub fn physical_address(report: &str) -> Option<String> {
    report.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        let value = value.trim();
        let digits = value.split('.').collect::<Vec<_>>();
        let valid = digits.len() == 4
            && digits
                .iter()
                .all(|d| d.len() == 1 && d.chars().all(|c| c.is_ascii_hexdigit()));
        (name.trim() == "Physical Address" && valid && value != "f.f.f.f")
            .then(|| value.to_string())
    })
}

/// Follows the terminal for as long as the runtime runs.
pub fn spawn(terminal: Terminal, device: PathBuf) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let report = run(&commands(None, &device, None)).await;
        let phys_addr = physical_address(&report);
        tracing::info!(device = %device.display(), ?phys_addr, "CEC set up");
        let (mut status, mut ui) = (terminal.status.clone(), terminal.ui.clone());
        let mut was = Watched::of(&terminal);
        loop {
            tokio::select! {
                changed = status.changed() => if changed.is_err() { return },
                changed = ui.changed() => if changed.is_err() { return },
            }
            let now = Watched::of(&terminal);
            if let Some(action) = decide(was, now) {
                tracing::info!(?action, "CEC: telling the display");
                run(&commands(Some(action), &device, phys_addr.as_deref())).await;
            }
            was = now;
        }
    })
}

/// Runs the commands in order; what they printed.
async fn run(commands: &[Vec<String>]) -> String {
    let mut printed = String::new();
    for args in commands {
        let outcome = tokio::process::Command::new("cec-ctl")
            .args(args)
            .kill_on_drop(true)
            .output()
            .await;
        match outcome {
            Ok(out) if out.status.success() => {
                printed.push_str(&String::from_utf8_lossy(&out.stdout));
            }
            Ok(out) => tracing::warn!(
                ?args,
                stderr = %String::from_utf8_lossy(&out.stderr).trim(),
                "cec-ctl failed"
            ),
            Err(err) => tracing::warn!(%err, "cec-ctl cannot run (v4l-utils not installed?)"),
        }
    }
    printed
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDLE: Watched = Watched {
        ringing: false,
        casting: false,
        standby: false,
    };

    #[test]
    fn a_ring_a_cast_or_waking_up_wakes_the_display_standby_sends_it_to_sleep() {
        let ringing = Watched {
            ringing: true,
            ..IDLE
        };
        let casting = Watched {
            casting: true,
            ..IDLE
        };
        let asleep = Watched {
            standby: true,
            ..IDLE
        };
        assert_eq!(decide(IDLE, ringing), Some(CecAction::Wake));
        assert_eq!(decide(IDLE, casting), Some(CecAction::Wake));
        assert_eq!(decide(asleep, IDLE), Some(CecAction::Wake));
        assert_eq!(decide(IDLE, asleep), Some(CecAction::Sleep));
        // Still ringing, still casting, the call answered: nothing new.
        assert_eq!(decide(ringing, ringing), None);
        assert_eq!(decide(casting, casting), None);
        assert_eq!(decide(ringing, IDLE), None);
        // A call ringing the room out of standby wakes it (the runtime
        // ends standby at once): one wake, not a sleep.
        let woken_by_ring = Watched {
            ringing: true,
            ..IDLE
        };
        assert_eq!(decide(asleep, woken_by_ring), Some(CecAction::Wake));
    }

    #[test]
    fn the_commands_name_the_adapter_and_our_input() {
        let dev = Path::new("/dev/cec0");
        assert_eq!(
            commands(Some(CecAction::Sleep), dev, None),
            [["-d", "/dev/cec0", "--to", "0", "--standby"]
                .map(String::from)
                .to_vec()]
        );
        let wake = commands(Some(CecAction::Wake), dev, Some("2.0.0.0"));
        assert_eq!(wake.len(), 2);
        assert_eq!(wake[1].last().unwrap(), "phys-addr=2.0.0.0");
        // Without our address the display is only woken.
        assert_eq!(commands(Some(CecAction::Wake), dev, None).len(), 1);
        assert!(commands(None, dev, None)[0].contains(&"--playback".to_string()));
    }

    #[test]
    fn our_physical_address_is_read_off_the_report() {
        let report = "Driver Info:\n\tDriver Name                : vc4_hdmi\n\
                      \tPhysical Address           : 1.0.0.0\n\tLogical Address Mask       : 0x0010\n";
        assert_eq!(physical_address(report), Some("1.0.0.0".into()));
        // No display connected: f.f.f.f, which is no address.
        assert_eq!(physical_address("\tPhysical Address : f.f.f.f\n"), None);
        assert_eq!(physical_address("nothing"), None);
    }
}
