//! What RTCP and the jitter buffers say about a session, read from
//! GStreamer's statistics structures (a missing field reads as nothing).

use std::ops::AddAssign;

use gst::glib;

/// One session, both directions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionStats {
    /// Round trip to the far end, from its receiver reports about what we
    /// send (RFC 3550 §6.4.1: LSR and DLSR); `None` until one came.
    pub rtt_ms: Option<f64>,
    /// The share of what we send that the far end reports lost (its last
    /// report's fraction lost).
    pub remote_loss: Option<f64>,
    /// Generic NACKs (RFC 4585) we sent and received.
    pub nacks_sent: u64,
    pub nacks_received: u64,
    /// Key-frame requests (PLIs and FIRs) we sent. (GStreamer does not
    /// count those it receives.)
    pub key_frame_requests_sent: u64,
    /// RTP payload bytes we sent, and received from the far end, since the
    /// session started (the rates are their differences over time).
    pub octets_sent: u64,
    pub octets_received: u64,
    pub receive: ReceiveStats,
}

/// What the jitter buffers saw of the far end's streams.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiveStats {
    /// Packets passed on to the depayloader.
    pub pushed: u64,
    /// Packets given up on (never arrived, not even retransmitted).
    pub lost: u64,
    /// Retransmissions asked for, and those that arrived in time.
    pub retransmissions_requested: u64,
    pub retransmissions_recovered: u64,
}

impl AddAssign for ReceiveStats {
    fn add_assign(&mut self, other: Self) {
        self.pushed += other.pushed;
        self.lost += other.lost;
        self.retransmissions_requested += other.retransmissions_requested;
        self.retransmissions_recovered += other.retransmissions_recovered;
    }
}

fn count(s: &gst::StructureRef, field: &str) -> u64 {
    if let Ok(v) = s.get::<u64>(field) {
        return v;
    }
    if let Ok(v) = s.get::<u32>(field) {
        return u64::from(v);
    }
    if let Ok(v) = s.get::<i32>(field) {
        return v.max(0) as u64;
    }
    0
}

impl SessionStats {
    /// From an `rtpsession`'s `stats` property.
    pub fn from_structure(session: &gst::StructureRef) -> Self {
        let sources: Vec<gst::Structure> = session
            .get::<glib::ValueArray>("source-stats")
            .map(|a| a.iter().filter_map(|v| v.get().ok()).collect())
            .unwrap_or_default();
        Self::from_parts(session, &sources)
    }

    /// From the session's own counters and each source's statistics.
    fn from_parts(session: &gst::StructureRef, sources: &[gst::Structure]) -> Self {
        let mut stats = Self {
            nacks_sent: count(session, "sent-nack-count"),
            nacks_received: count(session, "recv-nack-count"),
            ..Self::default()
        };
        for source in sources {
            stats.key_frame_requests_sent +=
                count(source, "sent-pli-count") + count(source, "sent-fir-count");
            let internal = source.get::<bool>("internal").unwrap_or(false);
            if internal {
                stats.octets_sent += count(source, "octets-sent");
            } else {
                stats.octets_received += count(source, "octets-received");
            }
            let has_report = source.get::<bool>("have-rb").unwrap_or(false);
            if internal || !has_report {
                continue;
            }
            // A report block about our stream: the round trip in 1/65536 s
            // (0 until the far end has seen one of our sender reports).
            let round_trip = count(source, "rb-round-trip");
            if round_trip > 0 {
                let ms = round_trip as f64 * 1000.0 / 65536.0;
                stats.rtt_ms = Some(stats.rtt_ms.map_or(ms, |r: f64| r.max(ms)));
            }
            let lost = count(source, "rb-fractionlost") as f64 / 256.0;
            stats.remote_loss = Some(stats.remote_loss.map_or(lost, |l: f64| l.max(lost)));
        }
        stats
    }
}

impl ReceiveStats {
    /// From an `rtpjitterbuffer`'s `stats` property.
    pub fn from_structure(jitterbuffer: &gst::StructureRef) -> Self {
        Self {
            pushed: count(jitterbuffer, "num-pushed"),
            lost: count(jitterbuffer, "num-lost"),
            retransmissions_requested: count(jitterbuffer, "rtx-count"),
            retransmissions_recovered: count(jitterbuffer, "rtx-success-count"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn structure(text: &str) -> gst::Structure {
        gst::Structure::from_str(text).unwrap()
    }

    #[test]
    fn the_round_trip_and_loss_come_from_the_far_ends_reports() {
        gst::init().unwrap();
        let ours = structure(
            "source, internal=(boolean)true, sent-pli-count=(uint)2, octets-sent=(guint64)1200",
        );
        // 0.25 s in 1/65536 s; 64/256 lost.
        let far = structure(
            "source, internal=(boolean)false, have-rb=(boolean)true, \
             rb-round-trip=(uint)16384, rb-fractionlost=(uint)64, sent-fir-count=(uint)1, \
             octets-received=(guint64)900",
        );
        let session = structure("session, sent-nack-count=(uint)5, recv-nack-count=(uint)3");
        let stats = SessionStats::from_parts(&session, &[ours, far]);
        assert_eq!(stats.rtt_ms, Some(250.0));
        assert_eq!(stats.remote_loss, Some(0.25));
        assert_eq!((stats.nacks_sent, stats.nacks_received), (5, 3));
        assert_eq!(stats.key_frame_requests_sent, 3);
        assert_eq!((stats.octets_sent, stats.octets_received), (1200, 900));
    }

    #[test]
    fn nothing_reported_yet_reads_as_nothing() {
        gst::init().unwrap();
        let far = structure("source, have-rb=(boolean)false, rb-round-trip=(uint)9");
        let session = structure("session");
        let stats = SessionStats::from_parts(&session, &[far]);
        assert_eq!(stats.rtt_ms, None);
        assert_eq!(stats.remote_loss, None);
        assert_eq!(
            SessionStats::from_structure(&session),
            SessionStats::default()
        );
    }
}
