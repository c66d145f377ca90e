//! What a caller dialled: `sip:<meeting-id>[*<password>]@<domain>`. Pure.

/// A meeting call's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub meeting_id: String,
    /// The guest or host password after `*`, if the caller dialled one.
    pub password: Option<String>,
}

/// Meeting IDs are digits (9 for scheduled meetings, `8` + the device
/// number for rooms); passwords 4–8 digits. Anything else is not a meeting.
pub fn parse(user: &str) -> Option<Target> {
    let (id, password) = match user.split_once('*') {
        Some((id, password)) => (id, Some(password)),
        None => (user, None),
    };
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(id, 4, 20) {
        return None;
    }
    let password = match password {
        Some(p) if digits(p, 1, 16) => Some(p.to_string()),
        Some(_) => return None,
        None => None,
    };
    Some(Target {
        meeting_id: id.to_string(),
        password,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_ids_with_and_without_passwords() {
        assert_eq!(
            parse("123456789"),
            Some(Target {
                meeting_id: "123456789".into(),
                password: None
            })
        );
        assert_eq!(
            parse("123456789*4321"),
            Some(Target {
                meeting_id: "123456789".into(),
                password: Some("4321".into())
            })
        );
        for bad in [
            "",
            "abc",
            "12",
            "123456789*",
            "123456789*12ab",
            "1*2*3",
            "9999*x",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
