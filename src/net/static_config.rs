//! Validation of a static address as the installer types it on the remote:
//! every mistake gets its own error code so the page can say what is wrong.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::store::NetworkSettings;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("{0:?} is not an address with a prefix length, e.g. 192.168.1.20/24")]
    InvalidAddress(String),
    #[error("{0:?} is not an IP address")]
    InvalidGateway(String),
    #[error("the gateway {gateway} is outside {network}")]
    GatewayOutsideSubnet { gateway: IpAddr, network: IpNet },
    #[error("{0:?} is not an IP address")]
    InvalidDns(String),
}

impl NetError {
    /// Stable code for the UI and the control API.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidAddress(_) => "invalid_address",
            Self::InvalidGateway(_) => "invalid_gateway",
            Self::GatewayOutsideSubnet { .. } => "gateway_outside_subnet",
            Self::InvalidDns(_) => "invalid_dns",
        }
    }
}

/// Checks a static configuration. `address` is `IP/prefix` (a bare IPv4
/// address means /24, the usual room network); the gateway must be inside
/// that network; empty DNS entries are skipped.
pub fn parse_static(
    address: &str,
    gateway: &str,
    dns: &[&str],
) -> Result<NetworkSettings, NetError> {
    let address = address.trim();
    let net: IpNet = match address.parse::<IpNet>() {
        Ok(net) => net,
        Err(_) => match address.parse::<IpAddr>() {
            Ok(IpAddr::V4(ip)) => IpNet::new(IpAddr::V4(ip), 24).expect("24 is a valid prefix"),
            _ => return Err(NetError::InvalidAddress(address.to_string())),
        },
    };
    let host_ok = match net {
        // Network and broadcast addresses cannot be a host's (except /31, /32).
        IpNet::V4(v4) if v4.prefix_len() < 31 => {
            v4.addr() != v4.network() && v4.addr() != v4.broadcast()
        }
        _ => !net.addr().is_unspecified(),
    };
    if !host_ok || net.addr().is_multicast() || net.addr().is_loopback() {
        return Err(NetError::InvalidAddress(address.to_string()));
    }
    let gateway_text = gateway.trim();
    let gateway: IpAddr = gateway_text
        .parse()
        .map_err(|_| NetError::InvalidGateway(gateway_text.to_string()))?;
    if gateway == net.addr() {
        return Err(NetError::InvalidGateway(gateway_text.to_string()));
    }
    if !net.contains(&gateway) {
        return Err(NetError::GatewayOutsideSubnet {
            gateway,
            network: net.trunc(),
        });
    }
    let mut servers = Vec::new();
    for entry in dns.iter().map(|d| d.trim()).filter(|d| !d.is_empty()) {
        let ip: IpAddr = entry
            .parse()
            .map_err(|_| NetError::InvalidDns(entry.to_string()))?;
        servers.push(ip.to_string());
    }
    Ok(NetworkSettings::Static {
        address: net.to_string(),
        gateway: gateway.to_string(),
        dns: servers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_usual_room_network() {
        let settings =
            parse_static("192.168.1.20/24", "192.168.1.1", &["192.168.1.1", ""]).unwrap();
        assert_eq!(
            settings,
            NetworkSettings::Static {
                address: "192.168.1.20/24".into(),
                gateway: "192.168.1.1".into(),
                dns: vec!["192.168.1.1".into()],
            }
        );
        // A bare address means /24.
        let bare = parse_static("10.0.0.7", "10.0.0.1", &[]).unwrap();
        assert!(
            matches!(bare, NetworkSettings::Static { address, .. } if address == "10.0.0.7/24")
        );
    }

    #[test]
    fn each_mistake_has_its_own_code() {
        let code = |a: &str, g: &str, d: &[&str]| parse_static(a, g, d).unwrap_err().code();
        assert_eq!(code("192.168.1/24", "192.168.1.1", &[]), "invalid_address");
        assert_eq!(
            code("192.168.1.20/33", "192.168.1.1", &[]),
            "invalid_address"
        );
        assert_eq!(
            code("192.168.1.0/24", "192.168.1.1", &[]),
            "invalid_address"
        );
        assert_eq!(
            code("192.168.1.255/24", "192.168.1.1", &[]),
            "invalid_address"
        );
        assert_eq!(code("127.0.0.5/8", "127.0.0.1", &[]), "invalid_address");
        assert_eq!(code("192.168.1.20/24", "192.168.1", &[]), "invalid_gateway");
        assert_eq!(
            code("192.168.1.20/24", "192.168.2.1", &[]),
            "gateway_outside_subnet"
        );
        assert_eq!(
            code("192.168.1.20/24", "192.168.1.20", &[]),
            "invalid_gateway"
        );
        assert_eq!(
            code("192.168.1.20/24", "192.168.1.1", &["8.8.8"]),
            "invalid_dns"
        );
    }
}
