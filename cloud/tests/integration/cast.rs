//! Casting, the cloud's part: codes pushed to rooms and rotated, a
//! browser's WHIP-shaped requests relayed over the room's config channel
//! and answered, ends reaching the events stream, the lockout, bad bodies,
//! the page. The WebSocket peer plays the room; the cloud is under test.

use crate::common;

use std::time::Duration;

use common::cast::{browser, ended_reason, events, post, showing, Room, ANSWER, OFFER};
use common::{error_code, TestCloud};
use reqwest::Method;
use roomcloud::clock::Clock;
use roomterm_proto::{CastEnd, CastRefusal, DeviceMessage, ServerMessage};
use serde_json::Value;

/// The POST as a task, so the test can play the room meanwhile.
fn spawn_post(
    t: &TestCloud,
    from: &reqwest::Client,
    code: &str,
    query: &str,
) -> tokio::task::JoinHandle<reqwest::Response> {
    let (from, url, code) = (
        from.clone(),
        t.url(&format!("/cast/whip{query}")),
        code.to_string(),
    );
    tokio::spawn(async move {
        from.post(url)
            .bearer_auth(code)
            .header("content-type", "application/sdp")
            .body(OFFER)
            .send()
            .await
            .expect("cloud reachable")
    })
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON error"))
}

#[tokio::test]
async fn rooms_get_distinct_codes_that_rotate_and_the_old_one_is_refused() {
    let t = TestCloud::start_plain().await;
    let mut a = Room::open(&t, "SN-CA1").await;
    let b = Room::open(&t, "SN-CA2").await;
    let page = format!("{}/cast", t.cloud.endpoints.api_url);
    let first = a.code.clone();
    assert_eq!(first.code.len(), 6);
    assert!(first.code.bytes().all(|c| c.is_ascii_digit()));
    assert_eq!(first.page, page);
    assert_eq!(first.url, format!("{page}/{}", first.code));
    assert_eq!(first.valid_until, t.clock.now_secs() + 300);
    assert_ne!(b.code.code, first.code, "two rooms share a code");

    t.clock.advance_secs(300);
    let ServerMessage::CastCode { code: rotated } = a.next_cast().await else {
        panic!("a new code after the period");
    };
    assert_ne!(rotated.code, first.code);
    assert_eq!(rotated.valid_until, first.valid_until + 300);

    let old = post(&t, &t.http, &first.code, "", OFFER).await;
    let (status, body) = error_of(old).await;
    assert_eq!((status, error_code(&body)), (401, "cast_code_invalid"));
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("wrong or expired"),
        "{body}"
    );
    a.silent_for(Duration::from_millis(300)).await;

    let request = spawn_post(&t, &t.http, &rotated.code, "");
    let (session, _, _, _) = a.offer().await;
    a.answer(&session).await;
    assert_eq!(request.await.unwrap().status(), 201);
}

#[tokio::test]
async fn an_offer_reaches_the_room_and_its_answer_comes_back() {
    let t = TestCloud::start_plain().await;
    let mut room = Room::open(&t, "SN-CA3").await;
    let request = spawn_post(&t, &t.http, &room.code.code, "?name=%20Ann%07%20Lee%20");
    let (session, caster, sdp, take_over) = room.offer().await;
    assert_eq!(caster, "Ann Lee", "trimmed, control characters dropped");
    assert_eq!(sdp, OFFER);
    assert!(!take_over);
    assert!(session.len() >= 22, "128 random bits: {session}");
    room.answer(&session).await;

    let response = request.await.unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(response.headers()["content-type"], "application/sdp");
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(location, format!("/cast/whip/{session}"));
    assert_eq!(response.text().await.unwrap(), ANSWER);

    let casts: Vec<Value> = t.admin.call(Method::GET, "/casts", None).await.unwrap();
    assert_eq!(casts.len(), 1, "{casts:?}");
    assert_eq!(casts[0]["session"], session.as_str());
    assert_eq!(casts[0]["room_sn"], "SN-CA3");
    assert_eq!(casts[0]["room_name"], "SN-CA3");
    assert_eq!(casts[0]["caster"], "Ann Lee");
    assert_eq!(casts[0]["remote_ip"], "127.0.0.1");

    // A trickled candidate goes to the room with its m-line.
    let fragment = "a=ice-ufrag:Zx3b\r\na=ice-pwd:7q9ZsPzXh0mZ2kOQe8cK1a8n\r\n\
        m=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:1\r\n\
        a=candidate:2 1 udp 1686052607 203.0.113.7 50001 typ srflx raddr 192.168.1.20 rport 50001\r\n";
    let patch = |path: String, content_type: &'static str| {
        t.http
            .patch(t.url(&path))
            .header("content-type", content_type)
            .body(fragment)
            .send()
    };
    let patched = patch(location.clone(), "application/trickle-ice-sdpfrag")
        .await
        .unwrap();
    assert_eq!(patched.status(), 204);
    assert_eq!(
        room.next_cast().await,
        ServerMessage::CastCandidate {
            session: session.clone(),
            mline: 1,
            candidate: "candidate:2 1 udp 1686052607 203.0.113.7 50001 typ srflx raddr 192.168.1.20 rport 50001".into(),
        }
    );
    let wrong_type = patch(location.clone(), "text/plain").await.unwrap();
    assert_eq!(error_of(wrong_type).await.0, 415);
    let unknown = patch(
        "/cast/whip/AAAAAAAAAAAAAAAAAAAAAA".into(),
        "application/trickle-ice-sdpfrag",
    )
    .await
    .unwrap();
    assert_eq!(error_of(unknown).await.0, 404);

    // The caster stops: the room is told, the session is gone.
    let deleted = t.http.delete(t.url(&location)).send().await.unwrap();
    assert_eq!(deleted.status(), 200);
    assert_eq!(
        room.next_cast().await,
        ServerMessage::CastStop {
            session: session.clone(),
            reason: CastEnd::StoppedByCaster
        }
    );
    let casts: Vec<Value> = t.admin.call(Method::GET, "/casts", None).await.unwrap();
    assert!(casts.is_empty());
    let again = t.http.delete(t.url(&location)).send().await.unwrap();
    assert_eq!(error_of(again).await.0, 404);
}

#[tokio::test]
async fn a_busy_room_names_who_shows_and_takes_a_confirmed_take_over() {
    let t = TestCloud::start_plain().await;
    let mut room = Room::open(&t, "SN-CA4").await;
    let code = room.code.code.clone();

    let request = spawn_post(&t, &t.http, &code, "?name=Cy");
    let (session, _, _, _) = room.offer().await;
    room.send(DeviceMessage::CastRefused {
        session,
        reason: CastRefusal::Busy,
        showing: Some("Bo".into()),
    })
    .await;
    let (status, body) = error_of(request.await.unwrap()).await;
    assert_eq!((status, error_code(&body)), (409, "cast_busy"));
    assert_eq!(body["error"]["showing"], "Bo");

    let request = spawn_post(&t, &t.http, &code, "?name=Cy&take_over=1");
    let (session, _, _, take_over) = room.offer().await;
    assert!(take_over);
    room.answer(&session).await;
    assert_eq!(request.await.unwrap().status(), 201);

    // Every other refusal has its own status and code.
    for (reason, status, expected) in [
        (
            CastRefusal::TakeOverNotAllowed,
            409,
            "cast_take_over_not_allowed",
        ),
        (CastRefusal::DeclinedByRoom, 403, "cast_declined"),
        (CastRefusal::Unsupported, 422, "cast_unsupported"),
    ] {
        let request = spawn_post(&t, &t.http, &code, "");
        let (session, _, _, _) = room.offer().await;
        room.send(DeviceMessage::CastRefused {
            session,
            reason,
            showing: None,
        })
        .await;
        let (got, body) = error_of(request.await.unwrap()).await;
        assert_eq!((got, error_code(&body)), (status, expected), "{body}");
    }
}

#[tokio::test]
async fn the_rooms_end_reaches_the_events_stream_and_no_other_room_can_end_it() {
    let t = TestCloud::start_plain().await;
    let mut room = Room::open(&t, "SN-CA5").await;
    let mut other = Room::open(&t, "SN-CA6").await;
    let location = showing(&t, &mut room, "Ann").await;
    let session = location.rsplit('/').next().unwrap().to_string();
    let stream = events(&t, &location).await;

    // Another room naming this session changes nothing.
    other
        .send(DeviceMessage::CastEnded {
            session: session.clone(),
            reason: CastEnd::StoppedByRoom,
        })
        .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let casts: Vec<Value> = t.admin.call(Method::GET, "/casts", None).await.unwrap();
    assert_eq!(casts.len(), 1);

    room.send(DeviceMessage::CastEnded {
        session: session.clone(),
        reason: CastEnd::TakenOver,
    })
    .await;
    assert_eq!(ended_reason(stream).await, "taken_over");
    // A stream opened just after still learns why.
    assert_eq!(
        ended_reason(events(&t, &location).await).await,
        "taken_over"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_stops_a_cast() {
    let t = TestCloud::start_plain().await;
    let mut room = Room::open(&t, "SN-CA7").await;
    let location = showing(&t, &mut room, "Dee").await;
    let session = location.rsplit('/').next().unwrap().to_string();
    let stream = events(&t, &location).await;

    let (ok, out, err) = t.cli(&["casts", "list"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&session) && out.contains("SN-CA7") && out.contains("Dee"),
        "{out}"
    );
    let (ok, out, err) = t.cli(&["--json", "casts", "list"]);
    assert!(ok, "{err}");
    let listed: Vec<Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(listed[0]["session"], session.as_str());

    let (ok, out, err) = t.cli(&["casts", "stop", &session]);
    assert!(ok, "{err}");
    assert!(out.contains("Dee"), "{out}");
    assert_eq!(
        room.next_cast().await,
        ServerMessage::CastStop {
            session: session.clone(),
            reason: CastEnd::StoppedByAdmin
        }
    );
    assert_eq!(ended_reason(stream).await, "stopped_by_admin");
    let (ok, _, err) = t.cli(&["casts", "stop", &session]);
    assert!(!ok && err.contains("not found"), "{err}");
}

#[tokio::test]
async fn a_room_going_offline_ends_its_casts_and_its_code() {
    let t = TestCloud::start_plain().await;
    let mut room = Room::open(&t, "SN-CA8").await;
    let code = room.code.code.clone();
    let location = showing(&t, &mut room, "Eve").await;
    let stream = events(&t, &location).await;

    // An offer waiting for the room when its channel closes: 503.
    let waiting = spawn_post(&t, &t.http, &code, "");
    room.offer().await;
    drop(room);
    let (status, body) = error_of(waiting.await.unwrap()).await;
    assert_eq!((status, error_code(&body)), (503, "room_offline"));
    assert_eq!(ended_reason(stream).await, "room_offline");
    // The code went with the channel.
    let (status, body) = error_of(post(&t, &t.http, &code, "", OFFER).await).await;
    assert_eq!((status, error_code(&body)), (401, "cast_code_invalid"));
}

#[tokio::test]
async fn a_room_that_does_not_answer_is_504_and_told_to_drop_the_offer() {
    let t = TestCloud::start_with(|c| {
        c.plain_http = true;
        c.cast_answer_timeout = Duration::from_secs(1);
    })
    .await;
    let mut room = Room::open(&t, "SN-CA9").await;
    let request = spawn_post(&t, &t.http, &room.code.code, "");
    let (session, _, _, _) = room.offer().await;
    let (status, body) = error_of(request.await.unwrap()).await;
    assert_eq!((status, error_code(&body)), (504, "room_no_answer"));
    assert_eq!(
        room.next_cast().await,
        ServerMessage::CastStop {
            session: session.clone(),
            reason: CastEnd::StoppedByCaster
        }
    );
    // A late answer finds no session.
    room.answer(&session).await;
    let casts: Vec<Value> = t.admin.call(Method::GET, "/casts", None).await.unwrap();
    assert!(casts.is_empty());
}

/// The lock is per address: ten wrong codes from 127.0.0.2 lock 127.0.0.2
/// (even with the right code, and before the room hears of it), while
/// 127.0.0.3 casts with the right code; ten minutes later 127.0.0.2 is
/// heard again.
#[tokio::test]
async fn ten_wrong_codes_lock_that_address_only() {
    let t = TestCloud::start_plain().await;
    let mut room = Room::open(&t, "SN-CA10").await;
    let right = room.code.code.clone();
    let wrong = if right == "000000" {
        "000001"
    } else {
        "000000"
    };
    let guesser = browser("127.0.0.2");
    for attempt in 1..=9 {
        let (status, body) = error_of(post(&t, &guesser, wrong, "", OFFER).await).await;
        assert_eq!(
            (status, error_code(&body)),
            (401, "cast_code_invalid"),
            "attempt {attempt}"
        );
    }
    let tenth = post(&t, &guesser, wrong, "", OFFER).await;
    assert_eq!(tenth.headers()["retry-after"], "600");
    let (status, body) = error_of(tenth).await;
    assert_eq!((status, error_code(&body)), (429, "ip_locked"));
    assert_eq!(body["error"]["retry_after_secs"], 600);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("casting codes"),
        "{body}"
    );

    let eleventh = post(&t, &guesser, &right, "", OFFER).await;
    assert_eq!(error_code(&error_of(eleventh).await.1), "ip_locked");
    room.silent_for(Duration::from_millis(300)).await;

    let neighbour = browser("127.0.0.3");
    let request = spawn_post(&t, &neighbour, &right, "");
    let (session, _, _, _) = room.offer().await;
    room.answer(&session).await;
    assert_eq!(request.await.unwrap().status(), 201);

    t.clock.advance_secs(600);
    let (status, body) = error_of(post(&t, &guesser, wrong, "", OFFER).await).await;
    assert_eq!((status, error_code(&body)), (401, "cast_code_invalid"));
}

#[tokio::test]
async fn bad_requests_are_refused_and_never_reach_the_room() {
    let t = TestCloud::start_plain().await;
    let mut room = Room::open(&t, "SN-CA11").await;
    let code = room.code.code.clone();
    let url = t.url("/cast/whip");
    let send = |content_type: &'static str, body: Vec<u8>, auth: bool| {
        let mut request = t
            .http
            .post(&url)
            .header("content-type", content_type)
            .body(body);
        if auth {
            request = request.bearer_auth(&code);
        }
        request.send()
    };
    let cases: Vec<(&str, Vec<u8>, bool, u16, &str)> = vec![
        (
            "application/sdp",
            vec![b'v'; 70 * 1024],
            true,
            413,
            "payload_too_large",
        ),
        (
            "application/json",
            br#"{"sdp":"v=0"}"#.to_vec(),
            true,
            415,
            "unsupported_media_type",
        ),
        (
            "application/sdp",
            b"hello".to_vec(),
            true,
            400,
            "invalid_input",
        ),
        (
            "application/sdp",
            b"v=0\r\ns=-\r\n".to_vec(),
            true,
            400,
            "invalid_input",
        ),
        (
            "application/sdp",
            vec![0xff, 0xfe, 0x00, 0x80],
            true,
            400,
            "invalid_input",
        ),
        (
            "application/sdp",
            OFFER.as_bytes().to_vec(),
            false,
            401,
            "cast_code_invalid",
        ),
    ];
    for (content_type, body, auth, status, expected) in cases {
        let (got, answer) = error_of(send(content_type, body, auth).await.unwrap()).await;
        assert_eq!(
            (got, error_code(&answer)),
            (status, expected),
            "{content_type}"
        );
    }
    room.silent_for(Duration::from_millis(300)).await;
    let health = t.http.get(t.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

async fn page(t: &TestCloud, path: &str, accept_language: &str) -> String {
    let response = t
        .http
        .get(t.url(path))
        .header("accept-language", accept_language)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let h = response.headers();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_eq!(h["content-security-policy"], CSP);
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    response.text().await.unwrap()
}

/// The `href`/`src` value after `marker` in `html`.
fn attribute<'a>(html: &'a str, marker: &str) -> &'a str {
    let rest = &html[html.find(marker).expect(marker) + marker.len()..];
    &rest[..rest.find('"').unwrap()]
}

#[tokio::test]
async fn the_page_speaks_both_languages_under_a_strict_policy() {
    let t = TestCloud::start_plain().await;
    let zh = page(&t, "/cast", "zh-CN,zh;q=0.9,en;q=0.8").await;
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    assert!(zh.contains("投屏码") && zh.contains("开始投屏"), "{zh}");
    let en = page(&t, "/cast?lang=en", "zh-CN").await;
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("Casting code") && en.contains("Share screen"));
    assert!(!en.contains("投屏码"));
    assert!(page(&t, "/cast/", "en").await.contains("Casting code"));
    let prefilled = page(&t, "/cast/123456", "en").await;
    assert!(prefilled.contains("value=\"123456\""));
    let not_a_code = page(&t, "/cast/12x456", "en").await;
    assert!(!not_a_code.contains("value="));

    for (marker, content_type) in [
        (
            "<link rel=\"stylesheet\" href=\"",
            "text/css; charset=utf-8",
        ),
        ("<script src=\"", "text/javascript; charset=utf-8"),
    ] {
        let url = attribute(&en, marker);
        let asset = t.http.get(t.url(url)).send().await.unwrap();
        assert_eq!(asset.status(), 200, "{url}");
        assert_eq!(asset.headers()["content-type"], content_type);
        assert_eq!(asset.headers()["x-content-type-options"], "nosniff");
        assert!(asset.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable"));
        let etag = asset.headers()["etag"].clone();
        let unversioned = url.split('?').next().unwrap();
        let again = t
            .http
            .get(t.url(unversioned))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
        assert_eq!(again.headers()["cache-control"], "no-cache");
    }
    let missing = t
        .http
        .get(t.url("/cast/assets/nope.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(missing).await.0, 404);
}
