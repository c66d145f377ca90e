//! Client registration (RFC 3261 §10.2) as a state machine: it produces the
//! REGISTER bytes to send and consumes responses and the passage of time.
//! Sockets live in `agent.rs`; here time is a parameter, so every path
//! (challenge, refresh, retransmission, timeout, retry) is testable.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use roomterm_proto::digest::Challenge;

use super::{random_hex, T1, T2};

/// Timer F: a REGISTER unanswered this long has timed out.
const TIMER_F: Duration = Duration::from_secs(32);
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_MAX: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SipTransport {
    Udp,
    Tcp,
}

impl SipTransport {
    /// The transport the cloud's activation answer names; one this build
    /// does not know falls back to UDP, which every registrar serves.
    pub fn from_offer(offer: roomterm_proto::SipTransport) -> Self {
        match offer {
            roomterm_proto::SipTransport::Udp => Self::Udp,
            roomterm_proto::SipTransport::Tcp => Self::Tcp,
            roomterm_proto::SipTransport::Unknown => {
                tracing::warn!("the cloud offers an unknown SIP transport; using UDP");
                Self::Udp
            }
        }
    }

    fn via_name(self) -> &'static str {
        match self {
            Self::Udp => "UDP",
            Self::Tcp => "TCP",
        }
    }
}

/// What the terminal registers with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub username: String,
    pub password: String,
    pub domain: String,
    pub proxy: SocketAddr,
    pub transport: SipTransport,
    pub expires: u32,
    /// `+sip.instance` for the Contact (see `instance.rs`), if any.
    pub instance: Option<String>,
}

/// Why the terminal is not registered, as the status page says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegFailure {
    /// No answer within Timer F.
    Timeout,
    /// The server refused our credentials (403, or 401 after answering a challenge).
    WrongCredentials(u16),
    /// Any other final refusal.
    Rejected { code: u16, reason: String },
    /// The socket could not send (network down, nothing listening on TCP…).
    Unreachable(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegStatus {
    Registering,
    Registered { expires_in: Duration },
    Failed(RegFailure),
}

struct Pending {
    branch: String,
    bytes: Vec<u8>,
    sent_at: Instant,
    next_retransmit: Option<Instant>,
    interval: Duration,
    /// The request carried credentials (a 401 now means they are wrong,
    /// unless the server says the nonce was merely stale).
    authenticated: bool,
}

pub struct Registration {
    account: Account,
    local: SocketAddr,
    call_id: String,
    from_tag: String,
    cseq: u32,
    branch_seq: u32,
    challenge: Option<Challenge>,
    nc: u32,
    pending: Option<Pending>,
    status: RegStatus,
    /// When to refresh (registered) or retry (failed).
    next_attempt: Option<Instant>,
    retry_delay: Duration,
}

impl Registration {
    pub fn new(account: Account, local: SocketAddr) -> Self {
        Self {
            account,
            local,
            call_id: format!("{}@roomterm", random_hex()),
            from_tag: random_hex(),
            cseq: 0,
            branch_seq: 0,
            challenge: None,
            nc: 0,
            pending: None,
            status: RegStatus::Registering,
            next_attempt: None,
            retry_delay: RETRY_FIRST,
        }
    }

    pub fn status(&self) -> &RegStatus {
        &self.status
    }

    pub fn account(&self) -> &Account {
        &self.account
    }

    /// Starts a registration now (first one, or forced after a change).
    /// `local` is the address the server should reach us at.
    pub fn register_now(&mut self, local: SocketAddr, now: Instant) -> Vec<u8> {
        self.local = local;
        self.status = RegStatus::Registering;
        // This replaces any retry that was due; the outcome schedules the next.
        self.next_attempt = None;
        self.send_register(self.account.expires, now)
    }

    /// Removes our binding (before shutting down or switching accounts).
    pub fn unregister(&mut self, now: Instant) -> Vec<u8> {
        self.next_attempt = None;
        self.send_register(0, now)
    }

    /// A request is out and its answer (or Timer F) is awaited.
    pub fn is_waiting(&self) -> bool {
        self.pending.is_some()
    }

    /// The earliest instant [`poll`](Self::poll) has something to do.
    pub fn next_wakeup(&self) -> Option<Instant> {
        let pending = self.pending.as_ref().map(|p| {
            let deadline = p.sent_at + TIMER_F;
            p.next_retransmit.map_or(deadline, |r| r.min(deadline))
        });
        match (pending, self.next_attempt) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Retransmissions, timeouts, refreshes and retries that are due.
    pub fn poll(&mut self, now: Instant) -> Option<Vec<u8>> {
        if let Some(pending) = &mut self.pending {
            if now >= pending.sent_at + TIMER_F {
                self.pending = None;
                self.fail(RegFailure::Timeout, now);
                return None;
            }
            if pending.next_retransmit.is_some_and(|at| now >= at) {
                pending.interval = (pending.interval * 2).min(T2);
                pending.next_retransmit = Some(now + pending.interval);
                return Some(pending.bytes.clone());
            }
            return None;
        }
        if self.next_attempt.is_some_and(|at| now >= at) {
            self.next_attempt = None;
            return Some(self.send_register(self.account.expires, now));
        }
        None
    }

    /// The transport could not send: counts as a failure with retry.
    pub fn on_send_error(&mut self, error: String, now: Instant) {
        self.pending = None;
        self.fail(RegFailure::Unreachable(error), now);
    }

    /// Handles a response; returns a REGISTER to send when it was a challenge.
    pub fn on_response(&mut self, data: &[u8], now: Instant) -> Option<Vec<u8>> {
        let response = match rsip::SipMessage::try_from(data) {
            Ok(rsip::SipMessage::Response(response)) => response,
            _ => return None,
        };
        let headers = super::message::by_name(&response.headers);
        let header = |name: &'static str| {
            headers
                .iter()
                .filter(move |(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        // Only the answer to our outstanding request counts.
        let pending = self.pending.as_ref()?;
        let via_matches = header("via")
            .next()
            .is_some_and(|via| via.contains(&format!("branch={}", pending.branch)));
        if !via_matches || header("call-id").next() != Some(self.call_id.as_str()) {
            return None;
        }
        let code = response.status_code.code();
        if code < 200 {
            // Provisional: stop retransmitting, keep waiting (Timer F still runs).
            if let Some(p) = &mut self.pending {
                p.next_retransmit = None;
            }
            return None;
        }
        let authenticated = pending.authenticated;
        let sent_expires = pending_expires(&pending.bytes);
        self.pending = None;
        match code {
            200..=299 => {
                self.retry_delay = RETRY_FIRST;
                if sent_expires == 0 {
                    self.status = RegStatus::Failed(RegFailure::Rejected {
                        code,
                        reason: "unregistered".into(),
                    });
                    self.next_attempt = None;
                    return None;
                }
                let granted =
                    granted_expires(&headers, &self.contact_uri()).unwrap_or(sent_expires);
                let granted = Duration::from_secs(u64::from(granted.max(1)));
                self.status = RegStatus::Registered {
                    expires_in: granted,
                };
                // Refresh well before expiry: at 80 %, but never later than 30 s before.
                let refresh = granted
                    .mul_f64(0.8)
                    .min(granted.saturating_sub(Duration::from_secs(30)));
                self.next_attempt = Some(now + refresh.max(Duration::from_secs(1)));
                None
            }
            401 | 407 => {
                let challenge = header("www-authenticate")
                    .chain(header("proxy-authenticate"))
                    .filter_map(Challenge::parse)
                    .next();
                let Some(challenge) = challenge else {
                    self.fail(
                        RegFailure::Rejected {
                            code,
                            reason: "no usable challenge".into(),
                        },
                        now,
                    );
                    return None;
                };
                if authenticated && !challenge.stale {
                    self.challenge = None;
                    self.fail(RegFailure::WrongCredentials(code), now);
                    return None;
                }
                self.challenge = Some(challenge);
                self.nc = 0;
                Some(self.send_register(sent_expires, now))
            }
            423 => {
                // Interval too brief: take the server's minimum.
                let min = header("min-expires")
                    .next()
                    .and_then(|v| v.trim().parse::<u32>().ok());
                match min {
                    Some(min) if min > self.account.expires => {
                        self.account.expires = min;
                        Some(self.send_register(min, now))
                    }
                    _ => {
                        self.fail(
                            RegFailure::Rejected {
                                code,
                                reason: response.status_code.to_string(),
                            },
                            now,
                        );
                        None
                    }
                }
            }
            403 => {
                self.challenge = None;
                self.fail(RegFailure::WrongCredentials(code), now);
                None
            }
            _ => {
                let reason = response.status_code.to_string();
                let reason = reason
                    .split_once(' ')
                    .map_or(reason.clone(), |(_, r)| r.to_string());
                self.fail(RegFailure::Rejected { code, reason }, now);
                None
            }
        }
    }

    fn fail(&mut self, failure: RegFailure, now: Instant) {
        self.status = RegStatus::Failed(failure);
        // Up to a quarter earlier at random: terminals that lost the server
        // together (a cloud restart drops every TCP flow at once) must not
        // all come back in the same instant.
        let jitter = 1.0 - 0.25 * rand::random::<f64>();
        self.next_attempt = Some(now + self.retry_delay.mul_f64(jitter));
        self.retry_delay = (self.retry_delay * 2).min(RETRY_MAX);
    }

    fn contact_uri(&self) -> String {
        let transport = match self.account.transport {
            SipTransport::Udp => "",
            SipTransport::Tcp => ";transport=tcp",
        };
        format!("sip:{}@{}{transport}", self.account.username, self.local)
    }

    fn send_register(&mut self, expires: u32, now: Instant) -> Vec<u8> {
        self.cseq += 1;
        self.branch_seq += 1;
        let branch = format!("z9hG4bK{}{}", random_hex(), self.branch_seq);
        let account = &self.account;
        let uri = format!("sip:{}", account.domain);
        let mut msg = format!(
            "REGISTER {uri} SIP/2.0\r\n\
             Via: SIP/2.0/{} {};branch={branch};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:{user}@{domain}>;tag={tag}\r\n\
             To: <sip:{user}@{domain}>\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {cseq} REGISTER\r\n\
             Contact: <{contact}>{instance};expires={expires}\r\n\
             Expires: {expires}\r\n\
             User-Agent: roomterm/{version}\r\n",
            account.transport.via_name(),
            self.local,
            user = account.username,
            domain = account.domain,
            tag = self.from_tag,
            call_id = self.call_id,
            cseq = self.cseq,
            contact = self.contact_uri(),
            instance = account
                .instance
                .as_ref()
                .map(|urn| format!(";+sip.instance=\"<{urn}>\""))
                .unwrap_or_default(),
            version = env!("CARGO_PKG_VERSION"),
        );
        let authenticated = if let Some(challenge) = &self.challenge {
            self.nc += 1;
            let answer = challenge.answer(
                &account.username,
                &account.password,
                "REGISTER",
                &uri,
                self.nc,
                &random_hex(),
            );
            msg.push_str(&format!("Authorization: {answer}\r\n"));
            true
        } else {
            false
        };
        msg.push_str("Content-Length: 0\r\n\r\n");
        let bytes = msg.into_bytes();
        self.pending = Some(Pending {
            branch,
            bytes: bytes.clone(),
            sent_at: now,
            // Reliable transports do not retransmit (§17.1.2.2).
            next_retransmit: (self.account.transport == SipTransport::Udp).then(|| now + T1),
            interval: T1,
            authenticated,
        });
        bytes
    }
}

/// The Expires we asked for in a REGISTER we built.
fn pending_expires(bytes: &[u8]) -> u32 {
    String::from_utf8_lossy(bytes)
        .lines()
        .find_map(|l| l.strip_prefix("Expires: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

/// The expiry the registrar granted our contact (its `expires` parameter in
/// the 200), else the Expires header.
fn granted_expires(headers: &[(String, String)], our_contact: &str) -> Option<u32> {
    let from_contact = headers
        .iter()
        .filter(|(n, _)| n == "contact" || n == "m")
        .flat_map(|(_, v)| v.split(','))
        .find(|c| c.contains(our_contact))
        .and_then(|c| {
            c.split(';')
                .find_map(|p| p.trim().strip_prefix("expires="))
                .and_then(|v| v.trim().parse().ok())
        });
    from_contact.or_else(|| {
        headers
            .iter()
            .find(|(n, _)| n == "expires")
            .and_then(|(_, v)| v.trim().parse().ok())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account() -> Account {
        Account {
            username: "100001".into(),
            password: "pw".into(),
            domain: "roomcloud.local".into(),
            proxy: "127.0.0.1:5060".parse().unwrap(),
            transport: SipTransport::Udp,
            expires: 600,
            instance: Some("urn:uuid:00000000-0000-8000-8000-000000000001".into()),
        }
    }

    /// Builds a response to `request` the way a registrar would.
    fn answer(request: &[u8], status: &str, extra: &str) -> Vec<u8> {
        let text = String::from_utf8_lossy(request);
        let keep: Vec<&str> = text
            .lines()
            .filter(|l| {
                ["Via:", "From:", "To:", "Call-ID:", "CSeq:"]
                    .iter()
                    .any(|h| l.starts_with(h))
            })
            .collect();
        format!(
            "SIP/2.0 {status}\r\n{}\r\n{extra}Content-Length: 0\r\n\r\n",
            keep.join("\r\n")
        )
        .into_bytes()
    }

    #[test]
    fn challenge_then_registered_then_refresh() {
        let t0 = Instant::now();
        let mut reg = Registration::new(account(), "127.0.0.1:5070".parse().unwrap());
        let first = reg.register_now("127.0.0.1:5070".parse().unwrap(), t0);
        assert!(!String::from_utf8_lossy(&first).contains("Authorization"));
        let challenge = answer(
            &first,
            "401 Unauthorized",
            "WWW-Authenticate: Digest realm=\"roomcloud.local\", nonce=\"abc\", algorithm=SHA-256, qop=\"auth\"\r\n",
        );
        let second = reg
            .on_response(&challenge, t0)
            .expect("answers the challenge");
        let text = String::from_utf8_lossy(&second).into_owned();
        assert!(
            text.contains("algorithm=SHA-256") && text.contains("CSeq: 2 REGISTER"),
            "{text}"
        );
        let ok = answer(
            &second,
            "200 OK",
            "Contact: <sip:100001@127.0.0.1:5070>;expires=300\r\n",
        );
        assert_eq!(reg.on_response(&ok, t0), None);
        assert_eq!(
            reg.status(),
            &RegStatus::Registered {
                expires_in: Duration::from_secs(300)
            }
        );
        // Refresh at 80 % (240 s), reusing the challenge.
        assert_eq!(reg.next_wakeup(), Some(t0 + Duration::from_secs(240)));
        assert_eq!(reg.poll(t0 + Duration::from_secs(239)), None);
        let refresh = reg.poll(t0 + Duration::from_secs(240)).expect("refresh");
        assert!(String::from_utf8_lossy(&refresh).contains("nc=00000002"));
    }

    #[test]
    fn wrong_password_and_timeouts_are_reported_and_retried() {
        let t0 = Instant::now();
        let local = "127.0.0.1:5070".parse().unwrap();
        let mut reg = Registration::new(account(), local);
        let first = reg.register_now(local, t0);
        let challenge =
            "WWW-Authenticate: Digest realm=\"roomcloud.local\", nonce=\"abc\", qop=\"auth\"\r\n";
        let second = reg
            .on_response(&answer(&first, "401 Unauthorized", challenge), t0)
            .unwrap();
        assert_eq!(
            reg.on_response(&answer(&second, "401 Unauthorized", challenge), t0),
            None
        );
        assert_eq!(
            reg.status(),
            &RegStatus::Failed(RegFailure::WrongCredentials(401))
        );

        // Retry after 2 s; nobody answers: UDP retransmits, then times out.
        let retry = reg.poll(t0 + RETRY_FIRST).expect("retry");
        let t1 = t0 + RETRY_FIRST;
        assert_eq!(reg.poll(t1 + T1), Some(retry.clone()));
        assert_eq!(reg.poll(t1 + T1 * 3), Some(retry));
        assert_eq!(reg.poll(t1 + TIMER_F), None);
        assert_eq!(reg.status(), &RegStatus::Failed(RegFailure::Timeout));
        // The next retry waits longer (jittered up to a quarter earlier).
        let next = reg.next_wakeup().unwrap() - (t1 + TIMER_F);
        assert!(
            next <= RETRY_FIRST * 2 && next >= RETRY_FIRST * 3 / 2,
            "{next:?}"
        );
    }

    #[test]
    fn stray_and_garbage_responses_are_ignored() {
        let t0 = Instant::now();
        let local = "127.0.0.1:5070".parse().unwrap();
        let mut reg = Registration::new(account(), local);
        let first = reg.register_now(local, t0);
        assert_eq!(reg.on_response(b"garbage", t0), None);
        let other = String::from_utf8_lossy(&answer(&first, "200 OK", ""))
            .replace("branch=z9hG4bK", "branch=z9hG4bKx");
        assert_eq!(reg.on_response(other.as_bytes(), t0), None);
        assert_eq!(reg.status(), &RegStatus::Registering);
        let brief = answer(&first, "423 Interval Too Brief", "Min-Expires: 900\r\n");
        let again = reg
            .on_response(&brief, t0)
            .expect("retries with the minimum");
        assert!(String::from_utf8_lossy(&again).contains("Expires: 900"));
    }

    #[test]
    fn tcp_names_its_transport_and_never_retransmits() {
        let t0 = Instant::now();
        let local = "127.0.0.1:40001".parse().unwrap();
        let mut reg = Registration::new(
            Account {
                transport: SipTransport::Tcp,
                ..account()
            },
            local,
        );
        let first = String::from_utf8(reg.register_now(local, t0)).unwrap();
        assert!(
            first.contains("Via: SIP/2.0/TCP 127.0.0.1:40001;branch=z9hG4bK"),
            "{first}"
        );
        assert!(
            first.contains("Contact: <sip:100001@127.0.0.1:40001;transport=tcp>"),
            "{first}"
        );
        // §17.1.2.2: the transport is reliable, only Timer F runs.
        assert_eq!(reg.next_wakeup(), Some(t0 + TIMER_F));
        assert_eq!(reg.poll(t0 + T1), None);
        assert_eq!(reg.poll(t0 + T2 * 4), None);
        assert!(reg.is_waiting());
        assert_eq!(reg.poll(t0 + TIMER_F), None);
        assert_eq!(reg.status(), &RegStatus::Failed(RegFailure::Timeout));
        assert!(!reg.is_waiting());
    }

    #[test]
    fn registering_now_replaces_a_due_retry() {
        let t0 = Instant::now();
        let local = "127.0.0.1:5070".parse().unwrap();
        let mut reg = Registration::new(account(), local);
        reg.register_now(local, t0);
        reg.on_send_error("connection refused".into(), t0);
        assert_eq!(
            reg.status(),
            &RegStatus::Failed(RegFailure::Unreachable("connection refused".into()))
        );
        // Forced early (e.g. the cloud is back): the old retry must not stay
        // due, or the agent would wake up in a loop until the answer comes.
        let t1 = t0 + RETRY_FIRST * 3;
        reg.register_now(local, t1);
        assert_eq!(reg.next_wakeup(), Some(t1 + T1));
    }

    #[test]
    fn the_offered_transport_is_taken_and_unknown_ones_fall_back() {
        use roomterm_proto::SipTransport as Offer;
        assert_eq!(SipTransport::from_offer(Offer::Tcp), SipTransport::Tcp);
        assert_eq!(SipTransport::from_offer(Offer::Udp), SipTransport::Udp);
        assert_eq!(SipTransport::from_offer(Offer::Unknown), SipTransport::Udp);
    }
}
