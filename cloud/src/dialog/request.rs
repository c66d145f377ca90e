//! Requests the cloud sends in a dialog (either leg of a forwarded call, a
//! meeting call's NOTIFY or BYE), as bytes. Pure: the leg says who it is
//! and where the dialog stands, this builds the RFC 3261 request (§8.1.1,
//! §12.2.1.1) with rsip.

use rsip::common::uri::param::Branch;
use rsip::common::uri::Param;
use rsip::headers::UntypedHeader;
use rsip::{HostWithPort, Method, Transport, Uri};

use super::contacts::contact;
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
    pub target: Uri,
    /// For Via and Contact.
    pub transport: Transport,
    /// Our `host:port` on that transport, for Via and Contact.
    pub sent_by: HostWithPort,
}

/// One request to build.
pub struct Outgoing<'a> {
    pub method: Method,
    pub cseq: u32,
    /// `None`: a new branch (a new transaction).
    pub branch: Option<&'a str>,
    /// The To to send instead of the leg's remote (a CANCEL or a non-2xx
    /// ACK repeats the INVITE's To, or the failure's).
    pub to: Option<&'a str>,
    /// Headers of our own making (Event, Reason…), after the dialog's.
    pub extra: Vec<rsip::Header>,
    /// `(content type, bytes)`.
    pub body: Option<(&'a str, &'a [u8])>,
    /// An INVITE's Contact instead of the leg's (the focus's, `isfocus`).
    pub contact: Option<rsip::Header>,
}

impl<'a> Outgoing<'a> {
    pub fn new(method: Method, cseq: u32) -> Self {
        Self {
            method,
            cseq,
            branch: None,
            to: None,
            extra: Vec::new(),
            body: None,
            contact: None,
        }
    }
}

/// A fresh Via branch (with the RFC 3261 magic cookie).
pub fn new_branch() -> String {
    format!("z9hG4bK{}", random_tag())
}

/// RFC 3326 `Reason`: why we end a call (a status and its phrase), for a
/// phone to show. rsip has no typed form of it.
pub fn reason_header(code: u16, text: &str) -> rsip::Header {
    let text: String = text
        .chars()
        .map(|c| match c {
            '"' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    rsip::Header::Other("Reason".into(), format!("SIP;cause={code};text=\"{text}\""))
}

impl LegIdentity {
    /// Our Contact for this leg: in-dialog requests come back to the cloud.
    pub fn contact(&self) -> rsip::Header {
        contact("calls", self.transport, &self.sent_by).into()
    }

    pub fn print(&self, out: &Outgoing<'_>) -> Vec<u8> {
        let branch = out.branch.map_or_else(new_branch, str::to_string);
        let mut headers = rsip::Headers::default();
        headers.push(
            rsip::typed::Via {
                version: rsip::Version::V2,
                transport: self.transport,
                uri: Uri {
                    host_with_port: self.sent_by.clone(),
                    ..Default::default()
                },
                params: vec![
                    Param::Branch(Branch::new(branch)),
                    Param::Other("rport".into(), None),
                ],
            }
            .into(),
        );
        headers.push(rsip::headers::MaxForwards::from(70).into());
        // Values from the network are echoed as they came, minus any line
        // break that would smuggle a header in.
        headers.push(rsip::headers::From::new(clean(&self.local)).into());
        headers.push(rsip::headers::To::new(clean(out.to.unwrap_or(&self.remote))).into());
        headers.push(rsip::headers::CallId::new(clean(&self.call_id)).into());
        headers.push(
            rsip::typed::CSeq {
                seq: out.cseq,
                method: out.method,
            }
            .into(),
        );
        if out.method == Method::Invite {
            headers.push(out.contact.clone().unwrap_or_else(|| self.contact()));
        }
        for header in &out.extra {
            headers.push(header.clone());
        }
        headers.push(
            rsip::headers::UserAgent::new(concat!("roomcloud/", env!("CARGO_PKG_VERSION"))).into(),
        );
        let body = match out.body {
            Some((content_type, bytes)) => {
                headers.push(rsip::headers::ContentType::new(content_type).into());
                bytes
            }
            None => &[],
        };
        headers.push(rsip::headers::ContentLength::from(body.len() as u32).into());
        let request = rsip::Request {
            method: out.method,
            uri: self.target.clone(),
            version: rsip::Version::V2,
            headers,
            body: Vec::new(),
        };
        // rsip prints a body as text; ours is appended as the bytes it is.
        let mut bytes = request.to_string().into_bytes();
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

#[cfg(test)]
mod tests {
    use super::*;

    fn leg() -> LegIdentity {
        LegIdentity {
            call_id: "c1@roomcloud".into(),
            local: "\"Boardroom\" <sip:100001@roomcloud.local>;tag=abc".into(),
            remote: "<sip:100002@roomcloud.local>".into(),
            target: Uri::try_from("sip:100002@127.0.0.1:40000").unwrap(),
            transport: Transport::Udp,
            sent_by: "127.0.0.1:5060"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        }
    }

    #[test]
    fn an_invite_carries_its_body_contact_and_a_fresh_branch() {
        let mut out = Outgoing::new(Method::Invite, 1);
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
        let text = String::from_utf8(evil.print(&Outgoing::new(Method::Bye, 2))).unwrap();
        assert!(!text.contains("\r\nX-Injected"));
    }
}
