//! The imperative shell: finds devices every [`RESCAN`] (hot-plug), reads
//! each in its own task through the pump, and drops a device that goes away
//! with a log line.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use tokio::task::JoinSet;

use super::decoder::Decoder;
use super::discovery::{scan, DeviceKind, DiscoveryRules, Found};
use super::pump::pump;
use crate::app::Terminal;
use crate::board::{BoardProfile, IrKeymap};

/// How often to look for new devices.
pub const RESCAN: Duration = Duration::from_secs(2);

/// What the input layer reads, from the board profile and the run mode.
#[derive(Debug, Clone)]
pub struct InputConfig {
    pub rules: DiscoveryRules,
    pub ir_keymap: IrKeymap,
}

impl InputConfig {
    /// IR receivers from the profile; keyboards too when `headless`.
    pub fn new(profile: &BoardProfile, headless: bool) -> Self {
        Self {
            rules: DiscoveryRules {
                ir_device_names: profile.input.ir_device_names.clone(),
                cec_device_names: profile.cec.input_names.clone(),
                keyboards: headless,
            },
            ir_keymap: profile.ir_keymap.clone(),
        }
    }
}

/// Reads input devices into `terminal` for as long as the tokio runtime
/// runs (or until the returned handle is aborted).
pub fn spawn(terminal: Terminal, config: InputConfig) -> tokio::task::JoinHandle<()> {
    tokio::spawn(watch(terminal, config))
}

async fn watch(terminal: Terminal, config: InputConfig) {
    let mut reading: HashMap<PathBuf, String> = HashMap::new();
    let mut tasks: JoinSet<PathBuf> = JoinSet::new();
    let mut said_none = false;
    let mut tick = tokio::time::interval(RESCAN);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            Some(done) = tasks.join_next() => {
                if let Ok(path) = done {
                    reading.remove(&path);
                }
                continue;
            }
        }
        let rules = config.rules.clone();
        let skip: HashSet<PathBuf> = reading.keys().cloned().collect();
        let found = match tokio::task::spawn_blocking(move || scan(&rules, &skip)).await {
            Ok(found) => found,
            Err(err) => {
                tracing::warn!("input device scan failed: {err}");
                continue;
            }
        };
        if found.is_empty() && reading.is_empty() {
            if !said_none {
                tracing::info!(
                    "no input devices to read (IR receivers {:?}{}); looking again every {}s",
                    config.rules.ir_device_names,
                    if config.rules.keyboards {
                        ", keyboards"
                    } else {
                        ""
                    },
                    RESCAN.as_secs()
                );
                said_none = true;
            }
            continue;
        }
        said_none = false;
        for device in found {
            reading.insert(device.path.clone(), device.name.clone());
            tasks.spawn(read(device, terminal.clone(), config.ir_keymap.clone()));
        }
    }
}

/// Reads one device until it fails or goes away; returns its path.
async fn read(found: Found, terminal: Terminal, keymap: IrKeymap) -> PathBuf {
    let Found {
        path,
        name,
        kind,
        mut device,
    } = found;
    let decoder = match kind {
        DeviceKind::IrReceiver => {
            // Ours alone: a window system must not see the remote as a keyboard.
            if let Err(err) = device.grab() {
                tracing::warn!(device = %name, path = %path.display(), "cannot grab IR receiver: {err}");
            }
            Decoder::ir(&keymap)
        }
        DeviceKind::CecRemote => {
            if let Err(err) = device.grab() {
                tracing::warn!(device = %name, path = %path.display(), "cannot grab CEC remote: {err}");
            }
            Decoder::cec()
        }
        DeviceKind::Keyboard => Decoder::keyboard(),
    };
    tracing::info!(device = %name, path = %path.display(), ?kind, "reading input device");
    let result = match device.into_event_stream() {
        Ok(events) => pump(events, decoder, &terminal).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(()) => tracing::info!(device = %name, path = %path.display(), "input device closed"),
        Err(err) if err.raw_os_error() == Some(libc::ENODEV) => {
            tracing::info!(device = %name, path = %path.display(), "input device removed")
        }
        Err(err) => {
            tracing::warn!(device = %name, path = %path.display(), "input device dropped: {err}")
        }
    }
    path
}
