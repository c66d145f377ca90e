//! The terminal's integration tests, one binary: each module drives real
//! parts (sockets, a roomcloud on loopback, GStreamer pipelines, network
//! namespaces). One binary links the terminal, the cloud, Slint and
//! GStreamer once instead of once per file. The Slint tests that install a
//! process-wide platform (`screens.rs`, `ui_tree.rs`) stay binaries of
//! their own.

mod common;

mod address_change;
mod cast;
mod cast_bench;
mod cast_browser;
mod cast_firefox;
mod cast_meeting;
mod cast_receiver;
mod cluster_meeting;
mod control_api;
mod control_api_limits;
mod demo;
mod home_meetings;
mod host_bench;
mod host_claim;
mod host_control_page;
mod host_controls;
mod host_invite;
mod host_sharing;
mod host_waiting_room;
mod idle_standby;
mod image_boot;
mod image_update;
mod input;
mod line_protocol;
mod mcu;
mod mcu_content;
mod media;
mod media_ports;
mod meeting_call;
mod meeting_cancel;
mod meeting_e2e;
mod network;
mod p2p_call;
mod process;
mod provisioning;
mod quality;
mod reset_button;
mod self_check;
mod send_size;
mod sip_agent;
mod sip_garbage;
mod terminal;
mod terminal_call;
mod translations;
mod updates;
mod waiting_room;
mod web_admin;
mod wizard;
