//! One composed picture of a meeting in one layout, for everyone who
//! watches that layout: a compositor over the participants' decoded
//! pictures, its canvas encoded once per class (`encoders.rs`).
//!
//! ```text
//! 16×16 black live videotestsrc (pacing) ─┐
//! each participant's picture tee → queue ─┴→ compositor (I420) → caps (canvas) → tee → class encoders
//! ```
//!
//! Shared content, when there is some, is one more input, placed large
//! with the people as thumbnails below it whatever the view's layout.
//!
//! A view exists while someone watches it: a meeting where everyone keeps
//! the default layout composes once; a room that picks another layout
//! costs one more composition and its encoders, not one per person.

use std::collections::HashMap;

use gst::prelude::*;
use roomterm_rtp::{Remote, Rtp};

use super::elements::{
    add_linked, branch_from_tee, capsfilter, link_to_request, make, remove_all, start,
    start_at_first_input, MediaError,
};
use super::encoders::{ClassBranch, Membership};
use super::layout::{arrange, with_content, LayoutKind, Rect};
use super::participant::{ClassSpec, ParticipantId};

/// What a view is made with.
pub(super) struct ViewConfig<'a> {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    pub encoder: &'a str,
    /// How long the compositor waits for a late picture, ns.
    pub latency_ns: u64,
}

/// A participant's picture into this view's compositor.
struct Input {
    tee_pad: gst::Pad,
    queue: gst::Element,
    compositor_pad: gst::Pad,
}

/// Someone watching this view: their class's encoder feeds them.
pub(super) struct Watcher {
    class: (ClassSpec, u8),
    membership: Membership,
}

pub(super) struct View {
    kind: LayoutKind,
    canvas: (i32, i32),
    compositor: gst::Element,
    /// Pacing source to canvas tee.
    elements: Vec<gst::Element>,
    canvas_tee: gst::Element,
    inputs: HashMap<ParticipantId, Input>,
    /// Shared content, when someone shares: composed large.
    content: Option<Input>,
    classes: HashMap<(ClassSpec, u8), ClassBranch>,
    watchers: usize,
}

impl View {
    /// Starts composing (black until pictures come) in `kind`.
    pub(super) fn start(
        pipeline: &gst::Pipeline,
        config: &ViewConfig<'_>,
        kind: LayoutKind,
    ) -> Result<Self, MediaError> {
        let pacing = make("videotestsrc")?;
        pacing.set_property("is-live", true);
        pacing.set_property_from_str("pattern", "black");
        // The live source only paces the compositor (it outputs on time
        // with nobody sending): a tiny black picture, not a canvas to blend.
        let pacing_caps = capsfilter(
            gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .width(16)
                .height(16)
                .framerate(gst::Fraction::new(config.fps as i32, 1))
                .build(),
        )?;
        let compositor = make("compositor")?;
        compositor.set_property_from_str("background", "black");
        compositor.set_property("latency", config.latency_ns);
        start_at_first_input(&compositor);
        // I420 end to end: the decoders' format, the one the compositor
        // blends in place and the encoders take, so no picture is converted
        // on the way (converting to the compositor's default AYUV and back
        // cost more than decoding).
        let canvas_caps = capsfilter(
            gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::I420)
                .width(config.width as i32)
                .height(config.height as i32)
                .framerate(gst::Fraction::new(config.fps as i32, 1))
                .build(),
        )?;
        let canvas_tee = make("tee")?;
        canvas_tee.set_property("allow-not-linked", true);
        add_linked(pipeline, &[pacing.clone(), pacing_caps.clone()])?;
        add_linked(
            pipeline,
            &[compositor.clone(), canvas_caps.clone(), canvas_tee.clone()],
        )?;
        let pacing_pad = link_to_request(&pacing_caps, &compositor)?;
        pacing_pad.set_property("zorder", 0u32);
        let elements = vec![
            pacing,
            pacing_caps,
            compositor.clone(),
            canvas_caps,
            canvas_tee.clone(),
        ];
        start(&elements)?;
        Ok(Self {
            kind,
            canvas: (config.width as i32, config.height as i32),
            compositor,
            elements,
            canvas_tee,
            inputs: HashMap::new(),
            content: None,
            classes: HashMap::new(),
            watchers: 0,
        })
    }

    pub(super) fn kind(&self) -> LayoutKind {
        self.kind
    }

    /// Takes `id`'s picture from its tee into the composition.
    pub(super) fn add_input(
        &mut self,
        pipeline: &gst::Pipeline,
        id: ParticipantId,
        picture: &gst::Element,
    ) -> Result<(), MediaError> {
        let input = self.input(pipeline, picture)?;
        self.inputs.insert(id, input);
        Ok(())
    }

    /// Takes shared content from its tee into the composition: it is
    /// placed large at the next [`arrange`](Self::arrange).
    pub(super) fn set_content(
        &mut self,
        pipeline: &gst::Pipeline,
        picture: &gst::Element,
    ) -> Result<(), MediaError> {
        let input = self.input(pipeline, picture)?;
        // The conference clears the old content first; one left over
        // leaves the composition here.
        if let Some(old) = self.content.replace(input) {
            self.compositor.release_request_pad(&old.compositor_pad);
            remove_all(pipeline, &[old.queue]);
        }
        Ok(())
    }

    /// Drops the shared content (its tee, `picture`, stays).
    pub(super) fn clear_content(&mut self, pipeline: &gst::Pipeline, picture: &gst::Element) {
        if let Some(input) = self.content.take() {
            self.compositor.release_request_pad(&input.compositor_pad);
            picture.release_request_pad(&input.tee_pad);
            remove_all(pipeline, &[input.queue]);
        }
    }

    /// `picture` tee → queue → a new compositor pad, hidden until placed.
    fn input(&self, pipeline: &gst::Pipeline, picture: &gst::Element) -> Result<Input, MediaError> {
        let queue = make("queue")?;
        pipeline
            .add(&queue)
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        let compositor_pad = link_to_request(&queue, &self.compositor)?;
        // Each picture is scaled to its tile every frame: bilinear instead
        // of the default cubic halves that, which is what the composition
        // costs most (at tile sizes the difference does not show).
        let mut scaling = gst_video::VideoConverterConfig::new();
        scaling.set_resampler_method(gst_video::VideoResamplerMethod::Linear);
        scaling.set_chroma_resampler_method(gst_video::VideoResamplerMethod::Linear);
        scaling.set_dither_method(gst_video::VideoDitherMethod::None);
        compositor_pad.set_property("converter-config", gst::Structure::from(scaling));
        // Hidden until the layout places it.
        compositor_pad.set_property("alpha", 0.0f64);
        let tee_pad = branch_from_tee(picture, &queue)?;
        Ok(Input {
            tee_pad,
            queue,
            compositor_pad,
        })
    }

    /// Drops `id`'s picture: the compositor's pad first (it flushes a
    /// queue blocked pushing into it, which could otherwise never stop).
    pub(super) fn remove_input(
        &mut self,
        pipeline: &gst::Pipeline,
        id: ParticipantId,
        picture: Option<&gst::Element>,
    ) {
        if let Some(input) = self.inputs.remove(&id) {
            self.compositor.release_request_pad(&input.compositor_pad);
            if let Some(picture) = picture {
                picture.release_request_pad(&input.tee_pad);
            }
            remove_all(pipeline, &[input.queue]);
        }
    }

    /// Places the pictures: the first `shown` of `order` (the layout's
    /// capacity bounds it too; the rest are hidden). With content, the
    /// content is large and the first of `order` are thumbnails below it,
    /// whatever this view's layout.
    pub(super) fn arrange(
        &self,
        order: &[ParticipantId],
        shown: usize,
    ) -> Vec<(ParticipantId, Rect)> {
        let (w, h) = self.canvas;
        let rects = match (&self.content, with_content(order.len(), w, h)) {
            (Some(content), Some((region, people))) => {
                place(&content.compositor_pad, &region, 1);
                people
            }
            _ => arrange(self.kind, shown.min(order.len()), w, h),
        };
        let shown: Vec<(ParticipantId, Rect)> = order.iter().copied().zip(rects).collect();
        for (index, id) in order.iter().enumerate() {
            let Some(input) = self.inputs.get(id) else {
                continue;
            };
            match shown.iter().find(|(shown_id, _)| shown_id == id) {
                // The first (the speaker, full screen in PiP) lowest,
                // above the content.
                Some((_, rect)) => place(&input.compositor_pad, rect, 2 + index as u32),
                None => input.compositor_pad.set_property("alpha", 0.0f64),
            }
        }
        shown
    }

    /// Sends this view to a watcher of `class` on `rtp`'s video session,
    /// starting the class's encoder if it is the first of its class.
    pub(super) fn watch(
        &mut self,
        pipeline: &gst::Pipeline,
        config: &ViewConfig<'_>,
        class: (ClassSpec, u8),
        rtp: &Rtp,
        to: Remote,
    ) -> Result<Watcher, MediaError> {
        let branch = match self.classes.entry(class) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => entry.insert(ClassBranch::start(
                pipeline,
                &self.canvas_tee,
                config.encoder,
                config.fps,
                class.0,
                class.1,
            )?),
        };
        let membership = branch.add_member(pipeline, rtp, to)?;
        self.watchers += 1;
        Ok(Watcher { class, membership })
    }

    /// A watcher looks away; returns how many still watch.
    pub(super) fn unwatch(&mut self, pipeline: &gst::Pipeline, watcher: Watcher) -> usize {
        if let Some(branch) = self.classes.get_mut(&watcher.class) {
            if branch.remove_member(pipeline, watcher.membership) == 0 {
                if let Some(branch) = self.classes.remove(&watcher.class) {
                    branch.stop(pipeline, &self.canvas_tee);
                }
            }
        }
        self.watchers = self.watchers.saturating_sub(1);
        self.watchers
    }

    /// How many encoders run for this view.
    pub(super) fn encoders(&self) -> usize {
        self.classes.len()
    }

    /// The pixels of one picture of each of its encoders (each scales the
    /// canvas to its class and encodes that).
    pub(super) fn encoded_pixels(&self) -> u64 {
        self.classes
            .keys()
            .map(|(class, _)| u64::from(class.width) * u64::from(class.height))
            .sum()
    }

    /// Stops composing (nobody watches any more); `pictures` are the
    /// participants' tees its inputs come from, `content` the shared
    /// content's.
    pub(super) fn stop(
        mut self,
        pipeline: &gst::Pipeline,
        pictures: &HashMap<ParticipantId, gst::Element>,
        content: Option<&gst::Element>,
    ) {
        let ids: Vec<ParticipantId> = self.inputs.keys().copied().collect();
        for id in ids {
            self.remove_input(pipeline, id, pictures.get(&id));
        }
        if let Some(content) = content {
            self.clear_content(pipeline, content);
        }
        for (_, branch) in self.classes.drain() {
            branch.stop(pipeline, &self.canvas_tee);
        }
        remove_all(pipeline, &self.elements);
    }
}

/// Shows a picture's pad at `rect`, `zorder` above the pacing source.
fn place(pad: &gst::Pad, rect: &Rect, zorder: u32) {
    pad.set_property("xpos", rect.x);
    pad.set_property("ypos", rect.y);
    pad.set_property("width", rect.width);
    pad.set_property("height", rect.height);
    pad.set_property("zorder", zorder);
    pad.set_property("alpha", 1.0f64);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// A view started while the meeting has been on for a while composes
    /// from now: its first picture is stamped with the running time it
    /// started at, not the meeting's start (it would otherwise first
    /// compose, black, every picture in between).
    #[test]
    fn a_view_started_late_composes_from_now() {
        super::super::init().unwrap();
        let pipeline = gst::Pipeline::new();
        pipeline.set_state(gst::State::Playing).unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        let config = ViewConfig {
            width: 64,
            height: 48,
            fps: 30,
            encoder: "x264enc",
            latency_ns: 60_000_000,
        };
        let started = pipeline.current_running_time().unwrap();
        let view = View::start(&pipeline, &config, LayoutKind::Gallery).unwrap();
        let (sent, first) = std::sync::mpsc::sync_channel(1);
        view.canvas_tee.static_pad("sink").unwrap().add_probe(
            gst::PadProbeType::BUFFER,
            move |_, info| {
                if let Some(buffer) = info.buffer() {
                    let _ = sent.try_send(buffer.pts());
                }
                gst::PadProbeReturn::Remove
            },
        );
        let pts = first
            .recv_timeout(Duration::from_secs(10))
            .expect("the view composes")
            .expect("a stamped picture");
        let frame = gst::ClockTime::from_mseconds(34);
        assert!(
            pts + frame >= started,
            "first picture at {pts}, the view started at {started}"
        );
        view.stop(&pipeline, &HashMap::new(), None);
        pipeline.set_state(gst::State::Null).unwrap();
    }
}
