//! The meetings page's schedule form as posted: its fields kept as typed
//! (to fill the form again when the rules refuse it), and the meeting
//! they make — the start read on the browser's wall clock.

use super::Console;
use crate::meetings::recurrence::{days_from_civil, Freq, Recurrence};
use crate::meetings::{Invitees, NewMeeting};

/// The schedule form as posted (kept to fill the form again when the
/// rules refuse it).
#[derive(Default)]
pub struct Fields {
    pub subject: String,
    /// `YYYY-MM-DDTHH:MM`, the browser's wall clock.
    pub start: String,
    /// Minutes east of UTC of that wall clock (`console.js` fills it).
    pub tz: i32,
    pub duration: String,
    pub repeat: String,
    pub rooms: Vec<String>,
    pub sip_uris: String,
    pub host_password: String,
    pub guest_password: String,
    pub join_before_host: bool,
    pub party_limit: String,
    pub csrf: String,
}

impl Fields {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = Fields::default();
        for (key, value) in pairs {
            match key.as_str() {
                "csrf" => f.csrf = value,
                "subject" => f.subject = value,
                "start" => f.start = value,
                "tz" => f.tz = value.trim().parse().unwrap_or(0),
                "duration" => f.duration = value,
                "repeat" => f.repeat = value,
                "room" => f.rooms.push(value),
                "sip_uris" => f.sip_uris = value,
                "host_password" => f.host_password = value,
                "guest_password" => f.guest_password = value,
                "join_before_host" => f.join_before_host = true,
                "party_limit" => f.party_limit = value,
                _ => {}
            }
        }
        f
    }

    /// The meeting to create, or what is wrong with the form (in the
    /// page's words).
    pub fn meeting(&self, console: &Console) -> Result<NewMeeting, &'static str> {
        let start_at = wall_clock(&self.start).ok_or("bad_start")? - i64::from(self.tz) * 60;
        let number = |text: &str, bad| -> Result<Option<i64>, &'static str> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse().map(Some).map_err(|_| bad)
        };
        let freq = Freq::parse(self.repeat.trim()).unwrap_or(Freq::None);
        let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
        let me = &console.me.account;
        Ok(NewMeeting {
            enterprise: me.enterprise_id.to_string(),
            subject: self.subject.clone(),
            organiser: Some(me.display_name.clone()),
            organiser_account_id: Some(me.id),
            start_at: Some(start_at),
            duration_mins: number(&self.duration, "bad_duration")?,
            utc_offset_minutes: Some(self.tz),
            recurrence: Some(Recurrence {
                freq,
                ..Recurrence::default()
            }),
            invitees: Some(Invitees {
                devices: self.rooms.clone(),
                sip_uris: self
                    .sip_uris
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_string)
                    .collect(),
            }),
            host_password: optional(&self.host_password),
            guest_password: optional(&self.guest_password),
            join_before_host: Some(self.join_before_host),
            party_limit: number(&self.party_limit, "bad_party_limit")?,
        })
    }
}

/// `YYYY-MM-DDTHH:MM` (a `datetime-local` field) as seconds from the epoch
/// on that wall clock.
fn wall_clock(text: &str) -> Option<i64> {
    let (date, time) = text.trim().split_once('T')?;
    let mut date = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, d) = (date.next()??, date.next()??, date.next()??);
    let mut time = time.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (h, min) = (time.next()??, time.next()??);
    let valid = (1..=12).contains(&m)
        && (1..=31).contains(&d)
        && (0..24).contains(&h)
        && (0..60).contains(&min);
    valid.then(|| days_from_civil(y, m as u32, d as u32) * 86_400 + h * 3600 + min * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_datetime_local_field_reads_as_its_wall_clock() {
        assert_eq!(wall_clock("1970-01-01T00:00"), Some(0));
        assert_eq!(wall_clock("2026-12-05T08:40"), Some(1_796_460_000));
        for bad in [
            "",
            "2026-12-05",
            "2026-13-05T08:40",
            "2026-12-05T24:00",
            "x-y-zTa:b",
        ] {
            assert_eq!(wall_clock(bad), None, "{bad}");
        }
    }
}
