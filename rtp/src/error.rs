#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RtpError {
    #[error("cannot create GStreamer element {element}: {message} (is its plugin installed?)")]
    Element { element: String, message: String },
    #[error("no free pair of UDP ports on {address} after {attempts} attempts")]
    NoPorts { address: String, attempts: u32 },
    #[error("RTP session {session}: {message}")]
    Session { session: u32, message: String },
}

pub(crate) fn make(factory: &str) -> Result<gst::Element, RtpError> {
    gst::ElementFactory::make(factory)
        .build()
        .map_err(|e| RtpError::Element {
            element: factory.to_string(),
            message: e.to_string(),
        })
}
