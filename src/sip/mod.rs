//! The terminal's SIP user agent: registration to the cloud over UDP or TCP,
//! the outgoing-call state machine meetings and rooms are called with
//! (`call.rs`) and the incoming one rooms are rung with (`incoming.rs`),
//! all carried by the agent over one link. A meeting call subscribes to
//! its roster (`conference.rs`: RFC 4575 read) and sends layout choices;
//! `pending.rs` repeats such requests over UDP until answered.

mod account;
mod agent;
mod call;
mod call_state;
pub mod conference;
pub mod content_sdp;
mod framing;
mod incoming;
mod instance;
mod link;
mod message;
mod pending;
mod probe;
mod register;
pub mod sdp;
mod tcp;
mod wire;

pub use account::{Account, SipTransport};
pub use agent::{AgentCommand, SipAgent};
pub use call::{HostAnswer, OutgoingCall, Renegotiation};
pub use call_state::{CallEnd, CallState, Caller};
pub use incoming::IncomingCall;
pub use instance::instance_urn;
pub use probe::{probe, ProbeReport};
pub use register::{RegFailure, RegStatus, Registration};

/// RFC 3261 timers: the first retransmission interval, doubling up to T2.
const T1: std::time::Duration = std::time::Duration::from_millis(500);
const T2: std::time::Duration = std::time::Duration::from_secs(4);

/// 64 random bits in hex: Call-IDs, tags and branches.
fn random_hex() -> String {
    format!("{:016x}", rand::random::<u64>())
}
