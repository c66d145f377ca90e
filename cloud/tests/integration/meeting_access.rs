//! Who may join a meeting (host and guest passwords, invited rooms, its
//! time, lock and party limit), and every device's own meeting room, over
//! real HTTPS.

use crate::common;

use common::error_code;
use common::meetings::{
    api_code, cloud, from_device, hosted, invite, now, raw, with_password, Listing, MeetingChange,
    MeetingDraft, DAY,
};
use reqwest::Method;
use roomcloud::meetings::join::JoinDecision::{Guest, Host, Rejected};
use roomcloud::meetings::join::RejectReason::{
    Ended, Full, Locked, NotFound, NotStarted, PasswordRequired, WrongPassword,
};
use roomcloud::meetings::JoinQuery;
use serde_json::Value;

#[tokio::test]
async fn join_decisions() {
    let t = cloud().await;
    let meetings = t.meetings();
    let start = now(&t) + 3600;
    let m = meetings
        .create(MeetingDraft {
            enterprise: "Acme",
            subject: "Board",
            start_at: Some(start),
            host_password: Some("1234"),
            guest_password: Some("5678"),
            party_limit: Some(3),
            invitees: Some(invite(&["SN-1"], &[])),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = m.meeting_id.as_str();
    let host_pw = || with_password("1234");
    assert_eq!(
        meetings.join_decision(id, host_pw()).await,
        Rejected(NotStarted)
    );
    assert_eq!(
        meetings.join_decision("987654321", host_pw()).await,
        Rejected(NotFound)
    );

    // The meeting opens 15 minutes early.
    t.clock.advance_secs(3600 - 15 * 60);
    assert_eq!(meetings.join_decision(id, host_pw()).await, Host);
    assert_eq!(
        meetings.join_decision(id, hosted(host_pw())).await,
        Guest,
        "a second host-password caller is a guest"
    );
    // Guests: password needed, host needed (join-before-host is off).
    assert_eq!(
        meetings.join_decision(id, JoinQuery::default()).await,
        Rejected(PasswordRequired)
    );
    assert_eq!(
        meetings.join_decision(id, with_password("0000")).await,
        Rejected(WrongPassword)
    );
    assert_eq!(
        meetings.join_decision(id, with_password("5678")).await,
        Rejected(NotStarted)
    );
    assert_eq!(
        meetings
            .join_decision(id, hosted(with_password("5678")))
            .await,
        Guest
    );
    // An invited device needs no password; another device does.
    assert_eq!(
        meetings
            .join_decision(id, hosted(from_device("SN-1")))
            .await,
        Guest
    );
    assert_eq!(
        meetings
            .join_decision(id, hosted(from_device("SN-2")))
            .await,
        Rejected(PasswordRequired)
    );
    let crowded = JoinQuery {
        participants: 3,
        ..hosted(with_password("5678"))
    };
    assert_eq!(meetings.join_decision(id, crowded).await, Rejected(Full));
    let locked = JoinQuery {
        locked: true,
        ..hosted(host_pw())
    };
    assert_eq!(meetings.join_decision(id, locked).await, Rejected(Locked));

    // After the end: ended, unless people are still in it.
    t.clock.advance_secs(15 * 60 + 3600);
    assert_eq!(meetings.join_decision(id, host_pw()).await, Rejected(Ended));
    assert_eq!(
        meetings
            .join_decision(id, hosted(with_password("5678")))
            .await,
        Guest
    );

    // A cancelled meeting is ended.
    let later = meetings
        .create(MeetingDraft {
            enterprise: "Acme",
            subject: "Later",
            start_at: Some(now(&t)),
            host_password: Some("4321"),
            ..Default::default()
        })
        .await
        .unwrap();
    let later = later.meeting_id.as_str();
    assert_eq!(
        meetings.join_decision(later, with_password("4321")).await,
        Host
    );
    meetings.cancel(later).await.unwrap();
    assert_eq!(
        meetings.join_decision(later, with_password("4321")).await,
        Rejected(Ended)
    );
}

#[tokio::test]
async fn every_device_has_a_meeting_room() {
    let t = cloud().await;
    let meetings = t.meetings();
    let device = t.device("SN-1").await;
    assert_eq!(device.meeting_room, format!("8{}", device.number));

    // First use through the meeting ID itself (as a dialled call would).
    let room = meetings.show(&device.meeting_room).await;
    assert_eq!(room.kind, "room");
    assert_eq!(room.owner_sn.as_deref(), Some("SN-1"));
    assert_eq!(room.subject, "SN-1");
    assert!(room.start_at.is_none() && room.occurrences.is_empty());
    assert!(room.join_before_host && !room.host_password_set);
    let again = meetings.device_room("SN-1").await;
    assert_eq!(again.meeting_id, room.meeting_id);
    assert_eq!(again.created_at, room.created_at);

    // Rooms are always open; the device itself is host, anyone else a guest.
    t.clock.advance_secs(400 * DAY);
    let id = room.meeting_id.as_str();
    assert_eq!(meetings.join_decision(id, from_device("SN-1")).await, Host);
    assert_eq!(meetings.join_decision(id, from_device("SN-2")).await, Guest);

    // Passwords and limits can be set; times cannot; it cannot be cancelled.
    let edited = meetings
        .edit(
            id,
            MeetingChange {
                subject: Some("Board room"),
                guest_password: Some("2468"),
                party_limit: Some(8),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (edited.subject.as_str(), edited.party_limit),
        ("Board room", 8)
    );
    assert_eq!(
        meetings.join_decision(id, from_device("SN-2")).await,
        Rejected(PasswordRequired)
    );
    assert_eq!(
        meetings.join_decision(id, with_password("2468")).await,
        Guest
    );
    let timed = MeetingChange {
        duration_mins: Some(30),
        ..Default::default()
    };
    let err = meetings.edit(id, timed).await.unwrap_err();
    assert_eq!(api_code(err), (400, "invalid_input".into()));
    let err = meetings.cancel(id).await.unwrap_err();
    assert_eq!(api_code(err), (400, "invalid_input".into()));
    // Rooms are not in the schedule listing.
    assert!(meetings.list(Listing::default()).await.is_empty());

    // Removing the device removes its room (and its invitations).
    let m = meetings
        .create(MeetingDraft {
            enterprise: "Acme",
            subject: "Sync",
            start_at: Some(now(&t) + 60),
            invitees: Some(invite(&["SN-1", "SN-2"], &[])),
            ..Default::default()
        })
        .await
        .unwrap();
    let _: Value = t
        .admin
        .call(Method::DELETE, "/devices/SN-1", None)
        .await
        .unwrap();
    let (status, body) = raw(&t, Method::GET, &format!("/meetings/{id}"), None).await;
    assert_eq!((status, error_code(&body)), (404, "not_found"));
    let shown = meetings.show(&m.meeting_id).await;
    assert_eq!(shown.invitees.devices, ["SN-2"]);
}

// The CLI runs as a blocking child process: the cloud needs other threads.
