//! The room's sound around a call: the far end played on the speaker
//! through the echo canceller's probe, and the microphone cleaned by
//! `webrtcdsp` (echo cancellation against what the speaker plays; noise
//! suppression and gain control for a real microphone, where a test tone
//! would be taken for noise).
//!
//! ```text
//! far end … → volume (speaker level) → tee ─→ queue → appsink (what the room hears)
//!                                          └→ queue → webrtcechoprobe → audioconvert → audioresample → <speaker>
//! microphone → volume (mute) → … → webrtcdsp (its probe: the speaker's) → opusenc → …
//! ```
//!
//! Without a speaker (headless tests, a board with no sound device) there
//! is no echo to cancel and no probe; a speaker that cannot open leaves the
//! call running without one, and a missing `webrtcdsp` (gst-plugins-bad)
//! leaves the microphone unprocessed, each with a warning.

use std::sync::atomic::{AtomicU64, Ordering};

use gst::prelude::*;

use super::pipeline::make;
use super::MediaError;

/// Each call's probe has its own name: webrtcdsp finds its probe by name,
/// process-wide, and several calls' media may live in one process.
static NEXT_PROBE: AtomicU64 = AtomicU64::new(0);

/// The speaker branch of a call's sound.
pub struct Speaker {
    pub sink: gst::Element,
    /// The name of its echo probe, for the microphone's `webrtcdsp`.
    pub probe: String,
}

impl Speaker {
    /// Opens the playback element `factory` (e.g. `autoaudiosink`,
    /// `alsasink`); `None` when it cannot (no sound device).
    pub fn open(factory: &str, device: Option<&str>) -> Option<Self> {
        let sink = match make(factory) {
            Ok(sink) => sink,
            Err(err) => {
                tracing::warn!(%err, "no speaker: the far end is not played");
                return None;
            }
        };
        if let Some(device) = device.filter(|d| !d.is_empty()) {
            if sink.has_property("device") {
                sink.set_property("device", device);
            }
        }
        // Opening the device happens on READY: try it before the call
        // depends on it.
        if sink.set_state(gst::State::Ready).is_err() {
            let _ = sink.set_state(gst::State::Null);
            tracing::warn!(
                factory,
                ?device,
                "the speaker does not open: the far end is not played"
            );
            return None;
        }
        let _ = sink.set_state(gst::State::Null);
        let probe = format!(
            "roomterm-echo-probe-{}",
            NEXT_PROBE.fetch_add(1, Ordering::Relaxed)
        );
        Some(Self { sink, probe })
    }

    /// queue → echo probe (if webrtcdsp is installed) → convert → the sink.
    pub fn chain(&self) -> Result<Vec<gst::Element>, MediaError> {
        let queue = make("queue")?;
        // A speaker that stalls must not hold up what the room hears.
        queue.set_property_from_str("leaky", "downstream");
        queue.set_property("max-size-time", 200_000_000u64);
        let mut chain = vec![queue];
        if has_voice_processing() {
            let probe = gst::ElementFactory::make("webrtcechoprobe")
                .name(self.probe.as_str())
                .build()
                .map_err(|e| MediaError::Element {
                    element: "webrtcechoprobe".into(),
                    message: e.to_string(),
                })?;
            chain.push(probe);
        }
        chain.push(make("audioconvert")?);
        chain.push(make("audioresample")?);
        chain.push(self.sink.clone());
        Ok(chain)
    }
}

/// Whether `webrtcdsp` and its probe are installed (gst-plugins-bad).
pub fn has_voice_processing() -> bool {
    gst::ElementFactory::find("webrtcdsp").is_some()
        && gst::ElementFactory::find("webrtcechoprobe").is_some()
}

/// The microphone's processing: echo cancellation against `probe` (the
/// speaker's), noise suppression and gain control when `real_microphone`.
/// `None` when there is nothing to do or webrtcdsp is missing.
pub fn processor(
    probe: Option<&str>,
    real_microphone: bool,
) -> Result<Option<gst::Element>, MediaError> {
    if probe.is_none() && !real_microphone {
        return Ok(None);
    }
    if !has_voice_processing() {
        tracing::warn!("webrtcdsp missing (gstreamer1.0-plugins-bad): no echo cancellation");
        return Ok(None);
    }
    let dsp = make("webrtcdsp")?;
    dsp.set_property("echo-cancel", probe.is_some());
    if let Some(probe) = probe {
        dsp.set_property("probe", probe);
        // The speaker's delay is unknown (USB, HDMI, Bluetooth differ).
        dsp.set_property("delay-agnostic", true);
    }
    dsp.set_property("noise-suppression", real_microphone);
    dsp.set_property("gain-control", real_microphone);
    Ok(Some(dsp))
}
