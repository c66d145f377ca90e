//! The SIP registrar over real UDP and TCP sockets, driven by a hand-written
//! user agent: digest auth, transactions, bindings, and hostile input.

use crate::common;

use std::time::Duration;

use common::ua::{param, Ua};
use common::{device_sip_account, third_party_account, TestCloud};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const DOMAIN: &str = "roomcloud.local";

async fn device_ua(t: &TestCloud, sn: &str) -> Ua {
    let (user, password) = device_sip_account(t, sn).await;
    Ua::new(t.cloud.endpoints.sip_udp, &user, &password, DOMAIN).await
}

#[tokio::test]
async fn device_registers_with_sha256_and_shows_as_registered() {
    let t = TestCloud::start().await;
    let ua = device_ua(&t, "SN-R1").await;
    let challenge = ua.send(&ua.register(&[ua.contact("a")], None, None)).await;
    assert_eq!(challenge.status(), 401);
    let offered: Vec<String> = challenge.challenges().into_iter().map(|c| c.0).collect();
    assert_eq!(
        offered,
        ["SHA-256", "MD5"],
        "device accounts prefer SHA-256"
    );

    let ok = ua
        .register_with_auth(&[ua.contact("a")], Some(120), "SHA-256")
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.text);
    let contact = ok.header("Contact").unwrap();
    assert!(
        contact.contains(&format!("@{}", ua.local())) && contact.ends_with(";expires=120"),
        "{contact}"
    );
    assert!(ok.header("To").unwrap().contains(";tag="));
    assert!(ok
        .header("Via")
        .unwrap()
        .contains(&format!("rport={}", ua.local().port())));

    let device = t.device("SN-R1").await;
    assert!(device.sip_registered);
    assert_eq!(device.sip_bindings.len(), 1);
    assert_eq!(device.sip_bindings[0].source, ua.local().to_string());

    // MD5 works for device accounts too.
    let ok = ua
        .register_with_auth(&[ua.contact("a")], Some(120), "MD5")
        .await;
    assert_eq!(ok.status(), 200);

    // Bindings lapse when not refreshed.
    t.clock.advance_secs(121);
    assert!(!t.device("SN-R1").await.sip_registered);
}

#[tokio::test]
async fn wrong_password_is_forbidden() {
    let t = TestCloud::start().await;
    let ua = device_ua(&t, "SN-R2").await;
    let mut ua = ua;
    ua.password = "not-the-password".into();
    let answer = ua
        .register_with_auth(&[ua.contact("a")], None, "SHA-256")
        .await;
    assert_eq!(answer.status(), 403);
    assert!(!t.device("SN-R2").await.sip_registered);
    // Unknown users get the same answer.
    ua.user = "999999".into();
    let answer = ua.register_with_auth(&[ua.contact("a")], None, "MD5").await;
    assert_eq!(answer.status(), 403);
}

#[tokio::test]
async fn third_party_accounts_are_offered_md5_only_by_default() {
    let t = TestCloud::start().await;
    third_party_account(&t, "polycom1", "secret-pw-1", None).await;
    let ua = Ua::new(t.cloud.endpoints.sip_udp, "polycom1", "secret-pw-1", DOMAIN).await;
    let challenge = ua.send(&ua.register(&[ua.contact("a")], None, None)).await;
    let offered: Vec<String> = challenge.challenges().into_iter().map(|c| c.0).collect();
    assert_eq!(offered, ["MD5"]);
    assert_eq!(
        ua.register_with_auth(&[ua.contact("a")], None, "MD5")
            .await
            .status(),
        200
    );

    // An account restricted to SHA-256 does not accept MD5 (no downgrade).
    third_party_account(&t, "modern1", "secret-pw-2", Some("SHA-256")).await;
    let ua = Ua::new(t.cloud.endpoints.sip_udp, "modern1", "secret-pw-2", DOMAIN).await;
    let challenge = ua.send(&ua.register(&[ua.contact("a")], None, None)).await;
    let (_, nonce, _) = challenge.challenges().remove(0);
    let md5 = ua.authorization("MD5", &nonce, 1);
    let answer = ua
        .send(&ua.register(&[ua.contact("a")], None, Some(&md5)))
        .await;
    assert_eq!(answer.status(), 401);
    assert_eq!(
        ua.register_with_auth(&[ua.contact("a")], None, "SHA-256")
            .await
            .status(),
        200
    );
}

/// REGISTER is answered statelessly: a retransmission of an accepted one is
/// recognised by its nonce-count (not challenged as a replay) and answered
/// alike; a late copy arriving after a newer request is not applied again.
#[tokio::test]
async fn retransmissions_are_answered_alike_and_late_copies_change_nothing() {
    let t = TestCloud::start().await;
    let ua = device_ua(&t, "SN-R3").await;
    let challenge = ua.send(&ua.register(&[ua.contact("a")], None, None)).await;
    let nonce = challenge.challenges()[0].1.clone();
    let auth = ua.authorization("SHA-256", &nonce, 1);
    let register = ua.register(&[ua.contact("a")], Some(300), Some(&auth));
    let first = ua.send(&register).await;
    assert_eq!(first.status(), 200);
    let again = ua.send(&register).await;
    assert_eq!(again.status(), 200, "{}", again.text);
    assert_eq!(again.header("To"), first.header("To"));
    assert_eq!(again.headers("Contact"), first.headers("Contact"));

    // Un-register in a new transaction, then the first REGISTER again: it
    // is a replay now, challenged, and the binding stays gone.
    let auth2 = ua.authorization("SHA-256", &nonce, 2);
    let unregister = ua.register(&[ua.contact("a")], Some(0), Some(&auth2));
    assert_eq!(ua.send(&unregister).await.status(), 200);
    assert!(!t.device("SN-R3").await.sip_registered);
    let late = ua.send(&register).await;
    assert_eq!(late.status(), 401, "{}", late.text);
    assert!(
        !t.device("SN-R3").await.sip_registered,
        "a late copy was applied again"
    );
}

/// A retransmitted REGISTER without credentials is challenged again,
/// statelessly: same To tag, and its nonce is as good as the first.
#[tokio::test]
async fn a_retransmitted_challenge_is_as_good_as_the_first() {
    let t = TestCloud::start().await;
    let ua = device_ua(&t, "SN-R10").await;
    let register = ua.register(&[ua.contact("a")], None, None);
    let first = ua.send(&register).await;
    assert_eq!(first.status(), 401);
    let again = ua.send(&register).await;
    assert_eq!(again.status(), 401);
    assert_eq!(again.header("To"), first.header("To"), "new To tag");
    // A new transaction is challenged afresh.
    let other = ua.send(&ua.register(&[ua.contact("a")], None, None)).await;
    assert_ne!(other.challenges()[0].1, first.challenges()[0].1);
    // The retransmitted challenge's nonce is as good as the first.
    let auth = ua.authorization("SHA-256", &again.challenges()[0].1, 1);
    let ok = ua
        .send(&ua.register(&[ua.contact("a")], None, Some(&auth)))
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.text);
}

/// RFC 7616 §3.4.6: credentials computed for another URI are refused 400.
#[tokio::test]
async fn digest_uri_must_match_the_request_uri() {
    let t = TestCloud::start().await;
    let ua = device_ua(&t, "SN-R11").await;
    let challenge = ua.send(&ua.register(&[ua.contact("a")], None, None)).await;
    let nonce = challenge.challenges()[0].1.clone();
    let auth = ua.authorization("SHA-256", &nonce, 1);
    let elsewhere = ua
        .register(&[ua.contact("a")], None, Some(&auth))
        .replace("REGISTER sip:roomcloud.local ", "REGISTER sip:127.0.0.1 ");
    let answer = ua.send(&elsewhere).await;
    assert_eq!(answer.status(), 400, "{}", answer.text);
    assert!(!t.device("SN-R11").await.sip_registered);
    // The same credentials on the URI they were computed for are fine.
    let ok = ua
        .send(&ua.register(&[ua.contact("a")], None, Some(&auth)))
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.text);
}

#[tokio::test]
async fn replayed_and_old_nonces_are_stale() {
    let t = TestCloud::start().await;
    let ua = device_ua(&t, "SN-R4").await;
    let challenge = ua.send(&ua.register(&[ua.contact("a")], None, None)).await;
    let nonce = challenge.challenges()[0].1.clone();
    let auth = ua.authorization("SHA-256", &nonce, 1);
    assert_eq!(
        ua.send(&ua.register(&[ua.contact("a")], None, Some(&auth)))
            .await
            .status(),
        200
    );

    // Same nonce and nonce-count in a new transaction: a replay.
    let replay = ua
        .send(&ua.register(&[ua.contact("a")], None, Some(&auth)))
        .await;
    assert_eq!(replay.status(), 401);
    assert!(
        replay.challenges().iter().all(|c| c.2),
        "stale=TRUE expected: {}",
        replay.text
    );

    // A higher nonce-count is fine until the nonce ages out.
    let auth = ua.authorization("SHA-256", &nonce, 2);
    assert_eq!(
        ua.send(&ua.register(&[ua.contact("a")], None, Some(&auth)))
            .await
            .status(),
        200
    );
    t.clock.advance_secs(301);
    let auth = ua.authorization("SHA-256", &nonce, 3);
    let stale = ua
        .send(&ua.register(&[ua.contact("a")], None, Some(&auth)))
        .await;
    assert_eq!(stale.status(), 401);
    assert!(stale.challenges()[0].2);

    // A forged nonce is not "stale": it is simply challenged.
    let forged = ua.authorization("SHA-256", "bm90LW91cnM", 1);
    let answer = ua
        .send(&ua.register(&[ua.contact("a")], None, Some(&forged)))
        .await;
    assert_eq!(answer.status(), 401);
    assert!(!answer.challenges()[0].2);
}

#[tokio::test]
async fn brief_expiry_multiple_contacts_and_wildcard_removal() {
    let t = TestCloud::start().await;
    let ua = device_ua(&t, "SN-R5").await;

    let brief = ua
        .register_with_auth(&[ua.contact("a")], Some(30), "SHA-256")
        .await;
    assert_eq!(brief.status(), 423);
    assert_eq!(brief.header("Min-Expires").as_deref(), Some("60"));

    let both = [ua.contact("a"), format!("{};expires=90", ua.contact("b"))];
    let ok = ua.register_with_auth(&both, Some(600), "SHA-256").await;
    assert_eq!(ok.status(), 200);
    let mut contacts = ok.headers("Contact");
    contacts.sort();
    assert_eq!(contacts.len(), 2, "{}", ok.text);
    assert!(
        contacts[0].ends_with(";expires=600") && contacts[1].ends_with(";expires=90"),
        "{contacts:?}"
    );
    assert_eq!(t.device("SN-R5").await.sip_bindings.len(), 2);

    // Longer than the maximum is cut down to it.
    let ok = ua
        .register_with_auth(&[ua.contact("a")], Some(86_400), "SHA-256")
        .await;
    assert!(
        ok.headers("Contact")
            .iter()
            .any(|c| c.ends_with(";expires=3600")),
        "{}",
        ok.text
    );

    // Query without contacts lists the bindings without changing them.
    let listed = ua.register_with_auth(&[], None, "SHA-256").await;
    assert_eq!(listed.headers("Contact").len(), 2);

    // Remove one, then all with the wildcard.
    let ok = ua
        .register_with_auth(&[ua.contact("b")], Some(0), "SHA-256")
        .await;
    assert_eq!(ok.headers("Contact").len(), 1);
    let bad_wildcard = ua
        .register_with_auth(&["*".into()], Some(60), "SHA-256")
        .await;
    assert_eq!(bad_wildcard.status(), 400);
    let ok = ua
        .register_with_auth(&["*".into()], Some(0), "SHA-256")
        .await;
    assert_eq!(ok.status(), 200);
    assert!(ok.headers("Contact").is_empty());
    assert!(!t.device("SN-R5").await.sip_registered);
}

#[tokio::test]
async fn a_user_may_only_bind_its_own_address() {
    let t = TestCloud::start().await;
    third_party_account(&t, "alice1", "alice-password", None).await;
    third_party_account(&t, "mallory", "mallory-password", None).await;
    let ua = Ua::new(
        t.cloud.endpoints.sip_udp,
        "mallory",
        "mallory-password",
        DOMAIN,
    )
    .await;
    let challenge = ua.send(&ua.register(&[ua.contact("a")], None, None)).await;
    let nonce = challenge.challenges()[0].1.clone();
    let auth = ua.authorization("MD5", &nonce, 1);
    let msg = ua
        .register(&[ua.contact("a")], None, Some(&auth))
        .replace("To: <sip:mallory@", "To: <sip:alice1@");
    assert_eq!(ua.send(&msg).await.status(), 403);
}

#[tokio::test]
async fn options_is_answered_and_other_methods_are_refused() {
    let t = TestCloud::start().await;
    let ua = Ua::new(t.cloud.endpoints.sip_udp, "x", "y", DOMAIN).await;
    let options = ua
        .register_template("OPTIONS")
        .replace("CSeq: 1 REGISTER", "CSeq: 1 OPTIONS");
    let answer = ua.send(&options).await;
    assert_eq!(answer.status(), 200);
    assert!(answer.header("Allow").unwrap().contains("REGISTER"));
    let message = ua
        .register_template("MESSAGE")
        .replace("CSeq: 1 REGISTER", "CSeq: 1 MESSAGE");
    assert_eq!(ua.send(&message).await.status(), 405);
}

#[tokio::test]
async fn garbage_is_answered_400_or_dropped_and_service_continues() {
    let t = TestCloud::start().await;
    let ua = device_ua(&t, "SN-R6").await;
    let register = ua.register(&[ua.contact("a")], None, None);
    // Cut off in the middle of a header line (as a truncated datagram is),
    // but Via/From/To/Call-ID/CSeq survive: answerable, so answered 400.
    let cut = register.find("User-Agent").unwrap() + "User-Ag".len();
    let truncated = register[..cut].to_string();
    assert_eq!(ua.send(&truncated).await.status(), 400);
    for junk in [
        &b""[..],
        b"\r\n\r\n",
        b"\x00\x01\x02\xff\xfe",
        b"REGISTER sip:x SIP/2.0\r\n\r\n",
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.2.3.4\r\n\r\n",
        &[b'A'; 60_000],
    ] {
        ua.socket.send_to(junk, ua.server).await.unwrap();
    }
    // Still serving: a proper registration succeeds.
    let ok = ua
        .register_with_auth(&[ua.contact("a")], None, "SHA-256")
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.text);
}

#[tokio::test]
async fn tcp_registration_keepalive_and_broken_streams() {
    let t = TestCloud::start().await;
    let (user, password) = device_sip_account(&t, "SN-R7").await;
    let ua = Ua::new(t.cloud.endpoints.sip_udp, &user, &password, DOMAIN).await;
    let tcp = t.cloud.endpoints.sip_tcp;

    let mut stream = TcpStream::connect(tcp).await.unwrap();
    // RFC 5626 keep-alive: CRLFCRLF is answered with CRLF.
    stream.write_all(b"\r\n\r\n").await.unwrap();
    let mut pong = [0u8; 2];
    tokio::time::timeout(Duration::from_secs(2), stream.read_exact(&mut pong))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(&pong, b"\r\n");

    let to_tcp = |m: String| m.replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    let challenge = tcp_exchange(
        &mut stream,
        &to_tcp(ua.register(&[ua.contact("t")], None, None)),
    )
    .await;
    assert!(challenge.starts_with("SIP/2.0 401"), "{challenge}");
    let www = challenge
        .split("\r\n")
        .find(|l| l.starts_with("WWW-Authenticate"))
        .unwrap()
        .to_string();
    let auth = ua.authorization("SHA-256", &param(&www, "nonce"), 1);
    let ok = tcp_exchange(
        &mut stream,
        &to_tcp(ua.register(&[ua.contact("t")], None, Some(&auth))),
    )
    .await;
    assert!(ok.starts_with("SIP/2.0 200"), "{ok}");
    let device = t.device("SN-R7").await;
    assert_eq!(
        device.sip_bindings[0].transport,
        roomcloud::sip::Transport::Tcp
    );

    // A lying Content-Length gets a 400 and the stream is closed...
    let mut broken = TcpStream::connect(tcp).await.unwrap();
    let lie = to_tcp(ua.register(&[ua.contact("t")], None, None))
        .replace("Content-Length: 0", "Content-Length: x");
    let answer = tcp_exchange(&mut broken, &lie).await;
    assert!(answer.starts_with("SIP/2.0 400"), "{answer}");
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(2), broken.read_to_end(&mut rest)).await;
    assert!(matches!(closed, Ok(Ok(0))), "connection should close");
    // ...and a flood of header bytes is cut off without taking the server down.
    let mut flood = TcpStream::connect(tcp).await.unwrap();
    let _ = flood.write_all(&vec![b'X'; 200_000]).await;
    // The first connection still works.
    stream.write_all(b"\r\n\r\n").await.unwrap();
    stream.read_exact(&mut pong).await.unwrap();
    assert_eq!(&pong, b"\r\n");
}

/// A REGISTER whose head is `head_bytes` long (padded with X-Filler lines).
fn padded_register(ua: &Ua, head_bytes: usize) -> String {
    let register = ua
        .register(&[ua.contact("t")], None, None)
        .replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    let (head, _) = register.split_once("Content-Length").unwrap();
    let mut head = head.to_string();
    while head.len() < head_bytes {
        head.push_str(&format!("X-Filler: {}\r\n", "a".repeat(998)));
    }
    head + "Content-Length: 0\r\n\r\n"
}

/// A 60 KB head trickled in small pieces is framed and answered; one over
/// the 64 KiB limit is answered 513 (RFC 3261 §21.5.12) and closed.
#[tokio::test]
async fn big_heads_over_tcp_are_framed_or_refused_513() {
    let t = TestCloud::start().await;
    let ua = device_ua(&t, "SN-R12").await;
    let mut stream = TcpStream::connect(t.cloud.endpoints.sip_tcp).await.unwrap();
    let big = padded_register(&ua, 60_000);
    let (last, pieces) = big.as_bytes().split_last().unwrap();
    for piece in pieces.chunks(700) {
        stream.write_all(piece).await.unwrap();
        stream.flush().await.unwrap();
        tokio::task::yield_now().await;
    }
    let answer = tcp_exchange(&mut stream, &String::from(*last as char)).await;
    assert!(answer.starts_with("SIP/2.0 401 "), "{answer}");

    let mut stream = TcpStream::connect(t.cloud.endpoints.sip_tcp).await.unwrap();
    let answer = tcp_exchange(&mut stream, &padded_register(&ua, 70_000)).await;
    assert!(
        answer.starts_with("SIP/2.0 513 Message Too Large\r\n"),
        "{answer}"
    );
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    assert!(
        matches!(closed, Ok(Ok(_))),
        "connection should close: {closed:?}"
    );
}

async fn tcp_exchange(stream: &mut TcpStream, message: &str) -> String {
    stream.write_all(message.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 65_535];
    let mut got = Vec::new();
    loop {
        let n = tokio::time::timeout(Duration::from_secs(3), stream.read(&mut buf))
            .await
            .expect("TCP answer in time")
            .unwrap();
        assert!(n > 0, "connection closed early");
        got.extend_from_slice(&buf[..n]);
        if got.windows(4).any(|w| w == b"\r\n\r\n") {
            return String::from_utf8(got).unwrap();
        }
    }
}

/// A rebooted device registers from a new port with a new Call-ID: with its
/// `+sip.instance` it replaces its old binding instead of piling up bindings
/// until the per-AOR limit refuses it.
#[tokio::test]
async fn an_instance_id_replaces_the_binding_of_a_rebooted_device() {
    let t = TestCloud::start().await;
    let (user, password) = device_sip_account(&t, "SN-R9").await;
    let instance = r#";+sip.instance="<urn:uuid:0b8e4c1a-3f6d-3c2e-9a41-5d7f00c0ffee>""#;
    let mut last_source = String::new();
    for _boot in 0..12 {
        let ua = Ua::new(t.cloud.endpoints.sip_udp, &user, &password, DOMAIN).await;
        let contact = format!("{}{instance}", ua.contact("boot"));
        let ok = ua
            .register_with_auth(&[contact], Some(600), "SHA-256")
            .await;
        assert_eq!(ok.status(), 200, "{}", ok.text);
        assert_eq!(ok.headers("Contact").len(), 1, "{}", ok.text);
        last_source = ua.socket.local_addr().unwrap().to_string();
    }
    let bindings = t.device("SN-R9").await.sip_bindings;
    assert_eq!(bindings.len(), 1, "{bindings:?}");
    assert_eq!(bindings[0].source, last_source);

    // Without an instance, contacts are told apart by URI as before.
    let ua = Ua::new(t.cloud.endpoints.sip_udp, &user, &password, DOMAIN).await;
    let ok = ua
        .register_with_auth(&[ua.contact("plain")], Some(600), "SHA-256")
        .await;
    assert_eq!(ok.headers("Contact").len(), 2, "{}", ok.text);
    // Un-REGISTER by instance, from yet another address.
    let ua = Ua::new(t.cloud.endpoints.sip_udp, &user, &password, DOMAIN).await;
    let contact = format!("{}{instance}", ua.contact("bye"));
    let ok = ua.register_with_auth(&[contact], Some(0), "SHA-256").await;
    assert_eq!(ok.headers("Contact").len(), 1, "{}", ok.text);
}
