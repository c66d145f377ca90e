//! A minimal SIP user agent for tests: builds REGISTERs by hand, computes the
//! digest itself (independently of the registrar's code) and reads answers.

use std::cell::Cell;
use std::net::SocketAddr;
use std::time::Duration;

use md5::Md5;
use sha2::{Digest, Sha256};
use tokio::net::UdpSocket;

pub struct Response {
    pub text: String,
}

impl Response {
    pub fn status(&self) -> u16 {
        self.text[8..11].parse().expect("status code")
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers(name).into_iter().next()
    }

    pub fn headers(&self, name: &str) -> Vec<String> {
        self.text
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }

    /// `(algorithm, nonce, stale)` of each challenge.
    pub fn challenges(&self) -> Vec<(String, String, bool)> {
        self.headers("WWW-Authenticate")
            .iter()
            .map(|h| {
                (
                    param(h, "algorithm"),
                    param(h, "nonce"),
                    h.contains("stale=TRUE"),
                )
            })
            .collect()
    }
}

pub fn param(header: &str, name: &str) -> String {
    let start = header.find(&format!("{name}=")).expect("param present") + name.len() + 1;
    let rest = &header[start..];
    if let Some(quoted) = rest.strip_prefix('"') {
        quoted[..quoted.find('"').unwrap()].to_string()
    } else {
        rest.split([',', ' ']).next().unwrap().to_string()
    }
}

fn hash(algorithm: &str, input: &str) -> String {
    match algorithm {
        "MD5" => hex::encode(Md5::digest(input.as_bytes())),
        "SHA-256" => hex::encode(Sha256::digest(input.as_bytes())),
        other => panic!("unknown algorithm {other}"),
    }
}

pub struct Ua {
    pub socket: UdpSocket,
    pub server: SocketAddr,
    pub user: String,
    pub password: String,
    pub domain: String,
    pub call_id: String,
    pub cseq: Cell<u32>,
    branch: Cell<u32>,
}

impl Ua {
    pub async fn new(server: SocketAddr, user: &str, password: &str, domain: &str) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        Self {
            call_id: format!("call-{}@test", socket.local_addr().unwrap().port()),
            socket,
            server,
            user: user.into(),
            password: password.into(),
            domain: domain.into(),
            cseq: Cell::new(0),
            branch: Cell::new(0),
        }
    }

    pub fn local(&self) -> SocketAddr {
        self.socket.local_addr().unwrap()
    }

    pub fn contact(&self, tag: &str) -> String {
        format!("<sip:{}-{tag}@{}>", self.user, self.local())
    }

    /// A REGISTER with the next CSeq and a new branch.
    pub fn register(
        &self,
        contacts: &[String],
        expires: Option<u32>,
        authorization: Option<&str>,
    ) -> String {
        self.cseq.set(self.cseq.get() + 1);
        self.branch.set(self.branch.get() + 1);
        let mut msg = format!(
            "REGISTER sip:{domain} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK-{call}-{branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{user}@{domain}>;tag=ua1\r\n\
             To: <sip:{user}@{domain}>\r\n\
             Call-ID: {call}\r\n\
             CSeq: {cseq} REGISTER\r\n\
             User-Agent: roomcloud-test-ua\r\n",
            domain = self.domain,
            local = self.local(),
            call = self.call_id,
            branch = self.branch.get(),
            user = self.user,
            cseq = self.cseq.get(),
        );
        for contact in contacts {
            msg.push_str(&format!("Contact: {contact}\r\n"));
        }
        if let Some(expires) = expires {
            msg.push_str(&format!("Expires: {expires}\r\n"));
        }
        if let Some(auth) = authorization {
            msg.push_str(&format!("Authorization: {auth}\r\n"));
        }
        msg.push_str("Content-Length: 0\r\n\r\n");
        msg
    }

    pub fn authorization(&self, algorithm: &str, nonce: &str, nc: u32) -> String {
        let uri = format!("sip:{}", self.domain);
        let ha1 = hash(
            algorithm,
            &format!("{}:{}:{}", self.user, self.domain, self.password),
        );
        let ha2 = hash(algorithm, &format!("REGISTER:{uri}"));
        let cnonce = "0a4f113b";
        let response = hash(
            algorithm,
            &format!("{ha1}:{nonce}:{nc:08x}:{cnonce}:auth:{ha2}"),
        );
        format!(
            "Digest username=\"{}\", realm=\"{}\", nonce=\"{nonce}\", uri=\"{uri}\", \
             response=\"{response}\", algorithm={algorithm}, qop=auth, nc={nc:08x}, cnonce=\"{cnonce}\"",
            self.user, self.domain
        )
    }

    pub async fn send(&self, message: &str) -> Response {
        self.socket
            .send_to(message.as_bytes(), self.server)
            .await
            .unwrap();
        self.recv().await
    }

    pub async fn recv(&self) -> Response {
        let mut buf = vec![0u8; 65_535];
        let (len, _) =
            tokio::time::timeout(Duration::from_secs(3), self.socket.recv_from(&mut buf))
                .await
                .expect("SIP response in time")
                .unwrap();
        Response {
            text: String::from_utf8(buf[..len].to_vec()).expect("UTF-8 response"),
        }
    }

    /// REGISTER → 401 → REGISTER with credentials; returns the final response.
    pub async fn register_with_auth(
        &self,
        contacts: &[String],
        expires: Option<u32>,
        algorithm: &str,
    ) -> Response {
        let challenge = self.send(&self.register(contacts, expires, None)).await;
        assert_eq!(challenge.status(), 401, "{}", challenge.text);
        let (_, nonce, _) = challenge
            .challenges()
            .into_iter()
            .find(|(a, _, _)| a == algorithm)
            .unwrap_or_else(|| panic!("{algorithm} offered in {}", challenge.text));
        let auth = self.authorization(algorithm, &nonce, 1);
        let msg = self.register(contacts, expires, Some(&auth));
        self.send(&msg).await
    }
}

impl Ua {
    /// A request of any method with the dialog headers filled in (CSeq 1).
    pub fn register_template(&self, method: &str) -> String {
        format!(
            "{method} sip:{domain} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch=z9hG4bK-{method}-1\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{user}@{domain}>;tag=ua1\r\n\
             To: <sip:{domain}>\r\n\
             Call-ID: {method}-{call}\r\n\
             CSeq: 1 REGISTER\r\n\
             Content-Length: 0\r\n\r\n",
            domain = self.domain,
            local = self.local(),
            user = self.user,
            call = self.call_id,
        )
    }
}
