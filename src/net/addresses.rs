//! The addresses the terminal has right now, for the network page and the
//! home page's network indicator.

use std::net::IpAddr;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InterfaceAddress {
    pub interface: String,
    pub address: IpAddr,
}

/// Non-loopback addresses, IPv4 first, link-local IPv6 left out (they are
/// always there and say nothing about reaching the cloud).
pub fn current_addresses() -> Vec<InterfaceAddress> {
    let mut found: Vec<InterfaceAddress> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback() && !is_link_local(&i.ip()))
        .map(|i| InterfaceAddress {
            address: i.ip(),
            interface: i.name,
        })
        .collect();
    found.sort_by_key(|a| (a.address.is_ipv6(), a.interface.clone()));
    found
}

fn is_link_local(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}
