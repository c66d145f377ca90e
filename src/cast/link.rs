//! Whether the caster is still there, pure: webrtcbin's connection states,
//! bus errors and when the last RTP or RTCP packet arrived go in; the
//! [`CastLink`] the room shows comes out. A browser tab that closes, or a
//! laptop that leaves the network, often says nothing: after being
//! connected, a silence of `silence` (1.5 s by default) is a loss, so the
//! room is back on its own screen within 2 s. Lost is final: a caster
//! that comes back sends a new offer.
//!
//! A still screen is not a gone caster, but browsers send little for one
//! (a repeated frame and an RTCP report about once a second): after two
//! thirds of the silence, the room asks for a key frame every 250 ms
//! ([`LinkMonitor::nudge`]) — a live caster answers within a round trip.

use std::time::{Duration, Instant};

/// What the room knows of the caster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastLink {
    /// ICE and DTLS under way.
    Connecting,
    /// Media may flow.
    Connected,
    /// Over; the receiver can be stopped.
    Lost(LostReason),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LostReason {
    #[error("ICE failed: no path to the caster")]
    IceFailed,
    #[error("not connected within {0} ms")]
    NeverConnected(u64),
    #[error("DTLS or connection failed")]
    ConnectionFailed,
    #[error("nothing received for {0} ms")]
    Silent(u64),
    #[error("pipeline error: {0}")]
    Pipeline(String),
}

/// What webrtcbin reports, reduced to what decides the link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// `connection-state` is `connected` (ICE and DTLS done).
    Connected,
    /// `ice-connection-state` is `failed`.
    IceFailed,
    /// `connection-state` is `failed` (ICE did not say so: DTLS).
    ConnectionFailed,
}

/// The link's state machine.
#[derive(Debug, Clone)]
pub struct LinkMonitor {
    link: CastLink,
    started: Instant,
    connect_within: Duration,
    silence: Duration,
    connected_at: Option<Instant>,
    nudged_at: Option<Instant>,
}

/// Between two key-frame requests while it is quiet.
const NUDGE_EVERY: Duration = Duration::from_millis(250);

impl LinkMonitor {
    pub fn new(started: Instant, connect_within: Duration, silence: Duration) -> Self {
        LinkMonitor {
            link: CastLink::Connecting,
            started,
            connect_within,
            silence,
            connected_at: None,
            nudged_at: None,
        }
    }

    #[cfg(test)]
    pub fn link(&self) -> &CastLink {
        &self.link
    }

    pub fn report(&mut self, report: Report, now: Instant) {
        if matches!(self.link, CastLink::Lost(_)) {
            return;
        }
        self.link = match report {
            Report::Connected => {
                self.connected_at.get_or_insert(now);
                CastLink::Connected
            }
            Report::IceFailed => CastLink::Lost(LostReason::IceFailed),
            Report::ConnectionFailed => CastLink::Lost(LostReason::ConnectionFailed),
        };
    }

    pub fn error(&mut self, message: String) {
        if !matches!(self.link, CastLink::Lost(_)) {
            self.link = CastLink::Lost(LostReason::Pipeline(message));
        }
    }

    /// Whether to ask the caster for a key frame now: connected, quiet
    /// for two thirds of the silence, not asked in the last 250 ms.
    pub fn nudge(&mut self, now: Instant, last_packet: Option<Instant>) -> bool {
        let (CastLink::Connected, Some(connected_at)) = (&self.link, self.connected_at) else {
            return false;
        };
        let since = last_packet.map_or(connected_at, |p| p.max(connected_at));
        let quiet = now.saturating_duration_since(since) >= self.silence * 2 / 3;
        let due = self
            .nudged_at
            .is_none_or(|at| now.saturating_duration_since(at) >= NUDGE_EVERY);
        if quiet && due {
            self.nudged_at = Some(now);
        }
        quiet && due
    }

    /// The link at `now`, the last packet having arrived at `last_packet`.
    pub fn tick(&mut self, now: Instant, last_packet: Option<Instant>) -> &CastLink {
        match (&self.link, self.connected_at) {
            (CastLink::Connecting, _) => {
                let waited = now.saturating_duration_since(self.started);
                if waited >= self.connect_within {
                    self.link = CastLink::Lost(LostReason::NeverConnected(
                        self.connect_within.as_millis() as u64,
                    ));
                }
            }
            (CastLink::Connected, Some(connected_at)) => {
                // Silence counts from the later of the connection and the
                // last packet: packets before the connection (none can be
                // decrypted) do not count.
                let since = last_packet.map_or(connected_at, |p| p.max(connected_at));
                let quiet = now.saturating_duration_since(since);
                if quiet >= self.silence {
                    self.link = CastLink::Lost(LostReason::Silent(quiet.as_millis() as u64));
                }
            }
            _ => {}
        }
        &self.link
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn monitor(t0: Instant) -> LinkMonitor {
        LinkMonitor::new(t0, 10_000 * MS, 1500 * MS)
    }

    #[test]
    fn silence_after_connecting_is_a_loss() {
        let t0 = Instant::now();
        let mut m = monitor(t0);
        assert_eq!(m.tick(t0 + 5000 * MS, None), &CastLink::Connecting);
        m.report(Report::Connected, t0 + 5000 * MS);
        // Packets keep it up.
        for t in (5100..9000).step_by(100) {
            assert_eq!(m.tick(t0 + t * MS, Some(t0 + t * MS)), &CastLink::Connected);
        }
        assert_eq!(
            m.tick(t0 + 10_350 * MS, Some(t0 + 8900 * MS)),
            &CastLink::Connected
        );
        assert_eq!(
            m.tick(t0 + 10_450 * MS, Some(t0 + 8900 * MS)),
            &CastLink::Lost(LostReason::Silent(1550))
        );
        // Final, whatever comes next.
        m.report(Report::Connected, t0 + 10_500 * MS);
        assert!(matches!(
            m.tick(t0 + 10_500 * MS, Some(t0 + 10_500 * MS)),
            CastLink::Lost(_)
        ));
    }

    #[test]
    fn no_packet_at_all_counts_from_the_connection() {
        let t0 = Instant::now();
        let mut m = monitor(t0);
        m.report(Report::Connected, t0 + 100 * MS);
        // A packet before the connection does not count.
        assert_eq!(m.tick(t0 + 1500 * MS, Some(t0)), &CastLink::Connected);
        assert_eq!(
            m.tick(t0 + 1600 * MS, Some(t0)),
            &CastLink::Lost(LostReason::Silent(1500))
        );
    }

    #[test]
    fn a_quiet_caster_is_asked_for_key_frames() {
        let t0 = Instant::now();
        let mut m = monitor(t0);
        assert!(!m.nudge(t0 + 5000 * MS, None), "not before connecting");
        m.report(Report::Connected, t0);
        let last = Some(t0 + 100 * MS);
        assert!(!m.nudge(t0 + 1099 * MS, last));
        assert!(m.nudge(t0 + 1100 * MS, last));
        assert!(!m.nudge(t0 + 1300 * MS, last), "at most every 250 ms");
        assert!(m.nudge(t0 + 1350 * MS, last));
        // Packets again: quiet.
        assert!(!m.nudge(t0 + 1400 * MS, Some(t0 + 1390 * MS)));
        m.tick(t0 + 3000 * MS, Some(t0 + 1390 * MS));
        assert!(!m.nudge(t0 + 3000 * MS, None), "not once lost");
    }

    #[test]
    fn failures_and_timeouts() {
        let t0 = Instant::now();
        let mut m = monitor(t0);
        m.report(Report::IceFailed, t0);
        assert_eq!(m.link(), &CastLink::Lost(LostReason::IceFailed));

        let mut m = monitor(t0);
        m.report(Report::Connected, t0);
        m.report(Report::ConnectionFailed, t0);
        assert_eq!(m.link(), &CastLink::Lost(LostReason::ConnectionFailed));

        let mut m = monitor(t0);
        assert_eq!(
            m.tick(t0 + 10_000 * MS, None),
            &CastLink::Lost(LostReason::NeverConnected(10_000))
        );

        let mut m = monitor(t0);
        m.error("dtlsdec: handshake failed".into());
        m.error("later".into());
        assert_eq!(
            m.link(),
            &CastLink::Lost(LostReason::Pipeline("dtlsdec: handshake failed".into()))
        );
    }
}
