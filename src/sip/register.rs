//! Client registration (RFC 3261 §10.2) as a state machine: it produces the
//! REGISTER bytes to send and consumes responses and the passage of time.
//! Sockets live in `agent.rs`; here time is a parameter, so every path
//! (challenge, refresh, retransmission, timeout, retry) is testable.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use roomterm_proto::digest::Challenge;

use rsip::common::uri::Param;
use rsip::headers::UntypedHeader;
use rsip::Method;

use super::account::{Account, SipTransport};
use super::wire::{self, Local};
use super::{random_hex, T1, T2};

/// Timer F: a REGISTER unanswered this long has timed out.
const TIMER_F: Duration = Duration::from_secs(32);
const RETRY_FIRST: Duration = Duration::from_secs(2);
const RETRY_MAX: Duration = Duration::from_secs(60);

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

    /// This end as the REGISTER names it (Via, Contact).
    fn local(&self) -> Local {
        Local {
            transport: self.account.transport,
            addr: self.local,
            user: self.account.username.clone(),
        }
    }

    fn contact_uri(&self) -> String {
        self.local().contact_uri().to_string()
    }

    fn send_register(&mut self, expires: u32, now: Instant) -> Vec<u8> {
        self.cseq += 1;
        self.branch_seq += 1;
        let branch = format!("z9hG4bK{}{}", random_hex(), self.branch_seq);
        let account = &self.account;
        let uri = wire::sip_uri(None, &account.domain);
        let aor = wire::sip_uri(Some(&account.username), &account.domain);
        let local = self.local();
        // RFC 5626: the instance ID names this device across reboots, so
        // the registrar replaces the binding of the last boot.
        let mut contact_params: Vec<Param> = account
            .instance
            .iter()
            .map(|urn| Param::Other("+sip.instance".into(), Some(format!("\"<{urn}>\"").into())))
            .collect();
        contact_params.push(Param::Expires(expires.to_string().into()));
        let mut message = wire::request(Method::Register, uri.clone(), &local, &branch)
            .from(wire::from_addr(aor.clone(), &self.from_tag))
            .to(wire::to_addr(aor))
            .call_id(&self.call_id)
            .cseq(self.cseq)
            .header(local.contact(contact_params))
            .header(rsip::headers::Expires::from(expires).into());
        let authenticated = if let Some(challenge) = &self.challenge {
            self.nc += 1;
            let answer = challenge.answer(
                &account.username,
                &account.password,
                "REGISTER",
                &uri.to_string(),
                self.nc,
                &random_hex(),
            );
            message = message.header(rsip::headers::Authorization::new(answer).into());
            true
        } else {
            false
        };
        let bytes = message.build();
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
#[path = "register_tests.rs"]
mod tests;
