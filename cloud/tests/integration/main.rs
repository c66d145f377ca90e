//! roomcloud's integration tests, one binary (linked once): each module
//! starts real clouds on loopback with ephemeral ports.

mod common;
// Shared with the cargo-fuzz target (cloud/fuzz).
#[path = "../../fuzz/harness.rs"]
mod harness;

mod activation;
mod cast;
mod cast_browser;
mod cli;
mod cluster;
mod cluster_balancer;
mod cluster_edge;
mod config_channel;
mod console_browser;
mod http_limits;
mod meeting_access;
mod meetings;
mod peers;
mod registrar;
mod sip_garbage;
mod sip_overload;
mod sip_tcp_flood;
mod sip_torture;
mod store_schema;
mod updates;
