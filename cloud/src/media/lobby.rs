//! The waiting room of a caller asked for the meeting password: its media
//! ports held (the answer named them; the conference takes them over once
//! the password is right), a prompt spoken to it, and every RTP packet it
//! sends shown to the caller's keypad reader (its keys are RFC 4733
//! events in that stream).
//!
//! ```text
//! appsrc (the prompt, else silence; 20 ms a buffer, in real time) → audioconvert → audioresample
//!   → caps → <encoder> → <payloader> → udpsink (from the caller's audio port)
//! udpsrc (audio RTP) → fakesink        (watched: keys)
//! udpsrc (audio RTCP, video RTP/RTCP) → fakesink   (held)
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;
use roomterm_rtp::{bind_pair, Remote};

use super::config::MediaBind;
use super::elements::{make, MediaError};
use super::participant::{mono_s16, AudioCodec, MediaPorts};
use super::prompts::Prompt;
use crate::lock;

/// Samples per buffer pushed: 20 ms at 48 kHz.
const CHUNK: usize = 960;

/// The caller as the offer/answer settled it.
#[derive(Debug, Clone)]
pub struct LobbySpec {
    pub bind: MediaBind,
    pub audio_to: Remote,
    pub audio_pt: u8,
    pub audio_codec: AudioCodec,
    /// Whether its video port is held too (it offered video).
    pub video: bool,
}

/// What is being said: the prompt's samples and how far it got.
#[derive(Default)]
struct Speech {
    samples: Option<Arc<[i16]>>,
    at: usize,
}

pub struct Lobby {
    pipeline: gst::Pipeline,
    ports: MediaPorts,
    speech: Arc<Mutex<Speech>>,
    run: Arc<AtomicBool>,
    speaker: Option<std::thread::JoinHandle<()>>,
}

impl Lobby {
    /// Holds the caller's ports and starts sending it silence; every
    /// packet it sends on its audio port goes to `on_audio`.
    pub fn start(
        spec: &LobbySpec,
        on_audio: impl Fn(&[u8]) + Send + Sync + 'static,
    ) -> Result<Self, MediaError> {
        super::init()?;
        let failed = |e: String| MediaError::Pipeline(format!("waiting room: {e}"));
        let pipeline = gst::Pipeline::with_name("waiting-room");
        let any_rtp = gst::Caps::new_empty_simple("application/x-rtp");
        let (audio, audio_rtcp, audio_port) = bind_pair(spec.bind.ip, &any_rtp, spec.bind.ports)
            .map_err(|e| failed(e.to_string()))?;
        let mut held = vec![audio_rtcp];
        let video_port = match spec.video {
            true => {
                let (video, video_rtcp, port) = bind_pair(spec.bind.ip, &any_rtp, spec.bind.ports)
                    .map_err(|e| failed(e.to_string()))?;
                held.extend([video, video_rtcp]);
                Some(port)
            }
            false => None,
        };
        for src in held.iter().chain([&audio]) {
            let sink = make("fakesink")?;
            sink.set_property("sync", false);
            sink.set_property("async", false);
            pipeline
                .add_many([src, &sink])
                .map_err(|e| failed(e.to_string()))?;
            src.link(&sink).map_err(|e| failed(e.to_string()))?;
        }
        if let Some(pad) = audio.static_pad("src") {
            pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
                if let Some(map) = info.buffer().and_then(|b| b.map_readable().ok()) {
                    on_audio(map.as_slice());
                }
                gst::PadProbeReturn::Ok
            });
        }
        let voice = gst_app::AppSrc::builder()
            .caps(&mono_s16())
            .is_live(true)
            .do_timestamp(true)
            .format(gst::Format::Time)
            .build();
        let out = make("udpsink")?;
        // From the port the caller sends to: it may expect our media there.
        out.set_property_from_value("socket", &audio.property_value("used-socket"));
        out.set_property("close-socket", false);
        out.set_property("host", spec.audio_to.rtp.ip().to_string());
        out.set_property("port", i32::from(spec.audio_to.rtp.port()));
        out.set_property("sync", false);
        out.set_property("async", false);
        let mut chain = vec![voice.clone().upcast()];
        chain.extend(spec.audio_codec.encoding(spec.audio_pt)?);
        chain.push(out);
        pipeline
            .add_many(&chain)
            .map_err(|e| failed(e.to_string()))?;
        gst::Element::link_many(&chain).map_err(|e| failed(e.to_string()))?;
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| failed(e.to_string()))?;
        let speech = Arc::new(Mutex::new(Speech::default()));
        let run = Arc::new(AtomicBool::new(true));
        let speaker = std::thread::Builder::new()
            .name("waiting-room".into())
            .spawn({
                let (speech, run) = (speech.clone(), run.clone());
                move || speak(&voice, &speech, &run)
            })
            .map_err(|e| failed(e.to_string()))?;
        Ok(Self {
            pipeline,
            ports: MediaPorts {
                video: video_port,
                audio: audio_port,
            },
            speech,
            run,
            speaker: Some(speaker),
        })
    }

    /// The caller's ports (RTCP: the next one of each).
    pub fn ports(&self) -> MediaPorts {
        self.ports
    }

    /// Says `prompt` from its start (cutting off what was being said).
    pub fn say(&self, prompt: Prompt) {
        *lock(&self.speech) = Speech {
            samples: Some(prompt.samples()),
            at: 0,
        };
    }

    /// Whether a prompt is still being said.
    pub fn speaking(&self) -> bool {
        lock(&self.speech).samples.is_some()
    }
}

impl Drop for Lobby {
    /// Lets go of the caller's ports (the conference may take them).
    fn drop(&mut self) {
        self.run.store(false, Ordering::Relaxed);
        if let Some(speaker) = self.speaker.take() {
            let _ = speaker.join();
        }
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Pushes 20 ms of the prompt (or silence) every 20 ms until stopped.
fn speak(voice: &gst_app::AppSrc, speech: &Mutex<Speech>, run: &AtomicBool) {
    let start = Instant::now();
    let mut n: u64 = 0;
    while run.load(Ordering::Relaxed) {
        let due = start + Duration::from_millis(20 * n);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
        n += 1;
        let mut chunk = [0i16; CHUNK];
        {
            let mut speech = lock(speech);
            if let Some(samples) = speech.samples.clone() {
                let from = speech.at.min(samples.len());
                let to = (from + CHUNK).min(samples.len());
                chunk[..to - from].copy_from_slice(&samples[from..to]);
                speech.at = to;
                if to == samples.len() {
                    speech.samples = None;
                }
            }
        }
        let bytes: Vec<u8> = chunk.iter().flat_map(|s| s.to_le_bytes()).collect();
        if voice
            .push_buffer(gst::Buffer::from_mut_slice(bytes))
            .is_err()
        {
            return;
        }
    }
}
