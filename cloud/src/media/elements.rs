//! The MCU's media errors and its pipeline plumbing (adding, linking,
//! starting and removing elements while the conference plays); element
//! creation and bus reading are `roomterm_rtp::elements`, shared with the
//! terminal.

use gst::prelude::*;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MediaError {
    #[error("GStreamer could not start: {0}")]
    Init(String),
    #[error("cannot create {element}: {message} (is its GStreamer plugin installed?)")]
    Element { element: String, message: String },
    #[error("none of {wanted:?} is installed ({role})")]
    Missing {
        role: &'static str,
        wanted: Vec<String>,
    },
    #[error("conference pipeline: {0}")]
    Pipeline(String),
    #[error("no participant {0} in this conference")]
    UnknownParticipant(u64),
}

/// Initialises GStreamer once per process (idempotent, thread-safe).
pub fn init() -> Result<(), MediaError> {
    gst::init().map_err(|e| MediaError::Init(e.to_string()))
}

impl From<roomterm_rtp::ElementError> for MediaError {
    fn from(e: roomterm_rtp::ElementError) -> Self {
        MediaError::Element {
            element: e.element,
            message: e.message,
        }
    }
}

pub(crate) fn make(factory: &str) -> Result<gst::Element, MediaError> {
    Ok(roomterm_rtp::elements::make(factory)?)
}

pub(crate) fn capsfilter(caps: gst::Caps) -> Result<gst::Element, MediaError> {
    Ok(roomterm_rtp::elements::capsfilter(caps)?)
}

/// The first of `wanted` the registry knows.
pub(crate) fn first_installed(role: &'static str, wanted: &[&str]) -> Result<String, MediaError> {
    wanted
        .iter()
        .find(|name| gst::ElementFactory::find(name).is_some())
        .map(|name| name.to_string())
        .ok_or_else(|| MediaError::Missing {
            role,
            wanted: wanted.iter().map(|s| s.to_string()).collect(),
        })
}

/// Sets `name` only where the element has it (encoders differ by family).
pub(crate) fn set_if_present(element: &gst::Element, name: &str, value: &str) {
    if element.find_property(name).is_some() {
        element.set_property_from_str(name, value);
    }
}

/// Adds `elements` to `bin` and links them in order, still stopped: link
/// the ends too before [`start`], or a live source pushes into nothing
/// (`not-linked`, an error that stops it).
pub(crate) fn add_linked(bin: &gst::Pipeline, elements: &[gst::Element]) -> Result<(), MediaError> {
    bin.add_many(elements)
        .map_err(|e| MediaError::Pipeline(e.to_string()))?;
    gst::Element::link_many(elements).map_err(|e| MediaError::Pipeline(e.to_string()))
}

/// Brings `elements` to their pipeline's state, downstream first.
pub(crate) fn start(elements: &[gst::Element]) -> Result<(), MediaError> {
    for element in elements.iter().rev() {
        element
            .sync_state_with_parent()
            .map_err(|e| MediaError::Pipeline(format!("{}: {e}", element.name())))?;
    }
    Ok(())
}

/// Stops `elements` and takes them out of `bin`.
pub(crate) fn remove_all(bin: &gst::Pipeline, elements: &[gst::Element]) {
    for element in elements {
        let _ = element.set_state(gst::State::Null);
        let _ = bin.remove(element);
    }
}

/// Makes `aggregator` (a compositor or a mixer added to a pipeline that
/// already plays, with a live source of its own that paces it) start its
/// output at its first input's running time. By default it starts at zero:
/// one added an hour into a meeting would first compose an hour of empty
/// output as fast as it can — black pictures or silence for as long as that
/// takes, its inputs held back as "in the future" and, once their queues
/// fill, the participants' pictures or sound everywhere else with them.
pub(crate) fn start_at_first_input(aggregator: &gst::Element) {
    aggregator.set_property_from_str("start-time-selection", "first");
}

/// Branches `tee` (playing) into `queue`, whose downstream is already
/// linked: the queue is started first, then fed. Fed first, the tee's
/// next push would meet a still-flushing pad, and `flushing` travels back
/// up to the task that pushes it — the participant's jitter buffer or a
/// class's encoder queue — which pauses for good: that picture or sound
/// stops in every view and mix, not only the new one.
pub(crate) fn branch_from_tee(
    tee: &gst::Element,
    queue: &gst::Element,
) -> Result<gst::Pad, MediaError> {
    start(std::slice::from_ref(queue))?;
    let tee_pad = tee
        .request_pad_simple("src_%u")
        .ok_or_else(|| MediaError::Pipeline(format!("{} gave no src pad", tee.name())))?;
    let sink = queue
        .static_pad("sink")
        .ok_or_else(|| MediaError::Pipeline("queue without sink pad".into()))?;
    if let Err(err) = tee_pad.link(&sink) {
        tee.release_request_pad(&tee_pad);
        return Err(MediaError::Pipeline(format!(
            "{} → {}: {err}",
            tee.name(),
            queue.name()
        )));
    }
    Ok(tee_pad)
}

/// Links `src` to a new request pad of `aggregator` (`sink_%u`).
pub(crate) fn link_to_request(
    src: &gst::Element,
    aggregator: &gst::Element,
) -> Result<gst::Pad, MediaError> {
    let pad = aggregator
        .request_pad_simple("sink_%u")
        .ok_or_else(|| MediaError::Pipeline(format!("{} gave no sink pad", aggregator.name())))?;
    let out = src
        .static_pad("src")
        .ok_or_else(|| MediaError::Pipeline(format!("{} has no src pad", src.name())))?;
    out.link(&pad).map_err(|e| {
        MediaError::Pipeline(format!("{} → {}: {e}", src.name(), aggregator.name()))
    })?;
    Ok(pad)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::*;

    /// Branches added to a tee while it pushes as fast as it can never
    /// stop what feeds it (a branch fed before it started would answer
    /// `flushing`, and the source's task would pause for good).
    #[test]
    fn branching_a_busy_tee_keeps_its_source_flowing() {
        init().unwrap();
        let pipeline = gst::Pipeline::new();
        let source = make("videotestsrc").unwrap();
        let tee = make("tee").unwrap();
        tee.set_property("allow-not-linked", true);
        let sink = make("fakesink").unwrap();
        sink.set_property("sync", false);
        add_linked(&pipeline, &[source.clone(), tee.clone()]).unwrap();
        pipeline.add(&sink).unwrap();
        tee.link(&sink).unwrap();
        let pushed = Arc::new(AtomicU64::new(0));
        let counter = pushed.clone();
        tee.static_pad("sink")
            .unwrap()
            .add_probe(gst::PadProbeType::BUFFER, move |_, _| {
                counter.fetch_add(1, Ordering::Relaxed);
                gst::PadProbeReturn::Ok
            });
        pipeline.set_state(gst::State::Playing).unwrap();
        for _ in 0..200 {
            let queue = make("queue").unwrap();
            let end = make("fakesink").unwrap();
            end.set_property("sync", false);
            end.set_property("async", false);
            add_linked(&pipeline, &[queue.clone(), end.clone()]).unwrap();
            start(std::slice::from_ref(&end)).unwrap();
            branch_from_tee(&tee, &queue).unwrap();
        }
        let before = pushed.load(Ordering::Relaxed);
        let deadline = Instant::now() + Duration::from_secs(10);
        while pushed.load(Ordering::Relaxed) < before + 100 {
            assert!(
                Instant::now() < deadline,
                "the source stopped after {before} pictures"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        pipeline.set_state(gst::State::Null).unwrap();
    }
}
