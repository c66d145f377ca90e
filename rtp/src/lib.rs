//! RTP sessions in both directions with their RTCP, on GStreamer's
//! `rtpbin`, shared by the terminal's call media and the cloud's MCU.
//!
//! One [`Rtp`] is one call leg: an `rtpbin` with a session per medium
//! (audio, video). Each session:
//!
//! ```text
//! udpsrc :P   (RTP)  → rtpbin.recv_rtp_sink_N  → [rtprtxreceive] → jitter buffer → funnel → the caller's depayloader
//! udpsrc :P+1 (RTCP) → rtpbin.recv_rtcp_sink_N
//! the caller's payloader → rtpbin.send_rtp_sink_N → [rtprtxsend] → udpsink (from :P)   → the far end's RTP
//!                          rtpbin.send_rtcp_src_N                → udpsink (from :P+1) → the far end's RTCP
//! ```
//!
//! - RTP and RTCP are bound on an even port and the one after it (RFC 3550
//!   §11), so peers that ignore `a=rtcp` still find the RTCP.
//! - Sending goes out of the receiving sockets (symmetric RTP): a far end
//!   behind NAT, or one that latches onto the source address, gets our
//!   media from where it sends its own.
//! - The sessions run the AVPF profile (RFC 4585): feedback is sent at
//!   once, not at the next regular report. A receiver that misses a packet
//!   sends a generic NACK; the sender's `rtprtxsend` answers it with an
//!   RFC 4588 retransmission (another SSRC, the RTX payload type), which the
//!   receiver's `rtprtxreceive` turns back into the original packet before
//!   the jitter buffer. Both ends must have agreed on an RTX payload type.
//! - A depayloader or decoder that asks for a key frame (an upstream
//!   `GstForceKeyUnit`) becomes a PLI or FIR to the sender; one that
//!   arrives becomes the same event upstream of our payloader, which the
//!   encoder answers.
//! - A new SSRC from the far end (it restarted its sender) gets a new
//!   rtpbin pad; a funnel in front of the depayloader takes every one.

mod caps;
pub mod elements;
mod error;
mod ports;
mod retransmission;
mod session;
mod spec;
mod stats;

pub use caps::{audio_caps, h264_caps, mono_s16_caps, AUDIO_RATE};
pub use elements::ElementError;
pub use error::RtpError;
pub use ports::{bind_pair, bind_pair_at, PortRange};
pub use session::Rtp;
pub use spec::{MediumSpec, Remote};
pub use stats::{ReceiveStats, SessionStats};
