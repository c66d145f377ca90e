//! Arbitrary bytes into every parser of the terminal that reads the
//! network (SIP requests and responses, SDP, RTP headers): none may panic,
//! and what the terminal answers must be SIP. See ../harness.rs.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    harness::run(data);
});
