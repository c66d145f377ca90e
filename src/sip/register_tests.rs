//! Unit tests of `register.rs`: every path of the state machine, with time
//! passed in.

use super::*;

fn account() -> Account {
    Account {
        expires: 600,
        instance: Some("urn:uuid:00000000-0000-8000-8000-000000000001".into()),
        ..Account::for_tests("100001", SipTransport::Udp)
    }
}

/// Builds a response to `request` the way a registrar would.
fn answer(request: &[u8], status: &str, extra: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(request);
    let keep: Vec<&str> = text
        .lines()
        .filter(|l| {
            ["Via:", "From:", "To:", "Call-ID:", "CSeq:"]
                .iter()
                .any(|h| l.starts_with(h))
        })
        .collect();
    format!(
        "SIP/2.0 {status}\r\n{}\r\n{extra}Content-Length: 0\r\n\r\n",
        keep.join("\r\n")
    )
    .into_bytes()
}

#[test]
fn challenge_then_registered_then_refresh() {
    let t0 = Instant::now();
    let mut reg = Registration::new(account(), "127.0.0.1:5070".parse().unwrap());
    let first = reg.register_now("127.0.0.1:5070".parse().unwrap(), t0);
    assert!(!String::from_utf8_lossy(&first).contains("Authorization"));
    let challenge = answer(
        &first,
        "401 Unauthorized",
        "WWW-Authenticate: Digest realm=\"roomcloud.local\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\"\r\n",
    );
    let second = reg
        .on_response(&challenge, t0)
        .expect("answers the challenge");
    let text = String::from_utf8_lossy(&second).into_owned();
    assert!(
        text.contains("algorithm=SHA-256") && text.contains("CSeq: 2 REGISTER"),
        "{text}"
    );
    let ok = answer(
        &second,
        "200 OK",
        "Contact: <sip:100001@127.0.0.1:5070>;expires=300\r\n",
    );
    assert_eq!(reg.on_response(&ok, t0), None);
    assert_eq!(
        reg.status(),
        &RegStatus::Registered {
            expires_in: Duration::from_secs(300)
        }
    );
    // Refresh at 80 % (240 s), reusing the challenge.
    assert_eq!(reg.next_wakeup(), Some(t0 + Duration::from_secs(240)));
    assert_eq!(reg.poll(t0 + Duration::from_secs(239)), None);
    let refresh = reg.poll(t0 + Duration::from_secs(240)).expect("refresh");
    assert!(String::from_utf8_lossy(&refresh).contains("nc=00000002"));
}

#[test]
fn wrong_password_and_timeouts_are_reported_and_retried() {
    let t0 = Instant::now();
    let local = "127.0.0.1:5070".parse().unwrap();
    let mut reg = Registration::new(account(), local);
    let first = reg.register_now(local, t0);
    let challenge =
        "WWW-Authenticate: Digest realm=\"roomcloud.local\", nonce=\"abc\", qop=\"auth\"\r\n";
    let second = reg
        .on_response(&answer(&first, "401 Unauthorized", challenge), t0)
        .unwrap();
    assert_eq!(
        reg.on_response(&answer(&second, "401 Unauthorized", challenge), t0),
        None
    );
    assert_eq!(
        reg.status(),
        &RegStatus::Failed(RegFailure::WrongCredentials(401))
    );

    // Retry after 2 s; nobody answers: UDP retransmits, then times out.
    let retry = reg.poll(t0 + RETRY_FIRST).expect("retry");
    let t1 = t0 + RETRY_FIRST;
    assert_eq!(reg.poll(t1 + T1), Some(retry.clone()));
    assert_eq!(reg.poll(t1 + T1 * 3), Some(retry));
    assert_eq!(reg.poll(t1 + TIMER_F), None);
    assert_eq!(reg.status(), &RegStatus::Failed(RegFailure::Timeout));
    // The next retry waits longer (jittered up to a quarter earlier).
    let next = reg.next_wakeup().unwrap() - (t1 + TIMER_F);
    assert!(
        next <= RETRY_FIRST * 2 && next >= RETRY_FIRST * 3 / 2,
        "{next:?}"
    );
}

#[test]
fn stray_and_garbage_responses_are_ignored() {
    let t0 = Instant::now();
    let local = "127.0.0.1:5070".parse().unwrap();
    let mut reg = Registration::new(account(), local);
    let first = reg.register_now(local, t0);
    assert_eq!(reg.on_response(b"garbage", t0), None);
    let other = String::from_utf8_lossy(&answer(&first, "200 OK", ""))
        .replace("branch=z9hG4bK", "branch=z9hG4bKx");
    assert_eq!(reg.on_response(other.as_bytes(), t0), None);
    assert_eq!(reg.status(), &RegStatus::Registering);
    let brief = answer(&first, "423 Interval Too Brief", "Min-Expires: 900\r\n");
    let again = reg
        .on_response(&brief, t0)
        .expect("retries with the minimum");
    assert!(String::from_utf8_lossy(&again).contains("Expires: 900"));
}

#[test]
fn tcp_names_its_transport_and_never_retransmits() {
    let t0 = Instant::now();
    let local = "127.0.0.1:40001".parse().unwrap();
    let mut reg = Registration::new(
        Account {
            transport: SipTransport::Tcp,
            ..account()
        },
        local,
    );
    let first = String::from_utf8(reg.register_now(local, t0)).unwrap();
    assert!(
        first.contains("Via: SIP/2.0/TCP 127.0.0.1:40001;branch=z9hG4bK"),
        "{first}"
    );
    assert!(
        first.contains("Contact: <sip:100001@127.0.0.1:40001;transport=tcp>"),
        "{first}"
    );
    // §17.1.2.2: the transport is reliable, only Timer F runs.
    assert_eq!(reg.next_wakeup(), Some(t0 + TIMER_F));
    assert_eq!(reg.poll(t0 + T1), None);
    assert_eq!(reg.poll(t0 + T2 * 4), None);
    assert!(reg.is_waiting());
    assert_eq!(reg.poll(t0 + TIMER_F), None);
    assert_eq!(reg.status(), &RegStatus::Failed(RegFailure::Timeout));
    assert!(!reg.is_waiting());
}

#[test]
fn registering_now_replaces_a_due_retry() {
    let t0 = Instant::now();
    let local = "127.0.0.1:5070".parse().unwrap();
    let mut reg = Registration::new(account(), local);
    reg.register_now(local, t0);
    reg.on_send_error("connection refused".into(), t0);
    assert_eq!(
        reg.status(),
        &RegStatus::Failed(RegFailure::Unreachable("connection refused".into()))
    );
    // Forced early (e.g. the cloud is back): the old retry must not stay
    // due, or the agent would wake up in a loop until the answer comes.
    let t1 = t0 + RETRY_FIRST * 3;
    reg.register_now(local, t1);
    assert_eq!(reg.next_wakeup(), Some(t1 + T1));
}

#[test]
fn the_offered_transport_is_taken_and_unknown_ones_fall_back() {
    use roomterm_proto::SipTransport as Offer;
    assert_eq!(SipTransport::from_offer(Offer::Tcp), SipTransport::Tcp);
    assert_eq!(SipTransport::from_offer(Offer::Udp), SipTransport::Udp);
    assert_eq!(SipTransport::from_offer(Offer::Unknown), SipTransport::Udp);
}
