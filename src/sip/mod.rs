//! The terminal's SIP user agent: registration to the cloud over UDP or TCP
//! (more to come: calls and meetings).

mod agent;
mod framing;
mod instance;
mod link;
mod register;
mod tcp;

pub use agent::{AgentCommand, SipAgent};
pub use instance::instance_urn;
pub use register::{Account, RegFailure, RegStatus, Registration, SipTransport};
