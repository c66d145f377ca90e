//! A meeting's clock. Polling: every `interval` seconds the next site
//! with a picture is broadcast, in join order, round and round — or,
//! polling the pages, everyone's gallery turns to its next page.
//!
//! A scheduled meeting's time: its conference ends at the end of the
//! occurrence it started in, unless the host extends it (30 minutes a
//! time, the meeting at most 24 hours long); 15 minutes before, every
//! participant is told (the roster's `<ends-at>` and `<ending-soon>`). A
//! device's meeting room has no end. One task checks every running
//! meeting each second against the cloud's clock (a test's clock moves
//! it).

use std::sync::Arc;
use std::time::Duration;

use super::control::Denial;
use super::{Ending, Focus, Live, Refusal};
use crate::lock;

/// Participants are told this long before the end.
pub const NOTICE_SECS: i64 = 15 * 60;
/// One extension.
pub const EXTENSION_SECS: i64 = 30 * 60;
/// The longest a meeting may run, extensions included.
pub const MAX_LENGTH_SECS: i64 = 24 * 3600;

/// Polling as the host set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Polling {
    pub interval_secs: u32,
    /// When the next site is broadcast, or the next page shown (seconds).
    pub next_at: i64,
    /// The gallery's pages are turned, not the sites broadcast.
    pub pages: bool,
}

/// Polling intervals a host may set, in seconds.
pub const POLL_INTERVALS: std::ops::RangeInclusive<u32> = 5..=300;

/// The site after `now` among `sites` (join order), round and round;
/// the first when `now` is none of them.
pub(super) fn next_site(
    sites: &[crate::media::ParticipantId],
    now: Option<crate::media::ParticipantId>,
) -> Option<crate::media::ParticipantId> {
    let at = now.and_then(|n| sites.iter().position(|s| *s == n));
    match at {
        Some(i) => sites.get((i + 1) % sites.len()).copied(),
        None => sites.first().copied(),
    }
}

/// When a running meeting ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Deadline {
    /// Not looked up yet (the conference just started).
    Unknown,
    /// A device's meeting room: no end.
    Open,
    /// The occurrence started at `start` ends at `end` (seconds), and the
    /// notice was given or not.
    At { start: i64, end: i64, noticed: bool },
}

impl Deadline {
    /// The end, if there is one.
    pub(super) fn end(self) -> Option<i64> {
        match self {
            Self::At { end, .. } => Some(end),
            _ => None,
        }
    }

    /// Within the notice period at `now`.
    pub(super) fn ending_soon(self, now: i64) -> bool {
        self.end().is_some_and(|end| now >= end - NOTICE_SECS)
    }

    /// 30 minutes more, within the 24-hour length.
    pub(super) fn extended(self, now: i64) -> Result<Self, Denial> {
        let Self::At { start, end, .. } = self else {
            return Err(Denial::NoEndTime);
        };
        let end = end + EXTENSION_SECS;
        if end - start > MAX_LENGTH_SECS {
            return Err(Denial::TooLong);
        }
        // A notice is due again once the new end comes near.
        let noticed = now >= end - NOTICE_SECS;
        Ok(Self::At {
            start,
            end,
            noticed,
        })
    }
}

/// What one check of a meeting found to do.
enum Due {
    Nothing,
    LookUp,
    Notice,
    End,
    NextSite,
}

fn due(live: &Live, now: i64) -> Due {
    if live.polling.is_some_and(|p| now >= p.next_at) {
        return Due::NextSite;
    }
    match live.deadline {
        Deadline::Unknown => Due::LookUp,
        Deadline::Open => Due::Nothing,
        Deadline::At { end, .. } if now >= end => Due::End,
        Deadline::At { noticed: false, .. } if live.deadline.ending_soon(now) => Due::Notice,
        Deadline::At { .. } => Due::Nothing,
    }
}

impl Focus {
    /// Checks every running meeting's time once a second.
    pub(super) async fn keep_time(self: Arc<Self>) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            let now = self.clock.now_secs();
            let checks: Vec<(String, Due)> = lock(&self.conferences)
                .iter()
                .map(|(id, live)| (id.clone(), due(live, now)))
                .collect();
            for (meeting_id, due) in checks {
                match due {
                    Due::Nothing => {}
                    Due::LookUp => self.look_up_deadline(&meeting_id, now).await,
                    Due::Notice => {
                        if let Some(live) = lock(&self.conferences).get_mut(&meeting_id) {
                            if let Deadline::At { start, end, .. } = live.deadline {
                                live.deadline = Deadline::At {
                                    start,
                                    end,
                                    noticed: true,
                                };
                            }
                        }
                        tracing::info!(meeting = %meeting_id, "ends in 15 minutes");
                        self.notify_meeting(&meeting_id);
                    }
                    Due::End => {
                        let why = Refusal::ending(Ending::TimeUp, &self.host);
                        self.end_meeting(&meeting_id, &why);
                    }
                    Due::NextSite => {
                        if let Some(live) = lock(&self.conferences).get_mut(&meeting_id) {
                            self.poll_next(live, now);
                        }
                        self.notify_meeting(&meeting_id);
                    }
                }
            }
        }
    }

    /// Broadcasts the next site of a polling meeting and sets when the
    /// one after comes.
    pub(super) fn poll_next(&self, live: &mut Live, now: i64) {
        let Some(polling) = live.polling.as_mut() else {
            return;
        };
        polling.next_at = now + i64::from(polling.interval_secs);
        if polling.pages {
            let conference = &live.conference;
            let next = conference.gallery_page().map_or(0, |page| page + 1);
            conference.show_gallery_page(Some(next % conference.gallery_pages()));
            return;
        }
        let sites: Vec<_> = live
            .roster
            .iter()
            .filter(|e| e.video && !e.video_stopped)
            .map(|e| e.participant)
            .collect();
        let next = next_site(&sites, live.conference.broadcasting());
        if let Err(err) = live.conference.broadcast(next) {
            tracing::warn!(%err, "polling cannot broadcast the next site");
        }
    }

    /// Sets a new conference's deadline from its meeting's schedule.
    async fn look_up_deadline(&self, meeting_id: &str, now: i64) {
        let deadline = match self.meetings.occurrence(meeting_id, now).await {
            Ok(Some((start, end))) => Deadline::At {
                start,
                end,
                noticed: false,
            },
            Ok(None) => Deadline::Open,
            Err(err) => {
                tracing::warn!(%err, meeting = %meeting_id, "no schedule: no end");
                Deadline::Open
            }
        };
        if let Some(live) = lock(&self.conferences).get_mut(meeting_id) {
            if live.deadline == Deadline::Unknown {
                live.deadline = deadline;
            }
        }
        self.notify_meeting(meeting_id);
    }

    /// The meeting's polling, if the host set it.
    pub fn polling(&self, meeting_id: &str) -> Option<Polling> {
        lock(&self.conferences).get(meeting_id)?.polling
    }

    /// When the meeting ends (seconds) and whether that is near.
    pub fn deadline(&self, meeting_id: &str) -> (Option<i64>, bool) {
        let now = self.clock.now_secs();
        lock(&self.conferences)
            .get(meeting_id)
            .map(|live| (live.deadline.end(), live.deadline.ending_soon(now)))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polling_goes_round_the_sites_in_join_order() {
        assert_eq!(next_site(&[], None), None);
        assert_eq!(next_site(&[4, 7, 9], None), Some(4));
        assert_eq!(next_site(&[4, 7, 9], Some(4)), Some(7));
        assert_eq!(next_site(&[4, 7, 9], Some(9)), Some(4));
        // The site broadcast left: start again.
        assert_eq!(next_site(&[4, 7, 9], Some(5)), Some(4));
    }

    #[test]
    fn extensions_come_in_half_hours_up_to_a_day_and_rooms_have_none() {
        let hour = Deadline::At {
            start: 0,
            end: 3600,
            noticed: true,
        };
        assert!(hour.ending_soon(3600 - NOTICE_SECS));
        assert!(!hour.ending_soon(3600 - NOTICE_SECS - 1));
        let longer = hour.extended(3000).unwrap();
        assert_eq!(longer.end(), Some(5400));
        // The notice is given again as the new end nears.
        assert!(matches!(longer, Deadline::At { noticed: false, .. }));
        let mut day = hour;
        for _ in 0..46 {
            day = day.extended(0).unwrap();
        }
        assert_eq!(day.end(), Some(MAX_LENGTH_SECS));
        assert_eq!(day.extended(0), Err(Denial::TooLong));
        assert_eq!(Deadline::Open.extended(0), Err(Denial::NoEndTime));
        assert!(!Deadline::Open.ending_soon(i64::MAX));
    }
}
