//! The conference focus's media (MCU) on GStreamer: every participant's
//! H.264 and Opus received over RTP, the pictures composed into one layout
//! (`layout.rs`, pure) and encoded once per resolution class, the sound
//! mixed per participant without their own voice.
//!
//! - `conference/`: one meeting's live pipeline; participants join and
//!   leave while it plays, and the layout follows at once.
//! - `participant.rs`: one participant's RTP leg (rtpbin with RTCP,
//!   NACK/RTX and key-frame requests) and the chains on either side of it.
//! - `content.rs`: content a participant shares (RFC 4796 slides), on a
//!   leg of its own; `conference/sharing.rs` shows it large in every view
//!   but the content watchers'; `content_out.rs` sends it to each of them
//!   as a stream of its own (a roomterm shows it beside the people).
//! - `view.rs`: one composition per layout someone watches.
//! - `encoders.rs`: one encoder per view and class, its packets to every
//!   watcher.
//! - `lobby.rs`, `prompts.rs`: the waiting room of a caller asked for the
//!   meeting password (spoken prompts, its ports held, its keys watched).
//! - `layout.rs`: gallery, speaker view and picture-in-picture rectangles.
//! - `send_size.rs`: the size each sender is asked for (its largest tile).
//! - `config.rs`: the canvas and the codecs this server has.
//! - `elements.rs`: [`MediaError`] and adding, linking, starting and
//!   removing elements in a playing pipeline.
//!
//! The focus (`crate::focus`) drives it from SIP; `tests/integration/mcu.rs`
//! drives it directly with real RTP senders and receivers.

mod conference;
mod config;
mod content;
mod content_out;
pub mod echo;
mod elements;
mod encoders;
pub mod layout;
mod lobby;
mod participant;
mod prompts;
pub mod send_size;
pub mod speaker;
mod view;

pub use conference::Conference;
pub use config::{ConferenceConfig, MediaBind};
pub use content::ContentSpec;
pub use content_out::ContentWatch;
pub use elements::{init, MediaError};
pub use layout::{LayoutKind, Rect, GALLERY_PAGE};
pub use lobby::{Lobby, LobbySpec};
pub use participant::{AudioCodec, ClassSpec, MediaPorts, ParticipantId, ParticipantSpec};
pub use prompts::Prompt;
pub use roomterm_rtp::{Remote, SessionStats};
