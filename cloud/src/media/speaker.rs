//! Who is speaking: the active speaker of a meeting from each
//! participant's sound level, as speaker view and picture-in-picture show
//! it large. Pure: levels and times go in, the speaker comes out.
//!
//! A participant counts as talking above [`SPEECH_DBFS`] (its level
//! smoothed over about [`SMOOTHING_MS`], so a syllable's gap is no
//! silence). The first to talk becomes the speaker at once; after that the
//! loudest talker must stay the loudest for [`HOLD_MS`] before the picture
//! switches (a cough or a word of agreement does not take the screen), and
//! silence keeps the last speaker.

use std::collections::HashMap;

use super::participant::ParticipantId;

/// Above this smoothed level (dB full scale) a participant is talking.
pub const SPEECH_DBFS: f64 = -45.0;
/// How long a new loudest talker must hold before the picture switches.
pub const HOLD_MS: u64 = 1500;
/// Time constant of the level smoothing.
pub const SMOOTHING_MS: f64 = 300.0;

#[derive(Debug, Default)]
pub struct SpeakerDetector {
    levels: HashMap<ParticipantId, Level>,
    current: Option<ParticipantId>,
    /// The loudest talker that is not the speaker, and since when.
    challenger: Option<(ParticipantId, u64)>,
}

#[derive(Debug, Clone, Copy)]
struct Level {
    dbfs: f64,
    at_ms: u64,
}

impl SpeakerDetector {
    /// One measurement of `id`'s sound (`dbfs` of a buffer) at `now_ms`.
    pub fn observe(&mut self, id: ParticipantId, dbfs: f64, now_ms: u64) {
        let dbfs = dbfs.max(-100.0);
        let level = self.levels.entry(id).or_insert(Level {
            dbfs,
            at_ms: now_ms,
        });
        // Exponential smoothing with a time constant, whatever the
        // buffers' spacing.
        let dt = now_ms.saturating_sub(level.at_ms) as f64;
        let keep = (-dt / SMOOTHING_MS).exp();
        level.dbfs = level.dbfs * keep + dbfs * (1.0 - keep);
        level.at_ms = now_ms;
    }

    /// The speaker now, after taking `now_ms` into account.
    pub fn speaker(&mut self, now_ms: u64) -> Option<ParticipantId> {
        let loudest = self
            .levels
            .iter()
            .filter(|(_, l)| l.dbfs > SPEECH_DBFS)
            .max_by(|a, b| a.1.dbfs.total_cmp(&b.1.dbfs))
            .map(|(id, _)| *id);
        match (loudest, self.current) {
            (Some(id), None) => {
                self.current = Some(id);
                self.challenger = None;
            }
            (Some(id), Some(current)) if id != current => match self.challenger {
                Some((challenger, since)) if challenger == id => {
                    if now_ms.saturating_sub(since) >= HOLD_MS {
                        self.current = Some(id);
                        self.challenger = None;
                    }
                }
                _ => self.challenger = Some((id, now_ms)),
            },
            _ => self.challenger = None,
        }
        self.current
    }

    /// `id` left the meeting.
    pub fn remove(&mut self, id: ParticipantId) {
        self.levels.remove(&id);
        if self.current == Some(id) {
            self.current = None;
        }
        if self.challenger.is_some_and(|(c, _)| c == id) {
            self.challenger = None;
        }
    }
}

/// The level of mono S16 samples in dB full scale (−100 for silence).
pub fn dbfs(samples: &[i16]) -> f64 {
    if samples.is_empty() {
        return -100.0;
    }
    let power = samples
        .iter()
        .map(|s| (f64::from(*s) / 32768.0).powi(2))
        .sum::<f64>()
        / samples.len() as f64;
    if power <= 1e-10 {
        -100.0
    } else {
        10.0 * power.log10()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds 20 ms buffers for `ms` with the given levels per participant.
    fn talk(d: &mut SpeakerDetector, from: u64, ms: u64, levels: &[(ParticipantId, f64)]) -> u64 {
        let mut t = from;
        while t < from + ms {
            for (id, db) in levels {
                d.observe(*id, *db, t);
            }
            d.speaker(t);
            t += 20;
        }
        t
    }

    #[test]
    fn the_first_talker_takes_the_screen_and_a_new_one_only_after_holding() {
        let mut d = SpeakerDetector::default();
        assert_eq!(d.speaker(0), None, "nobody has talked");
        let t = talk(&mut d, 0, 1000, &[(1, -100.0), (2, -20.0), (3, -100.0)]);
        assert_eq!(d.speaker(t), Some(2));
        // 3 starts talking louder: not before the hold time is up.
        let t = talk(&mut d, t, 1000, &[(1, -100.0), (2, -30.0), (3, -15.0)]);
        assert_eq!(d.speaker(t), Some(2));
        // (Its smoothed level overtakes 2's about half a second in.)
        let t = talk(&mut d, t, 1200, &[(1, -100.0), (2, -30.0), (3, -15.0)]);
        assert_eq!(d.speaker(t), Some(3));
        // Silence keeps the last speaker.
        let t = talk(&mut d, t, 3000, &[(1, -100.0), (2, -100.0), (3, -100.0)]);
        assert_eq!(d.speaker(t), Some(3));
    }

    #[test]
    fn a_short_interruption_does_not_switch_and_leaving_clears() {
        let mut d = SpeakerDetector::default();
        let t = talk(&mut d, 0, 1000, &[(1, -20.0), (2, -100.0)]);
        let t = talk(&mut d, t, 600, &[(1, -30.0), (2, -10.0)]);
        let t = talk(&mut d, t, 2000, &[(1, -20.0), (2, -100.0)]);
        assert_eq!(d.speaker(t), Some(1));
        d.remove(1);
        assert_eq!(d.speaker(t), None, "the speaker left; 2 is silent");
        let t = talk(&mut d, t, 500, &[(2, -25.0)]);
        assert_eq!(d.speaker(t), Some(2));
    }

    #[test]
    fn levels_are_in_dbfs() {
        assert_eq!(dbfs(&[]), -100.0);
        assert_eq!(dbfs(&[0; 480]), -100.0);
        let full: Vec<i16> = (0..480)
            .map(|i| if i % 2 == 0 { 32767 } else { -32767 })
            .collect();
        assert!(dbfs(&full).abs() < 0.01);
        let half: Vec<i16> = full.iter().map(|s| s / 2).collect();
        assert!((dbfs(&half) + 6.02).abs() < 0.05);
    }
}
