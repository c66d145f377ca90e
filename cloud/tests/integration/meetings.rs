//! Meetings over real HTTPS: create, list, edit, cancel; one error code per
//! mistake and never a 500; recurrence listing; and the operator CLI. Who
//! may join, and every device's own room: `meeting_access.rs`.

use crate::common;

use common::meetings::{
    api_code, cloud, invite, next_monday_9, now, raw, with_password, Listing, MeetingChange,
    MeetingDraft, DAY,
};
use common::TestCloud;
use reqwest::Method;
use roomcloud::meetings::join::JoinDecision::Host;
use roomcloud::meetings::recurrence::{days_from_civil, Freq, Recurrence, Weekday};
use roomcloud::meetings::MeetingView;
use serde_json::{json, Value};

#[tokio::test]
async fn create_show_list_edit_cancel() {
    let t = cloud().await;
    let meetings = t.meetings();
    let start = now(&t) + 3600;
    let m = meetings
        .create(MeetingDraft {
            enterprise: "Acme",
            subject: "Quarterly review",
            start_at: Some(start),
            duration_mins: Some(45),
            invitees: Some(invite(&["SN-1"], &["sip:alice@example.com"])),
            ..Default::default()
        })
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

    let id = m.meeting_id.as_str();
    let shown = meetings.show_json(id).await;
    assert!(shown.get("host_password").is_none(), "shown once only");
    assert_eq!(shown["occurrences"], json!([start]));

    // Listing: by enterprise and by invited device.
    let ids = |list: Vec<MeetingView>| list.into_iter().map(|m| m.meeting_id).collect::<Vec<_>>();
    assert_eq!(ids(meetings.list(Listing::default()).await), [id]);
    for (listing, expected) in [
        (
            Listing {
                enterprise: Some("Acme"),
                ..Default::default()
            },
            1,
        ),
        (
            Listing {
                enterprise: Some("Other"),
                ..Default::default()
            },
            0,
        ),
        (
            Listing {
                device: Some("SN-1"),
                ..Default::default()
            },
            1,
        ),
        (
            Listing {
                device: Some("SN-2"),
                ..Default::default()
            },
            0,
        ),
    ] {
        assert_eq!(meetings.list(listing).await.len(), expected, "{listing:?}");
    }

    // Edit: only what is given changes; the generated password keeps working.
    let edited = meetings
        .edit(
            id,
            MeetingChange {
                subject: Some("Q3 review"),
                start_at: Some(start + 1800),
                duration_mins: Some(90),
                invitees: Some(invite(&["SN-2"], &[])),
                guest_password: Some("5678"),
                party_limit: Some(12),
                join_before_host: Some(true),
                ..Default::default()
            },
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
    assert_eq!(
        meetings.join_decision(id, with_password(&generated)).await,
        Host
    );
    // Clearing the guest password.
    let clear = MeetingChange {
        guest_password: Some(""),
        ..Default::default()
    };
    let edited = meetings.edit(id, clear).await.unwrap();
    assert!(!edited.guest_password_set);

    // Cancel: shown as cancelled, no longer editable or cancellable.
    let cancelled = meetings.cancel(id).await.unwrap();
    assert_eq!(cancelled.state, "cancelled");
    assert_eq!(cancelled.next_start, None);
    let rename = MeetingChange {
        subject: Some("x"),
        ..Default::default()
    };
    let err = meetings.edit(id, rename).await.unwrap_err();
    assert_eq!(api_code(err), (409, "meeting_cancelled".into()));
    let err = meetings.cancel(id).await.unwrap_err();
    assert_eq!(api_code(err), (409, "meeting_cancelled".into()));
}

/// What goes on the wire is the point here: the bodies are JSON as sent.
#[tokio::test]
async fn each_mistake_has_its_code_and_bad_input_is_never_a_500() {
    let t = cloud().await;
    let meetings = t.meetings();
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
        let err = meetings.create_json(with(patch.clone())).await.unwrap_err();
        assert_eq!(api_code(err), (status, code.to_string()), "{patch}");
    }

    let m = meetings.create_json(ok.clone()).await.unwrap();
    let path = format!("/meetings/{}", m.meeting_id);
    let change = MeetingChange::default;
    for (change, code) in [
        (
            MeetingChange {
                start_at: Some(now(&t) - 1),
                ..change()
            },
            "start_in_past",
        ),
        (
            MeetingChange {
                duration_mins: Some(5),
                ..change()
            },
            "invalid_duration",
        ),
        (
            MeetingChange {
                host_password: Some(""),
                ..change()
            },
            "invalid_password",
        ),
        (
            MeetingChange {
                invitees: Some(invite(&["SN-X"], &[])),
                ..change()
            },
            "unknown_invitee",
        ),
        (
            MeetingChange {
                party_limit: Some(-1),
                ..change()
            },
            "invalid_party_limit",
        ),
    ] {
        let err = meetings
            .edit(&m.meeting_id, change.clone())
            .await
            .unwrap_err();
        assert_eq!(api_code(err), (400, code.to_string()), "{change:?}");
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
        // Host actions: nobody is in the meeting; no action at all.
        (
            Method::POST,
            format!("{path}/live"),
            Some("{\"action\":\"lock\"}"),
            404,
        ),
        (
            Method::POST,
            format!("{path}/live"),
            Some("{\"action\":\"explode\"}"),
            400,
        ),
        (
            Method::POST,
            format!("{path}/live"),
            Some("{\"action\":\"mute\",\"participant\":\"x\"}"),
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
    let meetings = t.meetings();
    let monday = next_monday_9(&t);
    let weekly = meetings
        .create(MeetingDraft {
            enterprise: "Acme",
            subject: "Stand-up",
            start_at: Some(monday),
            duration_mins: Some(15),
            recurrence: Some(Recurrence {
                freq: Freq::Weekly,
                weekdays: vec![Weekday::We, Weekday::Mo],
                count: Some(4),
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(
        weekly.rrule.as_deref(),
        Some("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4")
    );
    let daily = meetings
        .create(MeetingDraft {
            enterprise: "Acme",
            subject: "Daily",
            start_at: Some(monday + 3600),
            recurrence: Some(Recurrence {
                freq: Freq::Daily,
                ..Default::default()
            }),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(daily.rrule.as_deref(), Some("FREQ=DAILY"));

    let between = |from: i64, to: i64| Listing {
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    // Three weeks: the weekly series has its four, the daily one 21.
    let three_weeks = meetings.list(between(monday - 60, monday + 21 * DAY)).await;
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
    let tuesday = meetings
        .list(between(monday + DAY, monday + 2 * DAY - 3600))
        .await;
    assert_eq!(tuesday.len(), 1);
    assert_eq!(tuesday[0].occurrences, [monday + DAY + 3600]);
    // Past the weekly series: it is gone from the listing.
    let later = meetings
        .list(between(monday + 10 * DAY, monday + 30 * DAY))
        .await;
    assert!(later.iter().all(|m| m.meeting_id != weekly.meeting_id));

    // Monthly on the start's day, in the enterprise's offset (+08:00).
    let (y, m, _) = roomcloud::meetings::recurrence::civil_from_days(monday.div_euclid(DAY));
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let first = days_from_civil(ny, nm, 15) * DAY + 2 * 3600; // 10:00 at +08:00
    let monthly = meetings
        .create(MeetingDraft {
            enterprise: "Acme",
            subject: "Monthly",
            start_at: Some(first),
            utc_offset_minutes: Some(480),
            recurrence: Some(Recurrence {
                freq: Freq::Monthly,
                count: Some(3),
                ..Default::default()
            }),
            ..Default::default()
        })
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
    let shown = meetings.show(&weekly.meeting_id).await;
    assert_eq!((shown.state.as_str(), shown.next_start), ("ended", None));
    let again = MeetingChange {
        subject: Some("again"),
        ..Default::default()
    };
    let err = meetings.edit(&weekly.meeting_id, again).await.unwrap_err();
    assert_eq!(api_code(err), (409, "meeting_ended".into()));
    // The daily one goes on.
    let shown = meetings.show(&daily.meeting_id).await;
    assert_eq!(shown.state, "scheduled");
    assert_eq!(shown.next_start, Some(monday + 9 * DAY + 3600));
}

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
