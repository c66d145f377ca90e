//! The location service: address-of-record → contact bindings with expiry
//! (RFC 3261 §10.3). In memory: bindings are refreshed by their devices every
//! few minutes, so after a restart they return on their own.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Mutex, OnceLock};

use tokio::sync::mpsc;

use serde::{Deserialize, Serialize};

use crate::clock::Millis;

/// Most contacts one AOR may register at once.
pub const MAX_BINDINGS_PER_AOR: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Udp,
    Tcp,
}

/// Where a request came from: the address responses and later requests go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub transport: Transport,
    /// The peer the bytes came from: the device, or the SIP edge that
    /// forwarded them.
    pub addr: SocketAddr,
    /// The device's own address as the edge saw it (its Via's `received`
    /// and `rport`), when a trusted edge forwarded the request: what tells
    /// one room behind the edge from another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<SocketAddr>,
}

impl Source {
    /// A request straight from `addr`.
    pub fn direct(transport: Transport, addr: SocketAddr) -> Self {
        Self {
            transport,
            addr,
            device: None,
        }
    }

    /// Where the device is, whichever way its requests arrive.
    pub fn device_addr(&self) -> SocketAddr {
        self.device.unwrap_or(self.addr)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// Normalised contact URI, used to match refreshes.
    pub key: String,
    /// Contact URI as the device sent it.
    pub uri: String,
    /// Contact parameters other than `expires` (e.g. `+sip.instance`), each with its `;`.
    pub params: String,
    pub expires_at: Millis,
    pub call_id: String,
    pub cseq: u32,
    pub source: Source,
    pub user_agent: Option<String>,
}

/// A binding as shown to operators.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BindingView {
    pub contact: String,
    pub expires_in_secs: i64,
    pub source: String,
    pub transport: Transport,
    pub user_agent: Option<String>,
}

/// What identifies the REGISTER that makes a change (§10.3 step 7).
#[derive(Debug, Clone, Copy)]
pub struct RegisterRequest<'a> {
    pub call_id: &'a str,
    pub cseq: u32,
    pub source: Source,
    pub user_agent: Option<&'a str>,
}

/// One requested change for an AOR.
#[derive(Debug, Clone)]
pub struct ContactUpdate {
    pub key: String,
    pub uri: String,
    pub params: String,
    /// Zero removes the binding.
    pub expires_secs: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateError {
    /// Same Call-ID with a CSeq not above the stored one (§10.3 step 7).
    OutOfOrder,
    TooManyBindings,
}

#[derive(Default)]
pub struct Location {
    aors: Mutex<HashMap<String, Vec<Binding>>>,
    /// Told the AOR of every change, when someone watches (the store's
    /// copy for the other nodes, `location_sync.rs`).
    changes: OnceLock<mpsc::UnboundedSender<String>>,
}

impl Location {
    /// The AORs whose bindings change from now on (one watcher).
    pub fn watch(&self) -> mpsc::UnboundedReceiver<String> {
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = self.changes.set(tx);
        rx
    }

    fn changed(&self, aor: &str) {
        if let Some(changes) = self.changes.get() {
            let _ = changes.send(aor.to_string());
        }
    }

    /// Live bindings of `aor` (the SIP user name).
    pub fn bindings(&self, aor: &str, now: Millis) -> Vec<Binding> {
        let aors = self.aors.lock().expect("location lock");
        aors.get(aor)
            .map(|list| {
                list.iter()
                    .filter(|b| b.expires_at > now)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether `aor` has a live binding registered from `source`: a dialog
    /// request (no digest on it) comes from the device that registered.
    pub fn is_registered_from(&self, aor: &str, source: Source, now: Millis) -> bool {
        self.bindings(aor, now).iter().any(|b| b.source == source)
    }

    pub fn views(&self, aor: &str, now: Millis) -> Vec<BindingView> {
        self.bindings(aor, now)
            .into_iter()
            .map(|b| BindingView {
                contact: b.uri,
                expires_in_secs: (b.expires_at - now).div_euclid(1000),
                source: b.source.device_addr().to_string(),
                transport: b.source.transport,
                user_agent: b.user_agent,
            })
            .collect()
    }

    /// Applies a REGISTER's contacts atomically: either all of them or none.
    pub fn update(
        &self,
        aor: &str,
        updates: &[ContactUpdate],
        request: RegisterRequest<'_>,
        now: Millis,
    ) -> Result<(), UpdateError> {
        let RegisterRequest {
            call_id,
            cseq,
            source,
            user_agent,
        } = request;
        let mut aors = self.aors.lock().expect("location lock");
        let mut list: Vec<Binding> = aors
            .get(aor)
            .map(|l| l.iter().filter(|b| b.expires_at > now).cloned().collect())
            .unwrap_or_default();
        for update in updates {
            let existing = list.iter().position(|b| b.key == update.key);
            if let Some(i) = existing {
                if list[i].call_id == call_id && cseq <= list[i].cseq {
                    return Err(UpdateError::OutOfOrder);
                }
                list.remove(i);
            }
            if update.expires_secs > 0 {
                list.push(Binding {
                    key: update.key.clone(),
                    uri: update.uri.clone(),
                    params: update.params.clone(),
                    expires_at: now + i64::from(update.expires_secs) * 1000,
                    call_id: call_id.to_string(),
                    cseq,
                    source,
                    user_agent: user_agent.map(str::to_string),
                });
            }
        }
        if list.len() > MAX_BINDINGS_PER_AOR {
            return Err(UpdateError::TooManyBindings);
        }
        if list.is_empty() {
            aors.remove(aor);
        } else {
            aors.insert(aor.to_string(), list);
        }
        drop(aors);
        self.changed(aor);
        Ok(())
    }

    /// Removes every binding of `aor` (wildcard un-REGISTER, or account removed).
    pub fn clear(&self, aor: &str) {
        self.aors.lock().expect("location lock").remove(aor);
        self.changed(aor);
    }

    /// Every address with a live binding over `transport`.
    pub fn sources(&self, transport: Transport, now: Millis) -> HashSet<SocketAddr> {
        let aors = self.aors.lock().expect("location lock");
        aors.values()
            .flatten()
            .filter(|b| b.expires_at > now && b.source.transport == transport)
            .map(|b| b.source.addr)
            .collect()
    }

    /// Forgets expired bindings.
    pub fn purge(&self, now: Millis) {
        let mut aors = self.aors.lock().expect("location lock");
        aors.retain(|_, list| {
            list.retain(|b| b.expires_at > now);
            !list.is_empty()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> Source {
        Source::direct(Transport::Udp, "127.0.0.1:5070".parse().unwrap())
    }

    fn req(call_id: &str, cseq: u32) -> RegisterRequest<'_> {
        RegisterRequest {
            call_id,
            cseq,
            source: source(),
            user_agent: None,
        }
    }

    fn update(key: &str, expires_secs: u32) -> ContactUpdate {
        ContactUpdate {
            key: key.into(),
            uri: key.into(),
            params: String::new(),
            expires_secs,
        }
    }

    #[test]
    fn bindings_expire_refresh_and_remove() {
        let loc = Location::default();
        loc.update("a", &[update("sip:a@h1", 60)], req("c1", 1), 0)
            .unwrap();
        assert_eq!(loc.bindings("a", 59_999).len(), 1);
        assert_eq!(loc.bindings("a", 60_000).len(), 0);
        // Refresh with a higher CSeq extends the binding.
        loc.update("a", &[update("sip:a@h1", 60)], req("c1", 2), 30_000)
            .unwrap();
        assert_eq!(loc.bindings("a", 80_000).len(), 1);
        // Same Call-ID, stale CSeq: refused and nothing changes.
        assert_eq!(
            loc.update("a", &[update("sip:a@h1", 0)], req("c1", 2), 31_000),
            Err(UpdateError::OutOfOrder)
        );
        loc.update("a", &[update("sip:a@h1", 0)], req("c1", 3), 31_000)
            .unwrap();
        assert!(loc.bindings("a", 31_000).is_empty());
    }

    #[test]
    fn several_contacts_and_a_cap() {
        let loc = Location::default();
        let many: Vec<_> = (0..=MAX_BINDINGS_PER_AOR)
            .map(|i| update(&format!("sip:a@h{i}"), 60))
            .collect();
        assert_eq!(
            loc.update("a", &many, req("c", 1), 0),
            Err(UpdateError::TooManyBindings)
        );
        loc.update("a", &many[..3], req("c", 1), 0).unwrap();
        assert_eq!(loc.bindings("a", 0).len(), 3);
    }
}
