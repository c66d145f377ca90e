//! Network quality of a call as the room sees it, from the RTP packets
//! that arrive (pure: arrival times are given).
//!
//! - Loss = (expected − received) / expected over the last 6 seconds,
//!   expected from the highest and lowest sequence numbers seen in them.
//! - Jitter: the RFC 3550 interarrival jitter (§6.4.1), in milliseconds.
//! - The loss icon: none up to threshold A (1 %), yellow up to B (5 %),
//!   red above; a text warning once the loss has stayed above B for 5 s.
//! - Red overall when jitter ≥ 50 ms, audio loss ≥ 10 % or video loss
//!   ≥ 3 % (or latency ≥ 250 ms, once it is measured).

use std::collections::VecDeque;

use serde::Serialize;

/// The loss window, milliseconds.
pub const WINDOW_MS: u64 = 6_000;
/// Loss thresholds of the icon.
pub const THRESHOLD_A: f64 = 0.01;
pub const THRESHOLD_B: f64 = 0.05;
/// How long the loss stays above B before the text warning shows.
pub const WARNING_AFTER_MS: u64 = 5_000;
/// Red overall at or above these.
pub const RED_JITTER_MS: f64 = 50.0;
pub const RED_AUDIO_LOSS: f64 = 0.10;
pub const RED_VIDEO_LOSS: f64 = 0.03;
pub const RED_LATENCY_MS: f64 = 250.0;

/// What the quality meter reads of an RTP packet's fixed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpHeader {
    pub pt: u8,
    pub seq: u16,
    pub timestamp: u32,
}

/// The payload type, sequence number and timestamp of an RTP packet
/// (RFC 3550 §5.1), `None` for anything that is not RTP version 2.
pub fn rtp_packet(packet: &[u8]) -> Option<RtpHeader> {
    if packet.len() < 12 || packet[0] >> 6 != 2 {
        return None;
    }
    Some(RtpHeader {
        pt: packet[1] & 0x7f,
        seq: u16::from_be_bytes([packet[2], packet[3]]),
        timestamp: u32::from_be_bytes([packet[4], packet[5], packet[6], packet[7]]),
    })
}

/// The packets of one RTP stream that arrived in the last window.
#[derive(Debug, Clone)]
pub struct StreamStats {
    clock_rate: u32,
    /// (arrival ms, extended sequence number), oldest first.
    arrivals: VecDeque<(u64, u64)>,
    highest: Option<u64>,
    /// RFC 3550 jitter in timestamp units, and the last transit time.
    jitter: f64,
    last_transit: Option<f64>,
    /// When the last packet arrived, ms.
    last_ms: Option<u64>,
}

impl StreamStats {
    pub fn new(clock_rate: u32) -> Self {
        Self {
            clock_rate,
            arrivals: VecDeque::new(),
            highest: None,
            jitter: 0.0,
            last_transit: None,
            last_ms: None,
        }
    }

    /// A packet with `seq` and `timestamp` arrived at `now_ms`.
    pub fn packet(&mut self, now_ms: u64, seq: u16, timestamp: u32) {
        let extended = self.extend(seq);
        self.highest = Some(self.highest.map_or(extended, |h| h.max(extended)));
        self.arrivals.push_back((now_ms, extended));
        self.last_ms = Some(self.last_ms.map_or(now_ms, |last| last.max(now_ms)));
        self.expire(now_ms);
        // Transit in timestamp units; the jitter is its smoothed change.
        let arrival = now_ms as f64 * f64::from(self.clock_rate) / 1000.0;
        let transit = arrival - f64::from(timestamp);
        if let Some(last) = self.last_transit {
            let d = (transit - last).abs();
            // A timestamp jump (a new source, a wrap) is no jitter.
            if d < f64::from(self.clock_rate) {
                self.jitter += (d - self.jitter) / 16.0;
            }
        }
        self.last_transit = Some(transit);
    }

    /// The sequence number extended past 16 bits: the candidate nearest the
    /// highest so far (so late and reordered packets land right).
    fn extend(&self, seq: u16) -> u64 {
        let Some(highest) = self.highest else {
            return u64::from(seq) + (1 << 16);
        };
        let base = highest & !0xffff;
        [base.wrapping_sub(1 << 16), base, base + (1 << 16)]
            .into_iter()
            .map(|b| b | u64::from(seq))
            .min_by_key(|c| c.abs_diff(highest))
            .unwrap_or(base | u64::from(seq))
    }

    fn expire(&mut self, now_ms: u64) {
        while self
            .arrivals
            .front()
            .is_some_and(|(t, _)| now_ms.saturating_sub(*t) > WINDOW_MS)
        {
            self.arrivals.pop_front();
        }
    }

    /// The loss over the last window, `None` with fewer than two packets.
    pub fn loss(&mut self, now_ms: u64) -> Option<f64> {
        self.expire(now_ms);
        if self.arrivals.len() < 2 {
            return None;
        }
        let (low, high) = self
            .arrivals
            .iter()
            .fold((u64::MAX, 0), |(lo, hi), (_, s)| (lo.min(*s), hi.max(*s)));
        let expected = (high - low + 1) as f64;
        let received = self.arrivals.len() as f64;
        // Duplicates can make received exceed expected: no negative loss.
        Some(((expected - received) / expected).max(0.0))
    }

    pub fn jitter_ms(&self) -> f64 {
        self.jitter * 1000.0 / f64::from(self.clock_rate)
    }

    /// Whether anything arrived in the last window.
    pub fn is_flowing(&mut self, now_ms: u64) -> bool {
        self.expire(now_ms);
        !self.arrivals.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum QualityLevel {
    Good,
    /// The loss icon is yellow.
    Fair,
    /// Red: too much loss or jitter.
    Poor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LossIcon {
    None,
    Yellow,
    Red,
}

/// One stream's figures (audio or video), as the web admin's status and
/// the control API show them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct StreamFigures {
    /// Received from the far end and sent to it, kbit/s of RTP payload
    /// over the last measurement (about a second); `None` at the first.
    pub kbps_in: Option<u32>,
    pub kbps_out: Option<u32>,
    /// What we lost of the far end's stream (over 6 s), and what the far
    /// end's receiver reports say it lost of ours.
    pub loss_in: Option<f64>,
    pub loss_out: Option<f64>,
    /// The far end's stream's interarrival jitter (RFC 3550).
    pub jitter_ms: f64,
    /// The RTCP round trip on this stream's session.
    pub rtt_ms: Option<f64>,
}

/// What the in-call screen and the control API show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    pub level: QualityLevel,
    pub loss_icon: LossIcon,
    /// The loss has stayed above threshold B for 5 s.
    pub warning: bool,
    /// Over the last 6 s; `None` while nothing arrives.
    pub audio_loss: Option<f64>,
    pub video_loss: Option<f64>,
    pub jitter_ms: f64,
    /// One-way latency (half the RTCP round trip), `None` until measured.
    pub latency_ms: Option<f64>,
    /// Video packets lost on the way and retransmitted in time (NACK/RTX),
    /// since the call started.
    pub recovered_packets: u64,
    /// Key frames asked of the far end after losses nothing recovered.
    pub key_frame_requests: u64,
    /// Each stream on its own.
    pub audio: StreamFigures,
    pub video: StreamFigures,
}

/// The call's two incoming streams and the warning's clock.
#[derive(Debug, Clone)]
pub struct QualityMeter {
    pub audio: StreamStats,
    pub video: StreamStats,
    /// Since when the loss has been above B.
    above_b_since: Option<u64>,
    /// One-way latency, when something measures it.
    pub latency_ms: Option<f64>,
}

impl QualityMeter {
    pub fn new(audio_clock_rate: u32) -> Self {
        Self {
            audio: StreamStats::new(audio_clock_rate),
            video: StreamStats::new(90_000),
            above_b_since: None,
            latency_ms: None,
        }
    }

    /// How long nothing has arrived on either stream at `now_ms`, counted
    /// from `since_ms` (the call's answer) if nothing arrived after it.
    pub fn silent_for_ms(&self, now_ms: u64, since_ms: u64) -> u64 {
        let last = [self.audio.last_ms, self.video.last_ms]
            .into_iter()
            .flatten()
            .fold(since_ms, u64::max);
        now_ms.saturating_sub(last)
    }

    /// The quality at `now_ms`; call it regularly (once a second) so the
    /// warning's 5 s are timed.
    pub fn report(&mut self, now_ms: u64) -> QualityReport {
        let audio_loss = self.audio.loss(now_ms);
        let video_loss = self.video.loss(now_ms);
        let jitter_ms = self.audio.jitter_ms().max(self.video.jitter_ms());
        let loss = audio_loss.unwrap_or(0.0).max(video_loss.unwrap_or(0.0));
        let loss_icon = if loss <= THRESHOLD_A {
            LossIcon::None
        } else if loss < THRESHOLD_B {
            LossIcon::Yellow
        } else {
            LossIcon::Red
        };
        if loss > THRESHOLD_B {
            self.above_b_since.get_or_insert(now_ms);
        } else {
            self.above_b_since = None;
        }
        let warning = self
            .above_b_since
            .is_some_and(|since| now_ms - since >= WARNING_AFTER_MS);
        let red = jitter_ms >= RED_JITTER_MS
            || self.latency_ms.is_some_and(|l| l >= RED_LATENCY_MS)
            || audio_loss.is_some_and(|l| l >= RED_AUDIO_LOSS)
            || video_loss.is_some_and(|l| l >= RED_VIDEO_LOSS)
            || loss_icon == LossIcon::Red;
        let level = if red {
            QualityLevel::Poor
        } else if loss_icon == LossIcon::Yellow {
            QualityLevel::Fair
        } else {
            QualityLevel::Good
        };
        QualityReport {
            level,
            loss_icon,
            warning,
            audio_loss,
            video_loss,
            jitter_ms,
            latency_ms: self.latency_ms,
            recovered_packets: 0,
            key_frame_requests: 0,
            audio: StreamFigures {
                loss_in: audio_loss,
                jitter_ms: self.audio.jitter_ms(),
                ..StreamFigures::default()
            },
            video: StreamFigures {
                loss_in: video_loss,
                jitter_ms: self.video.jitter_ms(),
                ..StreamFigures::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_counts_from_the_last_packet_of_either_stream() {
        let mut meter = QualityMeter::new(48_000);
        // Nothing yet: silent since the answer.
        assert_eq!(meter.silent_for_ms(5_000, 1_000), 4_000);
        meter.video.packet(2_000, 1, 0);
        meter.audio.packet(3_000, 1, 0);
        assert_eq!(meter.silent_for_ms(3_500, 1_000), 500);
        // Video alone still counts as heard.
        meter.video.packet(7_000, 2, 90_000);
        assert_eq!(meter.silent_for_ms(7_000, 1_000), 0);
        assert_eq!(meter.silent_for_ms(12_000, 1_000), 5_000);
        // A late, reordered packet does not turn the clock back.
        meter.audio.packet(6_000, 2, 960);
        assert_eq!(meter.silent_for_ms(12_000, 1_000), 5_000);
    }

    /// `count` packets 20 ms apart from `start_ms`, sequence numbers from
    /// `first`, skipping those `lost` says.
    fn feed(
        stats: &mut StreamStats,
        start_ms: u64,
        first: u16,
        count: u16,
        lost: impl Fn(u16) -> bool,
    ) -> u64 {
        let mut now = start_ms;
        for i in 0..count {
            now = start_ms + u64::from(i) * 20;
            let seq = first.wrapping_add(i);
            if !lost(i) {
                stats.packet(now, seq, u32::from(i) * 960);
            }
        }
        now
    }

    #[test]
    fn loss_counts_the_gaps_between_the_lowest_and_highest_sequence_numbers() {
        let mut stats = StreamStats::new(48_000);
        let now = feed(&mut stats, 0, 100, 200, |i| i % 10 == 5);
        let loss = stats.loss(now).unwrap();
        assert!((loss - 0.10).abs() < 0.005, "{loss}");
    }

    #[test]
    fn sequence_numbers_that_wrap_are_no_loss() {
        let mut stats = StreamStats::new(48_000);
        let now = feed(&mut stats, 0, 65_500, 200, |_| false);
        assert_eq!(stats.loss(now), Some(0.0));
    }

    #[test]
    fn late_and_duplicate_packets_are_no_loss() {
        let mut stats = StreamStats::new(48_000);
        for (i, seq) in [1u16, 2, 4, 3, 5, 5, 6].into_iter().enumerate() {
            stats.packet(i as u64 * 20, seq, u32::from(seq) * 960);
        }
        assert_eq!(stats.loss(140), Some(0.0));
    }

    #[test]
    fn only_the_last_six_seconds_count() {
        let mut stats = StreamStats::new(48_000);
        // Heavy loss, then 7 s of clean packets.
        let now = feed(&mut stats, 0, 0, 100, |i| i % 2 == 0);
        let now = feed(&mut stats, now + 20, 100, 350, |_| false);
        assert_eq!(stats.loss(now), Some(0.0));
        assert_eq!(
            stats.loss(now + WINDOW_MS + 1),
            None,
            "nothing in the window"
        );
    }

    #[test]
    fn steady_packets_have_no_jitter_and_uneven_ones_do() {
        let mut steady = StreamStats::new(48_000);
        feed(&mut steady, 0, 0, 200, |_| false);
        assert!(steady.jitter_ms() < 0.01, "{}", steady.jitter_ms());
        let mut uneven = StreamStats::new(48_000);
        for i in 0..200u32 {
            // 20 ms apart on the sender, arriving 0 or 60 ms late by turns.
            let late = if i % 2 == 0 { 0 } else { 60 };
            uneven.packet(u64::from(i) * 20 + late, i as u16, i * 960);
        }
        let jitter = uneven.jitter_ms();
        assert!(jitter > 50.0 && jitter < 70.0, "{jitter}");
    }

    #[test]
    fn the_icon_follows_thresholds_a_and_b_and_the_warning_waits_five_seconds() {
        let mut meter = QualityMeter::new(48_000);
        let mut now = 0;
        let mut at = |meter: &mut QualityMeter, lost_every: u16| {
            let end = feed(&mut meter.video, now, (now / 20) as u16, 50, |i| {
                lost_every > 0 && i % lost_every == lost_every / 2
            });
            feed(&mut meter.audio, now, (now / 20) as u16, 50, |_| false);
            now = end + 20;
            meter.report(end)
        };
        let clean = at(&mut meter, 0);
        assert_eq!(
            (clean.level, clean.loss_icon),
            (QualityLevel::Good, LossIcon::None)
        );
        // Video loss of 2 %: a yellow icon, below the 3 % that is red.
        let mut fresh = QualityMeter::new(48_000);
        let two = at(&mut fresh, 50);
        assert_eq!(
            (two.level, two.loss_icon),
            (QualityLevel::Fair, LossIcon::Yellow)
        );
        // 10 % video loss: red; the warning after 5 s of it, not before.
        let mut lossy = QualityMeter::new(48_000);
        let first = at(&mut lossy, 10);
        assert_eq!(
            (first.level, first.loss_icon),
            (QualityLevel::Poor, LossIcon::Red)
        );
        assert!(!first.warning);
        let mut report = first;
        for _ in 0..5 {
            report = at(&mut lossy, 10);
        }
        assert!(report.warning, "{report:?}");
        // Clean again: the warning goes at once.
        for _ in 0..6 {
            report = at(&mut lossy, 0);
        }
        assert!(
            !report.warning && report.level == QualityLevel::Good,
            "{report:?}"
        );
        // A clean network far away is red too.
        lossy.latency_ms = Some(RED_LATENCY_MS);
        assert_eq!(at(&mut lossy, 0).level, QualityLevel::Poor);
    }

    #[test]
    fn anything_but_rtp_version_2_is_ignored() {
        assert_eq!(rtp_packet(&[]), None);
        assert_eq!(rtp_packet(&[0x80; 11]), None);
        assert_eq!(rtp_packet(&[0x40; 12]), None);
        // Marker bit set: the payload type is the low seven bits.
        let packet = [0x80, 0x80 | 96, 0x12, 0x34, 0, 0, 0x01, 0x00, 0, 0, 0, 1];
        assert_eq!(
            rtp_packet(&packet),
            Some(RtpHeader {
                pt: 96,
                seq: 0x1234,
                timestamp: 256
            })
        );
    }
}
