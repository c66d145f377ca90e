//! Meetings: every device's permanent meeting room and scheduled meetings
//! (subject, time, recurrence, invitees, passwords, party limit), and the
//! join decision the SIP side asks for.
//!
//! Meeting IDs are digits, unique across the cloud, and never collide by
//! construction:
//! - a device's **meeting room** is `8` followed by its device number
//!   (device 100001 → room 8100001); it exists from the first time it is
//!   asked for (device view, `GET /devices/{sn}/meeting-room`, a join);
//! - a **scheduled meeting** gets 9 random digits starting with 1–7.
//!
//! The rules are pure ([`rules`], [`recurrence`], [`join`]); this file is
//! the shell around them: store, clock, password hashing.

mod day;
pub mod join;
mod live;
pub mod recurrence;
mod rooms;
pub mod rules;
mod views;

pub use views::{
    Invitees, JoinAnswer, JoinQuery, MeetingFilter, MeetingUpdate, MeetingView, NewMeeting,
};

use rand::rngs::OsRng;
use rand::Rng;

use crate::clock::SharedClock;
use crate::error::{CloudError, CloudResult};
use crate::secrets;
use crate::store::{
    InviteeIds, InviteeRows, MeetingFields, MeetingKey, MeetingQuery, MeetingRow, Store, StoreError,
};
use join::{decide, Credential, JoinDecision, JoinFacts, LiveState, MeetingState};
use recurrence::{Recurrence, Schedule};
use rules::MeetingError;

/// First digit of every device meeting room ID.
pub const ROOM_PREFIX: char = '8';
/// Default occurrence length when none is given.
pub const DEFAULT_DURATION_MINS: i64 = 60;
/// Digits of a generated host password.
const GENERATED_PASSWORD_DIGITS: usize = 6;
/// The longest time range a listing may cover.
const MAX_LIST_RANGE_SECS: i64 = 366 * 86_400;
/// Occurrences shown per meeting.
const MAX_OCCURRENCES: usize = 100;
/// Upcoming occurrences shown by `show`.
const SHOWN_OCCURRENCES: usize = 10;

/// The meeting room ID of the device with this number.
pub fn room_id(device_number: &str) -> String {
    format!("{ROOM_PREFIX}{device_number}")
}

impl From<MeetingError> for CloudError {
    fn from(err: MeetingError) -> Self {
        CloudError::Coded {
            status: 400,
            code: err.code(),
            message: err.message(),
        }
    }
}

pub struct Meetings {
    store: Store,
    clock: SharedClock,
    domain: String,
    /// Meetings whose conference runs now (`live.rs`).
    running: live::Running,
}

fn schedule_of(row: &MeetingRow) -> Option<Schedule> {
    Some(Schedule {
        start: row.start_at?,
        duration_secs: row.duration_secs?,
        utc_offset_secs: row.utc_offset_minutes * 60,
        rule: recurrence_of(row),
    })
}

fn recurrence_of(row: &MeetingRow) -> Recurrence {
    Recurrence::from_parts(
        &row.recur_freq,
        row.recur_weekdays,
        row.recur_until,
        row.recur_count,
    )
}

/// The state shown and used: a scheduled meeting past its last occurrence
/// has ended.
fn effective_state(row: &MeetingRow, now: i64) -> MeetingState {
    let stored = MeetingState::parse(&row.state);
    match (stored, schedule_of(row).and_then(|s| s.last_end())) {
        (MeetingState::Scheduled, Some(end)) if end <= now => MeetingState::Ended,
        _ => stored,
    }
}

fn closed(state: MeetingState) -> Option<CloudError> {
    let (code, message) = match state {
        MeetingState::Cancelled => ("meeting_cancelled", "the meeting was cancelled"),
        MeetingState::Ended => ("meeting_ended", "the meeting has ended"),
        _ => return None,
    };
    Some(CloudError::Coded {
        status: 409,
        code,
        message: message.into(),
    })
}

fn new_password() -> String {
    let mut rng = OsRng;
    (0..GENERATED_PASSWORD_DIGITS)
        .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
        .collect()
}

async fn hash(password: String) -> CloudResult<String> {
    tokio::task::spawn_blocking(move || secrets::hash_code(&password))
        .await
        .map_err(|e| CloudError::Internal(e.into()))
}

async fn verify(password: String, hash: Option<String>) -> CloudResult<bool> {
    let Some(hash) = hash else { return Ok(false) };
    tokio::task::spawn_blocking(move || secrets::verify_code(&password, Some(&hash)))
        .await
        .map_err(|e| CloudError::Internal(e.into()))
}

impl Meetings {
    pub fn new(store: Store, clock: SharedClock, domain: String) -> Self {
        Self {
            store,
            clock,
            domain,
            running: live::Running::default(),
        }
    }

    fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    async fn view(
        &self,
        row: &MeetingRow,
        occurrences: Option<Vec<i64>>,
    ) -> CloudResult<MeetingView> {
        let now = self.now();
        let invitees = self.store.meeting_invitees(row.id).await?;
        let schedule = schedule_of(row);
        let state = self.running.state(row, effective_state(row, now));
        let live_series = matches!(state, MeetingState::Scheduled | MeetingState::Live);
        let occurrences = occurrences.unwrap_or_else(|| match (&schedule, live_series) {
            (Some(s), true) => s
                .starts()
                .filter(|&st| st + s.duration_secs > now)
                .take(SHOWN_OCCURRENCES)
                .collect(),
            _ => Vec::new(),
        });
        let rule = recurrence_of(row);
        Ok(MeetingView {
            meeting_id: row.meeting_id.clone(),
            kind: row.kind.clone(),
            subject: row.subject.clone(),
            organiser: row.organiser.clone(),
            organiser_account_id: row.organiser_account_id,
            enterprise: row.enterprise.clone(),
            enterprise_id: row.enterprise_id,
            owner_sn: row.owner_sn.clone(),
            sip_uri: format!("sip:{}@{}", row.meeting_id, self.domain),
            start_at: row.start_at,
            duration_mins: row.duration_secs.map(|s| s / 60),
            utc_offset_minutes: row.utc_offset_minutes,
            rrule: rule.rrule(),
            recurrence: (!rule.is_none()).then_some(rule),
            invitees: Invitees {
                devices: invitees.device_sns,
                sip_uris: invitees.sip_uris,
            },
            host_password_set: row.host_password_hash.is_some(),
            guest_password_set: row.guest_password_hash.is_some(),
            join_before_host: row.join_before_host,
            party_limit: row.party_limit.clamp(0, i64::from(u32::MAX)) as u32,
            state: state.as_str().into(),
            next_start: schedule
                .as_ref()
                .filter(|_| live_series)
                .and_then(|s| s.next(now)),
            occurrences,
            created_at: row.created_at,
            updated_at: row.updated_at,
            host_password: None,
        })
    }

    /// Resolves invitee SNs to device ids of the enterprise.
    async fn invitee_ids(
        &self,
        enterprise_id: i64,
        invitees: &Invitees,
    ) -> CloudResult<InviteeIds> {
        let devices = self.store.list_devices(Some(enterprise_id)).await?;
        let (sns, uris) = rules::check_invitees(&invitees.devices, &invitees.sip_uris, |sn| {
            devices.iter().any(|d| d.sn == sn)
        })?;
        Ok(InviteeIds {
            device_ids: sns
                .iter()
                .filter_map(|sn| devices.iter().find(|d| &d.sn == sn).map(|d| d.id))
                .collect(),
            sip_uris: uris,
        })
    }

    pub async fn create(&self, req: &NewMeeting) -> CloudResult<MeetingView> {
        let now = self.now();
        let subject = rules::check_subject(&req.subject)?;
        let organiser = rules::check_organiser(req.organiser.as_deref().unwrap_or_default())?;
        let start_at = rules::check_start(req.start_at.unwrap_or(now), now)?;
        let duration_secs =
            rules::check_duration(req.duration_mins.unwrap_or(DEFAULT_DURATION_MINS))?;
        let offset = rules::check_utc_offset(req.utc_offset_minutes.unwrap_or(0))?;
        let rule = req.recurrence.clone().unwrap_or_default();
        rules::check_recurrence(&rule, start_at)?;
        let party_limit = rules::check_party_limit(
            req.party_limit
                .unwrap_or(i64::from(rules::DEFAULT_PARTY_LIMIT)),
        )?;
        let (host_password, generated) = match &req.host_password {
            Some(p) => (rules::check_password("host_password", p)?, false),
            None => (new_password(), true),
        };
        let guest_password = req
            .guest_password
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| rules::check_password("guest_password", p))
            .transpose()?;
        rules::check_password_pair(Some(&host_password), guest_password.as_deref())?;
        let enterprise = self
            .store
            .find_enterprise(&req.enterprise)
            .await
            .map_err(CloudError::from_store("enterprise"))?;
        let invitees = self
            .invitee_ids(enterprise.id, &req.invitees.clone().unwrap_or_default())
            .await?;
        let fields = MeetingFields {
            subject,
            organiser,
            start_at: Some(start_at),
            duration_secs: Some(duration_secs),
            utc_offset_minutes: i64::from(offset),
            recur_freq: rule.freq.as_str().into(),
            recur_weekdays: rule.weekday_mask(),
            recur_until: rule.until,
            recur_count: rule.count.map(i64::from),
            host_password_hash: Some(hash(host_password.clone()).await?),
            guest_password_hash: match guest_password {
                Some(p) => Some(hash(p).await?),
                None => None,
            },
            join_before_host: req.join_before_host.unwrap_or(false),
            party_limit: i64::from(party_limit),
        };
        let mut attempts = 0;
        let row = loop {
            let meeting_id = OsRng.gen_range(100_000_000..800_000_000u32).to_string();
            match self
                .store
                .insert_meeting(
                    MeetingKey {
                        meeting_id: &meeting_id,
                        kind: "scheduled",
                        enterprise_id: enterprise.id,
                        owner_device_id: None,
                        organiser_account_id: req.organiser_account_id,
                    },
                    &fields,
                    &invitees,
                    now,
                )
                .await
            {
                Err(StoreError::Conflict(_)) if attempts < 5 => attempts += 1,
                other => break other?,
            }
        };
        tracing::info!(meeting = %row.meeting_id, enterprise = %row.enterprise, "meeting scheduled");
        let mut view = self.view(&row, None).await?;
        view.host_password = generated.then_some(host_password);
        Ok(view)
    }

    async fn row(&self, meeting_id: &str) -> CloudResult<MeetingRow> {
        match self.store.meeting(meeting_id).await {
            Err(StoreError::NotFound) => self.room_on_first_use(meeting_id).await,
            other => other.map_err(CloudError::from_store("meeting")),
        }
    }

    pub async fn show(&self, meeting_id: &str) -> CloudResult<MeetingView> {
        let row = self.row(meeting_id).await?;
        self.view(&row, None).await
    }

    /// Scheduled meetings with an occurrence in `[from, to)`, by their
    /// first occurrence in it.
    pub async fn list(&self, filter: &MeetingFilter) -> CloudResult<Vec<MeetingView>> {
        let from = filter.from.unwrap_or_else(|| self.now());
        let to = filter.to.unwrap_or(from + 31 * 86_400);
        if to <= from || to - from > MAX_LIST_RANGE_SECS {
            return Err(CloudError::InvalidInput(
                "to must be after from, at most 366 days later".into(),
            ));
        }
        let enterprise_id = match &filter.enterprise {
            Some(e) => Some(
                self.store
                    .find_enterprise(e)
                    .await
                    .map_err(CloudError::from_store("enterprise"))?
                    .id,
            ),
            None => None,
        };
        let device_id = match &filter.device {
            Some(sn) => Some(
                self.store
                    .device_by_sn(sn)
                    .await
                    .map_err(CloudError::from_store("device"))?
                    .id,
            ),
            None => None,
        };
        let rows = self
            .store
            .list_meetings(&MeetingQuery {
                enterprise_id,
                device_id,
                kind: Some("scheduled"),
            })
            .await?;
        let mut out = Vec::new();
        for row in &rows {
            let Some(schedule) = schedule_of(row) else {
                continue;
            };
            let occurrences = schedule.between(from, to, MAX_OCCURRENCES);
            if !occurrences.is_empty() {
                out.push(self.view(row, Some(occurrences)).await?);
            }
        }
        out.sort_by_key(|m| (m.occurrences.first().copied(), m.meeting_id.clone()));
        Ok(out)
    }

    pub async fn edit(&self, meeting_id: &str, req: &MeetingUpdate) -> CloudResult<MeetingView> {
        let now = self.now();
        let row = self.row(meeting_id).await?;
        if let Some(err) = closed(effective_state(&row, now)) {
            return Err(err);
        }
        let room = row.kind == "room";
        if room {
            for (given, field) in [
                (req.start_at.is_some(), "start_at"),
                (req.duration_mins.is_some(), "duration_mins"),
                (req.utc_offset_minutes.is_some(), "utc_offset_minutes"),
                (req.recurrence.is_some(), "recurrence"),
                (req.invitees.is_some(), "invitees"),
            ] {
                if given {
                    return Err(MeetingError::NotForRooms(field).into());
                }
            }
        }
        let mut f = MeetingFields::of(&row);
        if let Some(subject) = &req.subject {
            f.subject = rules::check_subject(subject)?;
        }
        if let Some(organiser) = &req.organiser {
            f.organiser = rules::check_organiser(organiser)?;
        }
        if let Some(start) = req.start_at {
            f.start_at = Some(rules::check_start(start, now)?);
        }
        if let Some(mins) = req.duration_mins {
            f.duration_secs = Some(rules::check_duration(mins)?);
        }
        if let Some(offset) = req.utc_offset_minutes {
            f.utc_offset_minutes = i64::from(rules::check_utc_offset(offset)?);
        }
        if let Some(rule) = &req.recurrence {
            f.recur_freq = rule.freq.as_str().into();
            f.recur_weekdays = rule.weekday_mask();
            f.recur_until = rule.until;
            f.recur_count = rule.count.map(i64::from);
        }
        if !room && (req.start_at.is_some() || req.recurrence.is_some()) {
            let rule = Recurrence::from_parts(
                &f.recur_freq,
                f.recur_weekdays,
                f.recur_until,
                f.recur_count,
            );
            rules::check_recurrence(
                &req.recurrence.clone().unwrap_or(rule),
                f.start_at.unwrap_or(now),
            )?;
        }
        if let Some(limit) = req.party_limit {
            f.party_limit = i64::from(rules::check_party_limit(limit)?);
        }
        if let Some(jbh) = req.join_before_host {
            f.join_before_host = jbh;
        }
        let host = match req.host_password.as_deref() {
            Some("") if room => {
                f.host_password_hash = None;
                None
            }
            Some(p) => Some(rules::check_password("host_password", p)?),
            None => None,
        };
        let guest = match req.guest_password.as_deref() {
            Some("") => {
                f.guest_password_hash = None;
                None
            }
            Some(p) => Some(rules::check_password("guest_password", p)?),
            None => None,
        };
        rules::check_password_pair(host.as_deref(), guest.as_deref())?;
        if let Some(p) = host {
            f.host_password_hash = Some(hash(p).await?);
        }
        if let Some(p) = guest {
            f.guest_password_hash = Some(hash(p).await?);
        }
        let invitees = match &req.invitees {
            Some(i) => Some(self.invitee_ids(row.enterprise_id, i).await?),
            None => None,
        };
        self.store
            .update_meeting(row.id, &f, invitees.as_ref(), now)
            .await
            .map_err(CloudError::from_store("meeting"))?;
        tracing::info!(meeting = %row.meeting_id, "meeting edited");
        self.show(&row.meeting_id).await
    }

    pub async fn cancel(&self, meeting_id: &str) -> CloudResult<MeetingView> {
        let now = self.now();
        let row = self.row(meeting_id).await?;
        if row.kind == "room" {
            return Err(CloudError::InvalidInput(
                "a device's meeting room cannot be cancelled".into(),
            ));
        }
        if let Some(err) = closed(effective_state(&row, now)) {
            return Err(err);
        }
        self.store
            .set_meeting_state(row.id, MeetingState::Cancelled.as_str(), now)
            .await
            .map_err(CloudError::from_store("meeting"))?;
        tracing::info!(meeting = %row.meeting_id, "meeting cancelled");
        self.show(&row.meeting_id).await
    }

    /// Whether a caller may join now, and as what (see [`join`]).
    pub async fn join_decision(
        &self,
        meeting_id: &str,
        q: &JoinQuery,
    ) -> CloudResult<JoinDecision> {
        let now = self.now();
        let row = match self.row(meeting_id).await {
            Ok(row) => row,
            Err(CloudError::NotFound(_)) => {
                return Ok(decide(None, now, Credential::NoPassword, live(q)))
            }
            Err(err) => return Err(err),
        };
        let invitees: InviteeRows = self.store.meeting_invitees(row.id).await?;
        let caller = q.device_sn.as_deref();
        let credential = if caller.is_some() && caller == row.owner_sn.as_deref() {
            Credential::Owner
        } else if let Some(p) = q.password.as_deref().filter(|p| !p.is_empty()) {
            if verify(p.into(), row.host_password_hash.clone()).await? {
                Credential::HostPassword
            } else if verify(p.into(), row.guest_password_hash.clone()).await? {
                Credential::GuestPassword
            } else {
                Credential::WrongPassword
            }
        } else if q.invited || caller.is_some_and(|sn| invitees.device_sns.iter().any(|s| s == sn))
        {
            Credential::Invitee
        } else {
            Credential::NoPassword
        };
        let facts = JoinFacts {
            // The stored state: `decide` applies the time rules itself (a
            // conference still running past its end stays joinable).
            state: MeetingState::parse(&row.state),
            schedule: schedule_of(&row),
            join_before_host: row.join_before_host,
            party_limit: row.party_limit.clamp(0, i64::from(u32::MAX)) as u32,
            guest_password_required: row.guest_password_hash.is_some(),
        };
        Ok(decide(Some(&facts), now, credential, live(q)))
    }
}

fn live(q: &JoinQuery) -> LiveState {
    LiveState {
        host_present: q.host_present,
        participants: q.participants,
        locked: q.locked,
    }
}
