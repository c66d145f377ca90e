//! The terminal's SIP user agent: registration to the cloud (more to come:
//! calls and meetings).

mod agent;
mod register;

pub use agent::{AgentCommand, SipAgent};
pub use register::{Account, RegFailure, RegStatus, Registration, SipTransport};
