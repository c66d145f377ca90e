//! Addresses in header values. Read leniently (a peer's From, To or Contact
//! as the SIP core keeps it, text), written through rsip's types. Pure.

use std::net::{IpAddr, SocketAddr};

use rsip::common::uri::param::Tag;
use rsip::common::uri::Param;
use rsip::{Auth, Host, HostWithPort, Scheme, Uri};

use crate::sip::random_tag;

/// The URI inside a Contact or name-addr value (`"A" <sip:x@y>;p` → `sip:x@y`).
pub fn uri_of(value: &str) -> Option<&str> {
    let value = value.trim();
    match (value.find('<'), value.find('>')) {
        (Some(start), Some(end)) if start < end => Some(&value[start + 1..end]),
        _ => {
            let bare = value.split(';').next()?.trim();
            bare.starts_with("sip").then_some(bare)
        }
    }
}

/// The user part of a SIP URI (`sip:100001@host` → `100001`).
pub fn user_of(uri: &str) -> Option<&str> {
    let rest = uri
        .strip_prefix("sips:")
        .or_else(|| uri.strip_prefix("sip:"))?;
    let (user, _) = rest.split_once('@')?;
    let user = user.split(';').next()?;
    (!user.is_empty()).then_some(user)
}

/// The `tag` parameter of a From/To value.
pub fn tag_of(value: Option<&str>) -> Option<String> {
    let value = value?;
    let params = match value.rfind('>') {
        Some(i) => &value[i..],
        None => value,
    };
    params.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("tag")
            .then(|| v.trim().to_string())
    })
}

/// Where to send requests in a dialog: the URI of the peer's Contact
/// (else its From), else the address it sent from.
pub fn target_of(contact_or_from: Option<&str>, source: SocketAddr) -> Uri {
    contact_or_from
        .and_then(uri_of)
        .and_then(|uri| Uri::try_from(uri).ok())
        .unwrap_or_else(|| Uri {
            scheme: Some(Scheme::Sip),
            host_with_port: host_port(&source.ip().to_string(), Some(source.port())),
            ..Default::default()
        })
}

/// A display name safe inside double quotes.
pub fn quoted(name: &str) -> String {
    let inner: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .take(64)
        .collect();
    format!("\"{inner}\"")
}

/// `sip:<user>@<host>`.
pub fn sip_uri(user: &str, host: &str) -> Uri {
    Uri {
        scheme: Some(Scheme::Sip),
        auth: Some(Auth {
            user: user.to_string(),
            password: None,
        }),
        host_with_port: host_port(host, None),
        ..Default::default()
    }
}

/// A name-addr we write: `[display] <sip:user@host>[;tag=…]`. `display`
/// is shown as given: pass it through [`quoted`].
pub fn name_addr(display: Option<&str>, user: &str, host: &str, tag: Option<&str>) -> String {
    let params = tag
        .map(|tag| Param::Tag(Tag::new(tag)))
        .into_iter()
        .collect();
    rsip::typed::To {
        display_name: display.map(str::to_string),
        uri: sip_uri(user, host),
        params,
    }
    .to_string()
}

/// The peer's name-addr with our tag: our side of the dialog it opened
/// (RFC 3261 §12.1.1). Its value is echoed as it came, not re-printed
/// through rsip (which would normalise it), so only the tag is ours.
pub fn with_tag(name_addr: &str, tag: &str) -> String {
    format!("{name_addr};tag={tag}")
}

/// A Call-ID for a dialog we start.
pub fn new_call_id() -> String {
    format!("{}@roomcloud", random_tag())
}

/// `host[:port]` for rsip, an IPv6 address in brackets (rsip prints an
/// IPv6 host as it is, which a port would run into).
pub fn host_port(host: &str, port: Option<u16>) -> HostWithPort {
    let host = match host.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) => Host::Domain(format!("[{v6}]").into()),
        Ok(ip) => Host::IpAddr(ip),
        Err(_) => Host::Domain(host.to_string().into()),
    };
    HostWithPort {
        host,
        port: port.map(Into::into),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_users_and_names_are_read_leniently() {
        assert_eq!(
            uri_of("\"A\" <sip:1@h;transport=tcp>;tag=x"),
            Some("sip:1@h;transport=tcp")
        );
        assert_eq!(uri_of("sip:1@h;tag=x"), Some("sip:1@h"));
        assert_eq!(uri_of("garbage"), None);
        assert_eq!(user_of("sip:100001@roomcloud.local"), Some("100001"));
        assert_eq!(user_of("sip:@h"), None);
        assert_eq!(user_of("tel:123"), None);
        assert_eq!(quoted("Room \"A\"\r\n"), "\"Room A\"");
    }

    #[test]
    fn tags_are_found_after_the_uri() {
        assert_eq!(
            tag_of(Some("<sip:a@b;tag=uri>;tag=abc")),
            Some("abc".into())
        );
        assert_eq!(tag_of(Some("sip:a@b;tag=x1")), Some("x1".into()));
        assert_eq!(tag_of(Some("<sip:a@b>")), None);
        assert_eq!(tag_of(None), None);
    }

    #[test]
    fn name_addrs_and_targets_are_written_as_before() {
        assert_eq!(
            name_addr(None, "100002", "roomcloud.local", None),
            "<sip:100002@roomcloud.local>"
        );
        assert_eq!(
            name_addr(
                Some(&quoted("Boardroom")),
                "100001",
                "roomcloud.local",
                Some("t1")
            ),
            "\"Boardroom\" <sip:100001@roomcloud.local>;tag=t1"
        );
        assert_eq!(
            with_tag("<sip:8100001@roomcloud.local>", "t2"),
            "<sip:8100001@roomcloud.local>;tag=t2"
        );
        let source: SocketAddr = "[2001:db8::1]:5062".parse().unwrap();
        assert_eq!(
            target_of(Some("<sip:1@h:5070>;expires=60"), source).to_string(),
            "sip:1@h:5070"
        );
        assert_eq!(
            target_of(Some("garbage"), source).to_string(),
            "sip:[2001:db8::1]:5062"
        );
    }
}
