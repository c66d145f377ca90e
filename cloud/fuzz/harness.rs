//! Shared by the `sip_message` fuzz target (fuzz_targets/sip_message.rs) and
//! the stable-toolchain garbage test (tests/sip_garbage.rs), both of which
//! include it with `#[path]`.
//!
//! Input format: the bytes of one SIP message, or several separated by
//! [`SEPARATOR`] (handled in order by the same fresh [`SipCore`], so that
//! refreshes, retransmissions and CSeq ordering are reachable). Before a part
//! is handled, `@NONCE@` is replaced with a nonce the core just issued (taken
//! from a real 401) and then `@RESPONSE@` with the correct digest response for
//! the part's Authorization header, so that the fuzzer gets past digest
//! authentication instead of stopping at "forged nonce". A part repeating an
//! earlier one is a retransmission and gets the same substitutions.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use roomcloud::clock::ManualClock;
use roomcloud::sip::digest::Credentials;
use roomcloud::sip::{Account, Directory, Location, Realm, SipCore, Source, Transport};
use roomcloud::store::Ha1Pair;

pub const USER: &str = "100001";
pub const DOMAIN: &str = "example.com";
pub const PASSWORD: &str = "fuzz-password";
/// Splits one input into several messages.
pub const SEPARATOR: &[u8] = b"\0--\0";
/// At most this many messages per input (keeps every exec cheap).
pub const MAX_PARTS: usize = 8;
const NONCE: &[u8] = b"@NONCE@";
const RESPONSE: &[u8] = b"@RESPONSE@";

fn ha1() -> &'static Ha1Pair {
    static HA1: OnceLock<Ha1Pair> = OnceLock::new();
    HA1.get_or_init(|| roomcloud::secrets::ha1(USER, DOMAIN, PASSWORD))
}

/// A registrar for `example.com` (alias `127.0.0.1`) with one account,
/// `100001`, allowed SHA-256 and MD5.
pub fn new_core() -> SipCore {
    let directory = Arc::new(Directory::default());
    directory.set(USER, Account::new(ha1().clone(), "SHA-256,MD5"));
    SipCore::new(
        Realm {
            domain: DOMAIN.into(),
            aliases: vec!["127.0.0.1".into()],
        },
        directory,
        Arc::new(Location::default()),
        ManualClock::new(),
    )
}

pub fn source() -> Source {
    Source::direct(Transport::Udp, SocketAddr::from(([192, 0, 2, 1], 5070)))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn replace_all(data: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len());
    let mut rest = data;
    while let Some(i) = find(rest, needle) {
        out.extend_from_slice(&rest[..i]);
        out.extend_from_slice(with);
        rest = &rest[i + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Splits an input into the messages it holds.
pub fn split_parts(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() + 1 < MAX_PARTS {
        match find(rest, SEPARATOR) {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = &rest[i + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

/// Asks the core for a fresh nonce the way a client would: an unauthenticated
/// REGISTER, answered 401.
fn fresh_nonce(core: &SipCore, n: usize) -> Vec<u8> {
    let request = format!(
        "REGISTER sip:{DOMAIN} SIP/2.0\r\n\
         Via: SIP/2.0/UDP 192.0.2.250:5060;branch=z9hG4bK-harness-{n}\r\n\
         From: <sip:{USER}@{DOMAIN}>;tag=harness\r\n\
         To: <sip:{USER}@{DOMAIN}>\r\n\
         Call-ID: harness-{n}\r\n\
         CSeq: 1 REGISTER\r\n\
         Content-Length: 0\r\n\r\n"
    );
    let response = core
        .handle(request.as_bytes(), source())
        .expect("unauthenticated REGISTER must be challenged");
    let start = find(&response, b"nonce=\"").expect("challenge carries a nonce") + 7;
    let len = find(&response[start..], b"\"").expect("nonce is quoted");
    response[start..start + len].to_vec()
}

/// Fills in the placeholders of one message.
fn prepare(core: &SipCore, part: &[u8], n: usize) -> Vec<u8> {
    let mut part = part.to_vec();
    if find(&part, NONCE).is_some() {
        part = replace_all(&part, NONCE, &fresh_nonce(core, n));
    }
    if find(&part, RESPONSE).is_some() {
        let text = String::from_utf8_lossy(&part).into_owned();
        let method = text.split(' ').next().unwrap_or_default();
        let expected = text
            .split('\n')
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("authorization"))
            .and_then(|(_, value)| Credentials::parse(value).ok())
            .map(|creds| creds.expected_response(ha1(), method));
        if let Some(expected) = expected {
            part = replace_all(&part, RESPONSE, expected.as_bytes());
        }
    }
    part
}

/// Escapes bytes for a readable, copy-pasteable Rust byte string.
pub fn escape(data: &[u8]) -> String {
    data.iter()
        .flat_map(|b| std::ascii::escape_default(*b))
        .map(char::from)
        .collect()
}

/// The invariant on every answer: a SIP response, lines ending in CRLF,
/// that parses again.
pub fn check_response(request: &[u8], response: &[u8]) {
    let fail = |why: &str| -> ! {
        panic!(
            "{why}\n  request:  b\"{}\"\n  response: b\"{}\"",
            escape(request),
            escape(response)
        )
    };
    if !response.starts_with(b"SIP/2.0 ") {
        fail("response does not start with `SIP/2.0 `");
    }
    // No bare CR or LF in the head: a header value must never carry a line
    // break from the request into the response (header injection).
    let head_end = find(response, b"\r\n\r\n").unwrap_or_else(|| fail("no blank line"));
    let head = &response[..head_end];
    let bare = head.iter().enumerate().any(|(i, &b)| {
        (b == b'\r' && head.get(i + 1) != Some(&b'\n'))
            || (b == b'\n' && (i == 0 || head[i - 1] != b'\r'))
    });
    if bare {
        fail("bare CR or LF in the response head");
    }
    match rsip::SipMessage::try_from(response) {
        Ok(rsip::SipMessage::Response(_)) => {}
        Ok(rsip::SipMessage::Request(_)) => fail("response re-parses as a request"),
        Err(err) => fail(&format!("response does not re-parse: {err}")),
    }
}

/// One handled message (placeholders filled in) and its answer, if any.
pub type Exchange = (Vec<u8>, Option<Arc<Vec<u8>>>);

/// Runs one input through a fresh core; returns each handled message (with
/// placeholders filled in) and its answer.
pub fn run(data: &[u8]) -> Vec<Exchange> {
    run_on(&new_core(), data)
}

/// [`run`] on a given core (which then keeps its state for more). A part
/// equal to an earlier one is a retransmission: it is sent exactly as that
/// one was, placeholders included.
pub fn run_on(core: &SipCore, data: &[u8]) -> Vec<Exchange> {
    let mut sent: Vec<(&[u8], Vec<u8>)> = Vec::new();
    split_parts(data)
        .into_iter()
        .enumerate()
        .map(|(n, part)| {
            let message = match sent.iter().find(|(earlier, _)| *earlier == part) {
                Some((_, message)) => message.clone(),
                None => prepare(core, part, n),
            };
            sent.push((part, message.clone()));
            let response = core.handle(&message, source());
            if let Some(response) = &response {
                check_response(&message, response);
            }
            (message, response)
        })
        .collect()
}
