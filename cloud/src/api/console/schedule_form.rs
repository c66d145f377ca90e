//! The meetings page's schedule form as posted: its fields kept as typed
//! (to fill the form again when the rules refuse it), and the meeting
//! they make or the change they ask — the start read on the wall clock
//! the form names (the browser's for a new meeting, the meeting's own
//! when editing one). Filled from a meeting, it is the edit form.

use super::Console;
use crate::meetings::recurrence::{civil_from_days, days_from_civil, Freq, Recurrence};
use crate::meetings::{Invitees, MeetingUpdate, MeetingView, NewMeeting};

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
    /// Editing: the recurrence the meeting had (unchanged, it is left as
    /// it is, weekdays and end included).
    pub repeat_was: String,
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
                "repeat_was" => f.repeat_was = value,
                _ => {}
            }
        }
        f
    }

    /// The form filled from `meeting`, on its own wall clock (passwords
    /// blank: left as they are).
    pub fn from_view(meeting: &MeetingView) -> Self {
        let offset = meeting.utc_offset_minutes;
        let freq = meeting
            .recurrence
            .as_ref()
            .map_or("none", |r| r.freq.as_str());
        Fields {
            subject: meeting.subject.clone(),
            start: meeting
                .start_at
                .map(|at| wall_clock_text(at + offset * 60))
                .unwrap_or_default(),
            tz: offset as i32,
            duration: meeting
                .duration_mins
                .map(|d| d.to_string())
                .unwrap_or_default(),
            repeat: freq.into(),
            repeat_was: freq.into(),
            rooms: meeting.invitees.devices.clone(),
            sip_uris: meeting.invitees.sip_uris.join("\n"),
            join_before_host: meeting.join_before_host,
            party_limit: meeting.party_limit.to_string(),
            ..Fields::default()
        }
    }

    /// The meeting to create, or what is wrong with the form (in the
    /// page's words).
    pub fn meeting(&self, console: &Console) -> Result<NewMeeting, &'static str> {
        let me = &console.me.account;
        let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
        Ok(NewMeeting {
            enterprise: me.enterprise_id.to_string(),
            subject: self.subject.clone(),
            organiser: Some(me.display_name.clone()),
            organiser_account_id: Some(me.id),
            start_at: Some(self.start_at()?),
            duration_mins: number(&self.duration, "bad_duration")?,
            utc_offset_minutes: Some(self.tz),
            recurrence: Some(self.recurrence()),
            invitees: Some(self.invitees()),
            host_password: optional(&self.host_password),
            guest_password: optional(&self.guest_password),
            join_before_host: Some(self.join_before_host),
            party_limit: number(&self.party_limit, "bad_party_limit")?,
        })
    }

    /// The change the edit form asks for: every field as shown; blank
    /// passwords and an unchanged recurrence are left as they are.
    pub fn update(&self) -> Result<MeetingUpdate, &'static str> {
        let given = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
        Ok(MeetingUpdate {
            subject: Some(self.subject.clone()),
            organiser: None,
            start_at: Some(self.start_at()?),
            duration_mins: number(&self.duration, "bad_duration")?,
            utc_offset_minutes: Some(self.tz),
            recurrence: (self.repeat.trim() != self.repeat_was.trim()).then(|| self.recurrence()),
            invitees: Some(self.invitees()),
            host_password: given(&self.host_password),
            guest_password: given(&self.guest_password),
            join_before_host: Some(self.join_before_host),
            party_limit: number(&self.party_limit, "bad_party_limit")?,
        })
    }

    fn start_at(&self) -> Result<i64, &'static str> {
        Ok(wall_clock(&self.start).ok_or("bad_start")? - i64::from(self.tz) * 60)
    }

    fn recurrence(&self) -> Recurrence {
        Recurrence {
            freq: Freq::parse(self.repeat.trim()).unwrap_or(Freq::None),
            ..Recurrence::default()
        }
    }

    fn invitees(&self) -> Invitees {
        Invitees {
            devices: self.rooms.clone(),
            sip_uris: self
                .sip_uris
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }
}

/// A number field: empty is `None`; anything else but a number is `bad`.
fn number(text: &str, bad: &'static str) -> Result<Option<i64>, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(|_| bad)
}

/// Seconds from the epoch on a wall clock as a `datetime-local` field
/// shows them: `YYYY-MM-DDTHH:MM`.
fn wall_clock_text(local: i64) -> String {
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let of_day = local.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60
    )
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
        assert_eq!(wall_clock_text(1_796_460_000), "2026-12-05T08:40");
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
