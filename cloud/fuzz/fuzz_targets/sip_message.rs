//! Arbitrary bytes into `SipCore::handle`: it must never panic, and whatever
//! it answers must be a SIP response (`SIP/2.0 ...`) that rsip parses again.
//! Input format and placeholders: see ../harness.rs.

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    harness::run(data);
});
