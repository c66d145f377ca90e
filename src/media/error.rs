use super::probe::ProbeError;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("GStreamer did not initialise: {0}")]
    Init(String),
    #[error(transparent)]
    Probe(#[from] ProbeError),
    #[error("cannot create GStreamer element {element}: {message}")]
    Element { element: String, message: String },
    #[error("{pipeline} pipeline: {message}")]
    Pipeline { pipeline: String, message: String },
    #[error("{pipeline} pipeline: nothing received within {waited_ms} ms")]
    Timeout { pipeline: String, waited_ms: u64 },
}

impl From<roomterm_rtp::ElementError> for MediaError {
    fn from(e: roomterm_rtp::ElementError) -> Self {
        MediaError::Element {
            element: e.element,
            message: e.message,
        }
    }
}
