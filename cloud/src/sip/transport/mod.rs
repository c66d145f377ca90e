//! The sockets: UDP workers (`udp.rs`) and TCP connections (`tcp.rs`),
//! both feeding [`SipCore`](super::SipCore). Policy lives beside them as a
//! pure type: when to shed load (`overload.rs`).

mod tcp;
mod udp;

pub use tcp::spawn_tcp;
pub use udp::spawn_udp;
