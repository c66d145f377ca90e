//! Recurrence: a typed subset of RFC 5545 `RRULE` (FREQ=DAILY, WEEKLY with
//! BYDAY, MONTHLY on the start's day of the month; UNTIL or COUNT; INTERVAL
//! is always 1) and its expansion into occurrences.
//!
//! Occurrences keep the start's wall-clock time in the meeting's fixed UTC
//! offset (no daylight saving: the offset is the enterprise's, e.g. +08:00).
//! As in RFC 5545, a monthly rule skips months without the start's day (a
//! meeting on the 31st happens in 31-day months only), and the occurrences
//! are the matches at or after the start.

use serde::{Deserialize, Serialize};

const DAY: i64 = 86_400;
/// Most occurrences a `count` may ask for.
pub const MAX_COUNT: u32 = 1000;
/// Expansion gives up after this many candidate days (a safety net; valid
/// rules always match well before).
const MAX_STEPS: usize = 200_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Freq {
    #[default]
    None,
    Daily,
    Weekly,
    Monthly,
}

impl Freq {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "none" => Self::None,
            "daily" => Self::Daily,
            "weekly" => Self::Weekly,
            "monthly" => Self::Monthly,
            _ => return None,
        })
    }
}

/// Days of the week, RFC 5545 spelling in lower case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mo,
    Tu,
    We,
    Th,
    Fr,
    Sa,
    Su,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Self::Mo,
        Self::Tu,
        Self::We,
        Self::Th,
        Self::Fr,
        Self::Sa,
        Self::Su,
    ];

    fn index(self) -> u8 {
        self as u8
    }

    fn rfc(self) -> &'static str {
        ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][self as usize]
    }
}

/// A recurrence rule. `weekdays` only with `weekly` (empty: the start's
/// weekday); `until` (unix seconds, last allowed occurrence start) and
/// `count` are mutually exclusive; neither means the series never ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Recurrence {
    pub freq: Freq,
    #[serde(default)]
    pub weekdays: Vec<Weekday>,
    #[serde(default)]
    pub until: Option<i64>,
    #[serde(default)]
    pub count: Option<u32>,
}

impl Recurrence {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn is_none(&self) -> bool {
        self.freq == Freq::None
    }

    /// Bit mask for the store (bit 0 = Monday).
    pub fn weekday_mask(&self) -> i64 {
        self.weekdays
            .iter()
            .fold(0, |mask, d| mask | (1 << d.index()))
    }

    /// From the store's columns; unknown values read as no recurrence.
    pub fn from_parts(freq: &str, mask: i64, until: Option<i64>, count: Option<i64>) -> Self {
        Self {
            freq: Freq::parse(freq).unwrap_or_default(),
            weekdays: Weekday::ALL
                .into_iter()
                .filter(|d| mask & (1 << d.index()) != 0)
                .collect(),
            until,
            count: count.and_then(|c| u32::try_from(c).ok()),
        }
    }

    /// Checks the rule against the series start; the message says what is
    /// wrong.
    pub fn check(&self, start: i64) -> Result<(), String> {
        if self.freq == Freq::None {
            if !self.weekdays.is_empty() || self.until.is_some() || self.count.is_some() {
                return Err(
                    "a meeting without recurrence takes no weekdays, until or count".into(),
                );
            }
            return Ok(());
        }
        if self.freq != Freq::Weekly && !self.weekdays.is_empty() {
            return Err("weekdays are only for weekly recurrence".into());
        }
        if self.until.is_some() && self.count.is_some() {
            return Err("give until or count, not both".into());
        }
        if let Some(count) = self.count {
            if !(1..=MAX_COUNT).contains(&count) {
                return Err(format!("count must be 1 to {MAX_COUNT}"));
            }
        }
        if let Some(until) = self.until {
            if until < start {
                return Err("until is before the start".into());
            }
        }
        Ok(())
    }

    /// The rule as an RFC 5545 `RRULE` value, e.g.
    /// `FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10`; `None` without recurrence.
    pub fn rrule(&self) -> Option<String> {
        let freq = match self.freq {
            Freq::None => return None,
            Freq::Daily => "DAILY",
            Freq::Weekly => "WEEKLY",
            Freq::Monthly => "MONTHLY",
        };
        let mut out = format!("FREQ={freq}");
        if !self.weekdays.is_empty() {
            let mut days = self.weekdays.clone();
            days.sort();
            days.dedup();
            let days: Vec<&str> = days.iter().map(|d| d.rfc()).collect();
            out.push_str(&format!(";BYDAY={}", days.join(",")));
        }
        if let Some(until) = self.until {
            let (y, m, d) = civil_from_days(until.div_euclid(DAY));
            let s = until.rem_euclid(DAY);
            out.push_str(&format!(
                ";UNTIL={y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
                s / 3600,
                s / 60 % 60,
                s % 60
            ));
        }
        if let Some(count) = self.count {
            out.push_str(&format!(";COUNT={count}"));
        }
        Some(out)
    }
}

/// A meeting's times: when the series starts, how long each occurrence
/// lasts, the offset its wall clock runs in, and the rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub start: i64,
    pub duration_secs: i64,
    pub utc_offset_secs: i64,
    pub rule: Recurrence,
}

impl Schedule {
    /// Occurrence start times, in order (possibly without end).
    pub fn starts(&self) -> Starts<'_> {
        let local = self.start + self.utc_offset_secs;
        let first_day = local.div_euclid(DAY);
        let (y, m, d) = civil_from_days(first_day);
        let mask = match self.rule.weekday_mask() {
            0 => 1 << weekday(first_day),
            mask => mask,
        };
        Starts {
            schedule: self,
            time_of_day: local.rem_euclid(DAY),
            first_day,
            day: first_day,
            month: (y, m),
            month_day: d,
            mask,
            emitted: 0,
            steps: 0,
            done: false,
        }
    }

    /// The occurrence running at `now`, counting `early` seconds before its
    /// start as running: its start time.
    pub fn current(&self, now: i64, early: i64) -> Option<i64> {
        self.starts()
            .take_while(|&s| s - early <= now)
            .filter(|&s| now < s + self.duration_secs)
            .last()
    }

    /// The first occurrence that has not ended by `now` (running or next).
    pub fn next(&self, now: i64) -> Option<i64> {
        self.starts().find(|&s| s + self.duration_secs > now)
    }

    /// End of the last occurrence; `None` for a series without end.
    pub fn last_end(&self) -> Option<i64> {
        if self.rule.freq != Freq::None && self.rule.until.is_none() && self.rule.count.is_none() {
            return None;
        }
        self.starts().last().map(|s| s + self.duration_secs)
    }

    /// Starts of the occurrences overlapping `[from, to)`, at most `limit`.
    pub fn between(&self, from: i64, to: i64, limit: usize) -> Vec<i64> {
        self.starts()
            .take_while(|&s| s < to)
            .filter(|&s| s + self.duration_secs > from)
            .take(limit)
            .collect()
    }
}

/// Iterator over a schedule's occurrence starts.
pub struct Starts<'a> {
    schedule: &'a Schedule,
    time_of_day: i64,
    first_day: i64,
    day: i64,
    month: (i64, u32),
    month_day: u32,
    mask: i64,
    emitted: u32,
    steps: usize,
    done: bool,
}

impl Starts<'_> {
    /// The next matching local day, or `None` when the search gives up.
    fn next_day(&mut self) -> Option<i64> {
        let rule = &self.schedule.rule;
        loop {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return None;
            }
            match rule.freq {
                Freq::None => {
                    return (self.steps == 1).then_some(self.first_day);
                }
                Freq::Daily => {
                    let day = self.day;
                    self.day += 1;
                    return Some(day);
                }
                Freq::Weekly => {
                    let day = self.day;
                    self.day += 1;
                    if self.mask & (1 << weekday(day)) != 0 {
                        return Some(day);
                    }
                }
                Freq::Monthly => {
                    let (y, m) = self.month;
                    self.month = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                    if self.month_day <= days_in_month(y, m) {
                        return Some(days_from_civil(y, m, self.month_day));
                    }
                }
            }
        }
    }
}

impl Iterator for Starts<'_> {
    type Item = i64;

    fn next(&mut self) -> Option<i64> {
        if self.done {
            return None;
        }
        let rule = &self.schedule.rule;
        loop {
            let Some(day) = self.next_day() else {
                self.done = true;
                return None;
            };
            let start = day * DAY + self.time_of_day - self.schedule.utc_offset_secs;
            if start < self.schedule.start {
                continue;
            }
            if rule.count.is_some_and(|c| self.emitted >= c)
                || rule.until.is_some_and(|u| start > u)
            {
                self.done = true;
                return None;
            }
            self.emitted += 1;
            return Some(start);
        }
    }
}

/// Monday = 0 … Sunday = 6 for days since 1970-01-01 (a Thursday).
pub fn weekday(days: i64) -> i64 {
    (days + 3).rem_euclid(7)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix seconds of a UTC date and time.
    fn at(y: i64, m: u32, d: u32, h: i64, min: i64) -> i64 {
        days_from_civil(y, m, d) * DAY + h * 3600 + min * 60
    }

    fn schedule(start: i64, rule: Recurrence) -> Schedule {
        Schedule {
            start,
            duration_secs: 3600,
            utc_offset_secs: 0,
            rule,
        }
    }

    fn rule(freq: Freq) -> Recurrence {
        Recurrence {
            freq,
            ..Recurrence::default()
        }
    }

    #[test]
    fn civil_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        assert_eq!(
            civil_from_days(days_from_civil(2100, 3, 1) - 1),
            (2100, 2, 28)
        );
        // 2025-06-02 is a Monday.
        assert_eq!(weekday(days_from_civil(2025, 6, 2)), 0);
    }

    #[test]
    fn single_meeting_has_one_occurrence() {
        let s = schedule(at(2025, 6, 2, 9, 0), Recurrence::none());
        assert_eq!(s.starts().collect::<Vec<_>>(), vec![at(2025, 6, 2, 9, 0)]);
        assert_eq!(s.last_end(), Some(at(2025, 6, 2, 10, 0)));
        assert_eq!(s.next(at(2025, 6, 2, 9, 59)), Some(at(2025, 6, 2, 9, 0)));
        assert_eq!(s.next(at(2025, 6, 2, 10, 0)), None);
    }

    #[test]
    fn daily_with_count() {
        let mut r = rule(Freq::Daily);
        r.count = Some(3);
        let s = schedule(at(2025, 6, 30, 9, 0), r);
        assert_eq!(
            s.starts().collect::<Vec<_>>(),
            vec![
                at(2025, 6, 30, 9, 0),
                at(2025, 7, 1, 9, 0),
                at(2025, 7, 2, 9, 0)
            ]
        );
        assert_eq!(s.last_end(), Some(at(2025, 7, 2, 10, 0)));
    }

    #[test]
    fn weekly_on_weekdays_from_a_start_that_does_not_match() {
        let mut r = rule(Freq::Weekly);
        r.weekdays = vec![Weekday::We, Weekday::Mo];
        r.until = Some(at(2025, 6, 16, 9, 0));
        // Sunday 2025-06-01: first match is Monday the 2nd.
        let s = schedule(at(2025, 6, 1, 9, 0), r);
        assert_eq!(
            s.starts().collect::<Vec<_>>(),
            vec![
                at(2025, 6, 2, 9, 0),
                at(2025, 6, 4, 9, 0),
                at(2025, 6, 9, 9, 0),
                at(2025, 6, 11, 9, 0),
                at(2025, 6, 16, 9, 0)
            ]
        );
        assert_eq!(
            s.rule.rrule().unwrap(),
            "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20250616T090000Z"
        );
    }

    #[test]
    fn weekly_without_weekdays_repeats_the_start_weekday() {
        let s = schedule(at(2025, 6, 4, 9, 0), rule(Freq::Weekly));
        let starts: Vec<i64> = s.starts().take(2).collect();
        assert_eq!(starts, vec![at(2025, 6, 4, 9, 0), at(2025, 6, 11, 9, 0)]);
        assert_eq!(s.last_end(), None);
    }

    #[test]
    fn monthly_skips_months_without_the_day() {
        let s = schedule(at(2025, 1, 31, 9, 0), rule(Freq::Monthly));
        let starts: Vec<i64> = s.starts().take(4).collect();
        assert_eq!(
            starts,
            vec![
                at(2025, 1, 31, 9, 0),
                at(2025, 3, 31, 9, 0),
                at(2025, 5, 31, 9, 0),
                at(2025, 7, 31, 9, 0)
            ]
        );
    }

    #[test]
    fn weekdays_follow_the_local_offset() {
        // Monday 2025-06-02 08:00 at +08:00 is Monday 00:00 UTC; Sunday 23:30
        // UTC is already Monday 07:30 in Beijing.
        let mut r = rule(Freq::Weekly);
        r.weekdays = vec![Weekday::Mo];
        let s = Schedule {
            start: at(2025, 6, 1, 23, 30),
            duration_secs: 1800,
            utc_offset_secs: 8 * 3600,
            rule: r,
        };
        let starts: Vec<i64> = s.starts().take(2).collect();
        assert_eq!(starts, vec![at(2025, 6, 1, 23, 30), at(2025, 6, 8, 23, 30)]);
    }

    #[test]
    fn current_counts_the_early_window_and_next_finds_the_following_one() {
        let s = schedule(at(2025, 6, 2, 9, 0), rule(Freq::Daily));
        let early = 15 * 60;
        assert_eq!(s.current(at(2025, 6, 2, 8, 44), early), None);
        assert_eq!(
            s.current(at(2025, 6, 2, 8, 45), early),
            Some(at(2025, 6, 2, 9, 0))
        );
        assert_eq!(
            s.current(at(2025, 6, 3, 9, 59), early),
            Some(at(2025, 6, 3, 9, 0))
        );
        assert_eq!(s.current(at(2025, 6, 3, 10, 0), early), None);
        assert_eq!(s.next(at(2025, 6, 3, 10, 0)), Some(at(2025, 6, 4, 9, 0)));
        assert_eq!(
            s.between(at(2025, 6, 3, 9, 30), at(2025, 6, 5, 9, 0), 10),
            vec![at(2025, 6, 3, 9, 0), at(2025, 6, 4, 9, 0)]
        );
    }

    #[test]
    fn rule_checks() {
        let start = at(2025, 6, 2, 9, 0);
        let mut r = rule(Freq::Daily);
        r.weekdays = vec![Weekday::Mo];
        assert!(r.check(start).is_err());
        let mut r = rule(Freq::Daily);
        r.until = Some(start + 10);
        r.count = Some(2);
        assert!(r.check(start).is_err());
        r.until = None;
        r.count = Some(0);
        assert!(r.check(start).is_err());
        r.count = None;
        r.until = Some(start - 1);
        assert!(r.check(start).is_err());
        let mut r = rule(Freq::None);
        r.count = Some(2);
        assert!(r.check(start).is_err());
        assert!(rule(Freq::Monthly).check(start).is_ok());
    }
}
