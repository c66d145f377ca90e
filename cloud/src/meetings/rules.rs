//! The rules a meeting's fields must follow, as pure functions. Each mistake
//! has its own stable error code (documented in docs/API.md).

use super::recurrence::Recurrence;

/// Shortest and longest occurrence.
pub const MIN_DURATION_MINS: i64 = 15;
pub const MAX_DURATION_MINS: i64 = 24 * 60;
/// Party limit range and default.
pub const MAX_PARTY_LIMIT: u32 = 500;
pub const DEFAULT_PARTY_LIMIT: u32 = 100;
/// Most invitees (devices and SIP URIs together).
pub const MAX_INVITEES: usize = 500;
/// UTC offsets range from −14:00 to +14:00.
pub const MAX_UTC_OFFSET_MINS: i32 = 14 * 60;

/// One mistake in a meeting request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetingError {
    Subject,
    Organiser,
    StartInPast,
    Duration,
    PartyLimit,
    /// The field (`host_password` or `guest_password`) is not 4–8 digits.
    Password(&'static str),
    SamePasswords,
    UtcOffset,
    Recurrence(String),
    /// A SIP URI invitee that is not a SIP URI.
    Invitee(String),
    /// An invitee SN that is not a device of the meeting's enterprise.
    UnknownInvitee(String),
    TooManyInvitees,
    /// A field that a device's meeting room does not have.
    NotForRooms(&'static str),
}

impl MeetingError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Subject => "invalid_subject",
            Self::Organiser => "invalid_organiser",
            Self::StartInPast => "start_in_past",
            Self::Duration => "invalid_duration",
            Self::PartyLimit => "invalid_party_limit",
            Self::Password(_) | Self::SamePasswords => "invalid_password",
            Self::UtcOffset => "invalid_utc_offset",
            Self::Recurrence(_) => "invalid_recurrence",
            Self::Invitee(_) | Self::TooManyInvitees => "invalid_invitee",
            Self::UnknownInvitee(_) => "unknown_invitee",
            Self::NotForRooms(_) => "invalid_input",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Self::Subject => {
                "subject must be 1 to 128 characters without control characters".into()
            }
            Self::Organiser => {
                "organiser must be at most 64 characters without control characters".into()
            }
            Self::StartInPast => "start_at is in the past".into(),
            Self::Duration => {
                format!("duration_mins must be {MIN_DURATION_MINS} to {MAX_DURATION_MINS} minutes")
            }
            Self::PartyLimit => format!("party_limit must be 1 to {MAX_PARTY_LIMIT}"),
            Self::Password(field) => format!("{field} must be 4 to 8 digits"),
            Self::SamePasswords => "guest_password must differ from host_password".into(),
            Self::UtcOffset => format!(
                "utc_offset_minutes must be -{MAX_UTC_OFFSET_MINS} to {MAX_UTC_OFFSET_MINS}"
            ),
            Self::Recurrence(why) => format!("recurrence: {why}"),
            Self::Invitee(uri) => format!("{uri:?} is not a SIP URI (sip:user@host)"),
            Self::UnknownInvitee(sn) => {
                format!("invitee {sn:?} is not a device of this enterprise")
            }
            Self::TooManyInvitees => format!("at most {MAX_INVITEES} invitees"),
            Self::NotForRooms(field) => {
                format!("a device's meeting room has no {field}; it is always open")
            }
        }
    }
}

pub type RuleResult<T> = Result<T, MeetingError>;

pub fn check_subject(subject: &str) -> RuleResult<String> {
    let subject = subject.trim();
    if subject.is_empty() || subject.chars().count() > 128 || subject.chars().any(char::is_control)
    {
        return Err(MeetingError::Subject);
    }
    Ok(subject.to_string())
}

/// Who booked a meeting: up to 64 characters, no control characters;
/// empty names nobody.
pub fn check_organiser(organiser: &str) -> RuleResult<String> {
    let organiser = organiser.trim();
    if organiser.chars().count() > 64 || organiser.chars().any(char::is_control) {
        return Err(MeetingError::Organiser);
    }
    Ok(organiser.to_string())
}

pub fn check_start(start_at: i64, now: i64) -> RuleResult<i64> {
    if start_at < now {
        return Err(MeetingError::StartInPast);
    }
    Ok(start_at)
}

/// Minutes → seconds.
pub fn check_duration(mins: i64) -> RuleResult<i64> {
    if !(MIN_DURATION_MINS..=MAX_DURATION_MINS).contains(&mins) {
        return Err(MeetingError::Duration);
    }
    Ok(mins * 60)
}

pub fn check_party_limit(limit: i64) -> RuleResult<u32> {
    if !(1..=i64::from(MAX_PARTY_LIMIT)).contains(&limit) {
        return Err(MeetingError::PartyLimit);
    }
    Ok(limit as u32)
}

/// A meeting password: 4–8 ASCII digits (typed on a keypad or appended to
/// the dialled meeting ID as `*<password>`).
pub fn check_password(field: &'static str, password: &str) -> RuleResult<String> {
    if !(4..=8).contains(&password.len()) || !password.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MeetingError::Password(field));
    }
    Ok(password.to_string())
}

pub fn check_utc_offset(mins: i32) -> RuleResult<i32> {
    if !(-MAX_UTC_OFFSET_MINS..=MAX_UTC_OFFSET_MINS).contains(&mins) {
        return Err(MeetingError::UtcOffset);
    }
    Ok(mins)
}

pub fn check_recurrence(rule: &Recurrence, start: i64) -> RuleResult<()> {
    rule.check(start).map_err(MeetingError::Recurrence)
}

/// A SIP URI invitee: `sip:` or `sips:`, a user part, a host, no spaces or
/// control characters, at most 256 characters. Kept as given.
pub fn check_sip_uri(uri: &str) -> RuleResult<String> {
    let uri = uri.trim();
    let bad = || MeetingError::Invitee(uri.to_string());
    if uri.len() > 256 || uri.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let lower = uri.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("sip:")
        .or_else(|| lower.strip_prefix("sips:"))
        .ok_or_else(bad)?;
    let (user, host) = rest.split_once('@').ok_or_else(bad)?;
    let host = host.split([';', '?']).next().unwrap_or("");
    if user.is_empty() || host.is_empty() || host.contains('@') {
        return Err(bad());
    }
    Ok(uri.to_string())
}

/// Invitee SNs must be devices of the meeting's enterprise (`known`);
/// duplicates are dropped. Returns the SNs and URIs to store.
pub fn check_invitees(
    sns: &[String],
    uris: &[String],
    known: impl Fn(&str) -> bool,
) -> RuleResult<(Vec<String>, Vec<String>)> {
    if sns.len() + uris.len() > MAX_INVITEES {
        return Err(MeetingError::TooManyInvitees);
    }
    let mut out_sns: Vec<String> = Vec::new();
    for sn in sns {
        let sn = sn.trim();
        if !known(sn) {
            return Err(MeetingError::UnknownInvitee(sn.to_string()));
        }
        if !out_sns.iter().any(|s| s == sn) {
            out_sns.push(sn.to_string());
        }
    }
    let mut out_uris: Vec<String> = Vec::new();
    for uri in uris {
        let uri = check_sip_uri(uri)?;
        if !out_uris.contains(&uri) {
            out_uris.push(uri);
        }
    }
    Ok((out_sns, out_uris))
}

/// Host and guest passwords must differ, or a guest would become host.
pub fn check_password_pair(host: Option<&str>, guest: Option<&str>) -> RuleResult<()> {
    match (host, guest) {
        (Some(h), Some(g)) if h == g => Err(MeetingError::SamePasswords),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_mistake_has_its_code() {
        assert_eq!(check_subject("  ").unwrap_err().code(), "invalid_subject");
        assert_eq!(
            check_subject(&"x".repeat(129)).unwrap_err().code(),
            "invalid_subject"
        );
        assert_eq!(check_subject(" Weekly sync ").unwrap(), "Weekly sync");
        assert_eq!(check_organiser(" Li Na ").unwrap(), "Li Na");
        assert_eq!(check_organiser("").unwrap(), "", "nobody named");
        for bad in ["a\nb".to_string(), "x".repeat(65)] {
            assert_eq!(
                check_organiser(&bad).unwrap_err().code(),
                "invalid_organiser"
            );
        }
        assert_eq!(check_start(99, 100).unwrap_err().code(), "start_in_past");
        assert_eq!(check_start(100, 100), Ok(100));
        assert_eq!(check_duration(14).unwrap_err().code(), "invalid_duration");
        assert_eq!(check_duration(1441).unwrap_err().code(), "invalid_duration");
        assert_eq!(check_duration(15), Ok(900));
        assert_eq!(check_duration(1440), Ok(86_400));
        assert_eq!(
            check_party_limit(0).unwrap_err().code(),
            "invalid_party_limit"
        );
        assert_eq!(
            check_party_limit(501).unwrap_err().code(),
            "invalid_party_limit"
        );
        assert_eq!(check_party_limit(500), Ok(500));
        assert_eq!(
            check_utc_offset(841).unwrap_err().code(),
            "invalid_utc_offset"
        );
        assert_eq!(check_utc_offset(-480), Ok(-480));
    }

    #[test]
    fn passwords_are_four_to_eight_digits() {
        for bad in ["123", "123456789", "12a4", "", "12 34", "١٢٣٤"] {
            assert_eq!(
                check_password("host_password", bad),
                Err(MeetingError::Password("host_password")),
                "{bad:?}"
            );
        }
        assert!(check_password("guest_password", "0000").is_ok());
        assert!(check_password("guest_password", "12345678").is_ok());
        assert_eq!(
            check_password_pair(Some("1234"), Some("1234")),
            Err(MeetingError::SamePasswords)
        );
        assert!(check_password_pair(Some("1234"), None).is_ok());
    }

    #[test]
    fn invitees_are_known_devices_and_sip_uris() {
        let known = |sn: &str| sn == "SN-1" || sn == "SN-2";
        let (sns, uris) = check_invitees(
            &["SN-1".into(), "SN-1".into(), "SN-2".into()],
            &[
                "sip:alice@example.com".into(),
                "sips:100001@10.0.0.1;transport=tcp".into(),
            ],
            known,
        )
        .unwrap();
        assert_eq!(sns, ["SN-1", "SN-2"]);
        assert_eq!(uris.len(), 2);
        assert_eq!(
            check_invitees(&["SN-9".into()], &[], known),
            Err(MeetingError::UnknownInvitee("SN-9".into()))
        );
        for bad in [
            "alice@example.com",
            "sip:@host",
            "sip:alice@",
            "sip:a b@c",
            "http://x",
        ] {
            assert_eq!(
                check_invitees(&[], &[bad.into()], known)
                    .unwrap_err()
                    .code(),
                "invalid_invitee",
                "{bad}"
            );
        }
    }
}
