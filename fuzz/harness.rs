//! Shared by the `network_input` fuzz target (fuzz_targets/network_input.rs)
//! and the stable-toolchain garbage test (tests/integration/sip_garbage.rs),
//! both of which include it with `#[path]`.
//!
//! One input is whatever the network may hand the terminal: it goes, as is,
//! to every parser of the terminal that reads network bytes — a new INVITE
//! (ringing here) and then the same bytes as an in-dialog request, a
//! response to a placed call and to a REGISTER, the far end's SDP (answer
//! and offer), the meeting roster a focus NOTIFYs (as a whole request in a
//! meeting call's dialog, and as its body), an RTP header, a room
//! controller's lines (the line protocol), and a load balancer's PROXY
//! protocol header (the HTTPS servers' `http-guard`). None may panic; what they send back must
//! be a SIP message rsip parses again.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use roomterm::sip::{sdp, Account, IncomingCall, OutgoingCall, Registration, SipTransport};

pub fn account(transport: SipTransport) -> Account {
    Account {
        username: "100002".into(),
        password: "fuzz-password".into(),
        domain: "roomcloud.local".into(),
        proxy: "127.0.0.1:5060".parse().expect("valid"),
        transport,
        expires: 3600,
        instance: None,
    }
}

fn local() -> SocketAddr {
    "127.0.0.1:40000".parse().expect("valid")
}

/// What the terminal sends must be SIP.
pub fn check_sent(input: &[u8], sent: &[u8]) {
    assert!(
        rsip::SipMessage::try_from(sent).is_ok(),
        "sent unparseable SIP for input {:?}:\n{}",
        String::from_utf8_lossy(input),
        String::from_utf8_lossy(sent)
    );
}

/// Everything the terminal does with `data` arriving from the network.
pub fn run(data: &[u8]) {
    proxy_header(data);
    // The SDP reader is GStreamer's: it needs the library set up (once).
    roomterm::media::init().expect("GStreamer");
    let now = Instant::now();
    let later = now + Duration::from_secs(1);
    for transport in [SipTransport::Udp, SipTransport::Tcp] {
        let account = account(transport);
        // A call ringing here, then the same bytes inside its dialog.
        if let Some((mut call, ringing)) = IncomingCall::ring(&account, local(), data, now) {
            check_sent(data, &ringing);
            for sent in call.on_request(data) {
                check_sent(data, &sent);
            }
            if let Some(ok) = call.answer("v=0\r\n", now) {
                check_sent(data, &ok);
            }
            if let Some(again) = call.poll(later) {
                check_sent(data, &again);
            }
            if let Some(bye) = call.hang_up() {
                check_sent(data, &bye);
            }
        }
        // A call we placed, answered (or not) by these bytes.
        let (mut call, invite) = OutgoingCall::start(&account, local(), "8100002", "v=0\r\n", now);
        check_sent(data, &invite);
        if let Some(ack) = call.on_response(data) {
            check_sent(data, &ack);
        }
        if let Some(answer) = call.on_request(data) {
            check_sent(data, &answer);
        }
        if let Some(out) = call.hang_up() {
            check_sent(data, &out);
        }
        // A meeting call answered by a focus: the bytes as a request in its
        // dialog, and as the body of the focus's NOTIFY (the roster).
        let (mut call, invite) = OutgoingCall::start(&account, local(), "8100002", "v=0\r\n", now);
        let ok = focus_answer(&invite);
        if let Some(ack) = call.on_response(&ok) {
            check_sent(data, &ack);
        }
        if let Some(subscribe) = call.poll(now) {
            check_sent(data, &subscribe);
        }
        for request in [data.to_vec(), notify_carrying(&invite, data)] {
            if let Some(answer) = call.on_request(&request) {
                check_sent(data, &answer);
            }
        }
        if let Some(info) = call.select_layout("speaker", now) {
            check_sent(data, &info);
        }
        // A registration answered by these bytes.
        let mut registration = Registration::new(account, local());
        let register = registration.register_now(local(), now);
        check_sent(data, &register);
        if let Some(again) = registration.on_response(data, now) {
            check_sent(data, &again);
        }
    }
    let text = String::from_utf8_lossy(data);
    let ours = sdp::LocalMedia {
        ip: [127, 0, 0, 1].into(),
        video_port: 4000,
        audio_port: 4002,
        video_pt: 96,
        audio_pt: 111,
        video_rtx_pt: Some(97),
        kbps: 512,
        content: None,
    };
    let _ = sdp::remote_media(&text, &ours);
    let _ = sdp::offered_payloads(&text);
    // A focus's re-INVITE asking a picture size, answered in our session.
    let asked = sdp::asked_size(&text);
    let _ = sdp::size_answer(&sdp::offer(&ours), asked);
    let _ = roomterm::sip::conference::parse(&text);
    let _ = roomterm::media::rtp_packet(data);
    // A room controller's line (the line protocol), each line of it.
    for text in String::from_utf8_lossy(data).split('\n') {
        if let Ok(command) = roomterm::line::grammar::parse(text) {
            let _ = format!("{command:?}");
        }
        let _ = roomterm::line::grammar::quote(text);
    }
}

/// The header line `name:` of `request`, as sent.
fn line<'a>(request: &'a str, name: &str) -> &'a str {
    request
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
        .unwrap_or_default()
}

/// A focus's `200 OK` to `invite` (with `isfocus`).
fn focus_answer(invite: &[u8]) -> Vec<u8> {
    let invite = String::from_utf8_lossy(invite);
    format!(
        "SIP/2.0 200 OK\r\n{}\r\n{}\r\n{};tag=focus\r\n{}\r\n{}\r\n\
         Contact: <sip:focus@127.0.0.1:5060>;isfocus\r\nContent-Length: 5\r\n\r\nv=0\r\n",
        line(&invite, "via"),
        line(&invite, "from"),
        line(&invite, "to"),
        line(&invite, "call-id"),
        line(&invite, "cseq"),
    )
    .into_bytes()
}

/// The focus's NOTIFY in the dialog `invite` opened, with `body`.
fn notify_carrying(invite: &[u8], body: &[u8]) -> Vec<u8> {
    let invite = String::from_utf8_lossy(invite);
    let from = line(&invite, "from").trim_start_matches("From:").trim();
    let to = line(&invite, "to").trim_start_matches("To:").trim();
    let mut request = format!(
        "NOTIFY sip:100002@127.0.0.1:40000 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKfuzz\r\n\
         From: {to};tag=focus\r\nTo: {from}\r\n{}\r\nCSeq: 1 NOTIFY\r\n\
         Event: conference\r\nSubscription-State: active\r\n\
         Content-Type: application/conference-info+xml\r\nContent-Length: {}\r\n\r\n",
        line(&invite, "call-id"),
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// The bytes as the start of a connection from a trusted balancer: read
/// (a slice never waits, so one poll finishes it) and parsed.
fn proxy_header(data: &[u8]) {
    use std::future::Future;
    let _ = roomterm_http_guard::proxy_protocol::client_of(data);
    let mut bytes = data;
    let mut read = std::pin::pin!(roomterm_http_guard::proxy_protocol::read_header(&mut bytes));
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(read.as_mut().poll(&mut context).is_ready());
}
