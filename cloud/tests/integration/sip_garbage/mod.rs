//! Garbage in, a valid SIP response (or silence) out — on the stable toolchain.
//!
//! The stable-Rust companion of the `sip_message` fuzz target in cloud/fuzz:
//! it drives `SipCore::handle` (no sockets) with the fuzz seed corpus, a
//! deterministic mutation loop over it, every truncation of two REGISTERs and
//! hand-written hostile messages. Whatever the input, the core must not panic
//! and any answer must start with `SIP/2.0 ` and parse again with rsip (see
//! `check_response` in cloud/fuzz/harness.rs, shared with the fuzz target).

mod hostile;
mod mutations;

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use roomcloud::sip::via::TopVia;

use crate::harness::{self, check_response, escape, new_core, source};

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/sip_message");
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).unwrap())
        })
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 5, "seed corpus missing in {}", dir.display());
    seeds
}

fn seed(name: &str) -> Vec<u8> {
    corpus()
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no seed {name}"))
        .1
}

fn status(response: &[u8]) -> u16 {
    std::str::from_utf8(&response[8..11])
        .unwrap()
        .parse()
        .unwrap()
}

/// Runs one input through the shared harness; a panic anywhere (core or
/// response check) is re-raised with the input, escaped, so it can be replayed.
fn run(label: &str, data: &[u8]) -> Vec<harness::Exchange> {
    match catch_unwind(AssertUnwindSafe(|| harness::run(data))) {
        Ok(out) => out,
        Err(panic) => {
            let why = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{label}: panicked: {why}\n  input: b\"{}\"", escape(data));
        }
    }
}

/// One message straight into a fresh core: no splitting, no placeholders.
fn answer(label: &str, data: &[u8]) -> Option<Vec<u8>> {
    let core = new_core();
    let response = catch_unwind(AssertUnwindSafe(|| core.handle(data, source())))
        .unwrap_or_else(|_| panic!("{label}: handle panicked on b\"{}\"", escape(data)));
    response.map(|r| {
        check_response(data, &r);
        r.to_vec()
    })
}

fn answer_status(label: &str, data: &[u8]) -> Option<u16> {
    answer(label, data).map(|r| status(&r))
}

#[test]
fn seeds_get_the_expected_answers() {
    let expected: &[(&str, &[u16])] = &[
        ("invite", &[405]),
        ("options", &[200]),
        ("options_compact_body", &[200]),
        ("register_auth_literal", &[401]), // nonce not ours
        ("register_auth_md5_no_qop_wildcard", &[200]),
        ("register_auth_sha256", &[200]),
        ("register_compact", &[401]),
        ("register_no_auth", &[401]),
        // register, refresh, retransmitted refresh, unregister
        ("register_sequence", &[200, 200, 200, 200]),
    ];
    for (name, data) in corpus() {
        let out = run(&name, &data);
        let codes: Vec<Option<u16>> = out
            .iter()
            .map(|(_, r)| r.as_ref().map(|r| status(r)))
            .collect();
        if let Some((_, want)) = expected.iter().find(|(n, _)| *n == name) {
            let want: Vec<Option<u16>> = want.iter().map(|c| Some(*c)).collect();
            assert_eq!(codes, want, "seed {name}");
        }
        if name == "register_sequence" {
            // The third message retransmits the second: same bytes back.
            assert_eq!(out[1].1, out[2].1, "retransmission answered otherwise");
            let last = String::from_utf8_lossy(out[3].1.as_ref().unwrap());
            assert!(!last.contains("Contact:"), "binding not removed:\n{last}");
        }
    }
}
/// What a registrar needs to answer at all: a request line and a top Via
/// it can read (the last line may be cut short). The other mandatory
/// headers may be missing: the answer then says which.
fn answerable(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split("\r\n");
    let request_line_done = text.contains("\r\n");
    if !request_line_done || !lines.next().unwrap_or_default().ends_with(" SIP/2.0") {
        return false;
    }
    let top_via = lines
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| matches!(name.trim().to_ascii_lowercase().as_str(), "via" | "v"))
        .map(|(_, value)| value.trim().to_string());
    top_via.is_some_and(|via| {
        roomcloud::sip::echo::split_list(&via)
            .first()
            .and_then(|v| TopVia::parse(v))
            .is_some()
    })
}

#[test]
fn every_truncation_of_a_register_is_400_or_silence() {
    for name in ["register_no_auth", "register_compact"] {
        let full = seed(name);
        let mut answered = 0;
        for k in 0..full.len() {
            let cut = &full[..k];
            let label = format!("{name} cut at {k}");
            match (answerable(cut), answer_status(&label, cut)) {
                (true, Some(400)) => answered += 1,
                (false, None) => {}
                (true, got) => panic!(
                    "{label}: answerable truncated REGISTER got {got:?}, want 400\n  input: b\"{}\"",
                    escape(cut)
                ),
                (false, Some(code)) => panic!(
                    "{label}: unanswerable truncated REGISTER got {code}\n  input: b\"{}\"",
                    escape(cut)
                ),
            }
        }
        assert!(
            answered > 50,
            "{name}: only {answered} truncations answered"
        );
        // The whole message is not truncated: challenged as usual.
        assert_eq!(answer_status(name, &full), Some(401));
    }
}
