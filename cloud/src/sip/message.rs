//! A received SIP request in the shape the registrar needs, and the builder of
//! its responses. rsip does the parsing and printing; this layer adds what rsip
//! leaves to its users: compact header names, comma-separated header values,
//! and a lenient fallback so that even a message rsip rejects gets a `400`.

use rsip::headers::UntypedHeader;
use rsip::{Header, Headers, Method, StatusCode, Uri};

use super::echo::{has_tag, sanitize, split_list, EchoHeaders, MAX_ECHOED_HEADER};
use super::head::{self, lenient_echo, RequestLine};
use super::via::TopVia;

#[derive(Debug)]
pub struct Request {
    pub method: Method,
    pub uri: Uri,
    /// Headers in order, names lower-cased with compact forms expanded.
    headers: Vec<(String, String)>,
    pub via: TopVia,
    /// The body as received (an INVITE's SDP offer).
    pub body: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not a SIP message at all: nothing can be answered.
    #[error("unparseable: {0}")]
    Unparseable(String),
    /// A request this layer answers with an error (`400`, `416`, `501`).
    #[error("refused: {code} {reason}")]
    Refused {
        code: u16,
        reason: String,
        echo: Box<EchoHeaders>,
    },
    /// A response: for the call router, if anyone (see [`Response`]).
    #[error("unexpected response")]
    Response,
}

fn expand_compact(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    match lower.as_str() {
        "v" => "via",
        "f" => "from",
        "t" => "to",
        "i" => "call-id",
        "m" => "contact",
        "l" => "content-length",
        "c" => "content-type",
        "k" => "supported",
        "s" => "subject",
        "e" => "content-encoding",
        _ => return lower,
    }
    .to_string()
}

fn split_header(header: &Header) -> (String, String) {
    let text = header.to_string();
    match text.split_once(':') {
        Some((name, value)) => (expand_compact(name), value.trim().to_string()),
        None => (expand_compact(&text), String::new()),
    }
}

impl Request {
    pub fn parse(data: &[u8]) -> Result<Self, ParseError> {
        if data.starts_with(b"SIP/2.0 ") {
            return Err(ParseError::Response);
        }
        let data = head::unfold(data);
        let data = data.as_ref();
        // An error is answered only when the request has a Via to answer
        // along (read leniently: rsip may have refused the message), and
        // never to an ACK (§17.1.1.1: it has no response).
        let ack = data.starts_with(b"ACK ");
        let refuse = |code: u16, reason: &str| match lenient_echo(data).filter(|_| !ack) {
            Some(echo) => ParseError::Refused {
                code,
                reason: reason.into(),
                echo: Box::new(echo),
            },
            None => ParseError::Unparseable(reason.into()),
        };
        // A message without the blank line after its headers was cut short;
        // rsip would read the remainder as a body.
        if !data.windows(4).any(|w| w == b"\r\n\r\n") {
            return Err(refuse(400, "Truncated Message"));
        }
        let Some(line) = RequestLine::read(data) else {
            return Err(refuse(400, "Malformed Request Line"));
        };
        if line.uri_has_controls() {
            return Err(refuse(400, "Invalid Request-URI"));
        }
        // §21.5.2: a method we do not recognise (and so support for no one)
        // is 501; one we recognise but do not serve gets 405 later (§8.2.1).
        if !line.known_method() {
            return Err(refuse(501, "Not Implemented"));
        }
        // §8.2.2.1.
        if !line.sip_scheme() {
            return Err(refuse(416, "Unsupported URI Scheme"));
        }
        let message = match rsip::SipMessage::try_from(data) {
            Ok(message) => message,
            Err(err) => {
                tracing::trace!(%err, "rsip refused a message");
                return Err(refuse(400, "Malformed Message"));
            }
        };
        let request = match message {
            rsip::SipMessage::Request(request) => request,
            rsip::SipMessage::Response(_) => return Err(ParseError::Response),
        };
        let headers: Vec<(String, String)> = request.headers.iter().map(split_header).collect();
        let echo = EchoHeaders::from_pairs(&headers);
        let bad = |reason: &str| match ack {
            true => ParseError::Unparseable(reason.into()),
            false => ParseError::Refused {
                code: 400,
                reason: reason.into(),
                echo: Box::new(echo.clone()),
            },
        };
        if headers.iter().any(|(_, v)| v.contains(['\r', '\n'])) {
            return Err(bad("Bare CR or LF In Header"));
        }
        // §18.3: a datagram that ends before its body does is an error.
        if let Some((_, value)) = headers.iter().find(|(n, _)| n == "content-length") {
            match value.trim().parse::<usize>() {
                Err(_) => return Err(bad("Invalid Content-Length")),
                Ok(len) if len > request.body.len() => {
                    return Err(bad("Body Shorter Than Content-Length"))
                }
                Ok(_) => {}
            }
        }
        // Without a Via there is nowhere to answer; with one, a request
        // lacking a mandatory header is told which (§8.1.1).
        if echo.vias.is_empty() {
            return Err(ParseError::Unparseable("no Via".into()));
        }
        if let Some(missing) = echo.missing() {
            return Err(bad(&format!("Missing {missing}")));
        }
        let via = split_list(&echo.vias[0])
            .first()
            .copied()
            .and_then(TopVia::parse)
            .ok_or_else(|| bad("Invalid Via"))?;
        let request = Self {
            method: request.method,
            uri: request.uri,
            headers,
            via,
            body: request.body,
        };
        // CSeq must carry a number and the request's own method, spelled
        // the same (§8.2, methods are case-sensitive).
        match request.cseq() {
            Some((_, method)) if method == request.method.to_string() => {}
            _ => return Err(bad("Invalid CSeq")),
        }
        Ok(request)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every occurrence of a header, unsplit (for headers such as
    /// Authorization whose values contain commas).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// All values of a header, with comma-separated lists split.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| split_list(v))
            .collect()
    }

    pub fn call_id(&self) -> &str {
        self.header("call-id").unwrap_or_default()
    }

    pub fn cseq(&self) -> Option<(u32, &str)> {
        let (num, method) = self.header("cseq")?.split_once(char::is_whitespace)?;
        Some((num.trim().parse().ok()?, method.trim()))
    }

    pub fn echo(&self) -> EchoHeaders {
        EchoHeaders::from_pairs(&self.headers)
    }
}

/// A response to a request the cloud sent (a call it forwards to a room).
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// The phrase as sent (rsip would substitute the standard one).
    pub reason: String,
    headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// `None` for anything that is not a well-formed response.
    pub fn parse(data: &[u8]) -> Option<Self> {
        if !data.windows(4).any(|w| w == b"\r\n\r\n") {
            return None;
        }
        let rsip::SipMessage::Response(response) = rsip::SipMessage::try_from(data).ok()? else {
            return None;
        };
        let line = data.split(|b| *b == b'\n').next().unwrap_or_default();
        let line = String::from_utf8_lossy(line);
        let reason = line.trim_end().splitn(3, ' ').nth(2).unwrap_or_default();
        Some(Self {
            status: response.status_code.code(),
            reason: sanitize(reason, MAX_ECHOED_HEADER),
            headers: response.headers.iter().map(split_header).collect(),
            body: response.body,
        })
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn call_id(&self) -> &str {
        self.header("call-id").unwrap_or_default()
    }

    pub fn cseq(&self) -> Option<(u32, &str)> {
        let (num, method) = self.header("cseq")?.split_once(char::is_whitespace)?;
        Some((num.trim().parse().ok()?, method.trim()))
    }
}

/// An error answer (`400`, `513`) to a message that cannot be processed
/// (e.g. broken framing), if it carries enough to be answered at all.
pub fn refuse_unparsed(data: &[u8], code: u16, reason: &str) -> Option<Vec<u8>> {
    let echo = lenient_echo(data)?;
    let tag = format!("{:016x}", rand::random::<u64>());
    Some(ResponseBuilder::new(&echo, None, &tag).build(code, reason, vec![]))
}

/// Builds responses to one request.
pub struct ResponseBuilder<'a> {
    echo: &'a EchoHeaders,
    top_via: Option<String>,
    to_tag: &'a str,
}

impl<'a> ResponseBuilder<'a> {
    /// `top_via` replaces the first Via value (e.g. with `received`/`rport`
    /// filled in); `to_tag` is added to To when the request had none.
    pub fn new(echo: &'a EchoHeaders, top_via: Option<String>, to_tag: &'a str) -> Self {
        Self {
            echo,
            top_via,
            to_tag,
        }
    }

    pub fn build(&self, code: u16, reason: &str, extra: Vec<Header>) -> Vec<u8> {
        self.build_with_body(code, reason, extra, None)
    }

    /// A response carrying `body` as `(content type, bytes)`.
    pub fn build_with_body(
        &self,
        code: u16,
        reason: &str,
        extra: Vec<Header>,
        body: Option<(&str, Vec<u8>)>,
    ) -> Vec<u8> {
        let mut headers = Headers::default();
        for (i, via) in self.echo.vias.iter().enumerate() {
            match (&self.top_via, i) {
                (Some(top), 0) => {
                    let rest: Vec<&str> = split_list(via).into_iter().skip(1).collect();
                    let mut value = top.clone();
                    for more in rest {
                        value.push_str(", ");
                        value.push_str(more);
                    }
                    headers.push(rsip::headers::Via::new(value).into());
                }
                _ => headers.push(rsip::headers::Via::new(via.clone()).into()),
            }
        }
        // A header the request lacked (answered 400) is left out, not sent empty.
        if !self.echo.from.is_empty() {
            headers.push(rsip::headers::From::new(self.echo.from.clone()).into());
        }
        if !self.echo.to.is_empty() {
            let to = if has_tag(&self.echo.to) || code == 100 {
                self.echo.to.clone()
            } else {
                format!("{};tag={}", self.echo.to, self.to_tag)
            };
            headers.push(rsip::headers::To::new(to).into());
        }
        if !self.echo.call_id.is_empty() {
            headers.push(rsip::headers::CallId::new(self.echo.call_id.clone()).into());
        }
        if !self.echo.cseq.is_empty() {
            headers.push(rsip::headers::CSeq::new(self.echo.cseq.clone()).into());
        }
        for header in extra {
            headers.push(header);
        }
        headers.push(
            rsip::headers::Server::new(concat!("roomcloud/", env!("CARGO_PKG_VERSION"))).into(),
        );
        let body = match body {
            Some((content_type, bytes)) => {
                headers.push(rsip::headers::ContentType::new(content_type).into());
                bytes
            }
            None => Vec::new(),
        };
        headers.push(rsip::headers::ContentLength::new(body.len().to_string()).into());
        let response = rsip::Response {
            status_code: StatusCode::Other(code, reason.to_string()),
            version: rsip::Version::V2,
            headers,
            body,
        };
        response.to_string().into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGISTER: &str = "REGISTER sip:example.com SIP/2.0\r\n\
        v: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK776;rport\r\n\
        Max-Forwards: 70\r\n\
        t: <sip:100001@example.com>\r\n\
        f: <sip:100001@example.com>;tag=abc\r\n\
        i: call-1\r\n\
        CSeq: 7 REGISTER\r\n\
        m: <sip:100001@10.0.0.1:5070>;expires=60, <sip:100001@10.0.0.2>\r\n\
        Content-Length: 0\r\n\r\n";

    #[test]
    fn compact_headers_and_lists_are_understood() {
        let req = Request::parse(REGISTER.as_bytes()).unwrap();
        assert_eq!(req.method, Method::Register);
        assert_eq!(req.call_id(), "call-1");
        assert_eq!(req.cseq(), Some((7, "REGISTER")));
        assert_eq!(req.header_values("contact").len(), 2);
        assert_eq!(req.via.branch.as_deref(), Some("z9hG4bK776"));
    }

    #[test]
    fn response_copies_dialog_headers_and_adds_to_tag() {
        let req = Request::parse(REGISTER.as_bytes()).unwrap();
        let echo = req.echo();
        let bytes = ResponseBuilder::new(&echo, None, "t1").build(200, "OK", vec![]);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("SIP/2.0 200 OK\r\n"), "{text}");
        assert!(
            text.contains("To: <sip:100001@example.com>;tag=t1\r\n"),
            "{text}"
        );
        assert!(text.contains("CSeq: 7 REGISTER\r\n"));
        assert!(text.ends_with("Content-Length: 0\r\n\r\n"));
    }

    #[test]
    fn cseq_method_mismatch_is_a_bad_request() {
        let msg = REGISTER.replace("CSeq: 7 REGISTER", "CSeq: 7 INVITE");
        assert!(matches!(
            Request::parse(msg.as_bytes()),
            Err(ParseError::Refused { code: 400, .. })
        ));
    }

    #[test]
    fn lists_respect_quotes_and_brackets() {
        assert_eq!(
            split_list(r#""Doe, John" <sip:a@b;x=1,2>, <sip:c@d>"#),
            vec![r#""Doe, John" <sip:a@b;x=1,2>"#, "<sip:c@d>"]
        );
    }
}
