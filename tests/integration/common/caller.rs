//! A minimal SIP caller over UDP for the meeting-call tests: it sends an
//! INVITE with an SDP offer for a terminal's call media, collects the final
//! answer (skipping provisional ones), ACKs it and can hang up with BYE.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::UdpSocket;

/// A SIP response, as far as the tests read it.
#[derive(Debug, Clone)]
pub struct Answer {
    pub code: u16,
    pub reason: String,
    pub raw: String,
    pub body: String,
}

impl Answer {
    fn parse(raw: &str) -> Option<Self> {
        let status = raw.lines().next()?;
        let mut parts = status.splitn(3, ' ');
        if parts.next()? != "SIP/2.0" {
            return None;
        }
        let code = parts.next()?.parse().ok()?;
        let reason = parts.next().unwrap_or_default().to_string();
        let body = raw
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        Some(Self {
            code,
            reason,
            raw: raw.to_string(),
            body,
        })
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<String> {
        self.raw.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    /// `(ip, video port, audio port)` of the SDP answer.
    pub fn media(&self) -> (std::net::IpAddr, u16, u16) {
        let mut ip = None;
        let (mut video, mut audio) = (0, 0);
        for line in self.body.lines() {
            if let Some(addr) = line.strip_prefix("c=IN IP4 ") {
                ip = addr.trim().parse().ok();
            }
            let port = |rest: &str| rest.split(' ').next().and_then(|p| p.parse().ok());
            if let Some(rest) = line.strip_prefix("m=video ") {
                video = port(rest).unwrap_or(0);
            }
            if let Some(rest) = line.strip_prefix("m=audio ") {
                audio = port(rest).unwrap_or(0);
            }
        }
        (ip.expect("c= line in the answer"), video, audio)
    }
}

pub struct Caller {
    socket: UdpSocket,
    cloud: SocketAddr,
    domain: String,
    call_id: String,
    from_tag: String,
    /// The To of the 2xx answer (with the focus's tag), for ACK and BYE.
    dialog_to: Option<String>,
    cseq: u32,
}

impl Caller {
    pub async fn new(cloud: SocketAddr, domain: &str, name: &str) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        Self {
            socket,
            cloud,
            domain: domain.to_string(),
            call_id: format!("{name}-{:x}@test", rand::random::<u64>()),
            from_tag: format!("{:x}", rand::random::<u32>()),
            dialog_to: None,
            cseq: 0,
        }
    }

    fn local(&self) -> SocketAddr {
        self.socket.local_addr().unwrap()
    }

    fn branch() -> String {
        format!("z9hG4bK{:x}", rand::random::<u64>())
    }

    fn request(
        &self,
        method: &str,
        uri: &str,
        to: &str,
        branch: &str,
        cseq: u32,
        body: &str,
    ) -> String {
        self.request_typed(method, uri, to, branch, cseq, ("application/sdp", body))
    }

    fn request_typed(
        &self,
        method: &str,
        uri: &str,
        to: &str,
        branch: &str,
        cseq: u32,
        (kind, body): (&str, &str),
    ) -> String {
        let local = self.local();
        let content = if body.is_empty() {
            String::new()
        } else {
            format!("Content-Type: {kind}\r\n")
        };
        format!(
            "{method} {uri} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local};branch={branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:caller@{domain}>;tag={tag}\r\n\
             To: {to}\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} {method}\r\n\
             Contact: <sip:caller@{local}>\r\n\
             {content}Content-Length: {len}\r\n\r\n{body}",
            domain = self.domain,
            tag = self.from_tag,
            call_id = self.call_id,
            len = body.len(),
        )
    }

    async fn send(&self, text: &str) {
        self.socket
            .send_to(text.as_bytes(), self.cloud)
            .await
            .unwrap();
    }

    /// The next final answer to the `method` request numbered `cseq`
    /// (provisional ones and late retransmissions of answers to earlier
    /// requests skipped), within 10 s.
    async fn final_answer(&self, method: &str, cseq: u32) -> Answer {
        let want = format!("{cseq} {method}");
        let mut buf = vec![0u8; 65_535];
        loop {
            let (len, _) =
                tokio::time::timeout(Duration::from_secs(10), self.socket.recv_from(&mut buf))
                    .await
                    .expect("an answer within 10 s")
                    .unwrap();
            let answer =
                Answer::parse(&String::from_utf8_lossy(&buf[..len])).expect("a SIP response");
            let answered = answer.header("cseq").unwrap_or_default();
            if answer.code >= 200 && answered.split_whitespace().eq(want.split_whitespace()) {
                return answer;
            }
        }
    }

    /// Dials `user@domain` with `sdp`; returns the final answer (ACKed).
    /// The INVITE is sent twice, as a lost-answer retransmission would be.
    pub async fn invite(&mut self, user: &str, sdp: &str) -> Answer {
        self.cseq += 1;
        let uri = format!("sip:{user}@{}", self.domain);
        let to = format!("<{uri}>");
        let branch = Self::branch();
        let invite = self.request("INVITE", &uri, &to, &branch, self.cseq, sdp);
        self.send(&invite).await;
        let answer = self.final_answer("INVITE", self.cseq).await;
        // A retransmission after the answer gets the very same answer.
        self.send(&invite).await;
        let again = self.final_answer("INVITE", self.cseq).await;
        assert_eq!(
            again.raw, answer.raw,
            "a retransmitted INVITE got another answer"
        );
        let answered_to = answer.header("to").unwrap();
        // ACK: the INVITE's branch for a failure, a new one for a 2xx.
        let ack_branch = if answer.code < 300 {
            Self::branch()
        } else {
            branch
        };
        let ack = self.request("ACK", &uri, &answered_to, &ack_branch, self.cseq, "");
        self.send(&ack).await;
        if answer.code < 300 {
            self.dialog_to = Some(answered_to);
        }
        answer
    }

    /// Offers `sdp` again in the call (a re-INVITE); returns the final
    /// answer (ACKed).
    pub async fn reinvite(&mut self, user: &str, sdp: &str) -> Answer {
        self.cseq += 1;
        let uri = format!("sip:{user}@{}", self.domain);
        let to = self.dialog_to.clone().expect("a call");
        let branch = Self::branch();
        let invite = self.request("INVITE", &uri, &to, &branch, self.cseq, sdp);
        self.send(&invite).await;
        let answer = self.final_answer("INVITE", self.cseq).await;
        let ack_branch = if answer.code < 300 {
            Self::branch()
        } else {
            branch
        };
        let ack = self.request("ACK", &uri, &to, &ack_branch, self.cseq, "");
        self.send(&ack).await;
        answer
    }

    /// Sends an INFO in the call with `body` of type `kind`; returns its
    /// answer.
    pub async fn info(&mut self, user: &str, kind: &str, body: &str) -> Answer {
        self.cseq += 1;
        let uri = format!("sip:{user}@{}", self.domain);
        let to = self.dialog_to.clone().expect("a call");
        let info = self.request_typed("INFO", &uri, &to, &Self::branch(), self.cseq, (kind, body));
        self.send(&info).await;
        self.final_answer("INFO", self.cseq).await
    }

    /// Waits up to `within` for a request of `method` from the cloud and
    /// answers it `200 OK`; returns it.
    pub async fn expect_request(&self, method: &str, within: Duration) -> Option<String> {
        let mut buf = vec![0u8; 65_535];
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let (len, from) = tokio::time::timeout_at(deadline, self.socket.recv_from(&mut buf))
                .await
                .ok()?
                .ok()?;
            let text = String::from_utf8_lossy(&buf[..len]).into_owned();
            if !text.starts_with(&format!("{method} ")) {
                continue;
            }
            let line = |name: &str| {
                text.lines()
                    .find(|l| l.to_ascii_lowercase().starts_with(&format!("{name}:")))
                    .unwrap_or_default()
                    .to_string()
            };
            let ok = format!(
                "SIP/2.0 200 OK\r\n{}\r\n{}\r\n{}\r\n{}\r\n{}\r\nContent-Length: 0\r\n\r\n",
                line("via"),
                line("from"),
                line("to"),
                line("call-id"),
                line("cseq")
            );
            let _ = self.socket.send_to(ok.as_bytes(), from).await;
            return Some(text);
        }
    }

    /// Hangs up the call; returns the BYE's answer.
    pub async fn bye(&mut self, user: &str) -> Answer {
        self.cseq += 1;
        let uri = format!("sip:{user}@{}", self.domain);
        let to = self
            .dialog_to
            .clone()
            .unwrap_or_else(|| format!("<{uri}>;tag=nosuchdialog"));
        let bye = self.request("BYE", &uri, &to, &Self::branch(), self.cseq, "");
        self.send(&bye).await;
        self.final_answer("BYE", self.cseq).await
    }
}

/// An SDP offer for a terminal's call media at `(video, audio)` ports.
pub fn offer(video: u16, audio: u16, video_pt: u8, audio_pt: u8) -> String {
    format!(
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
         m=audio {audio} RTP/AVP {audio_pt}\r\na=rtpmap:{audio_pt} opus/48000/2\r\n\
         m=video {video} RTP/AVP {video_pt}\r\nb=AS:512\r\na=rtpmap:{video_pt} H264/90000\r\n\
         a=fmtp:{video_pt} packetization-mode=1;profile-level-id=42e01e\r\n"
    )
}
