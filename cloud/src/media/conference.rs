//! One meeting's media: a live GStreamer pipeline that receives every
//! participant, composes the pictures and mixes the sound.
//!
//! ```text
//! per participant, in:
//!   udpsrc (H264) → rtpjitterbuffer → rtph264depay → <decoder> → videoconvert → queue → compositor.sink_N
//!   udpsrc (OPUS or G.711) → rtpjitterbuffer → depay → decoder → audioconvert → audioresample → caps → tee
//! shared video out, one branch per (class, payload type):
//!   videotestsrc (black, live) → compositor → caps (canvas) → tee ─┬→ queue → videoscale → caps (class) → <encoder> → rtph264pay → multiudpsink (every participant of the class)
//!                                                                  └→ …
//! per participant, audio out (everyone but themselves):
//!   audiotestsrc (silence, live) ─┐
//!   other participants' tees → queue ┴→ audiomixer → audioconvert → audioresample → caps → encoder → payloader → udpsink
//! ```
//!
//! Encoders are per class, not per person: everyone of one class watching
//! the one layout gets the same packets. Audio is mixed per person (a mix
//! minus their own voice) so nobody hears themselves. The silent and black
//! live sources keep both mixers clocked when a participant is alone.

use crate::lock;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;

use super::elements::{
    add_linked, capsfilter, first_installed, link_to_request, make, remove_all, set_if_present,
    start, MediaError,
};
use super::layout::{arrange, LayoutKind, Rect};
use super::speaker::{dbfs, SpeakerDetector};

/// Opus and the mixers run at 48 kHz mono.
const AUDIO_RATE: i32 = 48_000;
/// Jitter buffer: reorders loopback and LAN traffic without adding much.
const JITTER_MS: u32 = 50;
/// How long the mixers wait for a late input before going without it.
const MIXER_LATENCY_MS: u64 = 60;

pub type ParticipantId = u64;

/// The conference's canvas and codecs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConferenceConfig {
    /// The composed picture, before scaling to each class.
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// Where participants send their media (the cloud's media address).
    pub bind: IpAddr,
    pub encoder: String,
    pub decoder: String,
}

impl ConferenceConfig {
    /// The first installed H.264 encoder and decoder (software on a plain
    /// server: x264enc, openh264 as the fallback).
    pub fn probe(width: u32, height: u32, fps: u32, bind: IpAddr) -> Result<Self, MediaError> {
        super::init()?;
        Ok(Self {
            width,
            height,
            fps,
            bind,
            encoder: first_installed("H.264 encoder", &["x264enc", "openh264enc"])?,
            decoder: first_installed("H.264 decoder", &["avdec_h264", "openh264dec"])?,
        })
    }
}

/// What one participant receives: picture size and bit rate (from the
/// negotiated resolution class).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClassSpec {
    pub width: u32,
    pub height: u32,
    pub bitrate_kbps: u32,
}

/// The audio codec a participant speaks (the offer/answer settles it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    Opus,
    /// G.711 µ-law, for endpoints without Opus.
    Pcmu,
    /// G.711 A-law.
    Pcma,
}

impl AudioCodec {
    /// RTP clock rate, `encoding-name`, depayloader, decoder, encoder,
    /// payloader.
    fn elements(self) -> (i32, &'static str, [&'static str; 4]) {
        match self {
            Self::Opus => (
                AUDIO_RATE,
                "OPUS",
                ["rtpopusdepay", "opusdec", "opusenc", "rtpopuspay"],
            ),
            Self::Pcmu => (
                8_000,
                "PCMU",
                ["rtppcmudepay", "mulawdec", "mulawenc", "rtppcmupay"],
            ),
            Self::Pcma => (
                8_000,
                "PCMA",
                ["rtppcmadepay", "alawdec", "alawenc", "rtppcmapay"],
            ),
        }
    }
}

/// A participant as the call's offer/answer settled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParticipantSpec {
    pub id: ParticipantId,
    /// Where the participant wants our video (`None`: an audio-only
    /// caller, e.g. a phone: it hears the meeting and is heard, but has
    /// no picture and receives none) and audio.
    pub video_to: Option<SocketAddr>,
    pub audio_to: SocketAddr,
    /// Dynamic payload types, the same both ways.
    pub video_pt: u8,
    pub audio_pt: u8,
    pub audio_codec: AudioCodec,
    pub class: ClassSpec,
}

/// Where the participant sends its media to us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaPorts {
    /// `None` for an audio-only participant.
    pub video: Option<u16>,
    pub audio: u16,
}

pub struct Conference {
    config: ConferenceConfig,
    /// Media arrival times are kept as milliseconds since this instant.
    epoch: Instant,
    pipeline: gst::Pipeline,
    compositor: gst::Element,
    video_tee: gst::Element,
    /// Shared with the audio inputs' level probes, which move the active
    /// speaker to the big picture.
    state: Arc<Mutex<State>>,
    speakers: Arc<Mutex<SpeakerDetector>>,
}

#[derive(Default)]
struct State {
    layout: LayoutKind,
    /// Join order (the gallery's order; speaker views put the speaker first).
    order: Vec<ParticipantId>,
    /// The active speaker, as last applied to the layout.
    speaker: Option<ParticipantId>,
    participants: HashMap<ParticipantId, Participant>,
    classes: HashMap<(ClassSpec, u8), ClassBranch>,
}

struct Participant {
    spec: ParticipantSpec,
    /// When its last RTP packet (audio or video) arrived, ms since `epoch`.
    last_media: Arc<AtomicU64>,
    ports: MediaPorts,
    video_in: Vec<gst::Element>,
    /// `None`: audio only (no picture in the layout).
    compositor_pad: Option<gst::Pad>,
    audio_in: Vec<gst::Element>,
    tee: gst::Element,
    mixer: gst::Element,
    audio_out: Vec<gst::Element>,
    /// Other participants' sound into this one's mixer, by whose it is.
    inbound: HashMap<ParticipantId, Branch>,
}

/// `tee` of one participant → `queue` → the mixer of another.
struct Branch {
    tee_pad: gst::Pad,
    queue: gst::Element,
    mixer_pad: gst::Pad,
}

/// One encoder for everyone of a class.
struct ClassBranch {
    tee_pad: gst::Pad,
    elements: Vec<gst::Element>,
    encoder: gst::Element,
    sink: gst::Element,
    members: usize,
}

/// The display order: join order, with the speaker first in the speaker
/// views (the gallery keeps its tiles still while people talk).
fn display_order(state: &State) -> Vec<ParticipantId> {
    let mut order = state.order.clone();
    if state.layout != LayoutKind::Gallery {
        if let Some(at) = state
            .speaker
            .and_then(|s| order.iter().position(|p| *p == s))
        {
            let speaker = order.remove(at);
            order.insert(0, speaker);
        }
    }
    order
}

fn rects(state: &State, (width, height): (i32, i32)) -> Vec<(ParticipantId, Rect)> {
    let order = display_order(state);
    let rects = arrange(state.layout, order.len(), width, height);
    order.into_iter().zip(rects).collect()
}

/// Moves every participant's picture to its place; those past the
/// layout's capacity are hidden.
fn apply_layout(state: &State, canvas: (i32, i32)) {
    let shown = rects(state, canvas);
    for (index, id) in display_order(state).iter().enumerate() {
        let Some(participant) = state.participants.get(id) else {
            continue;
        };
        let Some(pad) = &participant.compositor_pad else {
            continue;
        };
        match shown.iter().find(|(shown_id, _)| shown_id == id) {
            Some((_, rect)) => {
                pad.set_property("xpos", rect.x);
                pad.set_property("ypos", rect.y);
                pad.set_property("width", rect.width);
                pad.set_property("height", rect.height);
                // The first (the speaker, full screen in PiP) lowest.
                pad.set_property("zorder", 1 + index as u32);
                pad.set_property("alpha", 1.0f64);
            }
            None => pad.set_property("alpha", 0.0f64),
        }
    }
}

impl Conference {
    /// Starts the (empty) conference: the black canvas is composed from the
    /// first moment, so the first participant's picture arrives at once.
    pub fn start(config: ConferenceConfig) -> Result<Self, MediaError> {
        super::init()?;
        let pipeline = gst::Pipeline::with_name("conference");
        let background = make("videotestsrc")?;
        background.set_property("is-live", true);
        background.set_property_from_str("pattern", "black");
        // I420 end to end: the decoders' format, the one the compositor
        // blends in place and the encoders take, so no picture is converted
        // on the way (converting to the compositor's default AYUV and back
        // cost more than decoding).
        let canvas = gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::I420)
            .width(config.width as i32)
            .height(config.height as i32)
            .framerate(gst::Fraction::new(config.fps as i32, 1))
            .build();
        // The live source only paces the compositor (it outputs on time
        // with nobody sending): a tiny black picture, not a canvas to blend.
        let background_caps = capsfilter(
            gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .width(16)
                .height(16)
                .framerate(gst::Fraction::new(config.fps as i32, 1))
                .build(),
        )?;
        let compositor = make("compositor")?;
        compositor.set_property_from_str("background", "black");
        compositor.set_property("latency", MIXER_LATENCY_MS * 1_000_000);
        let canvas_caps = capsfilter(canvas)?;
        let video_tee = make("tee")?;
        video_tee.set_property("allow-not-linked", true);
        pipeline
            .add_many([
                &background,
                &background_caps,
                &compositor,
                &canvas_caps,
                &video_tee,
            ])
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        gst::Element::link_many([&background, &background_caps])
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        let background_pad = link_to_request(&background_caps, &compositor)?;
        background_pad.set_property("zorder", 0u32);
        gst::Element::link_many([&compositor, &canvas_caps, &video_tee])
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| MediaError::Pipeline(format!("cannot start: {e}")))?;
        Ok(Self {
            config,
            pipeline,
            compositor,
            video_tee,
            state: Arc::new(Mutex::new(State::default())),
            speakers: Arc::default(),
            epoch: Instant::now(),
        })
    }

    /// Adds a participant; returns the ports it must send to.
    pub fn join(&self, spec: ParticipantSpec) -> Result<MediaPorts, MediaError> {
        let mut state = lock(&self.state);
        if state.participants.contains_key(&spec.id) {
            return Err(MediaError::Pipeline(format!(
                "participant {} is already in the conference",
                spec.id
            )));
        }
        // Joining counts as media: a participant that never sends is
        // dropped one timeout after joining.
        let last_media = Arc::new(AtomicU64::new(self.now_ms()));
        let (video_in, compositor_pad, video_port) = match spec.video_to {
            Some(_) => {
                let (elements, pad, port) = self.video_input(&spec, &last_media)?;
                (elements, Some(pad), Some(port))
            }
            None => (Vec::new(), None, None),
        };
        let (audio_in, tee, audio_port) = self.audio_input(&spec, &last_media)?;
        let (audio_out, mixer) = self.audio_output(&spec)?;
        let ports = MediaPorts {
            video: video_port,
            audio: audio_port,
        };
        let mut participant = Participant {
            spec: spec.clone(),
            last_media,
            ports,
            video_in,
            compositor_pad,
            audio_in,
            tee,
            mixer,
            audio_out,
            inbound: HashMap::new(),
        };
        // Everyone else's sound into the newcomer's mix, and theirs into
        // everyone else's.
        for (other_id, other) in state.participants.iter_mut() {
            participant
                .inbound
                .insert(*other_id, self.branch(&other.tee, &participant.mixer)?);
            other
                .inbound
                .insert(spec.id, self.branch(&participant.tee, &other.mixer)?);
        }
        self.add_to_class(&mut state, &spec)?;
        state.participants.insert(spec.id, participant);
        // Only pictures take a place in the layout.
        if spec.video_to.is_some() {
            state.order.push(spec.id);
        }
        apply_layout(&state, self.canvas_size());
        tracing::info!(participant = spec.id, ?ports, "joined the conference media");
        Ok(ports)
    }

    /// Removes a participant and everything that carried its media.
    pub fn leave(&self, id: ParticipantId) -> Result<(), MediaError> {
        let mut state = lock(&self.state);
        let participant = state
            .participants
            .remove(&id)
            .ok_or(MediaError::UnknownParticipant(id))?;
        state.order.retain(|p| *p != id);
        lock(&self.speakers).remove(id);
        if state.speaker == Some(id) {
            state.speaker = None;
        }
        // Its sound out of the others' mixes.
        for other in state.participants.values_mut() {
            if let Some(branch) = other.inbound.remove(&id) {
                self.drop_branch(&participant.tee, &other.mixer, branch);
            }
        }
        // The aggregator's pad goes first: releasing it flushes a chain
        // blocked pushing into it, which could otherwise never stop (the
        // leave would hang, and with it every call of this meeting).
        if let Some(pad) = &participant.compositor_pad {
            self.compositor.release_request_pad(pad);
        }
        remove_all(&self.pipeline, &participant.video_in);
        for (other_id, branch) in participant.inbound {
            if let Some(other) = state.participants.get(&other_id) {
                self.drop_branch(&other.tee, &participant.mixer, branch);
            }
        }
        remove_all(&self.pipeline, &participant.audio_in);
        remove_all(&self.pipeline, &participant.audio_out);
        self.remove_from_class(&mut state, &participant.spec);
        apply_layout(&state, self.canvas_size());
        tracing::info!(participant = id, "left the conference media");
        Ok(())
    }

    pub fn set_layout(&self, layout: LayoutKind) {
        let mut state = lock(&self.state);
        state.layout = layout;
        apply_layout(&state, self.canvas_size());
    }

    /// Who is shown where on the canvas now (the speaker first in the
    /// speaker views).
    pub fn layout(&self) -> Vec<(ParticipantId, Rect)> {
        let state = lock(&self.state);
        rects(&state, self.canvas_size())
    }

    /// The layout everyone sees.
    pub fn layout_kind(&self) -> LayoutKind {
        lock(&self.state).layout
    }

    /// The participant talking now, as the speaker views show it.
    pub fn active_speaker(&self) -> Option<ParticipantId> {
        lock(&self.state).speaker
    }

    fn canvas_size(&self) -> (i32, i32) {
        (self.config.width as i32, self.config.height as i32)
    }

    /// The canvas size.
    pub fn canvas(&self) -> (u32, u32) {
        (self.config.width, self.config.height)
    }

    /// How many encoders run (one per class and payload type in use).
    pub fn encoders(&self) -> usize {
        let state = lock(&self.state);
        state.classes.len()
    }

    /// The ports a participant sends to.
    pub fn ports(&self, id: ParticipantId) -> Option<MediaPorts> {
        let state = lock(&self.state);
        state.participants.get(&id).map(|p| p.ports)
    }

    /// The first error the pipeline posted since the last call.
    pub fn bus_error(&self) -> Option<String> {
        let bus = self.pipeline.bus()?;
        while let Some(msg) = bus.pop_filtered(&[gst::MessageType::Error]) {
            if let gst::MessageView::Error(err) = msg.view() {
                let source = msg
                    .src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default();
                let debug = err.debug().map(|d| format!(" ({d})")).unwrap_or_default();
                return Some(format!("{source}: {}{debug}", err.error()));
            }
        }
        None
    }

    fn udpsrc(&self, caps: gst::Caps) -> Result<gst::Element, MediaError> {
        let src = make("udpsrc")?;
        src.set_property("address", self.config.bind.to_string());
        src.set_property("port", 0i32);
        src.set_property("caps", caps);
        Ok(src)
    }

    fn jitterbuffer() -> Result<gst::Element, MediaError> {
        let jb = make("rtpjitterbuffer")?;
        jb.set_property("latency", JITTER_MS);
        Ok(jb)
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// Participants from whom no media has arrived for `longer_than`: a
    /// terminal that lost power or network sends no BYE.
    pub fn silent(&self, longer_than: Duration) -> Vec<ParticipantId> {
        let now = self.now_ms();
        let limit = longer_than.as_millis() as u64;
        let state = lock(&self.state);
        state
            .participants
            .iter()
            .filter(|(_, p)| now.saturating_sub(p.last_media.load(Ordering::Relaxed)) > limit)
            .map(|(id, _)| *id)
            .collect()
    }

    /// Records every packet `src` receives into `last_media`.
    fn note_arrivals(&self, src: &gst::Element, last_media: &Arc<AtomicU64>) {
        let Some(pad) = src.static_pad("src") else {
            return;
        };
        let (last_media, epoch) = (last_media.clone(), self.epoch);
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, _| {
            last_media.store(epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
            gst::PadProbeReturn::Ok
        });
    }

    fn video_input(
        &self,
        spec: &ParticipantSpec,
        last_media: &Arc<AtomicU64>,
    ) -> Result<(Vec<gst::Element>, gst::Pad, u16), MediaError> {
        let caps = gst::Caps::builder("application/x-rtp")
            .field("media", "video")
            .field("clock-rate", 90_000i32)
            .field("encoding-name", "H264")
            .field("payload", i32::from(spec.video_pt))
            .build();
        let src = self.udpsrc(caps)?;
        self.note_arrivals(&src, last_media);
        let queue = make("queue")?;
        let elements = vec![
            src.clone(),
            Self::jitterbuffer()?,
            make("rtph264depay")?,
            make(&self.config.decoder)?,
            make("videoconvert")?,
            queue.clone(),
        ];
        add_linked(&self.pipeline, &elements)?;
        let pad = link_to_request(&queue, &self.compositor)?;
        // Each picture is scaled to its tile every frame: bilinear instead
        // of the default cubic halves that, which is what the composition
        // costs most (at tile sizes the difference does not show).
        let mut scaling = gst_video::VideoConverterConfig::new();
        scaling.set_resampler_method(gst_video::VideoResamplerMethod::Linear);
        scaling.set_chroma_resampler_method(gst_video::VideoResamplerMethod::Linear);
        scaling.set_dither_method(gst_video::VideoDitherMethod::None);
        pad.set_property("converter-config", gst::Structure::from(scaling));
        start(&elements)?;
        Ok((elements, pad, bound_port(&src)?))
    }

    fn audio_input(
        &self,
        spec: &ParticipantSpec,
        last_media: &Arc<AtomicU64>,
    ) -> Result<(Vec<gst::Element>, gst::Element, u16), MediaError> {
        let (rate, name, [depay, decoder, _, _]) = spec.audio_codec.elements();
        let caps = gst::Caps::builder("application/x-rtp")
            .field("media", "audio")
            .field("clock-rate", rate)
            .field("encoding-name", name)
            .field("payload", i32::from(spec.audio_pt))
            .build();
        let src = self.udpsrc(caps)?;
        self.note_arrivals(&src, last_media);
        let tee = make("tee")?;
        tee.set_property("allow-not-linked", true);
        let elements = vec![
            src.clone(),
            Self::jitterbuffer()?,
            make(depay)?,
            make(decoder)?,
            make("audioconvert")?,
            make("audioresample")?,
            capsfilter(mono_s16())?,
            tee.clone(),
        ];
        self.follow_speech(spec.id, &tee);
        add_linked(&self.pipeline, &elements)?;
        start(&elements)?;
        Ok((elements, tee, bound_port(&src)?))
    }

    /// Measures the participant's decoded sound (mono S16 into `tee`) for
    /// the speaker detection; when the speaker changes, the layout follows.
    fn follow_speech(&self, id: ParticipantId, tee: &gst::Element) {
        let Some(pad) = tee.static_pad("sink") else {
            return;
        };
        let (speakers, state, epoch) = (self.speakers.clone(), self.state.clone(), self.epoch);
        let canvas = self.canvas_size();
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            let Some(buffer) = info.buffer() else {
                return gst::PadProbeReturn::Ok;
            };
            let level = match buffer.map_readable() {
                Ok(map) => {
                    let samples: Vec<i16> = map
                        .chunks_exact(2)
                        .map(|b| i16::from_le_bytes([b[0], b[1]]))
                        .collect();
                    dbfs(&samples)
                }
                Err(_) => return gst::PadProbeReturn::Ok,
            };
            let now = epoch.elapsed().as_millis() as u64;
            let speaker = {
                let mut speakers = lock(&speakers);
                speakers.observe(id, level, now);
                speakers.speaker(now)
            };
            // Never wait for the state here: a leave holds it while it
            // stops this very thread. The next buffer tries again.
            if let Ok(mut state) = state.try_lock() {
                if state.speaker != speaker {
                    state.speaker = speaker;
                    apply_layout(&state, canvas);
                }
            }
            gst::PadProbeReturn::Ok
        });
    }

    fn audio_output(
        &self,
        spec: &ParticipantSpec,
    ) -> Result<(Vec<gst::Element>, gst::Element), MediaError> {
        let silence = make("audiotestsrc")?;
        silence.set_property("is-live", true);
        silence.set_property_from_str("wave", "silence");
        let silence_caps = capsfilter(mono_s16())?;
        let mixer = make("audiomixer")?;
        mixer.set_property("latency", MIXER_LATENCY_MS * 1_000_000);
        let (rate, _, [_, _, encoder, payloader]) = spec.audio_codec.elements();
        let pay = make(payloader)?;
        pay.set_property("pt", u32::from(spec.audio_pt));
        let sink = make("udpsink")?;
        sink.set_property("host", spec.audio_to.ip().to_string());
        sink.set_property("port", i32::from(spec.audio_to.port()));
        sink.set_property("sync", false);
        sink.set_property("async", false);
        let chain = vec![
            mixer.clone(),
            make("audioconvert")?,
            make("audioresample")?,
            capsfilter(
                gst::Caps::builder("audio/x-raw")
                    .field("rate", rate)
                    .field("channels", 1i32)
                    .build(),
            )?,
            make(encoder)?,
            pay,
            sink,
        ];
        add_linked(&self.pipeline, &chain)?;
        add_linked(&self.pipeline, &[silence.clone(), silence_caps.clone()])?;
        link_to_request(&silence_caps, &mixer)?;
        let mut elements = vec![silence, silence_caps];
        elements.extend(chain);
        start(&elements)?;
        Ok((elements, mixer))
    }

    /// A new branch from one participant's sound to another's mixer.
    fn branch(&self, tee: &gst::Element, mixer: &gst::Element) -> Result<Branch, MediaError> {
        let queue = make("queue")?;
        self.pipeline
            .add(&queue)
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        let mixer_pad = link_to_request(&queue, mixer)?;
        let tee_pad = tee
            .request_pad_simple("src_%u")
            .ok_or_else(|| MediaError::Pipeline("tee gave no src pad".into()))?;
        let queue_sink = queue
            .static_pad("sink")
            .ok_or_else(|| MediaError::Pipeline("queue without sink pad".into()))?;
        tee_pad
            .link(&queue_sink)
            .map_err(|e| MediaError::Pipeline(format!("tee → queue: {e}")))?;
        queue
            .sync_state_with_parent()
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        Ok(Branch {
            tee_pad,
            queue,
            mixer_pad,
        })
    }

    /// Downstream first, as in `leave`: the mixer's pad is released (its
    /// queue's blocked push returns), then the tee's, then the queue stops.
    fn drop_branch(&self, tee: &gst::Element, mixer: &gst::Element, branch: Branch) {
        mixer.release_request_pad(&branch.mixer_pad);
        tee.release_request_pad(&branch.tee_pad);
        remove_all(&self.pipeline, &[branch.queue]);
    }

    /// Sends the composed picture to `spec` through its class's encoder,
    /// starting one if it is the first of its class; asks for a key frame
    /// so the newcomer's decoder can start at once.
    fn add_to_class(&self, state: &mut State, spec: &ParticipantSpec) -> Result<(), MediaError> {
        let Some(video_to) = spec.video_to else {
            return Ok(());
        };
        let key = (spec.class, spec.video_pt);
        let branch = match state.classes.entry(key) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(self.class_branch(spec)?)
            }
        };
        branch.sink.emit_by_name::<()>(
            "add",
            &[&video_to.ip().to_string(), &i32::from(video_to.port())],
        );
        branch.members += 1;
        let key_frame = gst_video::UpstreamForceKeyUnitEvent::builder()
            .all_headers(true)
            .build();
        if let Some(pad) = branch.encoder.static_pad("src") {
            pad.send_event(key_frame);
        }
        Ok(())
    }

    fn remove_from_class(&self, state: &mut State, spec: &ParticipantSpec) {
        let Some(video_to) = spec.video_to else {
            return;
        };
        let key = (spec.class, spec.video_pt);
        let Some(branch) = state.classes.get_mut(&key) else {
            return;
        };
        branch.sink.emit_by_name::<()>(
            "remove",
            &[&video_to.ip().to_string(), &i32::from(video_to.port())],
        );
        branch.members -= 1;
        if branch.members == 0 {
            if let Some(branch) = state.classes.remove(&key) {
                self.video_tee.release_request_pad(&branch.tee_pad);
                remove_all(&self.pipeline, &branch.elements);
            }
        }
    }

    fn class_branch(&self, spec: &ParticipantSpec) -> Result<ClassBranch, MediaError> {
        let class = spec.class;
        let encoder = make(&self.config.encoder)?;
        configure_encoder(&encoder, class.bitrate_kbps, self.config.fps);
        let pay = make("rtph264pay")?;
        pay.set_property("pt", u32::from(spec.video_pt));
        // SPS/PPS with every IDR: a participant that joins late decodes.
        pay.set_property("config-interval", -1i32);
        let sink = make("multiudpsink")?;
        sink.set_property("sync", false);
        sink.set_property("async", false);
        let size = gst_video::VideoCapsBuilder::new()
            .width(class.width as i32)
            .height(class.height as i32)
            .build();
        let queue = make("queue")?;
        // Constrained baseline: what every H.264 decoder takes, and what
        // the answer's profile-level-id promises.
        let profile = gst::Caps::builder("video/x-h264")
            .field("profile", "constrained-baseline")
            .build();
        let elements = vec![
            queue.clone(),
            make("videoscale")?,
            make("videoconvert")?,
            capsfilter(size)?,
            encoder.clone(),
            capsfilter(profile)?,
            pay,
            sink.clone(),
        ];
        add_linked(&self.pipeline, &elements)?;
        start(&elements)?;
        let tee_pad = self
            .video_tee
            .request_pad_simple("src_%u")
            .ok_or_else(|| MediaError::Pipeline("tee gave no src pad".into()))?;
        let queue_sink = queue
            .static_pad("sink")
            .ok_or_else(|| MediaError::Pipeline("queue without sink pad".into()))?;
        tee_pad
            .link(&queue_sink)
            .map_err(|e| MediaError::Pipeline(format!("tee → class queue: {e}")))?;
        tracing::info!(?class, encoder = %self.config.encoder, "class encoder started");
        Ok(ClassBranch {
            tee_pad,
            elements,
            encoder,
            sink,
            members: 0,
        })
    }
}

impl Drop for Conference {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// Low-latency real-time settings at the class bit rate, key frame every
/// 2 s; only the properties the element has.
fn configure_encoder(encoder: &gst::Element, kbps: u32, fps: u32) {
    let factory = encoder
        .factory()
        .map(|f| f.name().to_string())
        .unwrap_or_default();
    let gop = (fps * 2).to_string();
    if factory == "x264enc" {
        set_if_present(encoder, "tune", "zerolatency");
        set_if_present(encoder, "speed-preset", "ultrafast");
        set_if_present(encoder, "bitrate", &kbps.to_string());
        set_if_present(encoder, "key-int-max", &gop);
        set_if_present(encoder, "bframes", "0");
    } else {
        // openh264enc: bit/s.
        set_if_present(encoder, "bitrate", &(kbps * 1000).to_string());
        set_if_present(encoder, "gop-size", &gop);
        set_if_present(encoder, "usage-type", "camera");
    }
}

fn mono_s16() -> gst::Caps {
    gst::Caps::builder("audio/x-raw")
        .field("format", "S16LE")
        .field("layout", "interleaved")
        .field("rate", AUDIO_RATE)
        .field("channels", 1i32)
        .build()
}

/// The port udpsrc bound (written back once it reached READY).
fn bound_port(udpsrc: &gst::Element) -> Result<u16, MediaError> {
    let port = udpsrc.property::<i32>("port");
    u16::try_from(port)
        .ok()
        .filter(|p| *p != 0)
        .ok_or_else(|| MediaError::Pipeline(format!("udpsrc did not bind a port ({port})")))
}
