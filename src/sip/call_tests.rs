//! Unit tests of `call.rs`: every path of the state machine, with time
//! passed in.

use super::*;

fn account(transport: SipTransport) -> Account {
    Account::for_tests("100001", transport)
}

/// A call from 127.0.0.1:40000 to `user` offering a stub SDP.
fn call_to(transport: SipTransport, user: &str, now: Instant) -> (OutgoingCall, Vec<u8>) {
    let local = "127.0.0.1:40000".parse().unwrap();
    OutgoingCall::start(&account(transport), local, user, "v=0\r\n", now)
}

/// A response to `request` as the focus would send it.
fn answer(request: &[u8], status: &str, extra: &str, body: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(request).into_owned();
    let line = |name: &str| {
        text.lines()
            .find(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
            .unwrap()
            .to_string()
    };
    let to = if status.starts_with("100") {
        line("to")
    } else {
        format!("{};tag=focus1", line("to"))
    };
    format!(
        "SIP/2.0 {status}\r\n{}\r\n{}\r\n{to}\r\n{}\r\n{}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        line("via"),
        line("from"),
        line("call-id"),
        line("cseq"),
        body.len()
    )
    .into_bytes()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_answered_call_is_acked_and_hung_up_with_bye() {
    let now = Instant::now();
    let (mut call, invite) = call_to(SipTransport::Udp, "123456789*2222", now);
    let invite_text = text(&invite);
    assert!(invite_text.starts_with("INVITE sip:123456789*2222@roomcloud.local SIP/2.0"));
    assert!(invite_text.contains("Content-Type: application/sdp"));
    assert!(invite_text.ends_with("v=0\r\n"));
    assert_eq!(
        call.on_response(&answer(&invite, "100 Trying", "", "")),
        None
    );
    assert_eq!(call.state(), &CallState::Calling);
    // No retransmission after a provisional answer.
    assert_eq!(call.poll(now + Duration::from_secs(1)), None);
    let ack = call
        .on_response(&answer(&invite, "200 OK", "", "v=0\r\nanswer\r\n"))
        .unwrap();
    assert!(text(&ack).starts_with("ACK sip:123456789*2222@roomcloud.local"));
    assert!(text(&ack).contains("tag=focus1"), "{}", text(&ack));
    assert!(
        !text(&ack).contains(&call.branch),
        "a 2xx ACK is a new transaction"
    );
    assert_eq!(
        call.state(),
        &CallState::Established {
            remote_sdp: "v=0\r\nanswer\r\n".into()
        }
    );
    // A retransmitted 200 is ACKed again.
    assert!(call
        .on_response(&answer(&invite, "200 OK", "", "v=0\r\nanswer\r\n"))
        .is_some());
    let bye = call.hang_up().unwrap();
    assert!(text(&bye).starts_with("BYE "));
    assert!(text(&bye).contains("CSeq: 2 BYE"));
    assert!(text(&bye).contains("tag=focus1"));
    assert_eq!(call.state(), &CallState::Ended(CallEnd::HungUp));
    assert_eq!(call.hang_up(), None);
}

#[test]
fn a_refusal_names_its_reason_and_is_acked_on_the_invite_branch() {
    let now = Instant::now();
    let (mut call, invite) = call_to(SipTransport::Udp, "123456789*9", now);
    let refusal = answer(
        &invite,
        "403 Wrong Meeting Password",
        "Warning: 399 roomcloud.local \"wrong_password\"\r\n",
        "",
    );
    let ack = call.on_response(&refusal).unwrap();
    assert!(text(&ack).contains(&call.branch));
    assert_eq!(
        call.state(),
        &CallState::Ended(CallEnd::Refused {
            status: 403,
            reason: "Wrong Meeting Password".into(),
            code: Some("wrong_password".into()),
        })
    );
    assert!(
        call.on_response(&refusal).is_some(),
        "retransmission re-ACKed"
    );
}

#[test]
fn udp_retransmits_then_times_out_and_tcp_does_not_retransmit() {
    let now = Instant::now();
    let (mut call, invite) = call_to(SipTransport::Udp, "123456789", now);
    let mut sent = 0;
    let mut t = now;
    while t < now + Duration::from_secs(40) {
        if let Some(again) = call.poll(t) {
            assert_eq!(again, invite);
            sent += 1;
        }
        t += Duration::from_millis(100);
    }
    // 0.5, 1.5, 3.5, 7.5, 11.5, … 31.5 s: T1 doubling, capped at T2.
    assert!((9..=11).contains(&sent), "{sent} retransmissions");
    assert_eq!(call.state(), &CallState::Ended(CallEnd::Timeout));

    let (mut tcp, _) = call_to(SipTransport::Tcp, "123456789", now);
    assert_eq!(tcp.poll(now + Duration::from_secs(5)), None);
    assert!(text(&tcp.invite).contains("SIP/2.0/TCP"));
}

#[test]
fn the_far_end_hangs_up_and_strays_are_ignored() {
    let now = Instant::now();
    let (mut call, invite) = call_to(SipTransport::Udp, "123456789", now);
    // Not ours, and not SIP at all.
    let other = text(&answer(&invite, "200 OK", "", "")).replace(call.call_id(), "other@x");
    assert_eq!(call.on_response(other.as_bytes()), None);
    assert_eq!(call.on_response(b"\x00garbage"), None);
    assert_eq!(call.state(), &CallState::Calling);
    call.on_response(&answer(&invite, "200 OK", "", "v=0\r\n"))
        .unwrap();
    let bye = format!(
        "BYE sip:100001@127.0.0.1:40000 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx\r\n\
         From: <sip:123456789@roomcloud.local>;tag=focus1\r\nTo: <sip:100001@roomcloud.local>;tag={}\r\n\
         Call-ID: {}\r\nCSeq: 7 BYE\r\nContent-Length: 0\r\n\r\n",
        call.from_tag,
        call.call_id()
    );
    let ok = call.on_request(bye.as_bytes()).unwrap();
    assert!(text(&ok).starts_with("SIP/2.0 200 OK"));
    assert!(text(&ok).contains("CSeq: 7 BYE"));
    assert_eq!(
        call.state(),
        &CallState::Ended(CallEnd::RemoteHungUp { code: None })
    );
}

#[test]
fn hanging_up_before_the_answer_cancels_the_invite() {
    let now = Instant::now();
    let (mut call, invite) = call_to(SipTransport::Udp, "123456789", now);
    call.on_response(&answer(&invite, "180 Ringing", "", ""));
    assert_eq!(call.state(), &CallState::Ringing);
    let cancel = call.hang_up().unwrap();
    assert!(text(&cancel).starts_with("CANCEL "));
    assert!(text(&cancel).contains(&call.branch));
    assert!(text(&cancel).contains("CSeq: 1 CANCEL"));
}

/// A NOTIFY from the focus in `call`'s dialog carrying `body`.
fn notify(call: &OutgoingCall, cseq: u32, state: &str, body: &str) -> Vec<u8> {
    format!(
        "NOTIFY sip:100001@127.0.0.1:40000 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKn{cseq}\r\n\
         From: <sip:123456789@roomcloud.local>;tag=focus1\r\n\
         To: <sip:100001@roomcloud.local>;tag={}\r\n\
         Call-ID: {}\r\nCSeq: {cseq} NOTIFY\r\nEvent: conference\r\n\
         Subscription-State: {state}\r\n\
         Content-Type: application/conference-info+xml\r\n\
         Content-Length: {}\r\n\r\n{body}",
        call.from_tag,
        call.call_id,
        body.len()
    )
    .into_bytes()
}

const ROSTER: &str = "<conference-info version=\"2\"><conference-state>\
    <user-count>3</user-count><layout>gallery</layout></conference-state>\
    <users><user><display-text>Board Room</display-text></user></users></conference-info>";

#[test]
fn a_focus_call_subscribes_to_the_roster_and_sends_layout_choices() {
    let now = Instant::now();
    let (mut call, invite) = call_to(SipTransport::Udp, "123456789", now);
    let ok = answer(
        &invite,
        "200 OK",
        "Contact: <sip:focus@127.0.0.1:5060>;isfocus\r\n",
        "v=0\r\n",
    );
    assert!(call.on_response(&ok).is_some(), "acked");
    // At once: the roster subscription.
    let due = call.next_wakeup().unwrap();
    assert!(due <= now + Duration::from_millis(1));
    let subscribe = text(&call.poll(now).unwrap());
    assert!(
        subscribe.starts_with("SUBSCRIBE sip:123456789@roomcloud.local"),
        "{subscribe}"
    );
    assert!(subscribe.contains("Event: conference\r\n"));
    assert!(subscribe.contains("Expires: 600\r\n"));
    assert!(subscribe.contains("CSeq: 2 SUBSCRIBE"));
    assert!(subscribe.contains("tag=focus1"), "in the dialog");
    // Unanswered over UDP: repeated after T1.
    assert_eq!(text(&call.poll(now + T1).unwrap()), subscribe);
    let subscribed = answer(subscribe.as_bytes(), "200 OK", "Expires: 600\r\n", "");
    assert_eq!(call.on_response(&subscribed), None);
    assert_eq!(call.poll(now + T1 * 3), None, "answered: no more repeats");
    // The NOTIFY gives the roster.
    let reply = call
        .on_request(&notify(&call, 1, "active;expires=600", ROSTER))
        .unwrap();
    assert!(text(&reply).starts_with("SIP/2.0 200 OK"));
    let roster = call.roster().unwrap();
    assert_eq!(
        (roster.count, roster.layout.as_deref()),
        (3, Some("gallery"))
    );
    // A stale one (older version) does not replace it.
    let older = ROSTER
        .replace("version=\"2\"", "version=\"1\"")
        .replace(">3<", ">9<");
    call.on_request(&notify(&call, 2, "active", &older))
        .unwrap();
    assert_eq!(call.roster().unwrap().count, 3);
    // Garbage is refused, the roster kept.
    let bad = call
        .on_request(&notify(&call, 3, "active", "<html/>"))
        .unwrap();
    assert!(text(&bad).starts_with("SIP/2.0 400"));
    assert_eq!(call.roster().unwrap().count, 3);
    // A layout choice is an INFO with the JSON body.
    let info = text(&call.select_layout("speaker", now).unwrap());
    assert!(info.starts_with("INFO "), "{info}");
    assert!(info.contains("Content-Type: application/vnd.roomterm.layout+json"));
    assert!(info.ends_with("{\"layout\":\"speaker\"}"));
    call.on_response(&answer(info.as_bytes(), "200 OK", "", ""));
    // The subscription is refreshed a minute before it runs out.
    assert_eq!(call.next_wakeup(), Some(now + Duration::from_secs(540)));
    let again = text(&call.poll(now + Duration::from_secs(540)).unwrap());
    assert!(again.starts_with("SUBSCRIBE ") && again.contains("CSeq: 4 SUBSCRIBE"));
    // Ended by the focus: no roster.
    call.on_request(&notify(&call, 4, "terminated;reason=timeout", ""))
        .unwrap();
    assert!(call.roster().is_none());
}

#[test]
fn a_room_call_subscribes_to_nothing_and_has_no_layouts() {
    let now = Instant::now();
    let (mut call, invite) = call_to(SipTransport::Udp, "100002", now);
    call.on_response(&answer(
        &invite,
        "200 OK",
        "Contact: <sip:calls@127.0.0.1:5060>\r\n",
        "v=0\r\n",
    ));
    assert_eq!(call.next_wakeup(), None);
    assert_eq!(call.poll(now + Duration::from_secs(5)), None);
    assert_eq!(call.select_layout("gallery", now), None);
}

/// An answered call (UDP, no focus).
fn established(now: Instant) -> OutgoingCall {
    // A re-INVITE's offer is read as SDP.
    crate::media::init().unwrap();
    let (mut call, invite) = call_to(SipTransport::Udp, "123456789", now);
    call.on_response(&answer(&invite, "200 OK", "", "v=0\r\nfirst\r\n"))
        .unwrap();
    call
}

#[test]
fn a_reinvite_is_repeated_until_answered_and_its_answer_becomes_the_session() {
    let now = Instant::now();
    let mut call = established(now);
    assert_eq!(call.renegotiation(), &Renegotiation::None);
    let reinvite = call.reinvite("v=0\r\nsecond\r\n", now).unwrap();
    let reinvite_text = text(&reinvite);
    assert!(reinvite_text.starts_with("INVITE sip:123456789@roomcloud.local"));
    assert!(reinvite_text.contains("CSeq: 2 INVITE"), "{reinvite_text}");
    assert!(reinvite_text.contains("tag=focus1"), "in the dialog");
    assert!(reinvite_text.ends_with("v=0\r\nsecond\r\n"));
    assert_eq!(call.renegotiation(), &Renegotiation::Offered);
    // One at a time.
    assert_eq!(call.reinvite("v=0\r\nthird\r\n", now), None);
    // Over UDP, repeated until an answer comes; a provisional one stops it.
    assert_eq!(call.poll(now + T1).as_deref(), Some(&reinvite[..]));
    call.on_response(&answer(&reinvite, "100 Trying", "", ""));
    assert_eq!(call.poll(now + T1 * 4), None);
    let ack = call
        .on_response(&answer(&reinvite, "200 OK", "", "v=0\r\nanswered\r\n"))
        .unwrap();
    assert!(text(&ack).starts_with("ACK "));
    assert!(text(&ack).contains("CSeq: 2 ACK"), "{}", text(&ack));
    assert_eq!(
        call.renegotiation(),
        &Renegotiation::Answered("v=0\r\nanswered\r\n".into())
    );
    assert_eq!(
        call.state(),
        &CallState::Established {
            remote_sdp: "v=0\r\nanswered\r\n".into()
        }
    );
    // Its repeated 200 is ACKed again; the next re-INVITE may go.
    assert!(call
        .on_response(&answer(&reinvite, "200 OK", "", "v=0\r\nanswered\r\n"))
        .is_some());
    let next = call.reinvite("v=0\r\nthird\r\n", now).unwrap();
    assert!(text(&next).contains("CSeq: 3 INVITE"));
}

#[test]
fn a_refused_or_unanswered_reinvite_leaves_the_session_as_it_was() {
    let now = Instant::now();
    let mut call = established(now);
    let reinvite = call.reinvite("v=0\r\nsecond\r\n", now).unwrap();
    let branch = text(&reinvite)
        .lines()
        .find(|l| l.starts_with("Via:"))
        .and_then(|l| l.split("branch=").nth(1))
        .unwrap()
        .to_string();
    let ack = call
        .on_response(&answer(&reinvite, "488 Not Acceptable Here", "", ""))
        .unwrap();
    assert!(
        text(&ack).contains(&branch),
        "a failure's ACK shares the branch"
    );
    assert_eq!(call.renegotiation(), &Renegotiation::Refused(488));
    assert_eq!(
        call.state(),
        &CallState::Established {
            remote_sdp: "v=0\r\nfirst\r\n".into()
        }
    );
    // Unanswered: given up at Timer B, the call itself goes on.
    call.reinvite("v=0\r\nthird\r\n", now).unwrap();
    let _ = call.poll(now + TIMER_B);
    assert_eq!(call.renegotiation(), &Renegotiation::Refused(408));
    assert!(matches!(call.state(), CallState::Established { .. }));
    // Not established: nothing to offer again in.
    call.hang_up();
    assert_eq!(call.reinvite("v=0\r\n", now), None);
}

#[test]
fn a_bye_from_the_cloud_says_why_by_its_code() {
    let now = Instant::now();
    let (mut call, invite) = call_to(SipTransport::Udp, "123456789", now);
    call.on_response(&answer(&invite, "200 OK", "", "v=0\r\n"))
        .unwrap();
    let bye = format!(
        "BYE sip:100001@127.0.0.1:40000 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKy\r\n\
         From: <sip:123456789@roomcloud.local>;tag=focus1\r\nTo: <sip:100001@roomcloud.local>;tag={}\r\n\
         Call-ID: {}\r\nCSeq: 8 BYE\r\nReason: SIP;cause=403;text=\"Removed From Meeting\"\r\n\
         Warning: 399 roomcloud.local \"removed\"\r\nContent-Length: 0\r\n\r\n",
        call.from_tag,
        call.call_id()
    );
    call.on_request(bye.as_bytes()).unwrap();
    assert_eq!(
        call.state(),
        &CallState::Ended(CallEnd::RemoteHungUp {
            code: Some("removed".into())
        })
    );
}

/// The focus's re-INVITE in `call`, asking for `imageattr` on its video.
fn size_reoffer(call: &OutgoingCall, cseq: u32, imageattr: &str) -> Vec<u8> {
    let body = format!(
        "v=0\r\no=roomcloud 7 {cseq} IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio 5000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n\
         m=video 5002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n{imageattr}"
    );
    format!(
        "INVITE sip:100001@127.0.0.1:40000 SIP/2.0\r\n\
         Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKr{cseq}\r\n\
         From: <sip:123456789@roomcloud.local>;tag=focus1\r\n\
         To: <sip:100001@roomcloud.local>;tag={}\r\n\
         Call-ID: {}\r\nCSeq: {cseq} INVITE\r\nContact: <sip:focus@127.0.0.1:5060>;isfocus\r\n\
         Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{body}",
        call.from_tag,
        call.call_id,
        body.len()
    )
    .into_bytes()
}

#[test]
fn the_focus_asks_for_a_picture_size_and_the_answer_confirms_it() {
    crate::media::init().unwrap();
    let now = Instant::now();
    let ours = super::super::sdp::offer(&super::super::sdp::LocalMedia {
        ip: [127, 0, 0, 1].into(),
        video_port: 4000,
        audio_port: 4002,
        video_pt: 96,
        audio_pt: 111,
        video_rtx_pt: None,
        kbps: 1000,
        content: None,
    });
    let local = "127.0.0.1:40000".parse().unwrap();
    let (mut call, invite) =
        OutgoingCall::start(&account(SipTransport::Udp), local, "123456789", &ours, now);
    let remote = "v=0\r\no=roomcloud 7 1 IN IP4 127.0.0.1\r\n";
    call.on_response(&answer(&invite, "200 OK", "", remote))
        .unwrap();
    assert_eq!(call.asked_size(), None);

    let reoffer = size_reoffer(&call, 2, "a=imageattr:96 recv [x=480,y=270] send *\r\n");
    let ok = text(&call.on_request(&reoffer).unwrap());
    assert!(ok.starts_with("SIP/2.0 200 OK"), "{ok}");
    assert!(
        ok.contains("a=imageattr:96 send [x=480,y=270] recv *"),
        "{ok}"
    );
    assert!(ok.contains("Contact: "), "a 2xx to an INVITE has a Contact");
    assert_eq!(call.asked_size(), Some((480, 270)));
    // The session is as it was: still established on the first answer.
    assert!(matches!(call.state(), CallState::Established { remote_sdp } if remote_sdp == remote));
    // Its repetition gets the same answer; the ACK gets none.
    assert_eq!(text(&call.on_request(&reoffer).unwrap()), ok);
    let ack = text(&reoffer)
        .replacen("INVITE sip:", "ACK sip:", 1)
        .replace("CSeq: 2 INVITE", "CSeq: 2 ACK");
    assert_eq!(call.on_request(ack.as_bytes()), None);

    // Back to the class's size: a re-INVITE that asks none.
    let plain = text(&call.on_request(&size_reoffer(&call, 3, "")).unwrap());
    assert!(plain.contains("a=imageattr:96 send * recv *"), "{plain}");
    assert_eq!(call.asked_size(), None);

    // One crossing our own re-INVITE waits (§14.1) and changes nothing.
    call.reinvite(&ours, now).unwrap();
    let crossing = size_reoffer(&call, 4, "a=imageattr:96 recv [x=320,y=180]\r\n");
    let pending = text(&call.on_request(&crossing).unwrap());
    assert!(
        pending.starts_with("SIP/2.0 491 Request Pending"),
        "{pending}"
    );
    assert_eq!(call.asked_size(), None);
}
