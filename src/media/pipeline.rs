//! Pipeline life cycle, with the bus read in one place: a pipeline's first
//! error becomes a `MediaError` naming the element (element creation and
//! bus reading are `roomterm_rtp::elements`, shared with the cloud).

use gst::prelude::*;

use super::MediaError;

/// Creates an element by factory name.
pub(crate) fn make(factory: &str) -> Result<gst::Element, MediaError> {
    Ok(roomterm_rtp::elements::make(factory)?)
}

/// A capsfilter for `caps`.
pub(crate) fn capsfilter(caps: gst::Caps) -> Result<gst::Element, MediaError> {
    Ok(roomterm_rtp::elements::capsfilter(caps)?)
}

/// A pipeline that is set to NULL when dropped.
pub(crate) struct Running {
    name: &'static str,
    pipeline: gst::Pipeline,
}

impl Running {
    /// An empty pipeline named `name`.
    pub(crate) fn new(name: &'static str) -> Self {
        Running {
            name,
            pipeline: gst::Pipeline::with_name(name),
        }
    }

    /// Links `elements` in order into a new pipeline named `name`.
    pub(crate) fn link(name: &'static str, elements: &[gst::Element]) -> Result<Self, MediaError> {
        let running = Running::new(name);
        running.add_linked(elements)?;
        Ok(running)
    }

    pub(crate) fn pipeline(&self) -> &gst::Pipeline {
        &self.pipeline
    }

    /// Adds `elements` and links them in order (stopped: see [`start`]).
    pub(crate) fn add_linked(&self, elements: &[gst::Element]) -> Result<(), MediaError> {
        self.pipeline
            .add_many(elements)
            .map_err(|e| self.error(e.to_string()))?;
        gst::Element::link_many(elements).map_err(|e| self.error(e.to_string()))
    }

    /// Brings `elements` (added to a running pipeline) to its state,
    /// downstream first: a source must not push into a stopped element.
    pub(crate) fn start(&self, elements: &[gst::Element]) -> Result<(), MediaError> {
        for element in elements.iter().rev() {
            element
                .sync_state_with_parent()
                .map_err(|e| self.error(format!("{}: {e}", element.name())))?;
        }
        match self.bus_error() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// Adds `elements` linked in order after `from` (a tee's new branch).
    pub(crate) fn branch(
        &self,
        from: &gst::Element,
        elements: &[gst::Element],
    ) -> Result<(), MediaError> {
        self.pipeline
            .add_many(elements)
            .map_err(|e| self.error(e.to_string()))?;
        gst::Element::link_many(elements).map_err(|e| self.error(e.to_string()))?;
        if let Some(first) = elements.first() {
            from.link(first).map_err(|e| self.error(e.to_string()))?;
        }
        Ok(())
    }

    /// Adds `elements` linked in order, the last into `to` (a mixer's
    /// new input).
    #[cfg(test)]
    pub(crate) fn branch_into(
        &self,
        elements: &[gst::Element],
        to: &gst::Element,
    ) -> Result<(), MediaError> {
        self.pipeline
            .add_many(elements)
            .map_err(|e| self.error(e.to_string()))?;
        gst::Element::link_many(elements).map_err(|e| self.error(e.to_string()))?;
        if let Some(last) = elements.last() {
            last.link(to).map_err(|e| self.error(e.to_string()))?;
        }
        Ok(())
    }

    pub(crate) fn play(&self) -> Result<(), MediaError> {
        if let Err(e) = self.pipeline.set_state(gst::State::Playing) {
            return Err(self
                .bus_error()
                .unwrap_or_else(|| self.error(e.to_string())));
        }
        match self.bus_error() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// The first error posted on the bus since the last call, if any.
    pub(crate) fn bus_error(&self) -> Option<MediaError> {
        roomterm_rtp::elements::bus_error(&self.pipeline).map(|message| self.error(message))
    }

    pub(crate) fn error(&self, message: String) -> MediaError {
        MediaError::Pipeline {
            pipeline: self.name.to_string(),
            message,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        self.name
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
