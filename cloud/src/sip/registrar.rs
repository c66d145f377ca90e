//! REGISTER processing (RFC 3261 §10.3) with digest authentication.
//!
//! Pure logic over [`Request`], the account [`Directory`], the [`Location`]
//! service and the [`NonceKeeper`]; the caller supplies the time and turns the
//! [`Reply`] into bytes.

use rsip::headers::{ToTypedHeader, UntypedHeader};
use rsip::Header;

use crate::clock::Millis;

use super::contact::ContactValue;
use super::digest::{challenge, Algorithm, Credentials};
use super::directory::Directory;
use super::location::{ContactUpdate, Location, RegisterRequest, Source, UpdateError};
use super::message::Request;
use super::nonce::{NonceKeeper, NonceState, Outcome};

/// Shortest registration accepted; shorter gets `423` (RFC 3261 §10.3 step 7).
pub const MIN_EXPIRES: u32 = 60;
/// Longest registration granted; longer requests are cut down to this.
pub const MAX_EXPIRES: u32 = 3600;
/// Used when the client names no expiry.
pub const DEFAULT_EXPIRES: u32 = 3600;

/// A response to send: status, reason and headers beyond the copied ones.
#[derive(Debug)]
pub struct Reply {
    pub code: u16,
    pub reason: String,
    pub headers: Vec<Header>,
}

impl Reply {
    pub fn new(code: u16, reason: &str) -> Self {
        Self {
            code,
            reason: reason.to_string(),
            headers: Vec::new(),
        }
    }

    fn with(mut self, header: Header) -> Self {
        self.headers.push(header);
        self
    }
}

/// Which hosts a request may address: our SIP domain, and the addresses we
/// are reached at (terminals may use either).
pub struct Realm {
    pub domain: String,
    pub aliases: Vec<String>,
}

impl Realm {
    pub fn serves(&self, host: &str) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        host.eq_ignore_ascii_case(&self.domain)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(host))
    }
}

pub struct Registrar<'a> {
    pub realm: &'a Realm,
    pub directory: &'a Directory,
    pub location: &'a Location,
    pub nonces: &'a NonceKeeper,
}

/// The outcome of authentication, before any binding is touched.
enum Auth {
    /// Verified; the nonce-count is consumed once the request is known to
    /// be one the registrar acts on.
    Ok {
        username: String,
        nonce: String,
        nc: Option<u32>,
    },
    Reply(Reply),
}

impl Registrar<'_> {
    /// Answers a REGISTER, or `None` when a copy of it is being answered
    /// right now. `request` fingerprints it (the same for retransmissions):
    /// it salts the challenge's nonce and tells a retransmission of an
    /// authenticated REGISTER from a replay (see `nonce.rs`). Nothing is
    /// remembered for a REGISTER that is challenged or refused.
    pub fn register(
        &self,
        req: &Request,
        source: Source,
        now: Millis,
        request: u64,
    ) -> Option<Reply> {
        if !self.realm.serves(&req.uri.host().to_string()) {
            return Some(Reply::new(404, "Domain Not Served"));
        }
        if let Some(require) = req.header("require").filter(|r| !r.trim().is_empty()) {
            return Some(
                Reply::new(420, "Bad Extension")
                    .with(rsip::headers::Unsupported::new(require).into()),
            );
        }
        let to_uri = req
            .header("to")
            .and_then(|to| rsip::headers::To::new(to).typed().ok())
            .map(|to| to.uri);
        let Some(to_uri) = to_uri else {
            return Some(Reply::new(400, "Invalid To"));
        };
        let (username, nonce, nc) = match self.authenticate(req, to_uri.user(), now, request) {
            Auth::Ok {
                username,
                nonce,
                nc,
            } => (username, nonce, nc),
            Auth::Reply(reply) => return Some(reply),
        };
        // The authenticated user may only bind its own address of record.
        if to_uri.user() != Some(username.as_str())
            || !self.realm.serves(&to_uri.host().to_string())
        {
            return Some(Reply::new(403, "Not Allowed For This Address Of Record"));
        }
        let updates = match self.contact_updates(req) {
            Ok(updates) => updates,
            Err(reply) => return Some(reply),
        };
        // Checked and recorded atomically: a count already used is a
        // replay, unless this is the very request that used it.
        let outcome = match self.nonces.consume(&nonce, nc, request, now) {
            NonceState::Fresh => self.apply(&username, req, updates, source, now),
            NonceState::Again(Outcome::Pending) => return None,
            NonceState::Again(outcome) => outcome,
            NonceState::Stale | NonceState::Forged => {
                return Some(self.challenge(to_uri.user(), now, true, request))
            }
        };
        self.nonces.settle(&nonce, request, outcome);
        Some(match outcome {
            Outcome::Bound | Outcome::Pending => self.bound(&username, now),
            Outcome::OutOfOrder => Reply::new(400, "CSeq Out Of Order"),
            Outcome::TooManyBindings => Reply::new(403, "Too Many Registrations"),
        })
    }

    /// Applies a verified REGISTER's change to the location service.
    fn apply(
        &self,
        username: &str,
        req: &Request,
        change: ContactChange,
        source: Source,
        now: Millis,
    ) -> Outcome {
        let (call_id, cseq) = (req.call_id(), req.cseq().map(|c| c.0).unwrap_or_default());
        match change {
            ContactChange::Query => Outcome::Bound,
            ContactChange::RemoveAll => {
                self.location.clear(username);
                Outcome::Bound
            }
            ContactChange::Update(updates) => {
                let request = RegisterRequest {
                    call_id,
                    cseq,
                    source,
                    user_agent: req.header("user-agent"),
                };
                match self.location.update(username, &updates, request, now) {
                    Ok(()) => Outcome::Bound,
                    Err(UpdateError::OutOfOrder) => Outcome::OutOfOrder,
                    Err(UpdateError::TooManyBindings) => Outcome::TooManyBindings,
                }
            }
        }
    }

    /// `200` listing the bindings of `username` as they are now.
    fn bound(&self, username: &str, now: Millis) -> Reply {
        let mut reply = Reply::new(200, "OK");
        for binding in self.location.bindings(username, now) {
            let remaining = (binding.expires_at - now).div_euclid(1000).max(0);
            reply.headers.push(
                rsip::headers::Contact::new(format!(
                    "<{}>{};expires={remaining}",
                    binding.uri, binding.params
                ))
                .into(),
            );
        }
        reply
            .headers
            .push(rsip::headers::Date::new(http_date(now)).into());
        reply
    }

    /// A 401 offering the algorithms of the account named in To, in its
    /// order of preference (RFC 8760 §2.4). Unknown users get MD5, like any
    /// default account, so the answer reveals nothing.
    fn challenge(&self, aor_user: Option<&str>, now: Millis, stale: bool, salt: u64) -> Reply {
        let algorithms = aor_user
            .and_then(|user| self.directory.get(user))
            .map(|account| account.algorithms)
            .unwrap_or_else(|| vec![Algorithm::Md5]);
        let nonce = self.nonces.issue(now, salt);
        let mut reply = Reply::new(401, "Unauthorized");
        for alg in algorithms {
            reply.headers.push(
                rsip::headers::WwwAuthenticate::new(challenge(
                    &self.realm.domain,
                    &nonce,
                    alg,
                    stale,
                ))
                .into(),
            );
        }
        reply
    }

    fn authenticate(&self, req: &Request, aor_user: Option<&str>, now: Millis, salt: u64) -> Auth {
        let challenge = |stale| Auth::Reply(self.challenge(aor_user, now, stale, salt));
        // A client may carry credentials for several realms; only ours count.
        let ours = req
            .header_all("authorization")
            .into_iter()
            .map(Credentials::parse)
            .find(|c| !matches!(c, Ok(c) if c.realm != self.realm.domain));
        let creds = match ours {
            None => return challenge(false),
            Some(Err(_)) => return Auth::Reply(Reply::new(400, "Malformed Authorization")),
            Some(Ok(creds)) => creds,
        };
        // RFC 7616 §3.4.6 (RFC 2617 §3.2.2.5, which RFC 3261 §22.4 adopts):
        // the server must make sure `uri` names the Request-URI's resource,
        // and SHOULD answer 400 if not. A fresh challenge would not help: the
        // client would sign the same wrong URI again.
        if !same_resource(&creds.uri, &req.uri) {
            return Auth::Reply(Reply::new(400, "Authorization URI Mismatch"));
        }
        let nonce_state = self.nonces.check(&creds.nonce, now);
        if nonce_state == NonceState::Forged {
            return challenge(false);
        }
        let Some(account) = self.directory.get(&creds.username) else {
            // Same answer as a wrong password: user names are not revealed.
            return Auth::Reply(Reply::new(403, "Wrong Credentials"));
        };
        if !account.algorithms.contains(&creds.algorithm) {
            // No downgrade to an algorithm this account does not allow.
            return challenge(false);
        }
        if !creds.verify(&account.ha1, &req.method.to_string()) {
            return Auth::Reply(Reply::new(403, "Wrong Credentials"));
        }
        if nonce_state == NonceState::Stale {
            return challenge(true);
        }
        Auth::Ok {
            username: creds.username,
            nc: creds.qop_auth.as_ref().map(|(nc, _)| *nc),
            nonce: creds.nonce,
        }
    }

    fn contact_updates(&self, req: &Request) -> Result<ContactChange, Reply> {
        let contacts = req.header_values("contact");
        let header_expires = match req.header("expires") {
            Some(value) => Some(
                value
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| Reply::new(400, "Invalid Expires"))?,
            ),
            None => None,
        };
        if contacts.is_empty() {
            return Ok(ContactChange::Query);
        }
        if contacts.contains(&"*") {
            if contacts.len() != 1 || header_expires != Some(0) {
                return Err(Reply::new(400, "Invalid Wildcard Contact"));
            }
            return Ok(ContactChange::RemoveAll);
        }
        let mut updates = Vec::with_capacity(contacts.len());
        for value in contacts {
            let contact =
                ContactValue::parse(value).ok_or_else(|| Reply::new(400, "Invalid Contact"))?;
            if !matches!(
                contact.uri.scheme,
                Some(rsip::Scheme::Sip) | Some(rsip::Scheme::Sips)
            ) {
                return Err(Reply::new(400, "Invalid Contact"));
            }
            let expires = match contact.param("expires") {
                Some(e) => e
                    .unwrap_or_default()
                    .trim()
                    .parse::<u32>()
                    .map_err(|_| Reply::new(400, "Invalid Expires"))?,
                None => header_expires.unwrap_or(DEFAULT_EXPIRES),
            };
            if expires > 0 && expires < MIN_EXPIRES {
                return Err(Reply::new(423, "Interval Too Brief")
                    .with(rsip::headers::MinExpires::new(MIN_EXPIRES.to_string()).into()));
            }
            updates.push(ContactUpdate {
                key: contact.binding_key(),
                uri: contact.uri_text.clone(),
                params: contact.params_without_expires(),
                expires_secs: expires.min(MAX_EXPIRES),
            });
        }
        Ok(ContactChange::Update(updates))
    }
}

enum ContactChange {
    Query,
    RemoveAll,
    Update(Vec<ContactUpdate>),
}

/// Whether the digest `uri` names the same resource as the Request-URI:
/// the same text, or the same scheme, user, host (any case) and port.
/// Parameters are not compared: the digest covers the `uri` as sent, and
/// clients differ in which ones they repeat.
fn same_resource(digest_uri: &str, request_uri: &rsip::Uri) -> bool {
    if digest_uri == request_uri.to_string() {
        return true;
    }
    let Ok(uri) = rsip::Uri::try_from(digest_uri) else {
        return false;
    };
    let scheme = |u: &rsip::Uri| u.scheme.clone().unwrap_or(rsip::Scheme::Sip);
    scheme(&uri) == scheme(request_uri)
        && uri.user() == request_uri.user()
        && uri
            .host()
            .to_string()
            .eq_ignore_ascii_case(&request_uri.host().to_string())
        && uri.host_with_port.port == request_uri.host_with_port.port
}

/// RFC 1123 date for the Date header.
fn http_date(now: Millis) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(now.max(0) as u64);
    httpdate::fmt_http_date(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_uri_must_name_the_request_uri() {
        let request = rsip::Uri::try_from("sip:example.com").unwrap();
        for same in [
            "sip:example.com",
            "sip:EXAMPLE.com",
            "sip:example.com;transport=udp",
        ] {
            assert!(same_resource(same, &request), "{same}");
        }
        for other in [
            "sip:other.example.com",
            "sip:example.com:5070",
            "sips:example.com",
            "sip:alice@example.com",
            "/dir/index.html",
            "",
        ] {
            assert!(!same_resource(other, &request), "{other}");
        }
        let with_port = rsip::Uri::try_from("sip:100001@127.0.0.1:5060").unwrap();
        assert!(same_resource("sip:100001@127.0.0.1:5060", &with_port));
        assert!(!same_resource("sip:100001@127.0.0.1", &with_port));
    }

    #[test]
    fn http_date_is_rfc_1123() {
        assert_eq!(http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    }
}
