//! Unit tests of `incoming.rs`: ringing, answering (a delayed offer
//! too), the caller's requests and time, with time passed in.

use super::*;

fn account(transport: SipTransport) -> Account {
    Account::for_tests("100002", transport)
}

const INVITE: &str = "INVITE sip:100002@127.0.0.1:40000 SIP/2.0\r\n\
    Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKcloud1;rport\r\n\
    Max-Forwards: 70\r\n\
    From: \"Boardroom\" <sip:100001@roomcloud.local>;tag=c1\r\n\
    To: <sip:100002@roomcloud.local>\r\n\
    Call-ID: b2b@roomcloud\r\n\
    CSeq: 1 INVITE\r\n\
    Contact: <sip:calls@127.0.0.1:5060>\r\n\
    Content-Type: application/sdp\r\n\
    Content-Length: 5\r\n\r\nv=0\r\n";

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ringing(transport: SipTransport, now: Instant) -> (IncomingCall, Vec<u8>) {
    let local = "127.0.0.1:40000".parse().unwrap();
    IncomingCall::ring(&account(transport), local, INVITE.as_bytes(), now).unwrap()
}

/// `request` for this call with a changed method line and CSeq.
fn in_call(call: &IncomingCall, method: &str, tagged: bool) -> Vec<u8> {
    let to = if tagged {
        format!("To: <sip:100002@roomcloud.local>;tag={}", call.local_tag)
    } else {
        "To: <sip:100002@roomcloud.local>".into()
    };
    INVITE
        .replace("INVITE sip:", &format!("{method} sip:"))
        .replace("CSeq: 1 INVITE", &format!("CSeq: 1 {method}"))
        .replace("To: <sip:100002@roomcloud.local>", &to)
        .replace(
            "Content-Length: 5\r\n\r\nv=0\r\n",
            "Content-Length: 0\r\n\r\n",
        )
        .into_bytes()
}

#[test]
fn it_rings_with_the_caller_named_then_answers_until_acked() {
    let now = Instant::now();
    let (mut call, ringing) = ringing(SipTransport::Udp, now);
    assert!(text(&ringing).starts_with("SIP/2.0 180 Ringing\r\n"));
    assert!(text(&ringing).contains(&format!("tag={}", call.local_tag)));
    let CallState::Incoming { caller, offer } = call.state().clone() else {
        panic!("not ringing");
    };
    assert_eq!(caller.name, "Boardroom");
    assert_eq!(caller.number, "100001");
    assert_eq!(offer, "v=0\r\n");
    let ok = call.answer("v=0\r\nanswer\r\n", now).unwrap();
    let ok_text = text(&ok);
    assert!(ok_text.starts_with("SIP/2.0 200 OK\r\n"));
    assert!(ok_text.contains("Contact: <sip:100002@127.0.0.1:40000>"));
    assert!(ok_text.ends_with("v=0\r\nanswer\r\n"));
    // Repeated until the ACK (UDP).
    assert_eq!(
        call.poll(now + Duration::from_millis(600)),
        Some(ok.clone())
    );
    assert!(call.on_request(&in_call(&call, "ACK", true)).is_empty());
    assert_eq!(call.poll(now + Duration::from_secs(3)), None);
    // The caller hangs up.
    let answers = call.on_request(&in_call(&call, "BYE", true));
    assert!(text(&answers[0]).starts_with("SIP/2.0 200 OK"));
    assert_eq!(
        call.state(),
        &CallState::Ended(CallEnd::RemoteHungUp { code: None })
    );
}

#[test]
fn a_cancel_while_ringing_is_a_missed_call_with_487() {
    let (mut call, _) = ringing(SipTransport::Tcp, Instant::now());
    let answers = call.on_request(&in_call(&call, "CANCEL", false));
    assert_eq!(answers.len(), 2);
    assert!(text(&answers[0]).starts_with("SIP/2.0 200 OK"));
    assert!(text(&answers[0]).contains("CSeq: 1 CANCEL"));
    assert!(text(&answers[1]).starts_with("SIP/2.0 487 Request Terminated"));
    assert!(text(&answers[1]).contains("CSeq: 1 INVITE"));
    assert_eq!(call.state(), &CallState::Ended(CallEnd::Missed));
    assert_eq!(call.answer("v=0\r\n", Instant::now()), None);
}

#[test]
fn declining_and_hanging_up_say_so_to_the_caller() {
    let now = Instant::now();
    let (mut call, _) = ringing(SipTransport::Udp, now);
    // A retransmitted INVITE gets the 180 again.
    let again = call.on_request(INVITE.as_bytes());
    assert!(text(&again[0]).starts_with("SIP/2.0 180"));
    let declined = call.decline().unwrap();
    assert!(text(&declined).starts_with("SIP/2.0 603 Decline"));
    assert_eq!(call.state(), &CallState::Ended(CallEnd::Declined));

    let (mut answered, _) = ringing(SipTransport::Tcp, now);
    answered.answer("v=0\r\n", now).unwrap();
    assert_eq!(answered.poll(now + Duration::from_secs(1)), None, "TCP");
    let bye = text(&answered.hang_up().unwrap());
    assert!(
        bye.starts_with("BYE sip:calls@127.0.0.1:5060 SIP/2.0"),
        "{bye}"
    );
    assert!(bye.contains("To: \"Boardroom\" <sip:100001@roomcloud.local>;tag=c1"));
    assert!(bye.contains(&format!(
        "From: <sip:100002@roomcloud.local>;tag={}",
        answered.local_tag
    )));
    assert!(bye.contains("CSeq: 1 BYE"));
    assert_eq!(answered.state(), &CallState::Ended(CallEnd::HungUp));
}

#[test]
fn an_unanswered_call_stops_ringing_and_garbage_is_ignored() {
    let now = Instant::now();
    let (mut call, _) = ringing(SipTransport::Udp, now);
    assert!(call.on_request(b"\x00garbage").is_empty());
    let gave_up = call.poll(now + RING_LIMIT).unwrap();
    assert!(text(&gave_up).starts_with("SIP/2.0 480"));
    assert_eq!(call.state(), &CallState::Ended(CallEnd::Missed));
    let local = "127.0.0.1:40000".parse().unwrap();
    let acct = account(SipTransport::Udp);
    assert!(IncomingCall::ring(&acct, local, b"garbage", now).is_none());
    let tagged = INVITE.replace(
        "To: <sip:100002@roomcloud.local>",
        "To: <sip:100002@roomcloud.local>;tag=x",
    );
    assert!(IncomingCall::ring(&acct, local, tagged.as_bytes(), now).is_none());
}

/// The focus ringing the room into meeting 900123: no SDP.
fn meeting_invite() -> String {
    INVITE
        .replace(
            "From: \"Boardroom\" <sip:100001@roomcloud.local>;tag=c1",
            "From: \"Weekly\" <sip:900123@roomcloud.local>;tag=f1",
        )
        .replace(
            "Contact: <sip:calls@127.0.0.1:5060>",
            "Contact: <sip:focus@127.0.0.1:5060>;isfocus",
        )
        .replace(
            "Content-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n",
            "Content-Length: 0\r\n\r\n",
        )
}

fn ack_with(call: &IncomingCall, body: &str) -> Vec<u8> {
    let ack = String::from_utf8(in_call(call, "ACK", true)).unwrap();
    ack.replace(
        "Content-Length: 0\r\n\r\n",
        &format!("Content-Length: {}\r\n\r\n{body}", body.len()),
    )
    .into_bytes()
}

#[test]
fn a_meeting_rings_with_a_delayed_offer_and_its_answer_comes_in_the_ack() {
    let now = Instant::now();
    let local = "127.0.0.1:40000".parse().unwrap();
    let acct = account(SipTransport::Udp);
    let (mut call, _) = IncomingCall::ring(&acct, local, meeting_invite().as_bytes(), now).unwrap();
    let CallState::Incoming { caller, offer } = call.state().clone() else {
        panic!("not ringing");
    };
    assert!(caller.meeting && call.from_focus());
    assert_eq!(
        (caller.name.as_str(), caller.number.as_str()),
        ("Weekly", "900123")
    );
    assert!(offer.is_empty());
    // Our offer in the 200; the call is agreed only by the ACK.
    let ok = text(&call.answer("v=0\r\noffer\r\n", now).unwrap());
    assert!(ok.starts_with("SIP/2.0 200 OK\r\n") && ok.ends_with("v=0\r\noffer\r\n"));
    assert_eq!(call.state(), &CallState::Calling);
    assert!(call
        .on_request(&ack_with(&call, "v=0\r\nanswer\r\n"))
        .is_empty());
    assert_eq!(
        call.state(),
        &CallState::Established {
            remote_sdp: "v=0\r\nanswer\r\n".into()
        }
    );
    // The dialog a meeting call goes on in.
    let dialog = call.dialog();
    assert_eq!(dialog.local_tag, call.local_tag);
    assert_eq!(
        dialog.remote,
        "\"Weekly\" <sip:900123@roomcloud.local>;tag=f1"
    );
    assert_eq!(dialog.remote_target.to_string(), "sip:focus@127.0.0.1:5060");
    assert_eq!(dialog.local_uri, "sip:100002@roomcloud.local");
    let mut meeting = super::super::call::OutgoingCall::answered(
        &acct,
        local,
        dialog,
        "v=0\r\nanswer\r\n".into(),
        now,
    );
    let subscribe = text(&meeting.poll(now).unwrap());
    assert!(
        subscribe.starts_with("SUBSCRIBE sip:focus@127.0.0.1:5060 SIP/2.0"),
        "{subscribe}"
    );
    assert!(subscribe.contains("To: \"Weekly\" <sip:900123@roomcloud.local>;tag=f1"));
    assert!(subscribe.contains(&format!("tag={}", call.local_tag)));
    assert!(subscribe.contains("CSeq: 2 SUBSCRIBE"));
}

#[test]
fn a_delayed_offer_never_answered_is_ended_with_bye() {
    let now = Instant::now();
    let local = "127.0.0.1:40000".parse().unwrap();
    let acct = account(SipTransport::Udp);
    let invite = meeting_invite();
    // An ACK without the answer: nothing to send media by.
    let (mut call, _) = IncomingCall::ring(&acct, local, invite.as_bytes(), now).unwrap();
    call.answer("v=0\r\n", now).unwrap();
    let bye = call.on_request(&ack_with(&call, ""));
    assert!(text(&bye[0]).starts_with("BYE sip:focus@127.0.0.1:5060"));
    assert_eq!(call.state(), &CallState::Ended(CallEnd::HungUp));
    // No ACK at all: given up at Timer H.
    let (mut call, _) = IncomingCall::ring(&acct, local, invite.as_bytes(), now).unwrap();
    call.answer("v=0\r\n", now).unwrap();
    assert!(text(&call.poll(now + Duration::from_millis(600)).unwrap()).starts_with("SIP/2.0 200"));
    let bye = call.poll(now + ACK_WAIT).unwrap();
    assert!(text(&bye).starts_with("BYE "));
    assert_eq!(call.state(), &CallState::Ended(CallEnd::Timeout));
}
