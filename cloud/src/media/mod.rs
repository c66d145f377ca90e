//! The conference focus's media (MCU) on GStreamer: every participant's
//! H.264 and Opus received over RTP, the pictures composed into one layout
//! (`layout.rs`, pure) and encoded once per resolution class, the sound
//! mixed per participant without their own voice.
//!
//! - `conference.rs`: one meeting's live pipeline; participants join and
//!   leave while it plays, and the layout follows at once.
//! - `layout.rs`: gallery, speaker view and picture-in-picture rectangles.
//! - `elements.rs`: element construction and [`MediaError`].
//!
//! The SIP side (offer/answer, the roster) drives it; until that lands the
//! tests drive it directly with real RTP senders and receivers.

mod conference;
mod elements;
pub mod layout;
pub mod speaker;

pub use conference::{
    AudioCodec, ClassSpec, Conference, ConferenceConfig, MediaPorts, ParticipantId, ParticipantSpec,
};
pub use elements::{init, MediaError};
pub use layout::{LayoutKind, Rect};
