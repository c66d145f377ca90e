//! Requests the cloud sends on either leg of a forwarded call, as bytes.
//! Pure: the leg says who it is and where the dialog stands, this prints
//! the RFC 3261 request (§8.1.1, §12.2.1.1).

use crate::sip::random_tag;

/// What a leg knows to send a request in its dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegIdentity {
    pub call_id: String,
    /// Our From: name-addr with our tag.
    pub local: String,
    /// Their To: name-addr, with their tag once the dialog exists.
    pub remote: String,
    /// The Request-URI: their Contact (or registered binding).
    pub target: String,
    /// `UDP` or `TCP`, for Via.
    pub transport: &'static str,
    /// Our `host:port` on that transport, for Via and Contact.
    pub sent_by: String,
}

/// One request to print.
pub struct Outgoing<'a> {
    pub method: &'a str,
    pub cseq: u32,
    /// `None`: a new branch (a new transaction).
    pub branch: Option<&'a str>,
    /// The To to send instead of the leg's remote (a CANCEL or a non-2xx
    /// ACK repeats the INVITE's To, or the failure's).
    pub to: Option<&'a str>,
    /// Extra header lines, e.g. `("Warning", "...")`.
    pub extra: Vec<(&'static str, String)>,
    /// `(content type, bytes)`.
    pub body: Option<(&'a str, &'a [u8])>,
}

impl<'a> Outgoing<'a> {
    pub fn new(method: &'a str, cseq: u32) -> Self {
        Self {
            method,
            cseq,
            branch: None,
            to: None,
            extra: Vec::new(),
            body: None,
        }
    }
}

/// The cloud's Contact for calls on `transport` (`UDP`/`TCP`) at `sent_by`.
pub fn contact(transport: &str, sent_by: &str) -> String {
    let param = if transport == "TCP" {
        ";transport=tcp"
    } else {
        ""
    };
    format!("<sip:calls@{sent_by}{param}>")
}

/// A fresh Via branch (with the RFC 3261 magic cookie).
pub fn new_branch() -> String {
    format!("z9hG4bK{}", random_tag())
}

impl LegIdentity {
    /// Our Contact for this leg: in-dialog requests come back to the cloud.
    pub fn contact(&self) -> String {
        contact(self.transport, &self.sent_by)
    }

    pub fn print(&self, out: &Outgoing<'_>) -> Vec<u8> {
        let branch = out.branch.map_or_else(new_branch, str::to_string);
        let mut text = format!(
            "{method} {target} SIP/2.0\r\n\
             Via: SIP/2.0/{transport} {sent_by};branch={branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: {from}\r\n\
             To: {to}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n",
            method = out.method,
            target = self.target,
            transport = self.transport,
            sent_by = self.sent_by,
            from = clean(&self.local),
            to = clean(out.to.unwrap_or(&self.remote)),
            call_id = clean(&self.call_id),
            cseq = out.cseq,
        );
        if matches!(out.method, "INVITE") {
            text.push_str(&format!("Contact: {}\r\n", self.contact()));
        }
        for (name, value) in &out.extra {
            text.push_str(&format!("{name}: {}\r\n", clean(value)));
        }
        text.push_str(concat!(
            "User-Agent: roomcloud/",
            env!("CARGO_PKG_VERSION"),
            "\r\n"
        ));
        let body = match out.body {
            Some((content_type, bytes)) => {
                text.push_str(&format!("Content-Type: {content_type}\r\n"));
                bytes
            }
            None => &[],
        };
        text.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        let mut bytes = text.into_bytes();
        bytes.extend_from_slice(body);
        bytes
    }
}

/// A header value from the network, safe to print: no CR, LF or other
/// control characters (they would split it into injected headers).
fn clean(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect()
}

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

/// A display name safe inside double quotes.
pub fn quoted(name: &str) -> String {
    let inner: String = name
        .chars()
        .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
        .take(64)
        .collect();
    format!("\"{inner}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg() -> LegIdentity {
        LegIdentity {
            call_id: "c1@roomcloud".into(),
            local: "\"Boardroom\" <sip:100001@roomcloud.local>;tag=abc".into(),
            remote: "<sip:100002@roomcloud.local>".into(),
            target: "sip:100002@127.0.0.1:40000".into(),
            transport: "UDP",
            sent_by: "127.0.0.1:5060".into(),
        }
    }

    #[test]
    fn an_invite_carries_its_body_contact_and_a_fresh_branch() {
        let mut out = Outgoing::new("INVITE", 1);
        out.body = Some(("application/sdp", b"v=0\r\n"));
        let text = String::from_utf8(leg().print(&out)).unwrap();
        assert!(text.starts_with("INVITE sip:100002@127.0.0.1:40000 SIP/2.0\r\n"));
        assert!(text.contains("Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK"));
        assert!(text.contains("Contact: <sip:calls@127.0.0.1:5060>\r\n"));
        assert!(text.contains("CSeq: 1 INVITE\r\n"));
        assert!(text.ends_with("Content-Length: 5\r\n\r\nv=0\r\n"));
        let parsed = rsip::SipMessage::try_from(text.as_str()).unwrap();
        assert!(parsed.is_request());
    }

    #[test]
    fn injected_line_breaks_are_flattened() {
        let mut evil = leg();
        evil.remote = "<sip:x@y>\r\nX-Injected: 1".into();
        let text = String::from_utf8(evil.print(&Outgoing::new("BYE", 2))).unwrap();
        assert!(!text.contains("\r\nX-Injected"));
    }

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
}
