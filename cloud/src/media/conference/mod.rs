//! One meeting's media: a live GStreamer pipeline that receives every
//! participant, composes the pictures and mixes the sound.
//!
//! ```text
//! per participant (participant.rs): its RTP leg (rtpbin: RTCP, NACK/RTX, key-frame requests)
//!   video in → depay → decoder → videoconvert → tee (→ each view)
//!   audio in → depay → decoder → convert → resample → caps → tee (→ the others' mixes)
//! per layout someone watches (view.rs): a compositor over everyone's pictures
//!   → canvas tee → one encoder per (class, payload type) (encoders.rs) → each watcher's leg
//! per participant, audio out (everyone but themselves):
//!   audiotestsrc (silence, live) + the other participants' tees → queue → audiomixer → … → its leg
//! ```
//!
//! Encoders are per view and class, not per person: everyone of one class
//! watching one layout gets the same packets. Each participant watches the
//! meeting's layout unless it picked its own. Audio is mixed per person (a
//! mix minus their own voice) so nobody hears themselves. The silent and
//! black live sources keep the mixers and compositors clocked when a
//! participant is alone.

use crate::lock;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;
use roomterm_rtp::{Rtp, SessionStats};

mod broadcast;
mod cost;
mod moderation;
mod ordering;
mod paging;
mod sharing;
mod watching;

use ordering::{display_order, shown};
use watching::ViewKey;

use super::config::ConferenceConfig;
use super::content::ContentInput;
use super::content_out::ContentOutput;
use super::elements::{branch_from_tee, link_to_request, make, remove_all, start, MediaError};
use super::layout::{LayoutKind, Rect};
use super::participant::{
    audio_input, audio_output, video_input, Chain, MediaPorts, ParticipantId, ParticipantSpec,
    AUDIO, VIDEO,
};
use super::send_size;
use super::speaker::{dbfs, SpeakerDetector};
use super::view::{View, ViewConfig, Watcher};

/// How long the mixers and compositors wait for a late input before going
/// without it.
const MIXER_LATENCY_MS: u64 = 60;

pub struct Conference {
    config: ConferenceConfig,
    /// Media arrival times are kept as milliseconds since this instant.
    epoch: Instant,
    pipeline: gst::Pipeline,
    /// Shared with the audio inputs' level probes, which move the active
    /// speaker to the big picture.
    state: Arc<Mutex<State>>,
    speakers: Arc<Mutex<SpeakerDetector>>,
}

#[derive(Default)]
struct State {
    /// The meeting's layout: what everyone watches unless they picked one.
    layout: LayoutKind,
    /// Join order (the gallery's order; speaker views put the speaker first).
    order: Vec<ParticipantId>,
    /// The active speaker, as last applied to the layouts.
    speaker: Option<ParticipantId>,
    /// Who spoke lately, most recent first (`ordering.rs`).
    recent: Vec<ParticipantId>,
    participants: HashMap<ParticipantId, Participant>,
    /// The compositions someone watches.
    views: HashMap<ViewKey, View>,
    /// The content someone shares (one at a time), composed large in
    /// every view but the content watchers' (`sharing.rs`).
    content: Option<ContentInput>,
    /// Participants that receive content as a stream of their own.
    content_watchers: HashMap<ParticipantId, ContentOutput>,
    /// Pictures the host took out of the composition (`moderation.rs`).
    hidden: std::collections::HashSet<ParticipantId>,
    /// The site the host puts in front of everyone (`broadcast.rs`).
    broadcast: Option<broadcast::Broadcast>,
    /// How many a gallery page holds (`ConferenceConfig::gallery_page`).
    page_size: usize,
    /// The gallery page everyone's gallery shows while the host turns the
    /// pages (`paging.rs`); `None`: the first, recent speakers kept on it.
    page: Option<usize>,
    /// Each shown picture's largest tile, as the layouts were last applied.
    tiles: HashMap<ParticipantId, Rect>,
}

struct Participant {
    spec: ParticipantSpec,
    /// When its last RTP packet (audio or video) arrived, ms since `epoch`.
    last_media: Arc<AtomicU64>,
    ports: MediaPorts,
    rtp: Rtp,
    /// Into a tee the views take its picture from; `None`: audio only (no
    /// picture in the layouts, watches nothing).
    video_in: Option<Chain<gst::Element>>,
    /// The composition it watches and its place among that view's
    /// watchers.
    watching: Option<(ViewKey, Watcher)>,
    /// The layout it watches when nothing is broadcast: its own choice,
    /// or the meeting's.
    layout: LayoutKind,
    /// Into a tee the others' mixes take it from.
    audio_in: Chain<gst::Element>,
    /// From its own mixer.
    audio_out: Chain<gst::Element>,
    /// Other participants' sound into this one's mixer, by whose it is.
    inbound: HashMap<ParticipantId, Branch>,
}

impl Participant {
    /// What draws its name on its picture, if anything does.
    fn label(&self) -> Option<&gst::Element> {
        self.video_in.as_ref()?.elements.iter().find(|e| {
            e.factory()
                .is_some_and(|f| f.name() == super::participant::LABEL)
        })
    }

    fn picture(&self) -> Option<&gst::Element> {
        self.video_in.as_ref().map(|chain| &chain.end)
    }

    fn tee(&self) -> &gst::Element {
        &self.audio_in.end
    }

    fn mixer(&self) -> &gst::Element {
        &self.audio_out.end
    }

    /// The `volume` just before its tee: the host's mute.
    fn gate(&self) -> &gst::Element {
        let elements = &self.audio_in.elements;
        &elements[elements.len() - 2]
    }
}

/// `tee` of one participant → `queue` → the mixer of another.
struct Branch {
    tee_pad: gst::Pad,
    queue: gst::Element,
    mixer_pad: gst::Pad,
}

/// Moves every picture to its place in every view, and notes each
/// picture's largest tile (what its sender is asked for: `send_sizes`).
fn apply_layouts(state: &mut State) {
    let mut tiles: HashMap<ParticipantId, Rect> = HashMap::new();
    for (key, view) in &state.views {
        let shown = match key.lead {
            // A broadcast's view: that one picture, full screen.
            Some(lead) => view.arrange(&[lead], 1),
            None => {
                let order = display_order(state, view.kind());
                view.arrange(&order, shown(state, view.kind(), order.len()))
            }
        };
        for (id, rect) in shown {
            let tile = tiles.get(&id).map_or(rect, |t| send_size::larger(*t, rect));
            tiles.insert(id, tile);
        }
    }
    state.tiles = tiles;
}

impl Conference {
    /// Starts the (empty) conference; a view starts composing with its
    /// first watcher.
    pub fn start(config: ConferenceConfig) -> Result<Self, MediaError> {
        super::init()?;
        let pipeline = gst::Pipeline::with_name("conference");
        pipeline
            .set_state(gst::State::Playing)
            .map_err(|e| MediaError::Pipeline(format!("cannot start: {e}")))?;
        let state = State {
            page_size: config.gallery_page.max(1),
            ..State::default()
        };
        Ok(Self {
            config,
            pipeline,
            state: Arc::new(Mutex::new(state)),
            speakers: Arc::default(),
            epoch: Instant::now(),
        })
    }

    fn view_config(&self) -> ViewConfig<'_> {
        ViewConfig {
            width: self.config.width,
            height: self.config.height,
            fps: self.config.fps,
            encoder: &self.config.encoder,
            latency_ns: MIXER_LATENCY_MS * 1_000_000,
        }
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
        let mut participant = match self.build(&spec, &rtp, &mut built) {
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
        // Its picture into every view there is.
        if let Some(picture) = participant.picture() {
            for view in state.views.values_mut() {
                view.add_input(&self.pipeline, spec.id, picture)?;
            }
        }
        let ports = participant.ports;
        let layout = state.layout;
        state.participants.insert(spec.id, participant);
        // Only pictures take a place in the layout.
        if spec.video_to.is_some() {
            state.order.push(spec.id);
            self.watch(&mut state, spec.id, layout)?;
        }
        apply_layouts(&mut state);
        tracing::info!(participant = spec.id, ?ports, "joined the conference media");
        Ok(ports)
    }

    /// The participant's chains and leg, started in order: what receives
    /// before the leg that feeds it, the leg before what sends into it.
    fn build(
        &self,
        spec: &ParticipantSpec,
        rtp: &Rtp,
        built: &mut Vec<gst::Element>,
    ) -> Result<Participant, MediaError> {
        let bind = self.config.bind;
        let video_in = match spec.video_to {
            Some(_) => {
                let decoder = &self.config.decoder;
                let (chain, port) = video_input(&self.pipeline, rtp, spec, bind, decoder)?;
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
            watching: None,
            layout: LayoutKind::default(),
            audio_in,
            audio_out,
            inbound: HashMap::new(),
        })
    }

    /// Removes a participant and everything that carried its media.
    pub fn leave(&self, id: ParticipantId) -> Result<(), MediaError> {
        let mut state = lock(&self.state);
        if !state.participants.contains_key(&id) {
            return Err(MediaError::UnknownParticipant(id));
        }
        self.unwatch(&mut state, id);
        // Its content goes with it, and its content leg.
        if state.content.as_ref().is_some_and(|c| c.owner == id) {
            self.end_content(&mut state);
        }
        if let Some(output) = state.content_watchers.remove(&id) {
            output.stop(&self.pipeline);
        }
        let mut participant = state
            .participants
            .remove(&id)
            .ok_or(MediaError::UnknownParticipant(id))?;
        state.order.retain(|p| *p != id);
        state.recent.retain(|p| *p != id);
        state.hidden.remove(&id);
        self.broadcast_without(&mut state, id);
        lock(&self.speakers).remove(id);
        if state.speaker == Some(id) {
            state.speaker = None;
        }
        // Its picture out of every view, the compositors' pads first:
        // releasing one flushes a queue blocked pushing into it, which
        // could otherwise never stop (the leave would hang, and with it
        // every call of this meeting).
        for view in state.views.values_mut() {
            view.remove_input(&self.pipeline, id, participant.picture());
        }
        // Its sound out of the others' mixes, and theirs out of its own.
        for other in state.participants.values_mut() {
            if let Some(branch) = other.inbound.remove(&id) {
                self.drop_branch(participant.tee(), other.mixer(), branch);
            }
        }
        for (other_id, branch) in std::mem::take(&mut participant.inbound) {
            if let Some(other) = state.participants.get(&other_id) {
                self.drop_branch(other.tee(), participant.mixer(), branch);
            }
        }
        participant.rtp.remove();
        remove_all(&self.pipeline, &participant.audio_out.elements);
        remove_all(&self.pipeline, &participant.audio_in.elements);
        if let Some(chain) = &participant.video_in {
            remove_all(&self.pipeline, &chain.elements);
        }
        apply_layouts(&mut state);
        tracing::info!(participant = id, "left the conference media");
        Ok(())
    }

    /// The meeting's layout, for everyone (a choice of their own is
    /// dropped: the host's says what all see).
    pub fn set_layout(&self, layout: LayoutKind) {
        let mut state = lock(&self.state);
        state.layout = layout;
        let ids: Vec<ParticipantId> = state.participants.keys().copied().collect();
        for id in ids {
            if let Err(err) = self.watch(&mut state, id, layout) {
                tracing::warn!(%err, participant = id, "cannot change the layout");
            }
        }
    }

    /// The layout one participant watches, its own choice.
    pub fn set_participant_layout(
        &self,
        id: ParticipantId,
        layout: LayoutKind,
    ) -> Result<(), MediaError> {
        let mut state = lock(&self.state);
        self.watch(&mut state, id, layout)
    }

    /// Who is shown where in the meeting's layout now (the speaker first
    /// in the speaker views; below the content while someone shares).
    pub fn layout(&self) -> Vec<(ParticipantId, Rect)> {
        // While someone shares, the people are the thumbnails below it.
        if let Some((_, people)) = self.content_layout() {
            return people;
        }
        self.people_layout()
    }

    /// Who is shown where in the meeting's layout of people alone: what
    /// everyone sees with nothing shared, and the content watchers see
    /// while something is.
    pub fn people_layout(&self) -> Vec<(ParticipantId, Rect)> {
        let state = lock(&self.state);
        let kind = state.layout;
        let order = display_order(&state, kind);
        let rects = super::layout::arrange(
            kind,
            shown(&state, kind, order.len()),
            self.config.width as i32,
            self.config.height as i32,
        );
        order.into_iter().zip(rects).collect()
    }

    /// The meeting's layout.
    pub fn layout_kind(&self) -> LayoutKind {
        lock(&self.state).layout
    }

    /// The participant talking now, as the speaker views show it.
    pub fn active_speaker(&self) -> Option<ParticipantId> {
        lock(&self.state).speaker
    }

    /// The canvas size.
    pub fn canvas(&self) -> (u32, u32) {
        (self.config.width, self.config.height)
    }

    /// How many encoders run (one per view, class and payload type).
    pub fn encoders(&self) -> usize {
        lock(&self.state).views.values().map(View::encoders).sum()
    }

    /// How many compositions run (one per layout someone watches).
    pub fn views(&self) -> usize {
        lock(&self.state).views.len()
    }

    /// The ports a participant sends to.
    pub fn ports(&self, id: ParticipantId) -> Option<MediaPorts> {
        let state = lock(&self.state);
        state.participants.get(&id).map(|p| p.ports)
    }

    /// What RTCP says of a participant's (video, audio) leg.
    pub fn rtp_stats(&self, id: ParticipantId) -> Option<(SessionStats, SessionStats)> {
        let state = lock(&self.state);
        let participant = state.participants.get(&id)?;
        Some((participant.rtp.stats(VIDEO), participant.rtp.stats(AUDIO)))
    }

    /// The first error the pipeline posted since the last call.
    pub fn bus_error(&self) -> Option<String> {
        roomterm_rtp::elements::bus_error(&self.pipeline)
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
                    if let Some(speaker) = speaker {
                        ordering::spoke(&mut state, speaker);
                    }
                    apply_layouts(&mut state);
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
        let tee_pad = branch_from_tee(tee, &queue)?;
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
}

/// Each participant's picture tee.
fn pictures(state: &State) -> HashMap<ParticipantId, gst::Element> {
    state
        .participants
        .iter()
        .filter_map(|(id, p)| Some((*id, p.picture()?.clone())))
        .collect()
}

impl Drop for Conference {
    fn drop(&mut self) {
        // Everyone leaves first: each participant's leg both feeds the
        // others' mixes and is fed by them, a loop the bin cannot order
        // its state change by (it warns and guesses).
        let ids: Vec<ParticipantId> = lock(&self.state).participants.keys().copied().collect();
        for id in ids {
            let _ = self.leave(id);
        }
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
