//! Shared by the `network_input` fuzz target (fuzz_targets/network_input.rs)
//! and the stable-toolchain garbage test (tests/integration/sip_garbage.rs),
//! both of which include it with `#[path]`.
//!
//! One input is whatever the network may hand the terminal: it goes, as is,
//! to every parser of the terminal that reads network bytes — a new INVITE
//! (ringing here) and then the same bytes as an in-dialog request, a
//! response to a placed call and to a REGISTER, the far end's SDP (answer
//! and offer), and an RTP header. None may panic; what they send back must
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
    };
    let _ = sdp::remote_media(&text, &ours);
    let _ = sdp::offered_payloads(&text);
    let _ = roomterm::media::rtp_packet(data);
}
