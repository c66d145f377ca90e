//! Arbitrary bytes as what a waiting caller's phone sends for its keys: an
//! RTP packet (RFC 4733 telephone-event or anything else) and an INFO body
//! of each keypad type. Reading them must never panic, and a key read is a
//! key a keypad has.

#![no_main]

use libfuzzer_sys::fuzz_target;
use roomcloud::focus::dtmf::{key_in_info, DtmfReader, PasswordEntry};

fuzz_target!(|data: &[u8]| {
    let pt = data.get(1).map_or(101, |b| b & 0x7f);
    let mut reader = DtmfReader::new(pt);
    let mut entry = PasswordEntry::default();
    for chunk in [data, data, &data[data.len() / 2..]] {
        if let Some(key) = reader.packet(chunk) {
            assert!(key.is_ascii_digit() || key == '*' || key == '#', "{key:?}");
            let _ = entry.key(key);
        }
    }
    for kind in ["application/dtmf-relay", "application/dtmf", "text/plain"] {
        if let Some(key) = key_in_info(kind, data) {
            assert!(key.is_ascii_digit() || key == '*' || key == '#', "{key:?}");
        }
    }
});
