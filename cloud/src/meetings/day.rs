//! A room's meetings of the day, as its Home lists them: those it owns or
//! is invited to, running now or starting within a day, each at its
//! current or next occurrence, soonest first.

use roomterm_proto::ScheduledMeeting;

use super::{MeetingFilter, Meetings};
use crate::error::CloudResult;

/// How far ahead Home looks.
const DAY_SECS: i64 = 86_400;
/// Home lists at most this many.
const LISTED: usize = 8;

impl Meetings {
    /// The meetings of the day of the device `sn`.
    pub async fn of_the_day(&self, sn: &str) -> CloudResult<Vec<ScheduledMeeting>> {
        let now = self.now();
        let filter = MeetingFilter {
            device: Some(sn.to_string()),
            from: Some(now),
            to: Some(now + DAY_SECS),
            ..Default::default()
        };
        Ok(self
            .list(&filter)
            .await?
            .into_iter()
            .filter(|m| matches!(m.state.as_str(), "scheduled" | "live"))
            .filter_map(|m| {
                let starts_at = *m.occurrences.first()?;
                Some(ScheduledMeeting {
                    ends_at: starts_at + m.duration_mins.unwrap_or(0) * 60,
                    starts_at,
                    meeting_id: m.meeting_id,
                    subject: m.subject,
                    organiser: m.organiser,
                })
            })
            .take(LISTED)
            .collect())
    }
}
