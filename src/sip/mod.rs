//! The terminal's SIP user agent: registration to the cloud over UDP or TCP,
//! and the outgoing-call state machine meetings are joined with (`call.rs`),
//! both carried by the agent over one link.

mod agent;
mod call;
mod framing;
mod instance;
mod link;
mod register;
pub mod sdp;
mod tcp;

pub use agent::{AgentCommand, SipAgent};
pub use call::{CallEnd, CallState, OutgoingCall};
pub use instance::instance_urn;
pub use register::{Account, RegFailure, RegStatus, Registration, SipTransport};

/// 64 random bits in hex: Call-IDs, tags and branches.
fn random_hex() -> String {
    format!("{:016x}", rand::random::<u64>())
}
