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

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::media::pipeline::{capsfilter, Running};
    use crate::media::tone_rms;

    const RATE: i32 = 48_000;
    const TALKER_HZ: f64 = 660.0;

    fn mono() -> gst::Caps {
        gst::Caps::builder("audio/x-raw")
            .field("format", "S16LE")
            .field("rate", RATE)
            .field("channels", 1i32)
            .build()
    }

    fn live(wave: &str, volume: f64) -> gst::Element {
        let src = make("audiotestsrc").unwrap();
        src.set_property("is-live", true);
        src.set_property_from_str("wave", wave);
        src.set_property("freq", TALKER_HZ);
        src.set_property("volume", volume);
        src.set_property("samplesperbuffer", 480i32);
        src
    }

    /// A room: the far end (white noise, when `far_talks`) plays on the
    /// speaker and comes back into the microphone 40 ms later at half
    /// level, mixed with the local talker (a 660 Hz tone, when
    /// `near_talks`). Returns (talker RMS, RMS of the rest) of what the
    /// microphone sends over the last 3 of 7 seconds, processed as a call
    /// does (`cancel`) or not.
    fn room(cancel: bool, far_talks: bool, near_talks: bool) -> (f64, f64) {
        let speaker = Speaker {
            sink: make("fakesink").unwrap(),
            probe: format!(
                "roomterm-echo-probe-{}",
                NEXT_PROBE.fetch_add(1, Ordering::Relaxed)
            ),
        };
        speaker.sink.set_property("sync", true);
        let far = live("white-noise", if far_talks { 0.3 } else { 0.0 });
        let far_tee = make("tee").unwrap();
        let echo_delay = make("queue").unwrap();
        echo_delay.set_property("min-threshold-time", 40_000_000u64);
        echo_delay.set_property("max-size-time", 1_000_000_000u64);
        let echo_level = make("volume").unwrap();
        echo_level.set_property("volume", 0.5);
        let mixer = make("audiomixer").unwrap();
        let sink = gst_app::AppSink::builder()
            .caps(&mono())
            .sync(false)
            .build();
        let running = Running::link(
            "echo-room",
            &[far, capsfilter(mono()).unwrap(), far_tee.clone()],
        )
        .unwrap();
        running.branch(&far_tee, &speaker.chain().unwrap()).unwrap();
        running
            .branch(&far_tee, &[echo_delay, echo_level, mixer.clone()])
            .unwrap();
        let talker = live("sine", if near_talks { 0.3 } else { 0.0 });
        running
            .branch_into(&[talker, capsfilter(mono()).unwrap()], &mixer)
            .unwrap();
        let mut microphone = vec![capsfilter(mono()).unwrap()];
        if cancel {
            microphone.push(processor(Some(&speaker.probe), false).unwrap().unwrap());
        }
        microphone.push(sink.clone().upcast());
        running.branch(&mixer, &microphone).unwrap();
        running.play().unwrap();
        let start = Instant::now();
        let mut samples = Vec::new();
        while start.elapsed() < Duration::from_secs(7) {
            let Some(sample) = sink.try_pull_sample(gst::ClockTime::from_seconds(1)) else {
                panic!("no sound from the microphone: {:?}", running.bus_error());
            };
            if start.elapsed() < Duration::from_secs(4) {
                continue; // the canceller converges meanwhile
            }
            let map = sample.buffer().unwrap().map_readable().unwrap();
            samples.extend(
                map.chunks_exact(2)
                    .map(|b| i16::from_le_bytes([b[0], b[1]])),
            );
        }
        let total = (samples
            .iter()
            .map(|s| (f64::from(*s) / 32768.0).powi(2))
            .sum::<f64>()
            / samples.len() as f64)
            .sqrt();
        let talker = tone_rms(&samples, f64::from(RATE), TALKER_HZ);
        (talker, (total.powi(2) - talker.powi(2)).max(0.0).sqrt())
    }

    #[test]
    fn the_far_end_heard_back_through_the_microphone_is_cancelled() {
        crate::media::init().unwrap();
        assert!(
            has_voice_processing(),
            "webrtcdsp missing: apt install gstreamer1.0-plugins-bad"
        );
        let (_, echo_raw) = room(false, true, false);
        let (_, echo) = room(true, true, false);
        let erle_db = 20.0 * (echo_raw / echo.max(1e-9)).log10();
        assert!(
            erle_db >= 20.0,
            "echo {echo_raw:.4} → {echo:.4}: only {erle_db:.1} dB cancelled"
        );
    }

    #[test]
    fn the_room_talking_alone_passes_through_the_canceller() {
        crate::media::init().unwrap();
        let (talker_raw, _) = room(false, false, true);
        let (talker, _) = room(true, false, true);
        assert!(
            talker >= 0.8 * talker_raw,
            "the talker went from {talker_raw:.4} to {talker:.4}"
        );
    }
}
