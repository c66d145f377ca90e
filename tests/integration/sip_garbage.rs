//! The terminal's network parsers on garbage, on the stable toolchain: the
//! same harness as the `network_input` fuzz target (fuzz/harness.rs) runs
//! every seed of fuzz/corpus/network_input, every truncation of each, 3 000
//! deterministic byte mutations of them and a list of hostile inputs. A
//! panic anywhere, or an answer that is not SIP, fails with the input.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

#[path = "../../fuzz/harness.rs"]
mod harness;

fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/network_input");
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 6, "seed corpus missing in {}", dir.display());
    seeds
}

fn run(label: &str, data: &[u8]) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| harness::run(data))) {
        let why = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        panic!(
            "{label}: panicked: {why}\n  input: {:?}",
            String::from_utf8_lossy(data)
        );
    }
}

#[test]
fn seeds_truncations_mutations_and_hostile_inputs_never_panic() {
    let seeds = corpus();
    for (name, data) in &seeds {
        run(name, data);
        for cut in 0..data.len() {
            run(&format!("{name} cut at {cut}"), &data[..cut]);
        }
    }
    // xorshift: the same mutations every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const JUNK: &[u8] = b"\r\n:;<>\"@ \0\xff";
    for i in 0..3_000 {
        let (name, seed) = &seeds[i % seeds.len()];
        let mut data = seed.clone();
        for _ in 0..1 + next() % 4 {
            let at = (next() as usize) % data.len().max(1);
            match next() % 4 {
                0 if !data.is_empty() => data[at] = next() as u8,
                1 if !data.is_empty() => {
                    data.remove(at);
                }
                2 => data.insert(at.min(data.len()), JUNK[next() as usize % JUNK.len()]),
                _ => {
                    let from = (next() as usize) % data.len().max(1);
                    let chunk: Vec<u8> = data[from..(from + 16).min(data.len())].to_vec();
                    let at = at.min(data.len());
                    data.splice(at..at, chunk);
                }
            }
        }
        run(&format!("{name} mutation {i}"), &data);
    }
    let invite = &seeds
        .iter()
        .find(|(n, _)| n == "invite_from_cloud")
        .unwrap()
        .1;
    let text = String::from_utf8_lossy(invite).into_owned();
    let hostile: Vec<Vec<u8>> = vec![
        Vec::new(),
        vec![0; 4096],
        vec![0xff; 70_000],
        b"SIP/2.0 \r\n\r\n".to_vec(),
        b"INVITE  SIP/2.0\r\n\r\n".to_vec(),
        text.replace("Content-Length: ", "Content-Length: 99999")
            .into_bytes(),
        text.replace("Call-ID: b2b@roomcloud", "Call-ID: ")
            .into_bytes(),
        text.replace("From: ", &format!("From: \"{}\" ", "x".repeat(100_000)))
            .into_bytes(),
        text.replace("Via: ", "Via: \r\nVia: \r\nVia: ")
            .into_bytes(),
        text.replace("m=video 40000", "m=video 999999").into_bytes(),
        text.replace(
            "a=rtpmap:96 H264/90000",
            "a=rtpmap:-1 H264/90000\r\na=rtpmap:999 opus/48000",
        )
        .into_bytes(),
        format!(
            "{text}{}",
            "a=fmtp:96 packetization-mode=1\r\n".repeat(5_000)
        )
        .into_bytes(),
    ];
    for (i, data) in hostile.iter().enumerate() {
        run(&format!("hostile {i}"), data);
    }
}
