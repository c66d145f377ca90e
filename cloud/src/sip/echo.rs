//! The headers a response copies from its request (RFC 3261 §8.2.6.2), and
//! the reading of header values they need: read from rsip's parse or, for a
//! request rsip refuses, from the raw head (see `head.rs`).

/// Longest header value copied into a response; longer ones are cut, not echoed.
pub(super) const MAX_ECHOED_HEADER: usize = 4096;

/// The headers a response must copy from its request (RFC 3261 §8.2.6.2).
#[derive(Debug, Default, Clone, Hash)]
pub struct EchoHeaders {
    pub(super) vias: Vec<String>,
    pub(super) from: String,
    pub(super) to: String,
    pub(super) call_id: String,
    pub(super) cseq: String,
}

/// Splits a header value at commas that are outside quotes and angle brackets.
pub fn split_list(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut quoted, mut angle, mut escaped, mut start) = (false, false, false, 0);
    for (i, ch) in value.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '<' if !quoted => angle = true,
            '>' if !quoted => angle = false,
            ',' if !quoted && !angle => {
                parts.push(value[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(value[start..].trim());
    parts.retain(|p| !p.is_empty());
    parts
}

impl EchoHeaders {
    pub(super) fn from_pairs(headers: &[(String, String)]) -> Self {
        let first = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| sanitize(v, MAX_ECHOED_HEADER))
                .unwrap_or_default()
        };
        Self {
            vias: headers
                .iter()
                .filter(|(n, _)| n == "via")
                .map(|(_, v)| sanitize(v, MAX_ECHOED_HEADER))
                .collect(),
            from: first("from"),
            to: first("to"),
            call_id: first("call-id"),
            cseq: first("cseq"),
        }
    }

    pub(super) fn vias(&self) -> &[String] {
        &self.vias
    }

    /// A To tag: the request belongs to a dialog.
    pub(super) fn in_dialog(&self) -> bool {
        has_tag(&self.to)
    }

    /// The mandatory headers (§8.1.1) this request lacks, if any.
    pub(super) fn missing(&self) -> Option<String> {
        let missing: Vec<&str> = [
            ("From", &self.from),
            ("To", &self.to),
            ("Call-ID", &self.call_id),
            ("CSeq", &self.cseq),
        ]
        .into_iter()
        .filter(|(_, value)| value.is_empty())
        .map(|(name, _)| name)
        .collect();
        (!missing.is_empty()).then(|| missing.join(", "))
    }
}

pub(super) fn has_tag(header_value: &str) -> bool {
    // The tag is a header parameter: after the closing '>' when there is one.
    let params = match header_value.rfind('>') {
        Some(i) => &header_value[i..],
        None => header_value,
    };
    params
        .split(';')
        .skip(1)
        .any(|p| p.trim().to_ascii_lowercase().starts_with("tag="))
}

/// A header value safe to copy into a response: bounded in length, and with
/// no control characters (a bare CR or LF could be read as an injected
/// header by a peer that splits lines loosely; NUL confuses C parsers).
pub fn sanitize(value: &str, max: usize) -> String {
    let mut end = value.len().min(max);
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    value[..end]
        .chars()
        .map(|c| if c.is_control() && c != '\t' { ' ' } else { c })
        .collect()
}
