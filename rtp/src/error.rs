#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    #[error("cannot create GStreamer element {element}: {message} (is its plugin installed?)")]
    Element { element: String, message: String },
    #[error("no free pair of UDP ports on {address} after {attempts} attempts")]
    NoPorts { address: String, attempts: u32 },
    #[error("RTP session {session}: {message}")]
    Session { session: u32, message: String },
}

impl From<crate::ElementError> for RtpError {
    fn from(e: crate::ElementError) -> Self {
        RtpError::Element {
            element: e.element,
            message: e.message,
        }
    }
}

/// Creates an element, its failure as this crate's error.
pub(crate) fn make(factory: &str) -> Result<gst::Element, RtpError> {
    Ok(crate::elements::make(factory)?)
}
