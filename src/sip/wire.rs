//! Every SIP message the terminal sends, built one way: an rsip `Request`
//! or `Response`, printed by rsip. What we compose (the Request-URI, Via,
//! our From, Contact, CSeq, Content-Type) uses rsip's typed headers; what
//! we echo from the far end (its To or From with its tag, the Call-ID, the
//! Via of a request we answer, a digest answer) goes in rsip's header types
//! as received, stripped of control characters so no value can split into
//! injected lines.

use std::net::SocketAddr;

use rsip::common::uri::{Auth, Host, HostWithPort, Param, Scheme};
use rsip::headers::{self, typed, UntypedHeader};
use rsip::{Header, Headers, Method, StatusCode, Uri, Version};

use super::account::SipTransport;
use super::message::Message;

const USER_AGENT: &str = concat!("roomterm/", env!("CARGO_PKG_VERSION"));

/// This end of a flow: the transport, our address on it (Via's sent-by,
/// Contact's host) and our SIP user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Local {
    pub transport: SipTransport,
    pub addr: SocketAddr,
    pub user: String,
}

impl Local {
    /// Via with `branch` and `rport` (RFC 3581: answers come back to the
    /// port we sent from, whatever a NAT made of it).
    pub fn via(&self, branch: &str) -> Header {
        typed::Via {
            version: Version::V2,
            transport: self.transport.rsip(),
            uri: Uri {
                host_with_port: host_with_port(self.addr),
                ..Default::default()
            },
            params: vec![
                Param::Branch(branch.into()),
                Param::Other("rport".into(), None),
            ],
        }
        .into()
    }

    /// `sip:<user>@<addr>` with `;transport=tcp` over TCP.
    pub fn contact_uri(&self) -> Uri {
        let params = match self.transport {
            SipTransport::Udp => Vec::new(),
            // Lower case, as every UA writes it (rsip would print `TCP`).
            SipTransport::Tcp => vec![Param::Other("transport".into(), Some("tcp".into()))],
        };
        Uri {
            scheme: Some(Scheme::Sip),
            auth: Some(Auth {
                user: self.user.clone(),
                password: None,
            }),
            host_with_port: host_with_port(self.addr),
            params,
            headers: Vec::new(),
        }
    }

    /// Contact naming [`Local::contact_uri`], with header `params`.
    pub fn contact(&self, params: Vec<Param>) -> Header {
        typed::Contact {
            display_name: None,
            uri: self.contact_uri(),
            params,
        }
        .into()
    }
}

/// An IPv6 sent-by needs its brackets, which rsip does not print.
fn host_with_port(addr: SocketAddr) -> HostWithPort {
    let host = match addr {
        SocketAddr::V4(v4) => Host::IpAddr((*v4.ip()).into()),
        SocketAddr::V6(v6) => Host::Domain(format!("[{}]", v6.ip()).into()),
    };
    HostWithPort {
        host,
        port: Some(addr.port().into()),
    }
}

/// `sip:<user>@<domain>`.
pub fn sip_uri(user: Option<&str>, domain: &str) -> Uri {
    Uri {
        scheme: Some(Scheme::Sip),
        auth: user.map(|user| Auth {
            user: user.to_string(),
            password: None,
        }),
        host_with_port: HostWithPort::from(Host::from(domain.to_string())),
        params: Vec::new(),
        headers: Vec::new(),
    }
}

/// Our From: `<uri>;tag=<tag>`.
pub fn from_addr(uri: Uri, tag: &str) -> typed::From {
    typed::From {
        display_name: None,
        uri,
        params: vec![Param::Tag(tag.into())],
    }
}

/// A To we compose: `<uri>` (the far end adds its tag).
pub fn to_addr(uri: Uri) -> typed::To {
    typed::To {
        display_name: None,
        uri,
        params: Vec::new(),
    }
}

/// The far end's To (or a To it sent) as received, for in-dialog requests
/// and ACKs.
pub fn echoed_to(value: &str) -> Header {
    headers::To::new(clean(value)).into()
}

/// A request being built: the request line and Via first, then headers in
/// the order they are added; `User-Agent` and `Content-Length` at the end.
pub struct RequestBuilder {
    request: rsip::Request,
}

/// Starts `method` to `uri` from `local` on a transaction with `branch`.
pub fn request(method: Method, uri: Uri, local: &Local, branch: &str) -> RequestBuilder {
    let mut headers = Headers::default();
    headers.push(local.via(branch));
    headers.push(headers::MaxForwards::from(70u32).into());
    RequestBuilder {
        request: rsip::Request {
            method,
            uri,
            version: Version::V2,
            headers,
            body: Vec::new(),
        },
    }
}

impl RequestBuilder {
    /// Our From (composed, with our tag).
    pub fn from(mut self, from: typed::From) -> Self {
        self.request.headers.push(from.into());
        self
    }

    /// Our From as the dialog has it (the To of the INVITE we answered),
    /// with our tag added.
    pub fn echo_from(mut self, from: &str, tag: &str) -> Self {
        let value = format!("{};tag={tag}", clean(from));
        self.request.headers.push(headers::From::new(value).into());
        self
    }

    /// To as the dialog has it (the far end's, with its tag).
    pub fn echo_to(mut self, to: &str) -> Self {
        self.request
            .headers
            .push(headers::To::new(clean(to)).into());
        self
    }

    pub fn to(mut self, to: typed::To) -> Self {
        self.request.headers.push(to.into());
        self
    }

    pub fn call_id(mut self, call_id: &str) -> Self {
        self.request
            .headers
            .push(headers::CallId::new(clean(call_id)).into());
        self
    }

    /// CSeq with this request's method.
    pub fn cseq(mut self, seq: u32) -> Self {
        let method = self.request.method;
        self.request
            .headers
            .push(typed::CSeq { seq, method }.into());
        self
    }

    pub fn header(mut self, header: Header) -> Self {
        self.request.headers.push(header);
        self
    }

    pub fn body(mut self, content_type: &str, body: &str) -> Self {
        self.request.body = with_body(&mut self.request.headers, content_type, body);
        self
    }

    pub fn build(self) -> Vec<u8> {
        let mut request = self.request;
        finish(&mut request.headers, request.body.len());
        request.to_string().into_bytes()
    }
}

/// A response being built; `User-Agent` and `Content-Length` at the end.
pub struct ResponseBuilder {
    response: rsip::Response,
}

/// A response to `request` (§8.2.6.2): its Via headers, From, To (with
/// `to_tag` added unless it has one), Call-ID and CSeq, and our `reason`
/// phrase (rsip would print its own, run together: `BusyHere`).
pub fn response(
    request: &Message,
    code: u16,
    reason: &str,
    to_tag: Option<&str>,
) -> ResponseBuilder {
    let mut headers = Headers::default();
    for (name, value) in &request.headers {
        let value = clean(value);
        let header: Header = match name.as_str() {
            "via" | "v" => headers::Via::new(value).into(),
            "from" | "f" => headers::From::new(value).into(),
            "to" | "t" => match to_tag {
                Some(tag) if !has_tag(&value) => {
                    headers::To::new(format!("{value};tag={tag}")).into()
                }
                _ => headers::To::new(value).into(),
            },
            "call-id" | "i" => headers::CallId::new(value).into(),
            "cseq" => headers::CSeq::new(value).into(),
            _ => continue,
        };
        headers.push(header);
    }
    ResponseBuilder {
        response: rsip::Response {
            status_code: StatusCode::Other(code, reason.to_string()),
            version: Version::V2,
            headers,
            body: Vec::new(),
        },
    }
}

impl ResponseBuilder {
    pub fn header(mut self, header: Header) -> Self {
        self.response.headers.push(header);
        self
    }

    pub fn body(mut self, content_type: &str, body: &str) -> Self {
        self.response.body = with_body(&mut self.response.headers, content_type, body);
        self
    }

    pub fn build(self) -> Vec<u8> {
        let mut response = self.response;
        finish(&mut response.headers, response.body.len());
        response.to_string().into_bytes()
    }
}

/// Content-Type for `body`, whose bytes are returned.
fn with_body(headers: &mut Headers, content_type: &str, body: &str) -> Vec<u8> {
    headers.push(headers::ContentType::new(content_type).into());
    body.as_bytes().to_vec()
}

fn finish(headers: &mut Headers, body_len: usize) {
    headers.push(headers::UserAgent::new(USER_AGENT).into());
    headers.push(headers::ContentLength::from(body_len as u32).into());
}

/// Whether a From/To value carries a tag (a parameter after the
/// name-addr, not one inside its URI).
pub fn has_tag(value: &str) -> bool {
    let params = match value.rfind('>') {
        Some(i) => &value[i..],
        None => value,
    };
    params
        .split(';')
        .skip(1)
        .any(|p| p.trim().to_ascii_lowercase().starts_with("tag="))
}

/// A value from the network, safe to print in a header: no CR, LF or other
/// control characters.
pub fn clean(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(transport: SipTransport) -> Local {
        Local {
            transport,
            addr: "127.0.0.1:40000".parse().unwrap(),
            user: "100001".into(),
        }
    }

    #[test]
    fn a_request_prints_as_rfc_3261_and_parses_back() {
        let me = local(SipTransport::Tcp);
        let target = sip_uri(Some("8100002*1234"), "roomcloud.local");
        let bytes = request(Method::Invite, target.clone(), &me, "z9hG4bKabc")
            .from(from_addr(sip_uri(Some("100001"), "roomcloud.local"), "t1"))
            .header(to_addr(target).into())
            .call_id("c1@roomterm")
            .cseq(1)
            .header(me.contact(Vec::new()))
            .body("application/sdp", "v=0\r\n")
            .build();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.starts_with("INVITE sip:8100002*1234@roomcloud.local SIP/2.0\r\n"),
            "{text}"
        );
        for line in [
            "Via: SIP/2.0/TCP 127.0.0.1:40000;branch=z9hG4bKabc;rport\r\n",
            "Max-Forwards: 70\r\n",
            "From: <sip:100001@roomcloud.local>;tag=t1\r\n",
            "To: <sip:8100002*1234@roomcloud.local>\r\n",
            "Call-ID: c1@roomterm\r\n",
            "CSeq: 1 INVITE\r\n",
            "Contact: <sip:100001@127.0.0.1:40000;transport=tcp>\r\n",
            "Content-Type: application/sdp\r\n",
            "Content-Length: 5\r\n\r\nv=0\r\n",
        ] {
            assert!(text.contains(line), "{line:?} in {text}");
        }
        let parsed = rsip::SipMessage::try_from(bytes.as_slice()).expect("rsip reads it back");
        assert_eq!(parsed.body(), b"v=0\r\n");
    }

    #[test]
    fn a_response_copies_the_request_and_adds_our_tag_once() {
        let invite = Message::parse(
            b"INVITE sip:100001@127.0.0.1:40000 SIP/2.0\r\n\
              Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK1\r\n\
              Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK0\r\n\
              From: \"Lobby\" <sip:100002@roomcloud.local>;tag=a\r\n\
              To: <sip:100001@roomcloud.local>\r\n\
              Call-ID: x1\r\nCSeq: 4 INVITE\r\nContent-Length: 0\r\n\r\n",
        )
        .unwrap();
        let text = |bytes: Vec<u8>| String::from_utf8(bytes).unwrap();
        let ringing = text(response(&invite, 180, "Ringing", Some("ours")).build());
        assert!(ringing.starts_with("SIP/2.0 180 Ringing\r\n"), "{ringing}");
        let vias: Vec<_> = ringing.lines().filter(|l| l.starts_with("Via:")).collect();
        assert_eq!(vias.len(), 2, "every Via, in order: {ringing}");
        assert!(vias[0].contains("z9hG4bK1"));
        assert!(ringing.contains("To: <sip:100001@roomcloud.local>;tag=ours\r\n"));
        assert!(ringing.contains("From: \"Lobby\" <sip:100002@roomcloud.local>;tag=a\r\n"));
        assert!(ringing.contains("CSeq: 4 INVITE\r\n"));
        let busy = text(response(&invite, 486, "Busy Here", None).build());
        assert!(busy.starts_with("SIP/2.0 486 Busy Here\r\n"), "{busy}");
    }

    #[test]
    fn an_echoed_value_cannot_inject_a_header() {
        let me = local(SipTransport::Udp);
        let bytes = request(Method::Bye, sip_uri(Some("a"), "h"), &me, "z9hG4bK2")
            .header(echoed_to("<sip:a@h>;tag=x\r\nEvil: yes"))
            .call_id("c\r\nAlso: evil")
            .cseq(2)
            .build();
        let text = String::from_utf8(bytes).unwrap();
        assert!(
            !text.contains("\r\nEvil:") && !text.contains("\r\nAlso:"),
            "{text}"
        );
        assert!(text.contains("To: <sip:a@h>;tag=xEvil: yes\r\n"), "{text}");
    }
}
