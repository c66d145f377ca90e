//! A received SIP message in the shape the terminal's calls need (rsip
//! parses; this keeps the phrase as sent and the headers by lower-case
//! name). What the terminal sends is built in `wire.rs`.

/// A parsed SIP message, as far as a call needs it.
pub struct Message {
    /// `Some(status)` for a response, `None` for a request.
    pub status: Option<(u16, String)>,
    pub method: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Headers as (lower-case name, value) pairs, in order.
pub fn by_name(headers: &rsip::Headers) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|h| {
            let text = h.to_string();
            let (n, v) = text.split_once(':')?;
            Some((n.trim().to_ascii_lowercase(), v.trim().to_string()))
        })
        .collect()
}

impl Message {
    pub fn parse(data: &[u8]) -> Option<Self> {
        let (status, method, headers, body) = match rsip::SipMessage::try_from(data).ok()? {
            rsip::SipMessage::Response(r) => {
                // The phrase as sent: rsip replaces it with the standard
                // one for codes it knows ("403 Forbidden").
                let line = data.split(|b| *b == b'\n').next().unwrap_or_default();
                let line = String::from_utf8_lossy(line);
                let reason = line.trim_end().splitn(3, ' ').nth(2).unwrap_or_default();
                (
                    Some((r.status_code.code(), reason.to_string())),
                    String::new(),
                    r.headers,
                    r.body,
                )
            }
            rsip::SipMessage::Request(r) => (None, r.method.to_string(), r.headers, r.body),
        };
        let headers = by_name(&headers);
        Some(Self {
            status,
            method,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The quoted text of a `Warning: 399 host "code"` header.
pub fn warning_code(value: &str) -> Option<String> {
    let mut parts = value.splitn(3, ' ');
    if parts.next()? != "399" {
        return None;
    }
    let text = parts.nth(1)?.trim();
    Some(text.trim_matches('"').to_string())
}
