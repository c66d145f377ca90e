//! The raw head of a request, read before (and when) rsip parses it: the
//! lexical rules of RFC 3261 §7.3.1 that rsip leaves out, the request line's
//! checks that decide between 400, 416 and 501, and a line-by-line reading
//! of the headers a response needs, so that even a request rsip refuses (or
//! one shed under overload, without a full parse) can be answered.

use std::borrow::Cow;

use super::echo::{split_list, EchoHeaders};
use super::via::TopVia;

/// The methods this implementation recognises (RFC 3261 and its
/// extensions rsip knows). Method names are case-sensitive (§7.1), so
/// `options` is none of them.
const KNOWN_METHODS: &[&str] = &[
    "ACK",
    "BYE",
    "CANCEL",
    "INFO",
    "INVITE",
    "MESSAGE",
    "NOTIFY",
    "OPTIONS",
    "PRACK",
    "PUBLISH",
    "REFER",
    "REGISTER",
    "SUBSCRIBE",
    "UPDATE",
];

fn is_wsp(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// The head: everything before the first blank line (all of it when there
/// is none: a truncated message).
fn head_of(data: &[u8]) -> &[u8] {
    match data.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(end) => &data[..end],
        None => data,
    }
}

/// The CRLF-terminated lines of a head (a bare CR or LF stays inside its line).
fn crlf_lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = Some(head);
    std::iter::from_fn(move || {
        let text = rest?;
        match text.windows(2).position(|w| w == b"\r\n") {
            Some(end) => {
                rest = Some(&text[end + 2..]);
                Some(&text[..end])
            }
            None => rest.take(),
        }
    })
}

/// Whether a header line has whitespace between its name and the colon.
fn space_before_colon(line: &[u8]) -> bool {
    match line.iter().position(|b| *b == b':') {
        Some(colon) => colon > 0 && is_wsp(line[colon - 1]),
        None => false,
    }
}

/// §7.3.1: a header line may continue on lines starting with SP or HTAB
/// (the line break and the whitespace around it read as one SP), and the
/// name may be followed by whitespace before the colon. rsip accepts
/// neither, so such a head is rewritten to the plain form first; the body
/// is kept byte for byte. Messages without either are borrowed unchanged.
pub fn unfold(data: &[u8]) -> Cow<'_, [u8]> {
    let head = head_of(data);
    let folded = head
        .windows(3)
        .any(|w| w[0] == b'\r' && w[1] == b'\n' && is_wsp(w[2]));
    let spaced = crlf_lines(head).skip(1).any(space_before_colon);
    if !folded && !spaced {
        return Cow::Borrowed(data);
    }
    let mut lines: Vec<Vec<u8>> = Vec::new();
    for (i, line) in crlf_lines(head).enumerate() {
        match lines.last_mut() {
            Some(previous) if i > 1 && line.first().copied().is_some_and(is_wsp) => {
                while previous.last().copied().is_some_and(is_wsp) {
                    previous.pop();
                }
                previous.push(b' ');
                let start = line.iter().position(|b| !is_wsp(*b)).unwrap_or(line.len());
                previous.extend_from_slice(&line[start..]);
            }
            _ => lines.push(line.to_vec()),
        }
    }
    let mut out = Vec::with_capacity(data.len());
    for (i, line) in lines.iter().enumerate() {
        match line.iter().position(|b| *b == b':') {
            Some(colon) if i > 0 => {
                let name_end = line[..colon]
                    .iter()
                    .rposition(|b| !is_wsp(*b))
                    .map_or(0, |p| p + 1);
                out.extend_from_slice(&line[..name_end]);
                out.extend_from_slice(&line[colon..]);
            }
            _ => out.extend_from_slice(line),
        }
        out.extend_from_slice(b"\r\n");
    }
    out.truncate(out.len() - 2);
    out.extend_from_slice(&data[head.len()..]);
    Cow::Owned(out)
}

/// `Method SP Request-URI SP SIP-Version` (§25.1), split but not judged.
pub struct RequestLine<'a> {
    pub method: &'a [u8],
    pub uri: &'a [u8],
}

impl<'a> RequestLine<'a> {
    /// `None` unless the first line has exactly that shape with SIP/2.0.
    pub fn read(data: &'a [u8]) -> Option<Self> {
        let end = data.windows(2).position(|w| w == b"\r\n")?;
        let mut parts = data[..end].split(|b| *b == b' ');
        let (method, uri, version) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || method.is_empty() || uri.is_empty() || version != b"SIP/2.0" {
            return None;
        }
        Some(Self { method, uri })
    }

    /// One of the methods we know, spelled exactly.
    pub fn known_method(&self) -> bool {
        KNOWN_METHODS.iter().any(|m| m.as_bytes() == self.method)
    }

    /// Control characters (a NUL, say) can never be part of a URI (§25.1).
    pub fn uri_has_controls(&self) -> bool {
        self.uri.iter().any(|b| *b < 0x20 || *b == 0x7f)
    }

    /// `sip:` or `sips:` (schemes are case-insensitive, RFC 3986 §3.1).
    pub fn sip_scheme(&self) -> bool {
        let scheme = self.uri.split(|b| *b == b':').next().unwrap_or_default();
        scheme.eq_ignore_ascii_case(b"sip") || scheme.eq_ignore_ascii_case(b"sips")
    }
}

/// The full, lower-case name of a header a response copies (compact forms
/// expanded), or `None` for any other header.
fn echoed_name(name: &str) -> Option<&'static str> {
    let name = name.trim();
    ["via", "from", "to", "call-id", "cseq"]
        .into_iter()
        .find(|full| name.eq_ignore_ascii_case(full))
        .or(match name {
            "v" | "V" => Some("via"),
            "f" | "F" => Some("from"),
            "t" | "T" => Some("to"),
            "i" | "I" => Some("call-id"),
            _ => None,
        })
}

/// The headers a response copies, read line by line from a message rsip
/// refused (or was not asked about). Only a request with a usable top Via
/// can be answered: without one there is nowhere to send the answer. The
/// others may be missing (the answer then says which).
pub fn lenient_echo(data: &[u8]) -> Option<EchoHeaders> {
    let data = unfold(data);
    let text = String::from_utf8_lossy(head_of(&data));
    let mut lines = text.split("\r\n");
    if !lines.next()?.trim_end().ends_with("SIP/2.0") {
        return None;
    }
    // Only the headers an answer copies are kept (this is the path a
    // flood's 503s take: no allocation for the others).
    let pairs: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .filter_map(|(n, v)| Some((echoed_name(n)?.to_string(), v.trim().to_string())))
        .collect();
    let echo = EchoHeaders::from_pairs(&pairs);
    let via_ok = echo
        .vias()
        .first()
        .and_then(|v| split_list(v).first().copied())
        .and_then(TopVia::parse)
        .is_some();
    via_ok.then_some(echo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_lines_and_spaces_before_colons_are_unfolded() {
        let msg = b"OPTIONS sip:a SIP/2.0\r\nVia  : SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
            Subject: one\r\n  two\r\n\tthree\r\nCall-ID\t:x\r\n\r\nbody\r\n  kept";
        let unfolded = unfold(msg);
        assert_eq!(
            unfolded.as_ref(),
            b"OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
            Subject: one two three\r\nCall-ID:x\r\n\r\nbody\r\n  kept"
                .as_slice()
        );
        let plain = b"OPTIONS sip:a SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n\r\n";
        assert!(matches!(unfold(plain), Cow::Borrowed(_)));
    }

    #[test]
    fn request_lines_are_judged_as_written() {
        let line = |s: &str| {
            RequestLine::read(s.as_bytes())
                .map(|l| (l.known_method(), l.sip_scheme(), l.uri_has_controls()))
        };
        assert_eq!(line("OPTIONS sip:a SIP/2.0\r\n"), Some((true, true, false)));
        assert_eq!(
            line("options sip:a SIP/2.0\r\n"),
            Some((false, true, false))
        );
        assert_eq!(
            line("OPTIONS http://a/ SIP/2.0\r\n"),
            Some((true, false, false))
        );
        assert_eq!(
            line("OPTIONS SIPS:a SIP/2.0\r\n"),
            Some((true, true, false))
        );
        assert_eq!(
            line("OPTIONS sip:a\0b SIP/2.0\r\n"),
            Some((true, true, true))
        );
        assert_eq!(line("OPTIONS sip:a SIP/2.0"), None);
        assert_eq!(line("OPTIONS  sip:a SIP/2.0\r\n"), None);
        assert_eq!(line("OPTIONS sip:a HTTP/1.1\r\n"), None);
    }
}
