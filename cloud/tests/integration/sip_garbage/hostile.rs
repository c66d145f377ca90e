//! Hand-written hostile messages, retransmissions, and regressions for
//! what this suite first found.

use super::{answer, answer_status, run, status};
use crate::harness::{self, check_response, escape, new_core, source};

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
