//! A meeting's life while its conference runs: `live` from the first
//! participant in to the last one out (a runtime fact, not stored: after
//! a restart nothing runs), and ended by its host.
//!
//! A one-off scheduled meeting the host ends for all is over (`ended`,
//! stored). A recurring one goes on with its next occurrence, and a
//! device's meeting room is always open: ending them ends the calls only.
//! A participant may claim host with the host password.
//! A meeting everyone simply left before its end stays joinable.

use std::collections::HashSet;
use std::sync::Mutex;

use super::join::{MeetingState, JOIN_EARLY_SECS};
use super::{recurrence_of, schedule_of, Meetings};
use crate::error::{CloudError, CloudResult};
use crate::lock;
use crate::store::MeetingRow;

#[derive(Default)]
pub(super) struct Running(Mutex<HashSet<String>>);

impl Running {
    /// The state shown: `live` while its conference runs, unless cancelled
    /// or ended.
    pub(super) fn state(&self, row: &MeetingRow, effective: MeetingState) -> MeetingState {
        let running = lock(&self.0).contains(&row.meeting_id);
        match effective {
            MeetingState::Scheduled if running => MeetingState::Live,
            other => other,
        }
    }
}

impl Meetings {
    /// Whether `password` is the meeting's host password (a participant
    /// claiming host in the running meeting).
    pub async fn is_host_password(&self, meeting_id: &str, password: &str) -> CloudResult<bool> {
        let row = self.row(meeting_id).await?;
        if password.is_empty() {
            return Ok(false);
        }
        super::verify(password.into(), row.host_password_hash).await
    }

    /// The focus says the meeting's conference started (`true`) or ended.
    pub fn set_running(&self, meeting_id: &str, running: bool) {
        let mut set = lock(&self.running.0);
        if running {
            set.insert(meeting_id.to_string());
        } else {
            set.remove(meeting_id);
        }
    }

    /// The occurrence a conference starting at `now` belongs to: its
    /// (start, end) in seconds; `None` for a device's meeting room (always
    /// open, no end).
    pub async fn occurrence(&self, meeting_id: &str, now: i64) -> CloudResult<Option<(i64, i64)>> {
        let row = self.row(meeting_id).await?;
        let Some(schedule) = schedule_of(&row) else {
            return Ok(None);
        };
        let start = schedule
            .current(now, JOIN_EARLY_SECS)
            .or_else(|| schedule.next(now));
        Ok(start.map(|s| (s, s + schedule.duration_secs)))
    }

    /// The host ended the meeting for all: a one-off scheduled meeting is
    /// over; `true` when it was.
    pub async fn end(&self, meeting_id: &str) -> CloudResult<bool> {
        let row = self.row(meeting_id).await?;
        if row.kind == "room" || !recurrence_of(&row).is_none() {
            return Ok(false);
        }
        self.store
            .set_meeting_state(row.id, MeetingState::Ended.as_str(), self.now())
            .await
            .map_err(CloudError::from_store("meeting"))?;
        tracing::info!(meeting = %row.meeting_id, "meeting ended by its host");
        Ok(true)
    }
}
