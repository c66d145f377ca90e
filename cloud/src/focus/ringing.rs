//! A scheduled meeting's invitees rung at its start (seed 001: invitees
//! receive a ringing call at the start time): its invited rooms and SIP
//! URIs, but not those already in it. Checked every few seconds against
//! the cloud's clock (a test's clock moves it). An occurrence is rung
//! once, within a few minutes of its start (a cloud started later rings
//! nobody), and only once it lets invitees in — with join-before-host
//! off, once the host is in.

use std::sync::Arc;
use std::time::Duration;

use super::Focus;
use crate::lock;
use crate::meetings::{MeetingFilter, MeetingView};

/// How long after its start an occurrence's invitees are still rung.
const WINDOW_SECS: i64 = 5 * 60;
/// How often the schedule is checked.
const CHECK: Duration = Duration::from_secs(2);

impl Focus {
    /// Rings the invitees of every occurrence that started, for ever.
    pub(super) async fn ring_invitees(self: Arc<Self>) {
        let mut tick = tokio::time::interval(CHECK);
        loop {
            tick.tick().await;
            self.ring_started().await;
        }
    }

    async fn ring_started(self: &Arc<Self>) {
        let now = self.clock.now_secs();
        let filter = MeetingFilter {
            from: Some(now - WINDOW_SECS),
            to: Some(now + 1),
            ..Default::default()
        };
        let meetings = match self.meetings.list(&filter).await {
            Ok(meetings) => meetings,
            Err(err) => {
                tracing::warn!(%err, "cannot read the schedule to ring invitees");
                return;
            }
        };
        lock(&self.rung).retain(|(_, start)| *start > now - 2 * WINDOW_SECS);
        for meeting in meetings {
            if !matches!(meeting.state.as_str(), "scheduled" | "live") {
                continue;
            }
            let started = meeting
                .occurrences
                .iter()
                .copied()
                .find(|&start| start <= now && start > now - WINDOW_SECS);
            let Some(start) = started else {
                continue;
            };
            let key = (meeting.meeting_id.clone(), start);
            if lock(&self.rung).contains(&key) {
                continue;
            }
            // Not yet open to invitees (the host not in): later.
            if self.may_invite(&meeting.meeting_id, None).await.is_err() {
                continue;
            }
            lock(&self.rung).insert(key);
            self.ring(&meeting).await;
        }
    }

    /// Rings the meeting's invitees who are not in it.
    async fn ring(self: &Arc<Self>, meeting: &MeetingView) {
        let present: Vec<String> = self
            .roster(&meeting.meeting_id)
            .iter()
            .flat_map(|e| [e.device_sn.clone().unwrap_or_default(), e.from.clone()])
            .collect();
        let mut numbers = Vec::new();
        for sn in &meeting.invitees.devices {
            if present.contains(sn) {
                continue;
            }
            match self.store.device_by_sn(sn).await {
                Ok(device) => numbers.push(device.number),
                Err(err) => tracing::warn!(%err, sn, "an invited room not found"),
            }
        }
        let uris = meeting
            .invitees
            .sip_uris
            .iter()
            .filter(|uri| !present.iter().any(|from| from.contains(uri.as_str())));
        for to in numbers.iter().chain(uris) {
            match self.reach(to).await {
                Ok(callee) => self.dial(&meeting.meeting_id, &meeting.subject, callee),
                Err(denial) => {
                    tracing::info!(meeting = %meeting.meeting_id, %to, %denial, "an invitee not rung")
                }
            }
        }
    }
}
