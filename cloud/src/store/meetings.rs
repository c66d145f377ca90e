use super::{conflict_as, findable, on_pool, Store, StoreError, StoreResult, WritePool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MeetingRow {
    pub id: i64,
    pub meeting_id: String,
    pub kind: String,
    pub enterprise_id: i64,
    pub enterprise: String,
    pub owner_device_id: Option<i64>,
    pub owner_sn: Option<String>,
    pub subject: String,
    pub organiser: String,
    /// The console account that booked it.
    pub organiser_account_id: Option<i64>,
    pub start_at: Option<i64>,
    pub duration_secs: Option<i64>,
    pub utc_offset_minutes: i64,
    pub recur_freq: String,
    pub recur_weekdays: i64,
    pub recur_until: Option<i64>,
    pub recur_count: Option<i64>,
    pub host_password_hash: Option<String>,
    pub guest_password_hash: Option<String>,
    pub join_before_host: bool,
    pub party_limit: i64,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The fields of a meeting an operator sets (everything but identity,
/// owner and state).
#[derive(Debug, Clone)]
pub struct MeetingFields {
    pub subject: String,
    /// Who booked it (empty: nobody named).
    pub organiser: String,
    pub start_at: Option<i64>,
    pub duration_secs: Option<i64>,
    pub utc_offset_minutes: i64,
    pub recur_freq: String,
    pub recur_weekdays: i64,
    pub recur_until: Option<i64>,
    pub recur_count: Option<i64>,
    pub host_password_hash: Option<String>,
    pub guest_password_hash: Option<String>,
    pub join_before_host: bool,
    pub party_limit: i64,
}

impl MeetingFields {
    pub fn of(row: &MeetingRow) -> Self {
        Self {
            subject: row.subject.clone(),
            organiser: row.organiser.clone(),
            start_at: row.start_at,
            duration_secs: row.duration_secs,
            utc_offset_minutes: row.utc_offset_minutes,
            recur_freq: row.recur_freq.clone(),
            recur_weekdays: row.recur_weekdays,
            recur_until: row.recur_until,
            recur_count: row.recur_count,
            host_password_hash: row.host_password_hash.clone(),
            guest_password_hash: row.guest_password_hash.clone(),
            join_before_host: row.join_before_host,
            party_limit: row.party_limit,
        }
    }
}

/// Who is invited: devices by id, others by SIP URI.
#[derive(Debug, Clone, Default)]
pub struct InviteeIds {
    pub device_ids: Vec<i64>,
    pub sip_uris: Vec<String>,
}

/// Invitees as shown: device SNs and SIP URIs.
#[derive(Debug, Clone, Default)]
pub struct InviteeRows {
    pub device_sns: Vec<String>,
    pub device_ids: Vec<i64>,
    pub sip_uris: Vec<String>,
}

/// What a meeting is and whose: fixed at creation.
#[derive(Debug, Clone, Copy)]
pub struct MeetingKey<'a> {
    pub meeting_id: &'a str,
    /// `room` or `scheduled`.
    pub kind: &'a str,
    pub enterprise_id: i64,
    /// The device whose room this is.
    pub owner_device_id: Option<i64>,
    /// The console account that booked it.
    pub organiser_account_id: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct MeetingQuery {
    pub enterprise_id: Option<i64>,
    /// Meetings the device is invited to or owns.
    pub device_id: Option<i64>,
    pub kind: Option<&'static str>,
}

const SELECT_MEETING: &str = "SELECT m.id, m.meeting_id, m.kind, m.enterprise_id,
        e.name AS enterprise, m.owner_device_id, d.sn AS owner_sn, m.subject, m.organiser,
        m.organiser_account_id, m.start_at,
        m.duration_secs, m.utc_offset_minutes, m.recur_freq, m.recur_weekdays, m.recur_until,
        m.recur_count, m.host_password_hash, m.guest_password_hash, m.join_before_host,
        m.party_limit, m.state, m.created_at, m.updated_at
     FROM meetings m JOIN enterprises e ON e.id = m.enterprise_id
     LEFT JOIN devices d ON d.id = m.owner_device_id";

impl Store {
    /// Inserts a meeting and its invitees. `Conflict("meeting ID")` when
    /// the ID is taken.
    pub async fn insert_meeting(
        &self,
        key: MeetingKey<'_>,
        fields: &MeetingFields,
        invitees: &InviteeIds,
        now: i64,
    ) -> StoreResult<MeetingRow> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO meetings (meeting_id, kind, enterprise_id, owner_device_id, subject,
                    organiser, start_at, duration_secs, utc_offset_minutes, recur_freq,
                    recur_weekdays, recur_until, recur_count, host_password_hash,
                    guest_password_hash, join_before_host, party_limit, state, created_at,
                    updated_at, organiser_account_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'scheduled', $18, $19, $20)
                 RETURNING id",
            )
            .bind(key.meeting_id)
            .bind(key.kind)
            .bind(key.enterprise_id)
            .bind(key.owner_device_id)
            .bind(&fields.subject)
            .bind(&fields.organiser)
            .bind(fields.start_at)
            .bind(fields.duration_secs)
            .bind(fields.utc_offset_minutes)
            .bind(&fields.recur_freq)
            .bind(fields.recur_weekdays)
            .bind(fields.recur_until)
            .bind(fields.recur_count)
            .bind(&fields.host_password_hash)
            .bind(&fields.guest_password_hash)
            .bind(fields.join_before_host)
            .bind(fields.party_limit)
            .bind(now)
            .bind(now)
            .bind(key.organiser_account_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(conflict_as("meeting ID"))?;
            write_invitees!(tx, id, invitees);
            tx.commit().await?;
            self.meeting(key.meeting_id).await
        })
    }

    pub async fn meeting(&self, meeting_id: &str) -> StoreResult<MeetingRow> {
        findable(meeting_id)?;
        on_pool!(self, |pool| {
            sqlx::query_as(&format!("{SELECT_MEETING} WHERE m.meeting_id = $1"))
                .bind(meeting_id)
                .fetch_optional(pool)
                .await?
                .ok_or(StoreError::NotFound)
        })
    }

    pub async fn list_meetings(&self, q: &MeetingQuery) -> StoreResult<Vec<MeetingRow>> {
        on_pool!(self, |pool| {
            Ok(sqlx::query_as(&format!(
                "{SELECT_MEETING}
                 WHERE ($1 IS NULL OR m.enterprise_id = $2)
                   AND ($3 IS NULL OR m.kind = $4)
                   AND ($5 IS NULL OR m.owner_device_id = $6 OR EXISTS (
                        SELECT 1 FROM meeting_invitees i WHERE i.meeting_id = m.id AND i.device_id = $7))
                 ORDER BY m.start_at NULLS FIRST, m.id"
            ))
            .bind(q.enterprise_id)
            .bind(q.enterprise_id)
            .bind(q.kind)
            .bind(q.kind)
            .bind(q.device_id)
            .bind(q.device_id)
            .bind(q.device_id)
            .fetch_all(pool)
            .await?)
        })
    }

    pub async fn meeting_invitees(&self, id: i64) -> StoreResult<InviteeRows> {
        on_pool!(self, |pool| {
            let rows: Vec<(Option<i64>, Option<String>, Option<String>)> = sqlx::query_as(
                "SELECT i.device_id, d.sn, i.sip_uri FROM meeting_invitees i
                 LEFT JOIN devices d ON d.id = i.device_id
                 WHERE i.meeting_id = $1 ORDER BY i.id",
            )
            .bind(id)
            .fetch_all(pool)
            .await?;
            let mut out = InviteeRows::default();
            for (device_id, sn, uri) in rows {
                if let (Some(device_id), Some(sn)) = (device_id, sn) {
                    out.device_ids.push(device_id);
                    out.device_sns.push(sn);
                }
                if let Some(uri) = uri {
                    out.sip_uris.push(uri);
                }
            }
            Ok(out)
        })
    }

    /// Replaces a meeting's fields and (when given) its invitees.
    pub async fn update_meeting(
        &self,
        id: i64,
        fields: &MeetingFields,
        invitees: Option<&InviteeIds>,
        now: i64,
    ) -> StoreResult<()> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(
                "UPDATE meetings SET subject = $1, organiser = $2, start_at = $3, duration_secs = $4,
                    utc_offset_minutes = $5, recur_freq = $6, recur_weekdays = $7, recur_until = $8,
                    recur_count = $9, host_password_hash = $10, guest_password_hash = $11,
                    join_before_host = $12, party_limit = $13, updated_at = $14
                 WHERE id = $15",
            )
            .bind(&fields.subject)
            .bind(&fields.organiser)
            .bind(fields.start_at)
            .bind(fields.duration_secs)
            .bind(fields.utc_offset_minutes)
            .bind(&fields.recur_freq)
            .bind(fields.recur_weekdays)
            .bind(fields.recur_until)
            .bind(fields.recur_count)
            .bind(&fields.host_password_hash)
            .bind(&fields.guest_password_hash)
            .bind(fields.join_before_host)
            .bind(fields.party_limit)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            if let Some(invitees) = invitees {
                sqlx::query("DELETE FROM meeting_invitees WHERE meeting_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                write_invitees!(tx, id, invitees);
            }
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn set_meeting_state(&self, id: i64, state: &str, now: i64) -> StoreResult<()> {
        on_pool!(self, |pool| {
            let done = sqlx::query("UPDATE meetings SET state = $1, updated_at = $2 WHERE id = $3")
                .bind(state)
                .bind(now)
                .bind(id)
                .execute(pool)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
    }

    /// The meeting room of a device, created on first use with `defaults`.
    pub async fn ensure_room(
        &self,
        meeting_id: &str,
        enterprise_id: i64,
        device_id: i64,
        defaults: &MeetingFields,
        now: i64,
    ) -> StoreResult<MeetingRow> {
        on_pool!(self, |pool| {
            let existing: Option<String> =
                sqlx::query_scalar("SELECT meeting_id FROM meetings WHERE owner_device_id = $1")
                    .bind(device_id)
                    .fetch_optional(pool)
                    .await?;
            if let Some(existing) = existing {
                return self.meeting(&existing).await;
            }
            match self
                .insert_meeting(
                    MeetingKey {
                        meeting_id,
                        kind: "room",
                        enterprise_id,
                        owner_device_id: Some(device_id),
                        organiser_account_id: None,
                    },
                    defaults,
                    &InviteeIds::default(),
                    now,
                )
                .await
            {
                // Created concurrently: the first insert wins.
                Err(StoreError::Conflict(_)) => self.meeting(meeting_id).await,
                other => other,
            }
        })
    }
}

/// Inserts a meeting's invitees in the open transaction `$tx` (a macro: the
/// transaction's type is the backend's).
macro_rules! write_invitees {
    ($tx:expr, $id:expr, $invitees:expr) => {{
        for device_id in &$invitees.device_ids {
            sqlx::query("INSERT INTO meeting_invitees (meeting_id, device_id) VALUES ($1, $2)")
                .bind($id)
                .bind(device_id)
                .execute(&mut *$tx)
                .await?;
        }
        for uri in &$invitees.sip_uris {
            sqlx::query("INSERT INTO meeting_invitees (meeting_id, sip_uri) VALUES ($1, $2)")
                .bind($id)
                .bind(uri)
                .execute(&mut *$tx)
                .await?;
        }
    }};
}
use write_invitees;
