//! The sockets: UDP workers (`udp.rs`) and TCP connections (`tcp.rs`),
//! both feeding [`SipCore`](super::SipCore). Policy lives beside them as
//! pure types: when to shed load (`overload.rs`), which TCP connections to
//! keep (`admission.rs`).

mod tcp;
mod udp;

pub use tcp::spawn_tcp;
pub use udp::spawn_udp;
