//! GStreamer building blocks every pipeline here uses — the terminal's
//! call media, the cloud's MCU and this crate's legs: an element made with
//! an error that names it, a caps filter, and a pipeline's first bus error
//! in words. Each side wraps [`ElementError`] in its own error type.

use gst::prelude::*;

/// An element GStreamer could not make: usually its plugin is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot create GStreamer element {element}: {message} (is its plugin installed?)")]
pub struct ElementError {
    pub element: String,
    pub message: String,
}

/// Creates an element by factory name.
pub fn make(factory: &str) -> Result<gst::Element, ElementError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|e| ElementError {
            element: factory.to_string(),
            message: e.to_string(),
        })
}

/// A `capsfilter` holding `caps`.
pub fn capsfilter(caps: gst::Caps) -> Result<gst::Element, ElementError> {
    let filter = make("capsfilter")?;
    filter.set_property("caps", caps);
    Ok(filter)
}

/// The first error `pipeline` posted on its bus since the last call, as
/// `<element path>: <error> (<debug detail>)`; the bus is drained of
/// errors up to it.
pub fn bus_error(pipeline: &gst::Pipeline) -> Option<String> {
    let bus = pipeline.bus()?;
    while let Some(msg) = bus.pop_filtered(&[gst::MessageType::Error]) {
        if let gst::MessageView::Error(err) = msg.view() {
            let source = msg
                .src()
                .map(|s| s.path_string().to_string())
                .unwrap_or_else(|| "?".into());
            let debug = err.debug().map(|d| format!(" ({d})")).unwrap_or_default();
            return Some(format!("{source}: {}{debug}", err.error()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_element_is_named_and_a_failing_pipeline_says_where() {
        gst::init().unwrap();
        let missing = make("no-such-element").unwrap_err();
        assert_eq!(missing.element, "no-such-element");
        assert!(
            missing.to_string().contains("plugin installed"),
            "{missing}"
        );

        // A source whose caps the filter refuses: not-negotiated, posted
        // by the source, read back as words naming it.
        let pipeline = gst::Pipeline::with_name("broken");
        let source = make("audiotestsrc").unwrap();
        source.set_property("num-buffers", 1i32);
        let filter = capsfilter(gst::Caps::builder("video/x-raw").build()).unwrap();
        let sink = make("fakesink").unwrap();
        pipeline.add_many([&source, &filter, &sink]).unwrap();
        gst::Element::link_many([&source, &filter, &sink]).ok();
        pipeline.set_state(gst::State::Playing).ok();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let error = loop {
            if let Some(error) = bus_error(&pipeline) {
                break error;
            }
            assert!(std::time::Instant::now() < deadline, "no error posted");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        pipeline.set_state(gst::State::Null).ok();
        assert!(error.contains("audiotestsrc"), "{error}");
    }
}
