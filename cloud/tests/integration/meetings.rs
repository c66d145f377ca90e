//! Meetings over real HTTPS: create, list, edit, cancel; one error code per
//! mistake and never a 500; recurrence listing; device meeting rooms; the
//! join decision; and the operator CLI.

use crate::common;

use common::{error_code, TestCloud};
use reqwest::Method;
use roomcloud::client::ClientError;
use roomcloud::meetings::recurrence::{days_from_civil, weekday};
use roomcloud::meetings::MeetingView;
use serde_json::{json, Value};

const DAY: i64 = 86_400;

/// A cloud with enterprise `Acme` and devices `SN-1`, `SN-2`; `Other` with
/// `SN-X`.
async fn cloud() -> TestCloud {
    let t = TestCloud::start().await;
    t.enterprise("Acme").await;
    t.enterprise("Other").await;
    for (sn, e) in [("SN-1", "Acme"), ("SN-2", "Acme"), ("SN-X", "Other")] {
        t.add_device(sn, e).await.unwrap();
    }
    t
}

fn now(t: &TestCloud) -> i64 {
    use roomcloud::clock::Clock;
    t.clock.now_secs()
}

/// Next Monday 09:00 UTC at least a day ahead.
fn next_monday_9(t: &TestCloud) -> i64 {
    let mut day = now(t).div_euclid(DAY) + 1;
    while weekday(day) != 0 {
        day += 1;
    }
    day * DAY + 9 * 3600
}

async fn create(t: &TestCloud, body: Value) -> Result<MeetingView, ClientError> {
    t.admin.call(Method::POST, "/meetings", Some(body)).await
}

/// Status and body of a raw admin request.
async fn raw(t: &TestCloud, method: Method, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut request = t
        .http
        .request(method, t.url(&format!("/api/admin/v1{path}")))
        .bearer_auth(&t.cloud.admin_token);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn api_code(err: ClientError) -> (u16, String) {
    match err {
        ClientError::Api { status, code, .. } => (status, code),
        other => panic!("expected an API error, got {other}"),
    }
}

async fn join(t: &TestCloud, id: &str, q: Value) -> String {
    let answer: Value = t
        .admin
        .call(Method::POST, &format!("/meetings/{id}/join-check"), Some(q))
        .await
        .unwrap();
    match answer["decision"].as_str().unwrap() {
        "rejected" => answer["reason"].as_str().unwrap().to_string(),
        role => role.to_string(),
    }
}

#[tokio::test]
async fn create_show_list_edit_cancel() {
    let t = cloud().await;
    let start = now(&t) + 3600;
    let m = create(
        &t,
        json!({ "enterprise": "Acme", "subject": "Quarterly review", "start_at": start,
                "duration_mins": 45,
                "invitees": { "devices": ["SN-1"], "sip_uris": ["sip:alice@example.com"] } }),
    )
    .await
    .unwrap();
    assert_eq!(m.meeting_id.len(), 9);
    assert!(('1'..='7').contains(&m.meeting_id.chars().next().unwrap()));
    assert_eq!(m.kind, "scheduled");
    assert_eq!(m.sip_uri, format!("sip:{}@roomcloud.local", m.meeting_id));
    assert_eq!((m.start_at, m.duration_mins), (Some(start), Some(45)));
    assert_eq!((m.state.as_str(), m.next_start), ("scheduled", Some(start)));
    assert_eq!(m.party_limit, 100);
    assert!(!m.join_before_host && m.host_password_set && !m.guest_password_set);
    let generated = m.host_password.clone().expect("generated host password");
    assert!(generated.len() == 6 && generated.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(m.invitees.devices, ["SN-1"]);
    assert_eq!(m.invitees.sip_uris, ["sip:alice@example.com"]);
    assert!(m.recurrence.is_none() && m.rrule.is_none());

    let path = format!("/meetings/{}", m.meeting_id);
    let shown: Value = t.admin.call(Method::GET, &path, None).await.unwrap();
    assert!(shown.get("host_password").is_none(), "shown once only");
    assert_eq!(shown["occurrences"], json!([start]));

    // Listing: by enterprise and by invited device.
    let ids = |list: Vec<MeetingView>| list.into_iter().map(|m| m.meeting_id).collect::<Vec<_>>();
    let list: Vec<MeetingView> = t.admin.call(Method::GET, "/meetings", None).await.unwrap();
    assert_eq!(ids(list), [m.meeting_id.as_str()]);
    for (query, expected) in [
        ("?enterprise=Acme", 1),
        ("?enterprise=Other", 0),
        ("?device=SN-1", 1),
        ("?device=SN-2", 0),
    ] {
        let list: Vec<MeetingView> = t
            .admin
            .call(Method::GET, &format!("/meetings{query}"), None)
            .await
            .unwrap();
        assert_eq!(list.len(), expected, "{query}");
    }

    // Edit: only what is given changes; the generated password keeps working.
    let edited: MeetingView = t
        .admin
        .call(
            Method::PATCH,
            &path,
            Some(
                json!({ "subject": "Q3 review", "start_at": start + 1800, "duration_mins": 90,
                         "invitees": { "devices": ["SN-2"] }, "guest_password": "5678",
                         "party_limit": 12, "join_before_host": true }),
            ),
        )
        .await
        .unwrap();
    assert_eq!(edited.subject, "Q3 review");
    assert_eq!(
        (edited.start_at, edited.duration_mins),
        (Some(start + 1800), Some(90))
    );
    assert_eq!(edited.invitees.devices, ["SN-2"]);
    assert!(edited.invitees.sip_uris.is_empty());
    assert!(edited.guest_password_set && edited.join_before_host);
    assert_eq!(edited.party_limit, 12);
    assert!(edited.host_password.is_none());
    t.clock.advance_secs(3600 + 1800);
    let q = json!({ "password": generated });
    assert_eq!(join(&t, &m.meeting_id, q).await, "host");
    // Clearing the guest password.
    let edited: MeetingView = t
        .admin
        .call(Method::PATCH, &path, Some(json!({ "guest_password": "" })))
        .await
        .unwrap();
    assert!(!edited.guest_password_set);

    // Cancel: shown as cancelled, no longer editable or cancellable.
    let cancelled: MeetingView = t
        .admin
        .call(Method::POST, &format!("{path}/cancel"), None)
        .await
        .unwrap();
    assert_eq!(cancelled.state, "cancelled");
    assert_eq!(cancelled.next_start, None);
    let err = t
        .admin
        .call::<Value>(Method::PATCH, &path, Some(json!({ "subject": "x" })))
        .await
        .unwrap_err();
    assert_eq!(api_code(err), (409, "meeting_cancelled".into()));
    let err = t
        .admin
        .call::<Value>(Method::POST, &format!("{path}/cancel"), None)
        .await
        .unwrap_err();
    assert_eq!(api_code(err), (409, "meeting_cancelled".into()));
}

#[tokio::test]
async fn each_mistake_has_its_code_and_bad_input_is_never_a_500() {
    let t = cloud().await;
    let start = now(&t) + 3600;
    let ok = json!({ "enterprise": "Acme", "subject": "Sync", "start_at": start });
    let with = |patch: Value| {
        let mut body = ok.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (json!({ "start_at": start - 3700 }), 400, "start_in_past"),
        (json!({ "duration_mins": 14 }), 400, "invalid_duration"),
        (json!({ "duration_mins": 1441 }), 400, "invalid_duration"),
        (json!({ "party_limit": 0 }), 400, "invalid_party_limit"),
        (json!({ "party_limit": 501 }), 400, "invalid_party_limit"),
        (json!({ "host_password": "123" }), 400, "invalid_password"),
        (
            json!({ "host_password": "123456789" }),
            400,
            "invalid_password",
        ),
        (json!({ "guest_password": "12ab" }), 400, "invalid_password"),
        (
            json!({ "host_password": "1234", "guest_password": "1234" }),
            400,
            "invalid_password",
        ),
        (json!({ "subject": " " }), 400, "invalid_subject"),
        (
            json!({ "utc_offset_minutes": 900 }),
            400,
            "invalid_utc_offset",
        ),
        (
            json!({ "invitees": { "devices": ["SN-NOPE"] } }),
            400,
            "unknown_invitee",
        ),
        // A device of another enterprise is unknown here.
        (
            json!({ "invitees": { "devices": ["SN-X"] } }),
            400,
            "unknown_invitee",
        ),
        (
            json!({ "invitees": { "sip_uris": ["alice@example.com"] } }),
            400,
            "invalid_invitee",
        ),
        (
            json!({ "recurrence": { "freq": "daily", "count": 3, "until": start + DAY } }),
            400,
            "invalid_recurrence",
        ),
        (
            json!({ "recurrence": { "freq": "daily", "weekdays": ["mo"] } }),
            400,
            "invalid_recurrence",
        ),
        (
            json!({ "recurrence": { "freq": "yearly" } }),
            400,
            "invalid_input",
        ),
        (json!({ "color": "red" }), 400, "invalid_input"),
        (json!({ "enterprise": "Nope" }), 404, "not_found"),
    ];
    for (patch, status, code) in cases {
        let err = create(&t, with(patch.clone())).await.unwrap_err();
        assert_eq!(api_code(err), (status, code.to_string()), "{patch}");
    }

    let m = create(&t, ok.clone()).await.unwrap();
    let path = format!("/meetings/{}", m.meeting_id);
    for (patch, code) in [
        (json!({ "start_at": now(&t) - 1 }), "start_in_past"),
        (json!({ "duration_mins": 5 }), "invalid_duration"),
        (json!({ "host_password": "" }), "invalid_password"),
        (
            json!({ "invitees": { "devices": ["SN-X"] } }),
            "unknown_invitee",
        ),
        (json!({ "party_limit": -1 }), "invalid_party_limit"),
    ] {
        let err = t
            .admin
            .call::<Value>(Method::PATCH, &path, Some(patch.clone()))
            .await
            .unwrap_err();
        assert_eq!(api_code(err), (400, code.to_string()), "{patch}");
    }

    let deep = "[".repeat(10_000);
    for (method, p, body, status) in [
        (Method::POST, "/meetings".to_string(), Some("not json"), 400),
        (Method::POST, "/meetings".into(), Some(deep.as_str()), 400),
        (
            Method::POST,
            "/meetings".into(),
            Some("{\"subject\":5}"),
            400,
        ),
        (
            Method::PATCH,
            path.clone(),
            Some("{\"start_at\":\"soon\"}"),
            400,
        ),
        (
            Method::PATCH,
            path.clone(),
            Some("{\"start_at\":1e99}"),
            400,
        ),
        (Method::GET, "/meetings?from=abc".into(), None, 400),
        (Method::GET, "/meetings?from=10&to=5".into(), None, 400),
        (Method::GET, "/meetings?device=SN-NOPE".into(), None, 404),
        (Method::GET, "/meetings/123".into(), None, 404),
        (Method::GET, "/meetings/8999999".into(), None, 404),
        (Method::GET, "/meetings/%00".into(), None, 404),
        (Method::POST, "/meetings/123/cancel".into(), None, 404),
        (Method::DELETE, path.clone(), None, 405),
        (
            Method::GET,
            "/devices/SN-NOPE/meeting-room".into(),
            None,
            404,
        ),
        (
            Method::POST,
            format!("{path}/join-check"),
            Some("{\"participants\":-1}"),
            400,
        ),
    ] {
        let (got, body_json) = raw(&t, method.clone(), &p, body).await;
        assert_eq!(got, status, "{method} {p}: {body_json}");
        assert!(body_json["error"]["code"].is_string(), "{method} {p}");
    }
    let (status, _) = raw(&t, Method::GET, "/meetings", None).await;
    assert_eq!(status, 200);
    let unauthorized = t
        .http
        .get(t.url("/api/admin/v1/meetings"))
        .send()
        .await
        .unwrap();
    assert_eq!(unauthorized.status().as_u16(), 401);
}

#[tokio::test]
async fn recurring_meetings_list_their_occurrences() {
    let t = cloud().await;
    let monday = next_monday_9(&t);
    let weekly = create(
        &t,
        json!({ "enterprise": "Acme", "subject": "Stand-up", "start_at": monday,
                "duration_mins": 15,
                "recurrence": { "freq": "weekly", "weekdays": ["we", "mo"], "count": 4 } }),
    )
    .await
    .unwrap();
    assert_eq!(
        weekly.rrule.as_deref(),
        Some("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4")
    );
    let daily = create(
        &t,
        json!({ "enterprise": "Acme", "subject": "Daily", "start_at": monday + 3600,
                "recurrence": { "freq": "daily" } }),
    )
    .await
    .unwrap();
    assert_eq!(daily.rrule.as_deref(), Some("FREQ=DAILY"));

    let list = |from: i64, to: i64| {
        let t = &t;
        async move {
            t.admin
                .call::<Vec<MeetingView>>(
                    Method::GET,
                    &format!("/meetings?from={from}&to={to}"),
                    None,
                )
                .await
                .unwrap()
        }
    };
    // Three weeks: the weekly series has its four, the daily one 21.
    let three_weeks = list(monday - 60, monday + 21 * DAY).await;
    assert_eq!(three_weeks.len(), 2);
    let w = three_weeks
        .iter()
        .find(|m| m.meeting_id == weekly.meeting_id)
        .unwrap();
    assert_eq!(
        w.occurrences,
        [monday, monday + 2 * DAY, monday + 7 * DAY, monday + 9 * DAY]
    );
    let d = three_weeks
        .iter()
        .find(|m| m.meeting_id == daily.meeting_id)
        .unwrap();
    assert_eq!(d.occurrences.len(), 21);
    // Sorted by first occurrence in the range.
    assert_eq!(three_weeks[0].meeting_id, weekly.meeting_id);

    // The Tuesday of the first week: only the daily meeting.
    let tuesday = list(monday + DAY, monday + 2 * DAY - 3600).await;
    assert_eq!(tuesday.len(), 1);
    assert_eq!(tuesday[0].occurrences, [monday + DAY + 3600]);
    // Past the weekly series: it is gone from the listing.
    let later = list(monday + 10 * DAY, monday + 30 * DAY).await;
    assert!(later.iter().all(|m| m.meeting_id != weekly.meeting_id));

    // Monthly on the start's day, in the enterprise's offset (+08:00).
    let (y, m, _) = roomcloud::meetings::recurrence::civil_from_days(monday.div_euclid(DAY));
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let first = days_from_civil(ny, nm, 15) * DAY + 2 * 3600; // 10:00 at +08:00
    let monthly = create(
        &t,
        json!({ "enterprise": "Acme", "subject": "Monthly", "start_at": first,
                "utc_offset_minutes": 480, "recurrence": { "freq": "monthly", "count": 3 } }),
    )
    .await
    .unwrap();
    assert_eq!(monthly.occurrences.len(), 3);
    for (i, start) in monthly.occurrences.iter().enumerate() {
        let (_, _, day) = roomcloud::meetings::recurrence::civil_from_days(start.div_euclid(DAY));
        assert_eq!(
            (day, start.rem_euclid(DAY)),
            (15, 2 * 3600),
            "occurrence {i}"
        );
    }

    // After the last occurrence the weekly meeting has ended.
    t.clock.advance_secs(monday + 9 * DAY + 900 - now(&t));
    let shown: MeetingView = t
        .admin
        .call(
            Method::GET,
            &format!("/meetings/{}", weekly.meeting_id),
            None,
        )
        .await
        .unwrap();
    assert_eq!((shown.state.as_str(), shown.next_start), ("ended", None));
    let err = t
        .admin
        .call::<Value>(
            Method::PATCH,
            &format!("/meetings/{}", weekly.meeting_id),
            Some(json!({ "subject": "again" })),
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(err), (409, "meeting_ended".into()));
    // The daily one goes on.
    let shown: MeetingView = t
        .admin
        .call(
            Method::GET,
            &format!("/meetings/{}", daily.meeting_id),
            None,
        )
        .await
        .unwrap();
    assert_eq!(shown.state, "scheduled");
    assert_eq!(shown.next_start, Some(monday + 9 * DAY + 3600));
}

#[tokio::test]
async fn join_decisions() {
    let t = cloud().await;
    let start = now(&t) + 3600;
    let m = create(
        &t,
        json!({ "enterprise": "Acme", "subject": "Board", "start_at": start,
                "host_password": "1234", "guest_password": "5678", "party_limit": 3,
                "invitees": { "devices": ["SN-1"] } }),
    )
    .await
    .unwrap();
    let id = m.meeting_id.as_str();
    let host_pw = json!({ "password": "1234" });
    assert_eq!(join(&t, id, host_pw.clone()).await, "not_started");
    assert_eq!(join(&t, "987654321", host_pw.clone()).await, "not_found");

    // The meeting opens 15 minutes early.
    t.clock.advance_secs(3600 - 15 * 60);
    assert_eq!(join(&t, id, host_pw.clone()).await, "host");
    assert_eq!(
        join(
            &t,
            id,
            json!({ "password": "1234", "host_present": true, "participants": 1 })
        )
        .await,
        "guest",
        "a second host-password caller is a guest"
    );
    // Guests: password needed, host needed (join-before-host is off).
    assert_eq!(join(&t, id, json!({})).await, "password_required");
    assert_eq!(
        join(&t, id, json!({ "password": "0000" })).await,
        "wrong_password"
    );
    assert_eq!(
        join(&t, id, json!({ "password": "5678" })).await,
        "not_started"
    );
    let hosted = |extra: Value| {
        let mut q = json!({ "host_present": true, "participants": 1 });
        for (k, v) in extra.as_object().unwrap() {
            q[k] = v.clone();
        }
        q
    };
    assert_eq!(
        join(&t, id, hosted(json!({ "password": "5678" }))).await,
        "guest"
    );
    // An invited device needs no password; another device does.
    assert_eq!(
        join(&t, id, hosted(json!({ "device_sn": "SN-1" }))).await,
        "guest"
    );
    assert_eq!(
        join(&t, id, hosted(json!({ "device_sn": "SN-2" }))).await,
        "password_required"
    );
    assert_eq!(
        join(
            &t,
            id,
            hosted(json!({ "password": "5678", "participants": 3 }))
        )
        .await,
        "full"
    );
    assert_eq!(
        join(
            &t,
            id,
            hosted(json!({ "password": "1234", "locked": true }))
        )
        .await,
        "locked"
    );

    // After the end: ended, unless people are still in it.
    t.clock.advance_secs(15 * 60 + 3600);
    assert_eq!(join(&t, id, host_pw.clone()).await, "ended");
    assert_eq!(
        join(&t, id, hosted(json!({ "password": "5678" }))).await,
        "guest"
    );

    // A cancelled meeting is ended.
    let later = create(
        &t,
        json!({ "enterprise": "Acme", "subject": "Later", "start_at": now(&t),
                "host_password": "4321" }),
    )
    .await
    .unwrap();
    assert_eq!(
        join(&t, &later.meeting_id, json!({ "password": "4321" })).await,
        "host"
    );
    let _: Value = t
        .admin
        .call(
            Method::POST,
            &format!("/meetings/{}/cancel", later.meeting_id),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        join(&t, &later.meeting_id, json!({ "password": "4321" })).await,
        "ended"
    );
}

#[tokio::test]
async fn every_device_has_a_meeting_room() {
    let t = cloud().await;
    let device = t.device("SN-1").await;
    assert_eq!(device.meeting_room, format!("8{}", device.number));

    // First use through the meeting ID itself (as a dialled call would).
    let room: MeetingView = t
        .admin
        .call(
            Method::GET,
            &format!("/meetings/{}", device.meeting_room),
            None,
        )
        .await
        .unwrap();
    assert_eq!(room.kind, "room");
    assert_eq!(room.owner_sn.as_deref(), Some("SN-1"));
    assert_eq!(room.subject, "SN-1");
    assert!(room.start_at.is_none() && room.occurrences.is_empty());
    assert!(room.join_before_host && !room.host_password_set);
    let again: MeetingView = t
        .admin
        .call(Method::GET, "/devices/SN-1/meeting-room", None)
        .await
        .unwrap();
    assert_eq!(again.meeting_id, room.meeting_id);
    assert_eq!(again.created_at, room.created_at);

    // Rooms are always open; the device itself is host, anyone else a guest.
    t.clock.advance_secs(400 * DAY);
    let id = room.meeting_id.as_str();
    assert_eq!(join(&t, id, json!({ "device_sn": "SN-1" })).await, "host");
    assert_eq!(join(&t, id, json!({ "device_sn": "SN-2" })).await, "guest");

    // Passwords and limits can be set; times cannot; it cannot be cancelled.
    let edited: MeetingView = t
        .admin
        .call(
            Method::PATCH,
            &format!("/meetings/{id}"),
            Some(json!({ "subject": "Board room", "guest_password": "2468", "party_limit": 8 })),
        )
        .await
        .unwrap();
    assert_eq!(
        (edited.subject.as_str(), edited.party_limit),
        ("Board room", 8)
    );
    assert_eq!(
        join(&t, id, json!({ "device_sn": "SN-2" })).await,
        "password_required"
    );
    assert_eq!(join(&t, id, json!({ "password": "2468" })).await, "guest");
    let err = t
        .admin
        .call::<Value>(
            Method::PATCH,
            &format!("/meetings/{id}"),
            Some(json!({ "duration_mins": 30 })),
        )
        .await
        .unwrap_err();
    assert_eq!(api_code(err), (400, "invalid_input".into()));
    let err = t
        .admin
        .call::<Value>(Method::POST, &format!("/meetings/{id}/cancel"), None)
        .await
        .unwrap_err();
    assert_eq!(api_code(err), (400, "invalid_input".into()));
    // Rooms are not in the schedule listing.
    let list: Vec<MeetingView> = t.admin.call(Method::GET, "/meetings", None).await.unwrap();
    assert!(list.is_empty());

    // Removing the device removes its room (and its invitations).
    let m = create(
        &t,
        json!({ "enterprise": "Acme", "subject": "Sync", "start_at": now(&t) + 60,
                "invitees": { "devices": ["SN-1", "SN-2"] } }),
    )
    .await
    .unwrap();
    let _: Value = t
        .admin
        .call(Method::DELETE, "/devices/SN-1", None)
        .await
        .unwrap();
    let (status, body) = raw(&t, Method::GET, &format!("/meetings/{id}"), None).await;
    assert_eq!((status, error_code(&body)), (404, "not_found"));
    let shown: MeetingView = t
        .admin
        .call(Method::GET, &format!("/meetings/{}", m.meeting_id), None)
        .await
        .unwrap();
    assert_eq!(shown.invitees.devices, ["SN-2"]);
}

// The CLI runs as a blocking child process: the cloud needs other threads.
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_manages_meetings() {
    let t = TestCloud::start_plain().await;
    t.enterprise("Acme").await;
    t.add_device("SN-C1", "Acme").await.unwrap();
    let run = |args: &[&str]| t.cli(args);
    // The CLI reads the wall clock; the cloud's clock started there too.
    let start = (now(&t) + 2 * 3600).to_string();
    let (ok, out, err) = run(&[
        "--json",
        "meeting",
        "create",
        "--enterprise",
        "Acme",
        "--subject",
        "Weekly",
        "--start",
        &start,
        "--duration",
        "1h30m",
        "--repeat",
        "weekly:mo,fr",
        "--count",
        "6",
        "--invite",
        "SN-C1",
        "--invite",
        "sip:bob@example.com",
        "--guest-password",
        "8642",
        "--utc-offset",
        "+08:00",
    ]);
    assert!(ok, "{err}");
    let m: MeetingView = serde_json::from_str(&out).unwrap();
    assert_eq!(m.duration_mins, Some(90));
    assert_eq!(m.utc_offset_minutes, 480);
    assert_eq!(m.rrule.as_deref(), Some("FREQ=WEEKLY;BYDAY=MO,FR;COUNT=6"));
    assert_eq!(m.invitees.devices, ["SN-C1"]);
    assert_eq!(m.invitees.sip_uris, ["sip:bob@example.com"]);
    assert!(m.host_password.is_some());

    let (ok, out, err) = run(&["meeting", "list", "--device", "SN-C1"]);
    assert!(ok, "{err}");
    assert!(
        out.contains(&m.meeting_id) && out.contains("FREQ=WEEKLY"),
        "{out}"
    );
    let (ok, out, err) = run(&[
        "meeting",
        "edit",
        &m.meeting_id,
        "--subject",
        "Weekly sync",
        "--party-limit",
        "20",
        "--no-invitees",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Weekly sync") && out.contains("party limit    20"),
        "{out}"
    );
    let (ok, out, err) = run(&["meeting", "show", &m.meeting_id]);
    assert!(ok, "{err}");
    assert!(out.contains("invitees       -"), "{out}");
    let (ok, out, _) = run(&["meeting", "cancel", &m.meeting_id]);
    assert!(ok && out.contains("cancelled"), "{out}");
    let (ok, _, err) = run(&["meeting", "edit", &m.meeting_id, "--subject", "x"]);
    assert!(!ok && err.contains("meeting_cancelled"), "{err}");
    let (ok, _, err) = run(&[
        "meeting",
        "create",
        "--enterprise",
        "Acme",
        "--subject",
        "Bad",
        "--duration",
        "5",
    ]);
    assert!(!ok && err.contains("invalid_duration"), "{err}");
    let (ok, out, err) = run(&["device", "meeting-room", "SN-C1"]);
    assert!(ok, "{err}");
    assert!(out.contains("room of        SN-C1"), "{out}");
}
