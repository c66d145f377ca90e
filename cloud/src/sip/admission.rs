//! Which TCP connections the registrar keeps: a pure table driven by the
//! transport with the time passed in.
//!
//! Limits ([`TcpLimits::default`]), and why:
//!
//! - **10,000 connections** in all (fewer when the process may not open that
//!   many files: the transport fits the cap to `RLIMIT_NOFILE`). A room
//!   keeps one flow; this is the largest deployment one cloud serves.
//! - **1,000 per address** (an IPv4 address, or an IPv6 /64, which one
//!   host can fill with addresses): a tenth of the table, so one host
//!   cannot take it over, while an office NAT with hundreds of rooms
//!   behind one address still fits.
//! - **10 s to complete a message** once its first byte arrived, and for
//!   the first message after the connection opens (Kamailio allows 20 s for
//!   either; a REGISTER is a few hundred bytes). A connection that sent
//!   half a message and stalled, or opened and said nothing, is closed.
//! - **An hour of silence** between messages is allowed
//!   ([`MAX_EXPIRES`] + 2 minutes): a registered device may send nothing
//!   but its refreshes, and RFC 5626 keep-alives (a CRLFCRLF every ~30 s)
//!   count as traffic.
//!
//! When the table is full, a new connection evicts the connection that has
//! been idle longest, choosing among *anonymous* ones first: those that
//! carry no live registration binding. A registered flow is how the call
//! side reaches a room (`flows.rs`); it is evicted only when no anonymous
//! connection is left, and only if it has been silent for longer than
//! [`REGISTERED_GRACE`] — a flow with keep-alives never is, one without
//! them is the one whose NAT binding has most likely lapsed anyway. When
//! no connection qualifies, the newcomer is refused (closed at once).
//! Evictions come in batches of a hundredth of the table, so a flood of
//! connections costs one scan per batch, not one per connection.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::registrar::MAX_EXPIRES;

/// A registered flow silent for longer than this may be evicted (after
/// every anonymous one): four missed RFC 5626 keep-alives.
pub const REGISTERED_GRACE: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpLimits {
    /// Most connections at once.
    pub max_connections: usize,
    /// Most connections from one address (IPv4) or /64 (IPv6).
    pub per_address: usize,
    /// Time to complete a message, counted from its first byte (or from
    /// the connection's opening, for its first message).
    pub message_deadline: Duration,
    /// Silence between messages after which a connection is closed.
    pub idle: Duration,
}

impl Default for TcpLimits {
    fn default() -> Self {
        Self {
            max_connections: 10_000,
            per_address: 1_000,
            message_deadline: Duration::from_secs(10),
            idle: Duration::from_secs(MAX_EXPIRES as u64 + 120),
        }
    }
}

/// What the per-address limit counts: an IPv4 address, an IPv6 /64.
fn address_key(peer: SocketAddr) -> IpAddr {
    match peer.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut octets = v6.octets();
                octets[8..].fill(0);
                IpAddr::from(octets)
            }
        },
        v4 => v4,
    }
}

struct Entry<C> {
    peer: SocketAddr,
    last_active: Duration,
    handle: C,
}

/// The admitted connections, each with a handle `C` that closes it.
pub struct Connections<C> {
    limits: TcpLimits,
    next_id: u64,
    entries: HashMap<u64, Entry<C>>,
    per_address: HashMap<IpAddr, usize>,
}

/// The answer to a new connection.
pub enum Admission<C> {
    /// Keep it under `id`; close the `evicted` ones to make room.
    Accept { id: u64, evicted: Vec<C> },
    /// Close it: its address is at its limit, or the table is full of
    /// registered flows.
    Refuse,
}

impl<C> Connections<C> {
    pub fn new(limits: TcpLimits) -> Self {
        Self {
            limits,
            next_id: 0,
            entries: HashMap::new(),
            per_address: HashMap::new(),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// Admits a connection from `peer` at `now`. `registered` tells the
    /// peers that hold a live registration binding (asked only when the
    /// table is full).
    pub fn admit(
        &mut self,
        peer: SocketAddr,
        now: Duration,
        handle: C,
        registered: impl Fn(SocketAddr) -> bool,
    ) -> Admission<C> {
        let key = address_key(peer);
        if self.per_address.get(&key).copied().unwrap_or(0) >= self.limits.per_address {
            return Admission::Refuse;
        }
        let mut evicted = Vec::new();
        if self.entries.len() >= self.limits.max_connections {
            evicted = self.evict(now, registered);
            if evicted.is_empty() {
                return Admission::Refuse;
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        *self.per_address.entry(key).or_default() += 1;
        self.entries.insert(
            id,
            Entry {
                peer,
                last_active: now,
                handle,
            },
        );
        Admission::Accept { id, evicted }
    }

    /// Removes a batch of the longest-idle connections, anonymous first.
    fn evict(&mut self, now: Duration, registered: impl Fn(SocketAddr) -> bool) -> Vec<C> {
        let batch = (self.limits.max_connections / 100).max(1);
        // (registered, last activity, id): sorts anonymous first, then
        // the longest idle.
        let mut candidates: Vec<(bool, Duration, u64)> = self
            .entries
            .iter()
            .map(|(id, e)| (registered(e.peer), e.last_active, *id))
            .filter(|(registered, last, _)| {
                !registered || now.saturating_sub(*last) > REGISTERED_GRACE
            })
            .collect();
        if candidates.len() > batch {
            candidates.select_nth_unstable(batch - 1);
            candidates.truncate(batch);
        }
        candidates
            .into_iter()
            .filter_map(|(_, _, id)| self.remove(id))
            .collect()
    }

    /// Notes traffic on a connection.
    pub fn touch(&mut self, id: u64, now: Duration) {
        if let Some(entry) = self.entries.get_mut(&id) {
            entry.last_active = now;
        }
    }

    /// Forgets a connection (closed, or evicted); its handle if it was here.
    pub fn remove(&mut self, id: u64) -> Option<C> {
        let entry = self.entries.remove(&id)?;
        let key = address_key(entry.peer);
        if let Some(count) = self.per_address.get_mut(&key) {
            *count -= 1;
            if *count == 0 {
                self.per_address.remove(&key);
            }
        }
        Some(entry.handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn limits(max_connections: usize, per_address: usize) -> TcpLimits {
        TcpLimits {
            max_connections,
            per_address,
            ..TcpLimits::default()
        }
    }

    fn peer(host: u8, port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, host], port))
    }

    fn accepted(admission: Admission<u16>) -> (u64, Vec<u16>) {
        match admission {
            Admission::Accept { id, evicted } => (id, evicted),
            Admission::Refuse => panic!("refused"),
        }
    }

    #[test]
    fn one_address_cannot_take_more_than_its_share() {
        let mut table = Connections::new(limits(100, 3));
        for port in 0..3 {
            accepted(table.admit(peer(2, port), S, port, |_| false));
        }
        assert!(matches!(
            table.admit(peer(2, 9), S, 9, |_| false),
            Admission::Refuse
        ));
        // Others still get in, and a closed connection frees its place.
        accepted(table.admit(peer(1, 1), S, 1, |_| false));
        table.remove(0);
        accepted(table.admit(peer(2, 9), S, 9, |_| false));
    }

    #[test]
    fn an_ipv6_host_is_one_address_across_its_64() {
        let mut table = Connections::new(limits(100, 1));
        let a: SocketAddr = "[2001:db8:1:2::a]:5060".parse().unwrap();
        let b: SocketAddr = "[2001:db8:1:2:ffff::b]:5060".parse().unwrap();
        let other: SocketAddr = "[2001:db8:1:3::a]:5060".parse().unwrap();
        accepted(table.admit(a, S, 0, |_| false));
        assert!(matches!(table.admit(b, S, 1, |_| false), Admission::Refuse));
        accepted(table.admit(other, S, 2, |_| false));
    }

    #[test]
    fn a_full_table_evicts_the_longest_idle_anonymous_connection() {
        let mut table = Connections::new(limits(3, 10));
        let registered = peer(1, 1);
        let is_registered = |p: SocketAddr| p == registered;
        let (room, _) = accepted(table.admit(registered, S, 1, is_registered));
        let (two, _) = accepted(table.admit(peer(2, 2), 2 * S, 2, is_registered));
        accepted(table.admit(peer(3, 3), 3 * S, 3, is_registered));
        table.touch(room, 2 * S); // the registered one idles longest
        table.touch(two, 5 * S);
        let (_, evicted) = accepted(table.admit(peer(4, 4), 6 * S, 4, is_registered));
        assert_eq!(evicted, [3]);
        let (_, evicted) = accepted(table.admit(peer(5, 5), 7 * S, 5, is_registered));
        assert_eq!(evicted, [2]);
        assert_eq!(table.len(), 3);
    }

    #[test]
    fn registered_flows_go_only_after_a_long_silence() {
        let mut table = Connections::new(limits(2, 10));
        accepted(table.admit(peer(1, 1), S, 1, |_| true));
        let (two, _) = accepted(table.admit(peer(2, 2), S, 2, |_| true));
        // Both keep-alive within the grace: the newcomer is refused.
        assert!(matches!(
            table.admit(peer(3, 3), S + REGISTERED_GRACE, 3, |_| true),
            Admission::Refuse
        ));
        table.touch(two, 2 * S);
        // Past the grace, the flow silent longest makes room.
        let (_, evicted) = accepted(table.admit(peer(3, 3), 2 * S + REGISTERED_GRACE, 3, |_| true));
        assert_eq!(evicted, [1]);
    }

    #[test]
    fn a_flood_is_evicted_in_batches() {
        let mut table = Connections::new(limits(1_000, 1_000));
        let mut evictions = 0;
        let mut scans = 0;
        for n in 0..5_000u32 {
            let host = (n / 1_000) as u8 + 2;
            let (_, evicted) = accepted(table.admit(
                peer(host, n as u16),
                Duration::from_millis(n.into()),
                0,
                |_| false,
            ));
            scans += usize::from(!evicted.is_empty());
            evictions += evicted.len();
            assert!(table.len() <= 1_000);
        }
        assert_eq!(evictions, 4_000);
        assert_eq!(scans, 400);
    }
}
