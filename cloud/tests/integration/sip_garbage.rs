//! Garbage in, a valid SIP response (or silence) out — on the stable toolchain.
//!
//! The stable-Rust companion of the `sip_message` fuzz target in cloud/fuzz:
//! it drives `SipCore::handle` (no sockets) with the fuzz seed corpus, a
//! deterministic mutation loop over it, every truncation of two REGISTERs and
//! hand-written hostile messages. Whatever the input, the core must not panic
//! and any answer must start with `SIP/2.0 ` and parse again with rsip (see
//! `check_response` in cloud/fuzz/harness.rs, shared with the fuzz target).

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

/// A fixed-seed xorshift64: the same 20k inputs on every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const INTERESTING: &[u8] = b"\0\r\n\t :;,=\"<>@*\\/%\x7f\x80\xc3\xff0123456789";
const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\r\n\r\n",
    b"\r",
    b"\n",
    b"\0--\0",
    b"SIP/2.0",
    b"SIP/2.0/UDP ",
    b";branch=z9hG4bK",
    b";rport",
    b";received=",
    b";tag=",
    b";expires=",
    b";expires=0",
    b"Via: ",
    b"v: ",
    b"CSeq: ",
    b"Call-ID: ",
    b"Contact: *\r\n",
    b"m: ",
    b"l: ",
    b"Content-Length: ",
    b"Expires: ",
    b"Require: x\r\n",
    b"Authorization: Digest ",
    b"algorithm=SHA-256",
    b"algorithm=MD5-sess",
    b"qop=auth-int",
    b"nc=ffffffff",
    b"nc=zz",
    b"@NONCE@",
    b"@RESPONSE@",
    b"<sip:",
    b"<sips:100001@example.com>",
    b"<tel:+123>",
    b"[::1]",
    b"[",
    b"]",
    b"\"",
    b"\\",
    b"%00",
    b"4294967296",
    b"99999999999999999999999",
    b"-1",
    b"\xc3\xa9",
    b"\xe2\x82",
    b"\xff\xfe",
];

fn lines(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &byte) in data.iter().enumerate() {
        if byte == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < data.len() {
        out.push((start, data.len()));
    }
    out
}

fn mutate(rng: &mut XorShift, data: &mut Vec<u8>, seeds: &[(String, Vec<u8>)]) {
    let pos = |rng: &mut XorShift, data: &Vec<u8>| rng.below(data.len() + 1);
    match rng.below(16) {
        0 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] ^= 1 << rng.below(8);
        }
        1 if !data.is_empty() => {
            let i = rng.below(data.len());
            data[i] = *rng.pick(INTERESTING);
        }
        2 => {
            let len = rng.below(data.len() + 1);
            data.truncate(len);
        }
        3 if !data.is_empty() => {
            // duplicate a slice somewhere else
            let a = rng.below(data.len());
            let b = a + rng.below((data.len() - a).min(256) + 1);
            let copy = data[a..b].to_vec();
            let at = pos(rng, data);
            data.splice(at..at, copy);
        }
        4 => {
            let at = pos(rng, data);
            data.splice(at..at, b"\r\n".iter().copied());
        }
        5 if !data.is_empty() => {
            let a = rng.below(data.len());
            let b = a + rng.below((data.len() - a).min(64) + 1);
            data.drain(a..b);
        }
        6 | 7 => {
            let token = *rng.pick(TOKENS);
            let at = pos(rng, data);
            data.splice(at..at, token.iter().copied());
        }
        8 => {
            // repeat a whole line, up to 200 times
            let lines = lines(data);
            if !lines.is_empty() {
                let (a, b) = *rng.pick(&lines);
                let line = data[a..b].to_vec();
                let times = 1 + rng.below(200);
                data.splice(b..b, line.iter().copied().cycle().take(line.len() * times));
            }
        }
        9 => {
            // swap two lines
            let lines = lines(data);
            if lines.len() >= 2 {
                let (x, y) = (rng.below(lines.len()), rng.below(lines.len()));
                let (x, y) = (x.min(y), x.max(y));
                if x != y {
                    let (a, b) = (lines[x], lines[y]);
                    let mut out = data[..a.0].to_vec();
                    out.extend_from_slice(&data[b.0..b.1]);
                    out.extend_from_slice(&data[a.1..b.0]);
                    out.extend_from_slice(&data[a.0..a.1]);
                    out.extend_from_slice(&data[b.1..]);
                    *data = out;
                }
            }
        }
        10 => {
            // a huge value: after a line's colon, or a new header line
            let size = if rng.below(8) == 0 { 70_000 } else { 5_000 };
            let fill = *rng.pick(b"a,;\"< \xc3");
            let lines = lines(data);
            let at = match lines.get(rng.below(lines.len() + 1)) {
                Some(&(a, b)) => data[a..b]
                    .iter()
                    .position(|&c| c == b':')
                    .map_or(a, |i| a + i + 1),
                None => data.len(),
            };
            let mut value = vec![fill; size];
            if rng.below(2) == 0 {
                value.splice(0..0, b"X-Huge: ".iter().copied());
                value.extend_from_slice(b"\r\n");
            }
            data.splice(at..at, value);
        }
        11 => {
            // rewrite a number
            if let Some(i) = (0..data.len())
                .map(|k| (k + rng.below(data.len().max(1))) % data.len().max(1))
                .take(64)
                .find(|&k| data.get(k).is_some_and(u8::is_ascii_digit))
            {
                const NUMBERS: &[&[u8]] = &[
                    b"0",
                    b"-1",
                    b"59",
                    b"4294967295",
                    b"4294967296",
                    b"18446744073709551616",
                ];
                let number = *rng.pick(NUMBERS);
                data.splice(i..i + 1, number.iter().copied());
            }
        }
        12 => {
            // crossover with another seed
            let (_, other) = rng.pick(seeds);
            let cut = rng.below(data.len() + 1);
            let from = rng.below(other.len() + 1);
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        13 => {
            // case games on header names
            for line in lines(data) {
                if rng.below(4) == 0 {
                    data[line.0..line.1].make_ascii_lowercase();
                }
            }
        }
        14 => {
            // CRLF → LF or CR somewhere
            let crlfs: Vec<usize> = data
                .windows(2)
                .enumerate()
                .filter(|(_, w)| w == b"\r\n")
                .map(|(i, _)| i)
                .collect();
            if !crlfs.is_empty() {
                let i = *rng.pick(&crlfs);
                let keep = rng.below(2);
                data.remove(i + keep);
            }
        }
        _ => {
            let at = pos(rng, data);
            let byte = (rng.next() & 0xff) as u8;
            data.insert(at, byte);
        }
    }
}

const MUTATIONS: usize = 20_000;

#[test]
fn twenty_thousand_mutations_never_panic_nor_answer_garbage() {
    let seeds = corpus();
    let answered = std::sync::atomic::AtomicUsize::new(0);
    // Two fixed-seed streams of 10k on two threads: same inputs every run.
    std::thread::scope(|scope| {
        for stream in 0..2u64 {
            let (seeds, answered) = (&seeds, &answered);
            scope.spawn(move || {
                let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ (stream + 1));
                for i in 0..MUTATIONS / 2 {
                    let (name, base) = rng.pick(seeds);
                    let mut data = base.clone();
                    for _ in 0..1 + rng.below(4) {
                        mutate(&mut rng, &mut data, seeds);
                    }
                    let label = format!("mutation {stream}/{i} of {name}");
                    let out = run(&label, &data);
                    let n = out.iter().filter(|(_, r)| r.is_some()).count();
                    answered.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
                }
            });
        }
    });
    // The loop must actually exercise the core, not just be dropped early.
    let answered = answered.into_inner();
    assert!(answered > MUTATIONS / 4, "only {answered} answers");
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
        roomcloud::sip::message::split_list(&via)
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

const HEAD: &str = "REGISTER sip:example.com SIP/2.0\r\n\
    Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-hostile;rport\r\n\
    From: <sip:100001@example.com>;tag=h\r\n\
    To: <sip:100001@example.com>\r\n\
    Call-ID: hostile-1\r\n\
    CSeq: 1 REGISTER\r\n";

const AUTH: &str = "Authorization: Digest username=\"100001\", realm=\"example.com\", \
    nonce=\"@NONCE@\", uri=\"sip:example.com\", response=\"@RESPONSE@\", \
    algorithm=SHA-256, qop=auth, nc=00000001, cnonce=\"c\"\r\n";

fn register(extra: &str, body: &str) -> Vec<u8> {
    format!("{HEAD}{extra}\r\n{body}").into_bytes()
}

fn with_head(old: &str, new: &str, extra: &str) -> Vec<u8> {
    assert!(HEAD.contains(old));
    format!("{}{extra}\r\n", HEAD.replace(old, new)).into_bytes()
}

#[test]
fn hostile_messages() {
    // (label, input, expected status; None = silence; Some(0) = any valid answer)
    let mut cases: Vec<(&str, Vec<u8>, Option<u16>)> = vec![
        ("empty", vec![], None),
        ("blank line", b"\r\n\r\n".to_vec(), None),
        ("crlf", b"\r\n".to_vec(), None),
        ("only a request line", b"REGISTER sip:example.com SIP/2.0\r\n".to_vec(), None),
        ("request line + blank", b"REGISTER sip:example.com SIP/2.0\r\n\r\n".to_vec(), None),
        ("request line, no CRLF", b"REGISTER sip:example.com SIP/2.0".to_vec(), None),
        ("NULs", vec![0; 4096], None),
        ("NUL-separated request line", b"REGISTER\0sip:example.com\0SIP/2.0\r\n\r\n".to_vec(), None),
        ("1 MB of A", vec![b'A'; 1 << 20], None),
        ("1 MB of CRLF", b"\r\n".repeat(1 << 19), None),
        ("non-UTF-8 noise", (0..=255u8).cycle().take(70_000).collect(), None),
        ("a response", b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKr\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: r\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n".to_vec(), None),
        ("plain REGISTER", register("Content-Length: 0\r\n", ""), Some(401)),
        ("Via without branch", with_head(";branch=z9hG4bK-hostile", "", ""), Some(401)),
        ("Via with RFC 2543 branch", with_head("z9hG4bK-hostile", "old-branch", ""), Some(401)),
        ("Via garbage", with_head("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-hostile;rport", "garbage", ""), Some(400)),
        ("Via without sent-by", with_head("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-hostile;rport", "SIP/2.0/UDP", ""), Some(400)),
        ("Via empty", with_head("SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-hostile;rport", "", ""), Some(400)),
        ("CSeq method mismatch", with_head("1 REGISTER", "1 INVITE", ""), Some(400)),
        ("CSeq not a number", with_head("1 REGISTER", "x REGISTER", ""), Some(400)),
        ("CSeq overflow", with_head("1 REGISTER", "4294967296 REGISTER", ""), Some(400)),
        ("CSeq without method", with_head("1 REGISTER", "1", ""), Some(400)),
        ("no Call-ID", with_head("Call-ID: hostile-1\r\n", "", ""), Some(400)),
        ("NUL in Call-ID", with_head("hostile-1", "host\0\0ile", ""), Some(0)),
        ("NUL in request URI", with_head("sip:example.com", "sip:exa\0mple.com", ""), Some(400)),
        ("non-UTF-8 Call-ID", with_head("hostile-1", "host\u{fffd}ile", "").into_iter().map(|b| if b == 0xef { 0xff } else { b }).collect(), Some(0)),
        ("non-UTF-8 From", with_head("<sip:100001@example.com>;tag=h", "\"\u{00e9}\" <sip:100001@example.com>;tag=h", "").into_iter().map(|b| if b == 0xc3 { 0xc0 } else { b }).collect(), Some(0)),
        ("Content-Length too big", register("Content-Length: 100\r\n", "abcd"), Some(0)),
        ("Content-Length too small", register("Content-Length: 1\r\n", "abcd"), Some(0)),
        ("Content-Length 0 with body", register("Content-Length: 0\r\n", "abcd"), Some(0)),
        ("Content-Length negative", register("Content-Length: -1\r\n", ""), Some(0)),
        ("Content-Length huge", register("Content-Length: 99999999999999999999999\r\n", ""), Some(0)),
        ("Content-Length not a number", register("l: abc\r\n", ""), Some(0)),
        ("Content-Length twice", register("l: 0\r\nContent-Length: 4\r\n", "abcd"), Some(0)),
        ("LF line endings", String::from_utf8(register("", "")).unwrap().replace("\r\n", "\n").into_bytes(), None),
        ("folded header", with_head("hostile-1", "hostile-1\r\n  folded", ""), Some(401)),
        ("folded first line", with_head("\r\nVia:", "\r\n  Via:", ""), Some(400)),
        ("space before colon", with_head("Call-ID:", "Call-ID \t :", ""), Some(401)),
        ("header without colon", register("NoColonHere\r\n", ""), Some(0)),
        ("header with empty name", register(": value\r\n", ""), Some(0)),
        ("Require", register("Require: gruu\r\n", ""), Some(420)),
        ("Expires garbage", register(&format!("Expires: -5\r\nContact: <sip:100001@10.0.0.1>\r\n{AUTH}"), ""), Some(400)),
        ("Expires too brief", register(&format!("Expires: 5\r\nContact: <sip:100001@10.0.0.1>\r\n{AUTH}"), ""), Some(423)),
        ("Contact not SIP", register(&format!("Contact: <tel:+4930123>\r\n{AUTH}"), ""), Some(400)),
        ("wildcard with contacts", register(&format!("Contact: *, <sip:100001@10.0.0.1>\r\nExpires: 0\r\n{AUTH}"), ""), Some(400)),
        ("wildcard without Expires 0", register(&format!("Contact: *\r\n{AUTH}"), ""), Some(400)),
        ("Authorization garbage", register("Authorization: Digest ,,,=\"\r\n", ""), Some(400)),
        ("Authorization bad nc", register(&AUTH.replace("nc=00000001", "nc=zz"), ""), Some(400)),
        ("Authorization other user", register(&AUTH.replace("username=\"100001\"", "username=\"100002\""), ""), Some(403)),
        ("Authorization for another AOR", with_head("To: <sip:100001@example.com>", "To: <sip:100009@example.com>", AUTH), Some(403)),
        ("To garbage", with_head("To: <sip:100001@example.com>", "To: <<<", ""), Some(0)),
        ("foreign domain", with_head("REGISTER sip:example.com", "REGISTER sip:example.org", ""), Some(404)),
        ("IPv6 request URI", with_head("REGISTER sip:example.com", "REGISTER sip:[2001:db8::1]", ""), Some(0)),
        ("unknown method", with_head("REGISTER sip", "FOO sip", ""), Some(501)),
        ("CANCEL", format!("{}\r\n", HEAD.replace("REGISTER", "CANCEL")).into_bytes(), Some(481)),
        ("ACK", format!("{}\r\n", HEAD.replace("REGISTER", "ACK")).into_bytes(), None),
    ];

    // Oversized parts.
    cases.push((
        "1 MB header value",
        register(&format!("X-Big: {}\r\n", "A".repeat(1 << 20)), ""),
        Some(401),
    ));
    cases.push((
        "1 MB Call-ID",
        with_head("hostile-1", &"A".repeat(1 << 20), ""),
        Some(401),
    ));
    cases.push((
        "1 MB request URI",
        with_head(
            "sip:example.com",
            &format!("sip:{}", "a".repeat(1 << 20)),
            "",
        ),
        Some(0),
    ));
    cases.push((
        "Call-ID cut inside a UTF-8 char",
        with_head(
            "hostile-1",
            &format!("{}\u{e9}\u{e9}", "a".repeat(4095)),
            "",
        ),
        Some(401),
    ));
    let many = |line: &dyn Fn(usize) -> String| (0..10_000).map(line).collect::<String>();
    cases.push((
        "10k headers",
        register(&many(&|i| format!("X-H-{i}: v{i}\r\n")), ""),
        Some(401),
    ));
    cases.push((
        "10k Vias",
        register(
            &many(&|i| {
                format!(
                    "Via: SIP/2.0/UDP 10.0.{}.{}:5060;branch=z9hG4bK{i}\r\n",
                    i / 250,
                    i % 250
                )
            }),
            "",
        ),
        Some(401),
    ));
    cases.push((
        "10k empty headers",
        register(&"X:\r\n".repeat(10_000), ""),
        Some(401),
    ));
    cases.push((
        "10k contacts, authenticated",
        register(
            &format!(
                "Contact: {}\r\n{AUTH}",
                (0..10_000)
                    .map(|i| format!("<sip:100001@10.1.{}.{}>", i / 250, i % 250))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "",
        ),
        Some(403),
    ));
    cases.push(("10k Authorization headers", register(&"Authorization: Digest realm=\"other\", username=\"x\", nonce=\"n\", uri=\"u\", response=\"r\"\r\n".repeat(10_000), ""), Some(401)));

    for (label, data, want) in &cases {
        let out = run(label, data);
        let got = out[0].1.as_ref().map(|r| status(r));
        match want {
            Some(0) => assert!(got.is_some(), "{label}: no answer"),
            want => assert_eq!(
                got,
                *want,
                "{label}: input b\"{}\"",
                escape(&data[..data.len().min(400)])
            ),
        }
    }
}

#[test]
fn retransmissions_are_answered_alike_and_hold_no_state() {
    // An accepted REGISTER over UDP: every retransmission gets the same
    // answer (recognised by its nonce-count: not challenged as a replay).
    let core = new_core();
    let out = harness::run_on(
        &core,
        &register(&format!("Contact: <sip:100001@10.0.0.1>\r\n{AUTH}"), ""),
    );
    let (message, first) = (&out[0].0, out[0].1.clone().expect("answered"));
    assert_eq!(status(&first), 200);
    for _ in 0..1000 {
        assert_eq!(core.handle(message, source()), Some(first.clone()));
    }
    // A flood of the same unauthenticated REGISTER: each copy is challenged
    // again, with the same To tag, and costs no memory.
    let core = new_core();
    let message = register("Content-Length: 0\r\n", "");
    let first = core.handle(&message, source()).expect("answered");
    check_response(&message, &first);
    assert_eq!(status(&first), 401);
    let to = |r: &[u8]| {
        let text = String::from_utf8_lossy(r).into_owned();
        text.split("\r\n")
            .find(|l| l.starts_with("To:"))
            .unwrap()
            .to_string()
    };
    for _ in 0..1000 {
        let again = core.handle(&message, source()).expect("answered");
        assert_eq!(status(&again), 401);
        assert_eq!(to(&again), to(&first));
    }
    assert_eq!(core.stats().transactions, 0);
    assert_eq!(core.stats().nonces, 0);
}

// ---- Regressions for what this suite first found. ----

/// RFC 3261 §18.3: a request whose body is shorter than its Content-Length
/// SHOULD be answered 400 — a truncated REGISTER with a body.
#[test]
fn register_with_short_body_is_400() {
    let full = format!("{HEAD}c: text/plain\r\nl: 10\r\n\r\n0123456789").into_bytes();
    let head_end = full.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    for k in head_end..full.len() {
        assert_eq!(
            answer_status("short body", &full[..k]),
            Some(400),
            "body cut at {k}: b\"{}\"",
            escape(&full[..k])
        );
    }
}

/// A header value must not carry a bare CR or LF into the response: a
/// peer that splits lines on LF would see an injected header.
#[test]
fn no_bare_cr_or_lf_in_responses() {
    for (label, injected) in [
        ("bare LF", "hostile-1\nX-Injected: 1"),
        ("bare CR", "hostile-1\rX-Injected: 1"),
    ] {
        let message = with_head("hostile-1", injected, "");
        if let Some(response) = answer(label, &message) {
            let head_end = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let head = &response[..head_end];
            let bare = head.iter().enumerate().any(|(i, &b)| {
                (b == b'\r' && head.get(i + 1) != Some(&b'\n'))
                    || (b == b'\n' && (i == 0 || head[i - 1] != b'\r'))
            });
            assert!(!bare, "{label}: b\"{}\"", escape(&response));
        }
    }
}

/// The keypad fuzz target's property on stable: telephone-event packets
/// and INFO bodies, mangled every way, read without a panic and give only
/// keys a keypad has.
#[test]
fn mangled_key_presses_never_panic_and_give_only_keypad_keys() {
    use roomcloud::focus::dtmf::{key_in_info, DtmfReader};
    let keypad = |key: char| key.is_ascii_digit() || key == '*' || key == '#';
    let event: Vec<u8> = vec![
        0x80, 101, 0x00, 0x07, 0x00, 0x00, 0x03, 0xc0, 0xde, 0xad, 0xbe, 0xef, 0x05, 0x8a, 0x03,
        0x20,
    ];
    let bodies: [&[u8]; 2] = [b"Signal=5\r\nDuration=160\r\n", b"#"];
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for round in 0..20_000 {
        let mut packet = event.clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(packet.len());
            packet[at] = rng.next() as u8;
        }
        packet.truncate(rng.below(packet.len() + 1));
        let mut reader = DtmfReader::new(101);
        for _ in 0..2 {
            if let Some(key) = reader.packet(&packet) {
                assert!(keypad(key), "round {round}: {key:?} from {packet:?}");
            }
        }
        let mut body = bodies[round % 2].to_vec();
        let at = rng.below(body.len());
        body[at] = rng.next() as u8;
        for kind in ["application/dtmf-relay", "application/dtmf"] {
            if let Some(key) = key_in_info(kind, &body) {
                assert!(keypad(key), "{key:?} from {body:?}");
            }
        }
    }
}
