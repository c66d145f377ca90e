//! Who is calling into a meeting: a room (a registered device, calling
//! from where it registered — dialog requests carry no digest, so the
//! registration's flow is the proof) or anyone else (a guest, named by
//! their From display name or user).
//!
//! A room is known by its SN, which the join decision needs (the owner of
//! a meeting room hosts it without a password; invited rooms need no guest
//! password), and by its name, which the roster shows.

use crate::dialog::{uri_of, user_of};
use crate::sip::message::Request;
use crate::sip::{location_sync, Location, Source};
use crate::store::Store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The From URI (the roster's entity).
    pub uri: String,
    /// What the roster calls them.
    pub name: String,
    /// The room's SN, when a registered device calls.
    pub device_sn: Option<String>,
}

/// The caller of `request`, arrived from `source`.
pub async fn identify(
    request: &Request,
    source: Source,
    location: &Location,
    store: &Store,
    now_ms: i64,
) -> Caller {
    let from = request.header("from").unwrap_or_default();
    let uri = uri_of(from).unwrap_or_default().to_string();
    let user = user_of(&uri).unwrap_or_default().to_string();
    let registered = !user.is_empty()
        && location_sync::is_registered_from(location, store, &user, source, now_ms).await;
    let device = match registered {
        true => store.device_by_number(&user).await.ok(),
        false => None,
    };
    let name = match &device {
        Some(device) => device.name.clone(),
        None => display_name(from)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| {
                if user.is_empty() {
                    "Guest".into()
                } else {
                    user.clone()
                }
            }),
    };
    Caller {
        uri,
        name,
        device_sn: device.map(|d| d.sn),
    }
}

/// The display name before `<` in a From header, unquoted.
fn display_name(from: &str) -> Option<String> {
    let (display, _) = from.split_once('<')?;
    let display = display.trim();
    let unquoted = display
        .strip_prefix('"')
        .and_then(|d| d.strip_suffix('"'))
        .unwrap_or(display);
    // Printable, and short enough for a screen.
    Some(
        unquoted
            .replace("\\\"", "\"")
            .chars()
            .filter(|c| !c.is_control())
            .take(64)
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_are_unquoted_and_tamed() {
        assert_eq!(
            display_name("\"Board Room\" <sip:1@x>;tag=1"),
            Some("Board Room".into())
        );
        assert_eq!(display_name("Alice <sip:a@x>"), Some("Alice".into()));
        assert_eq!(display_name("<sip:a@x>"), Some(String::new()));
        assert_eq!(display_name("sip:a@x"), None);
        let long = format!("\"{}\" <sip:a@x>", "x".repeat(500));
        assert_eq!(display_name(&long).unwrap().len(), 64);
        assert_eq!(
            display_name("\"a\u{7}b\" <sip:a@x>"),
            Some("ab".into()),
            "no control characters"
        );
    }
}
