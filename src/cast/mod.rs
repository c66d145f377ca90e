//! Casting: a browser's screen (and tab audio) received over WebRTC and
//! decoded for the room's screen, around GStreamer's webrtcbin.
//!
//! - `offer.rs`: the browser's offer read and checked (pure, gstreamer-sdp).
//! - `codecs.rs`: which codec the answer takes — H.264 or VP8 in the
//!   board's order, Opus for tab audio (pure).
//! - `candidate.rs`: trickled ICE candidate lines checked (pure).
//! - `link.rs`: the caster's link state machine — connected, lost on
//!   failure or silence (pure).
//! - `negotiate.rs`: the offer/answer exchange with webrtcbin, gathering
//!   waited for.
//! - `decode.rs`: the decoding chains and the routing of incoming streams.
//! - `watch.rs`: the thread that keeps the link state current.
//! - `receiver.rs`: [`CastReceiver`], the whole of one cast.
//! - `warm.rs`: [`prepare`], the first cast's start-up costs paid ahead.
//!
//! It sits beside `media/` and uses its pipeline and appsink helpers.

mod candidate;
mod codecs;
mod config;
mod decode;
mod error;
mod link;
mod negotiate;
mod offer;
mod receiver;
pub mod warm;
mod watch;

pub use candidate::{Address, Candidate};
pub use codecs::VideoCodec;
pub use config::CastConfig;
pub use error::CastError;
pub use link::{CastLink, LostReason};
pub use receiver::CastReceiver;
pub use warm::prepare;
