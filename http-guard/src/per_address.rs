//! How many connections each client address has open, and the rule that
//! caps it. Pure bookkeeping: the accept loop asks before it serves.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Open connections per client, up to a maximum each.
#[derive(Debug)]
pub struct PerAddress {
    max: usize,
    open: Mutex<HashMap<Client, usize>>,
}

/// Who a connection counts against: an IPv4 address, or an IPv6 /64 (one
/// host's share of addresses; an attacker holding a /64 has them all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Client {
    V4([u8; 4]),
    V6Prefix([u8; 8]),
}

impl Client {
    fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self::V4(v4.octets()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(v4.octets()),
                None => {
                    let mut prefix = [0; 8];
                    prefix.copy_from_slice(&v6.octets()[..8]);
                    Self::V6Prefix(prefix)
                }
            },
        }
    }
}

/// One admitted connection; dropping it frees its place.
#[derive(Debug)]
pub struct Permit {
    table: Arc<PerAddress>,
    client: Client,
}

impl PerAddress {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Self {
            max,
            open: Mutex::new(HashMap::new()),
        })
    }

    /// A place for one more connection from `ip`, unless it has `max` open.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Permit> {
        let client = Client::of(ip);
        let mut open = lock(&self.open);
        let count = open.entry(client).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(Permit {
            table: self.clone(),
            client,
        })
    }

    /// Connections `ip` has open now.
    #[cfg(test)]
    fn open(&self, ip: IpAddr) -> usize {
        lock(&self.open).get(&Client::of(ip)).copied().unwrap_or(0)
    }
}

/// The counts stay consistent between statements: a panic elsewhere while
/// the lock was held leaves nothing half done.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut open = lock(&self.table.open);
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                // Only addresses with connections take memory.
                open.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_address_gets_max_connections_and_another_is_not_affected() {
        let table = PerAddress::new(2);
        let held: Vec<_> = (0..2)
            .map(|_| table.admit(ip("192.0.2.1")).unwrap())
            .collect();
        assert!(table.admit(ip("192.0.2.1")).is_none());
        assert!(table.admit(ip("192.0.2.2")).is_some());
        assert_eq!(table.open(ip("192.0.2.1")), 2);
        drop(held);
    }

    #[test]
    fn a_closed_connection_frees_its_place_and_idle_addresses_are_forgotten() {
        let table = PerAddress::new(1);
        let first = table.admit(ip("192.0.2.1")).unwrap();
        assert!(table.admit(ip("192.0.2.1")).is_none());
        drop(first);
        let again = table.admit(ip("192.0.2.1")).unwrap();
        drop(again);
        assert_eq!(table.open(ip("192.0.2.1")), 0);
        assert!(lock(&table.open).is_empty());
    }

    #[test]
    fn an_ipv6_slash_64_counts_as_one_client_and_mapped_ipv4_as_its_address() {
        let table = PerAddress::new(1);
        let _first = table.admit(ip("2001:db8:1:2::1")).unwrap();
        assert!(table.admit(ip("2001:db8:1:2:ffff::9")).is_none());
        assert!(table.admit(ip("2001:db8:1:3::1")).is_some());

        let _v4 = table.admit(ip("192.0.2.7")).unwrap();
        assert!(table.admit(ip("::ffff:192.0.2.7")).is_none());
    }
}
