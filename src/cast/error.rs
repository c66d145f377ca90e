use crate::media::MediaError;

/// Why a cast could not be answered or a candidate was refused.
#[derive(Debug, thiserror::Error)]
pub enum CastError {
    /// The offer is not a WebRTC offer the room can read (the reason says
    /// what is wrong).
    #[error("bad offer: {0}")]
    BadOffer(String),
    /// A WebRTC offer, but with no screen codec the room decodes.
    #[error("unsupported offer: {0}")]
    Unsupported(String),
    #[error("bad ICE candidate: {0}")]
    BadCandidate(String),
    /// webrtcbin refused a step of the offer/answer exchange.
    #[error("negotiation failed: {0}")]
    Negotiation(String),
    #[error("no ICE candidate gathered within {0} ms")]
    NoCandidates(u64),
    #[error(transparent)]
    Media(#[from] MediaError),
}
