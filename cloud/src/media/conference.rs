//! One meeting's media: a live GStreamer pipeline that receives every
//! participant, composes the pictures and mixes the sound.
//!
//! ```text
//! per participant (participant.rs): its RTP leg (rtpbin: RTCP, NACK/RTX, key-frame requests)
//!   video in → depay → decoder → videoconvert → queue → compositor.sink_N
//!   audio in → depay → decoder → convert → resample → caps → tee
//! shared video out (encoders.rs), one encoder per (class, payload type):
//!   videotestsrc (16×16 black, live) → compositor → caps (canvas) → tee → class encoder → tee → each member's leg
//! per participant, audio out (everyone but themselves):
//!   audiotestsrc (silence, live) + the other participants' tees → queue ┴→ audiomixer → … → encoder → payloader → its leg
//! ```
//!
//! Encoders are per class, not per person: everyone of one class watching
//! the one layout gets the same packets. Audio is mixed per person (a mix
//! minus their own voice) so nobody hears themselves. The silent and black
//! live sources keep both mixers clocked when a participant is alone.

use crate::lock;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;
use roomterm_rtp::{Rtp, SessionStats};

use super::elements::{
    capsfilter, first_installed, link_to_request, make, remove_all, start, MediaError,
};
use super::encoders::{ClassBranch, Membership};
use super::layout::{arrange, LayoutKind, Rect};
use super::participant::{
    audio_input, audio_output, video_input, Chain, ClassSpec, MediaPorts, ParticipantId,
    ParticipantSpec, AUDIO, VIDEO,
};
use super::speaker::{dbfs, SpeakerDetector};

/// How long the mixers wait for a late input before going without it.
const MIXER_LATENCY_MS: u64 = 60;

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
    rtp: Rtp,
    /// Into the compositor; `None`: audio only (no picture in the
    /// layout, no class).
    video_in: Option<Chain<gst::Pad>>,
    video_out: Option<Membership>,
    /// Into a tee the others' mixes take it from.
    audio_in: Chain<gst::Element>,
    /// From its own mixer.
    audio_out: Chain<gst::Element>,
    /// Other participants' sound into this one's mixer, by whose it is.
    inbound: HashMap<ParticipantId, Branch>,
}

impl Participant {
    fn compositor_pad(&self) -> Option<&gst::Pad> {
        self.video_in.as_ref().map(|chain| &chain.end)
    }

    fn tee(&self) -> &gst::Element {
        &self.audio_in.end
    }

    fn mixer(&self) -> &gst::Element {
        &self.audio_out.end
    }
}

/// `tee` of one participant → `queue` → the mixer of another.
struct Branch {
    tee_pad: gst::Pad,
    queue: gst::Element,
    mixer_pad: gst::Pad,
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
        let Some(pad) = participant.compositor_pad() else {
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
        let rtp = Rtp::new(&self.pipeline, &format!("participant-{}", spec.id))
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        let mut built = Vec::new();
        let mut participant = match self.build(&mut state, &spec, &rtp, &mut built) {
            Ok(participant) => participant,
            Err(err) => {
                // Nothing half-built stays in the pipeline.
                rtp.remove();
                remove_all(&self.pipeline, &built);
                return Err(err);
            }
        };
        // Everyone else's sound into the newcomer's mix, and theirs into
        // everyone else's.
        for (other_id, other) in state.participants.iter_mut() {
            participant
                .inbound
                .insert(*other_id, self.branch(other.tee(), participant.mixer())?);
            other
                .inbound
                .insert(spec.id, self.branch(participant.tee(), other.mixer())?);
        }
        let ports = participant.ports;
        state.participants.insert(spec.id, participant);
        // Only pictures take a place in the layout.
        if spec.video_to.is_some() {
            state.order.push(spec.id);
        }
        apply_layout(&state, self.canvas_size());
        tracing::info!(participant = spec.id, ?ports, "joined the conference media");
        Ok(ports)
    }

    /// The participant's chains and leg, started in order: what receives
    /// before the leg that feeds it, the leg before what sends into it.
    fn build(
        &self,
        state: &mut State,
        spec: &ParticipantSpec,
        rtp: &Rtp,
        built: &mut Vec<gst::Element>,
    ) -> Result<Participant, MediaError> {
        let bind = self.config.bind;
        let video_in = match spec.video_to {
            Some(_) => {
                let decoder = &self.config.decoder;
                let (chain, port) =
                    video_input(&self.pipeline, rtp, spec, bind, decoder, &self.compositor)?;
                built.extend(chain.elements.iter().cloned());
                Some((chain, port))
            }
            None => None,
        };
        let (audio_in, audio_port) = audio_input(&self.pipeline, rtp, spec, bind)?;
        built.extend(audio_in.elements.iter().cloned());
        self.follow_speech(spec.id, &audio_in.end);
        let audio_out = audio_output(&self.pipeline, rtp, spec, MIXER_LATENCY_MS * 1_000_000)?;
        built.extend(audio_out.elements.iter().cloned());
        // Joining counts as media: a participant that never sends is
        // dropped one timeout after joining.
        let last_media = Arc::new(AtomicU64::new(self.now_ms()));
        for session in [AUDIO, VIDEO] {
            let (last_media, epoch) = (last_media.clone(), self.epoch);
            rtp.on_rtp_packet(session, move |_| {
                last_media.store(epoch.elapsed().as_millis() as u64, Ordering::Relaxed);
            });
        }
        if let Some((chain, _)) = &video_in {
            start(&chain.elements)?;
        }
        start(&audio_in.elements)?;
        rtp.start()
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        start(&audio_out.elements)?;
        let video_out = self.add_to_class(state, spec, rtp)?;
        let (video_in, video_port) = video_in.unzip();
        Ok(Participant {
            spec: spec.clone(),
            last_media,
            ports: MediaPorts {
                video: video_port,
                audio: audio_port,
            },
            rtp: rtp.clone(),
            video_in,
            video_out,
            audio_in,
            audio_out,
            inbound: HashMap::new(),
        })
    }

    /// Removes a participant and everything that carried its media.
    pub fn leave(&self, id: ParticipantId) -> Result<(), MediaError> {
        let mut state = lock(&self.state);
        let mut participant = state
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
                self.drop_branch(participant.tee(), other.mixer(), branch);
            }
        }
        // The aggregators' pads go first: releasing one flushes a chain
        // blocked pushing into it, which could otherwise never stop (the
        // leave would hang, and with it every call of this meeting).
        if let Some(pad) = participant.compositor_pad() {
            self.compositor.release_request_pad(pad);
        }
        for (other_id, branch) in std::mem::take(&mut participant.inbound) {
            if let Some(other) = state.participants.get(&other_id) {
                self.drop_branch(other.tee(), participant.mixer(), branch);
            }
        }
        self.remove_from_class(&mut state, &participant.spec, participant.video_out.take());
        participant.rtp.remove();
        remove_all(&self.pipeline, &participant.audio_out.elements);
        remove_all(&self.pipeline, &participant.audio_in.elements);
        if let Some(chain) = &participant.video_in {
            remove_all(&self.pipeline, &chain.elements);
        }
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
    /// starting one if it is the first of its class.
    fn add_to_class(
        &self,
        state: &mut State,
        spec: &ParticipantSpec,
        rtp: &Rtp,
    ) -> Result<Option<Membership>, MediaError> {
        let Some(video_to) = spec.video_to else {
            return Ok(None);
        };
        let key = (spec.class, spec.video_pt);
        let branch = match state.classes.entry(key) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => entry.insert(ClassBranch::start(
                &self.pipeline,
                &self.video_tee,
                &self.config.encoder,
                self.config.fps,
                spec.class,
                spec.video_pt,
            )?),
        };
        branch.add_member(&self.pipeline, rtp, video_to).map(Some)
    }

    fn remove_from_class(
        &self,
        state: &mut State,
        spec: &ParticipantSpec,
        membership: Option<Membership>,
    ) {
        let Some(membership) = membership else {
            return;
        };
        let key = (spec.class, spec.video_pt);
        let Some(branch) = state.classes.get_mut(&key) else {
            return;
        };
        if branch.remove_member(&self.pipeline, membership) == 0 {
            if let Some(branch) = state.classes.remove(&key) {
                branch.stop(&self.pipeline, &self.video_tee);
            }
        }
    }

    /// What RTCP says of a participant's (video, audio) leg.
    pub fn rtp_stats(&self, id: ParticipantId) -> Option<(SessionStats, SessionStats)> {
        let state = lock(&self.state);
        let participant = state.participants.get(&id)?;
        Some((participant.rtp.stats(VIDEO), participant.rtp.stats(AUDIO)))
    }
}

impl Drop for Conference {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
