//! The room's camera and microphone as the board plan names them, or the
//! test signals that stand in for them (a solid colour, a sine: how tests
//! tell rooms apart).
//!
//! ```text
//! camera:     <v4l2src device=…> → videoconvert → videoscale → videorate → caps (the class's size and rate)
//!             (test: videotestsrc solid colour → caps)
//! microphone: <alsasrc device=…>   (test: audiotestsrc sine)
//! ```
//!
//! A device that does not open (unplugged, taken by another program, a
//! wrong name in the profile) does not fail the call: the far end sees
//! black or hears silence instead, and the problem is reported — the
//! in-call page and the control API say which device is missing.

use gst::prelude::*;

use super::config::CallMediaConfig;
use super::pipeline::{capsfilter, make};
use super::probe::Source;
use super::MediaError;

/// A capture source, ready to be linked: its elements upstream first.
pub(super) struct Capture {
    pub elements: Vec<gst::Element>,
    /// Why the configured device is not used (`None`: it is, or a test
    /// signal was asked for).
    pub missing: Option<String>,
}

/// Creates `source`'s element, with its device, and opens it (READY):
/// `Err(why)` if it does not open.
fn open(source: &Source) -> Result<gst::Element, String> {
    let element = make(&source.element).map_err(|e| e.to_string())?;
    if let Some(device) = source.device.as_deref().filter(|d| !d.is_empty()) {
        if element.has_property("device") {
            element.set_property("device", device);
        }
    }
    if element.set_state(gst::State::Ready).is_err() {
        let _ = element.set_state(gst::State::Null);
        return Err(format!(
            "{} {} does not open",
            source.element,
            source.device.as_deref().unwrap_or_default()
        ));
    }
    Ok(element)
}

/// The camera, at the class's size and rate.
pub(super) fn camera(config: &CallMediaConfig) -> Result<Capture, MediaError> {
    let size = gst_video::VideoCapsBuilder::new()
        .width(config.width as i32)
        .height(config.height as i32)
        .framerate(gst::Fraction::new(config.fps as i32, 1))
        .build();
    let test = |colour: u32| -> Result<Vec<gst::Element>, MediaError> {
        let source = make("videotestsrc")?;
        source.set_property("is-live", true);
        source.set_property_from_str("pattern", "solid-color");
        source.set_property("foreground-color", colour);
        Ok(vec![source, capsfilter(size.clone())?])
    };
    if config.camera.is_test() {
        return Ok(Capture {
            elements: test(config.colour)?,
            missing: None,
        });
    }
    match open(&config.camera) {
        Ok(device) => {
            // A camera's own format, size and rate, made the class's.
            let elements = vec![
                device,
                make("videoconvert")?,
                make("videoscale")?,
                make("videorate")?,
                capsfilter(size)?,
            ];
            Ok(Capture {
                elements,
                missing: None,
            })
        }
        Err(why) => {
            tracing::warn!(%why, "no camera: the far end sees black");
            Ok(Capture {
                elements: test(0xff00_0000)?,
                missing: Some(why),
            })
        }
    }
}

/// The microphone (its format is made the call's further down).
pub(super) fn microphone(config: &CallMediaConfig) -> Result<Capture, MediaError> {
    let tone = |volume: f64| -> Result<gst::Element, MediaError> {
        let source = make("audiotestsrc")?;
        source.set_property("is-live", true);
        source.set_property("freq", config.tone_hz);
        source.set_property("volume", volume);
        Ok(source)
    };
    if config.microphone.is_test() {
        return Ok(Capture {
            elements: vec![tone(config.tone_volume)?],
            missing: None,
        });
    }
    match open(&config.microphone) {
        Ok(device) => Ok(Capture {
            elements: vec![device],
            missing: None,
        }),
        Err(why) => {
            tracing::warn!(%why, "no microphone: the far end hears silence");
            Ok(Capture {
                elements: vec![tone(0.0)?],
                missing: Some(why),
            })
        }
    }
}
