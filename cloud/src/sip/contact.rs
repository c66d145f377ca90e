//! One Contact value (RFC 3261 §20.10): `["name"] <uri>;params` or `uri;params`.
//! rsip's typed Contact rejects common parameters such as
//! `+sip.instance="<urn:uuid:…>"` (RFC 5626), so the value is split here and
//! only the URI itself is handed to rsip.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactValue {
    pub uri: rsip::Uri,
    /// The URI as the client wrote it.
    pub uri_text: String,
    /// Header parameters in order; names lower-cased, values as written.
    pub params: Vec<(String, Option<String>)>,
}

impl ContactValue {
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        let (uri_text, rest) = match value.find('<') {
            Some(open) => {
                let display = value[..open].trim();
                if !display.is_empty() && !valid_display_name(display) {
                    return None;
                }
                let close = open + value[open..].find('>')?;
                (&value[open + 1..close], &value[close + 1..])
            }
            // Without brackets, parameters belong to the header (§20).
            None => match value.find(';') {
                Some(semi) => (&value[..semi], &value[semi..]),
                None => (value, ""),
            },
        };
        let uri = rsip::Uri::try_from(uri_text.trim()).ok()?;
        Some(Self {
            uri,
            uri_text: uri_text.trim().to_string(),
            params: parse_params(rest)?,
        })
    }

    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref())
    }

    /// What identifies this contact's binding. A device naming its instance
    /// (`+sip.instance`, RFC 5626 §6 / RFC 5627) keeps one binding per
    /// instance (and `reg-id`) whatever address it registers from, so a
    /// rebooted terminal replaces its old binding instead of adding one.
    /// Without it, the contact URI is the identity (RFC 3261 §10.3).
    pub fn binding_key(&self) -> String {
        let find = |name: &str| {
            self.params
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| v.as_deref())
        };
        match find("+sip.instance") {
            Some(instance) => {
                let instance = instance.trim().trim_matches('"').to_ascii_lowercase();
                match find("reg-id") {
                    Some(reg_id) => format!("instance:{instance};reg-id={}", reg_id.trim()),
                    None => format!("instance:{instance}"),
                }
            }
            None => self.uri.to_string().to_ascii_lowercase(),
        }
    }

    /// The parameters other than `expires`, rendered `;name=value…`.
    pub fn params_without_expires(&self) -> String {
        self.params
            .iter()
            .filter(|(n, _)| n != "expires")
            .map(|(n, v)| match v {
                Some(v) => format!(";{n}={v}"),
                None => format!(";{n}"),
            })
            .collect()
    }
}

fn valid_display_name(display: &str) -> bool {
    let quoted = display.len() >= 2 && display.starts_with('"') && display.ends_with('"');
    quoted || !display.contains(['"', '<', '>'])
}

/// Parses `;a=b;c;d="x;y"` (quoted values may hold any character but `"`).
fn parse_params(input: &str) -> Option<Vec<(String, Option<String>)>> {
    let mut out = Vec::new();
    let mut rest = input.trim();
    while !rest.is_empty() {
        rest = rest.strip_prefix(';')?.trim_start();
        let name_end = rest.find(['=', ';']).unwrap_or(rest.len());
        let name = rest[..name_end].trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return None;
        }
        rest = &rest[name_end..];
        let value = if let Some(after_eq) = rest.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            if let Some(quoted) = after_eq.strip_prefix('"') {
                let close = quoted.find('"')?;
                rest = quoted[close + 1..].trim_start();
                Some(format!("\"{}\"", &quoted[..close]))
            } else {
                let end = after_eq.find(';').unwrap_or(after_eq.len());
                rest = &after_eq[end..];
                Some(after_eq[..end].trim().to_string())
            }
        } else {
            None
        };
        out.push((name.to_ascii_lowercase(), value));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outbound_style_contact_parses() {
        let c = ContactValue::parse(
            r#"<sip:cisco1-0x55@127.0.0.1:57110>;expires=600;+sip.instance="<urn:uuid:67e3>";reg-id=1"#,
        )
        .unwrap();
        assert_eq!(c.uri_text, "sip:cisco1-0x55@127.0.0.1:57110");
        assert_eq!(c.param("expires"), Some(Some("600")));
        assert_eq!(
            c.params_without_expires(),
            r#";+sip.instance="<urn:uuid:67e3>";reg-id=1"#
        );
    }

    #[test]
    fn bare_uri_and_display_names() {
        let c = ContactValue::parse("sip:a@h:5060;expires=60").unwrap();
        assert_eq!(c.uri_text, "sip:a@h:5060");
        assert_eq!(c.param("expires"), Some(Some("60")));
        assert!(ContactValue::parse(r#""Room 1" <sip:a@h>"#).is_some());
        assert!(ContactValue::parse("Room <sip:a@h>").is_some());
    }

    #[test]
    fn broken_contacts_are_refused() {
        for bad in [
            "<sip:broken",
            "<sip:a@h>;=x",
            "<sip:a@h>;x=\"open",
            "",
            "<>",
            "<sip:a@h> junk",
        ] {
            assert!(ContactValue::parse(bad).is_none(), "{bad}");
        }
    }
}
