//! Meetings as the admin API takes and shows them: a meeting's view, the
//! forms to create and change one, a listing's filter, and a join
//! question with its answer.

use serde::{Deserialize, Serialize};

use super::join::JoinDecision;
use super::recurrence::Recurrence;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invitees {
    /// Device SNs (of the meeting's enterprise).
    #[serde(default)]
    pub devices: Vec<String>,
    #[serde(default)]
    pub sip_uris: Vec<String>,
}

/// A meeting as the admin API and CLI show it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MeetingView {
    pub meeting_id: String,
    /// `room` (a device's meeting room) or `scheduled`.
    pub kind: String,
    pub subject: String,
    /// Who booked it (empty: nobody named).
    pub organiser: String,
    /// The console account that booked it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organiser_account_id: Option<i64>,
    pub enterprise: String,
    pub enterprise_id: i64,
    /// The device whose room this is (`room` only).
    pub owner_sn: Option<String>,
    /// What to dial: `sip:<meeting_id>@<domain>`.
    pub sip_uri: String,
    pub start_at: Option<i64>,
    pub duration_mins: Option<i64>,
    pub utc_offset_minutes: i64,
    pub recurrence: Option<Recurrence>,
    /// The recurrence as an RFC 5545 RRULE value.
    pub rrule: Option<String>,
    pub invitees: Invitees,
    pub host_password_set: bool,
    pub guest_password_set: bool,
    pub join_before_host: bool,
    pub party_limit: u32,
    /// `scheduled`, `live`, `ended` (also: past its last occurrence) or
    /// `cancelled`.
    pub state: String,
    /// Start of the running or next occurrence; `null` when none is left.
    pub next_start: Option<i64>,
    /// Occurrence starts: in the listed range, or the next ones for `show`.
    pub occurrences: Vec<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Only in the answer that generated it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_password: Option<String>,
}

/// `POST /meetings`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMeeting {
    pub enterprise: String,
    pub subject: String,
    /// Who booked it, as rooms show it (up to 64 characters).
    pub organiser: Option<String>,
    /// The console account booking it (the console sets it; not in the
    /// API's JSON).
    #[serde(skip)]
    pub organiser_account_id: Option<i64>,
    /// Unix seconds; default now.
    pub start_at: Option<i64>,
    pub duration_mins: Option<i64>,
    pub utc_offset_minutes: Option<i32>,
    pub recurrence: Option<Recurrence>,
    pub invitees: Option<Invitees>,
    /// Generated (6 digits, shown once) when omitted.
    pub host_password: Option<String>,
    pub guest_password: Option<String>,
    pub join_before_host: Option<bool>,
    pub party_limit: Option<i64>,
}

/// `PATCH /meetings/{id}`: only the given fields change. An empty
/// `guest_password` (or, for rooms, `host_password`) removes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingUpdate {
    pub subject: Option<String>,
    /// Empty: nobody named.
    pub organiser: Option<String>,
    pub start_at: Option<i64>,
    pub duration_mins: Option<i64>,
    pub utc_offset_minutes: Option<i32>,
    pub recurrence: Option<Recurrence>,
    /// Replaces all invitees.
    pub invitees: Option<Invitees>,
    pub host_password: Option<String>,
    pub guest_password: Option<String>,
    pub join_before_host: Option<bool>,
    pub party_limit: Option<i64>,
}

/// `GET /meetings` filter.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingFilter {
    pub enterprise: Option<String>,
    /// A device SN: meetings it is invited to.
    pub device: Option<String>,
    /// Range start (unix seconds), default now.
    pub from: Option<i64>,
    /// Range end, default 31 days after `from`.
    pub to: Option<i64>,
}

/// A join question, as the SIP side will ask it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinQuery {
    /// The calling device, when the call comes from a device account.
    pub device_sn: Option<String>,
    /// The password the caller gave (`*<password>` in the dialled URI).
    pub password: Option<String>,
    #[serde(default)]
    pub host_present: bool,
    #[serde(default)]
    pub participants: u32,
    #[serde(default)]
    pub locked: bool,
    /// The focus rings this caller on the host's invitation: it joins as
    /// an invited room does, without a password.
    #[serde(default)]
    pub invited: bool,
}

/// The answer: `decision` is `host`, `guest` or `rejected`; `reason` is a
/// reason code when rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinAnswer {
    pub decision: String,
    pub reason: Option<String>,
}

impl From<JoinDecision> for JoinAnswer {
    fn from(d: JoinDecision) -> Self {
        let (decision, reason) = match d {
            JoinDecision::Host => ("host", None),
            JoinDecision::Guest => ("guest", None),
            JoinDecision::Rejected(r) => ("rejected", Some(r.code().to_string())),
        };
        Self {
            decision: decision.into(),
            reason,
        }
    }
}
