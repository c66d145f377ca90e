//! The admin API's meeting operations, typed, so a test reads as what an
//! operator does: `t.meetings().create(MeetingDraft { .. })`,
//! `.join_decision(id, query)` and so on.

use reqwest::Method;
use roomcloud::client::{AdminClient, ClientError};
use roomcloud::meetings::join::{JoinDecision, RejectReason};
use roomcloud::meetings::recurrence::{weekday, Recurrence};
use roomcloud::meetings::{Invitees, JoinAnswer, JoinQuery, MeetingView};
use serde::Serialize;
use serde_json::Value;

use super::TestCloud;

/// A meeting to schedule: what the test sets; `None` leaves the cloud's
/// default.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MeetingDraft<'a> {
    pub enterprise: &'a str,
    pub subject: &'a str,
    pub start_at: Option<i64>,
    pub duration_mins: Option<i64>,
    pub utc_offset_minutes: Option<i32>,
    pub recurrence: Option<Recurrence>,
    pub invitees: Option<Invitees>,
    pub host_password: Option<&'a str>,
    pub guest_password: Option<&'a str>,
    pub join_before_host: Option<bool>,
    pub party_limit: Option<i64>,
}

/// A change to a meeting: only what is `Some` changes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct MeetingChange<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_mins: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invitees: Option<Invitees>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_password: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub join_before_host: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_limit: Option<i64>,
}

/// Which scheduled meetings to list (`None`: the cloud's default).
#[derive(Debug, Clone, Copy, Default)]
pub struct Listing<'a> {
    pub enterprise: Option<&'a str>,
    pub device: Option<&'a str>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// Invited devices (SNs) and SIP URIs.
pub fn invite(devices: &[&str], sip_uris: &[&str]) -> Invitees {
    let owned = |list: &[&str]| list.iter().map(|s| s.to_string()).collect();
    Invitees {
        devices: owned(devices),
        sip_uris: owned(sip_uris),
    }
}

/// A join question with a password.
pub fn with_password(password: &str) -> JoinQuery {
    JoinQuery {
        password: Some(password.into()),
        ..Default::default()
    }
}

/// A join question from a device (by SN).
pub fn from_device(sn: &str) -> JoinQuery {
    JoinQuery {
        device_sn: Some(sn.into()),
        ..Default::default()
    }
}

/// Status and stable code of an admin API refusal.
pub fn api_code(err: ClientError) -> (u16, String) {
    match err {
        ClientError::Api { status, code, .. } => (status, code),
        other => panic!("expected an API error, got {other}"),
    }
}

/// The meetings part of a test cloud's admin API.
pub struct MeetingsAdmin<'a> {
    admin: &'a AdminClient,
}

impl TestCloud {
    pub fn meetings(&self) -> MeetingsAdmin<'_> {
        MeetingsAdmin { admin: &self.admin }
    }
}

impl MeetingsAdmin<'_> {
    pub async fn create(&self, draft: MeetingDraft<'_>) -> Result<MeetingView, ClientError> {
        self.create_json(serde_json::to_value(draft).unwrap()).await
    }

    /// `POST /meetings` with a body as given (for bodies a draft cannot
    /// express: unknown fields, wrong shapes).
    pub async fn create_json(&self, body: Value) -> Result<MeetingView, ClientError> {
        self.admin.call(Method::POST, "/meetings", Some(body)).await
    }

    /// A meeting (or a device's meeting room) by its ID.
    pub async fn show(&self, id: &str) -> MeetingView {
        self.admin
            .call(Method::GET, &path(id, ""), None)
            .await
            .unwrap_or_else(|err| panic!("meeting {id}: {err}"))
    }

    /// `GET /meetings/{id}` as JSON (what only shows on the wire).
    pub async fn show_json(&self, id: &str) -> Value {
        self.admin
            .call(Method::GET, &path(id, ""), None)
            .await
            .unwrap_or_else(|err| panic!("meeting {id}: {err}"))
    }

    pub async fn list(&self, listing: Listing<'_>) -> Vec<MeetingView> {
        let mut url = reqwest::Url::parse("http://admin/meetings").unwrap();
        {
            let mut query = url.query_pairs_mut();
            for (key, value) in [
                ("enterprise", listing.enterprise),
                ("device", listing.device),
            ] {
                if let Some(value) = value {
                    query.append_pair(key, value);
                }
            }
            for (key, value) in [("from", listing.from), ("to", listing.to)] {
                if let Some(value) = value {
                    query.append_pair(key, &value.to_string());
                }
            }
        }
        let path = match url.query() {
            Some(query) if !query.is_empty() => format!("{}?{query}", url.path()),
            _ => url.path().to_string(),
        };
        self.admin.call(Method::GET, &path, None).await.unwrap()
    }

    pub async fn edit(
        &self,
        id: &str,
        change: MeetingChange<'_>,
    ) -> Result<MeetingView, ClientError> {
        let body = serde_json::to_value(change).unwrap();
        self.admin
            .call(Method::PATCH, &path(id, ""), Some(body))
            .await
    }

    pub async fn cancel(&self, id: &str) -> Result<MeetingView, ClientError> {
        self.admin
            .call(Method::POST, &path(id, "/cancel"), None)
            .await
    }

    /// A device's own meeting room, by the device's SN.
    pub async fn device_room(&self, sn: &str) -> MeetingView {
        self.admin
            .call(Method::GET, &format!("/devices/{sn}/meeting-room"), None)
            .await
            .unwrap()
    }

    /// What the SIP side would be told for a caller asking `query`.
    pub async fn join_decision(&self, id: &str, query: JoinQuery) -> JoinDecision {
        let body = serde_json::to_value(query).unwrap();
        let answer: JoinAnswer = self
            .admin
            .call(Method::POST, &path(id, "/join-check"), Some(body))
            .await
            .unwrap();
        match (answer.decision.as_str(), answer.reason) {
            ("host", _) => JoinDecision::Host,
            ("guest", _) => JoinDecision::Guest,
            (_, reason) => {
                let reason: RejectReason = serde_json::from_value(reason.into()).unwrap();
                JoinDecision::Rejected(reason)
            }
        }
    }
}

fn path(id: &str, then: &str) -> String {
    format!("/meetings/{id}{then}")
}

pub const DAY: i64 = 86_400;

/// A cloud with enterprise `Acme` and devices `SN-1`, `SN-2`; `Other` with
/// `SN-X`.
pub async fn cloud() -> TestCloud {
    let t = TestCloud::start().await;
    t.enterprise("Acme").await;
    t.enterprise("Other").await;
    for (sn, e) in [("SN-1", "Acme"), ("SN-2", "Acme"), ("SN-X", "Other")] {
        t.add_device(sn, e).await.unwrap();
    }
    t
}

pub fn now(t: &TestCloud) -> i64 {
    use roomcloud::clock::Clock;
    t.clock.now_secs()
}

/// Next Monday 09:00 UTC at least a day ahead.
pub fn next_monday_9(t: &TestCloud) -> i64 {
    let mut day = now(t).div_euclid(DAY) + 1;
    while weekday(day) != 0 {
        day += 1;
    }
    day * DAY + 9 * 3600
}

/// Status and body of a raw admin request.
pub async fn raw(t: &TestCloud, method: Method, path: &str, body: Option<&str>) -> (u16, Value) {
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

/// A join question as a room already hosted would ask it (the host in,
/// one participant).
pub fn hosted(query: JoinQuery) -> JoinQuery {
    JoinQuery {
        host_present: true,
        participants: 1,
        ..query
    }
}
