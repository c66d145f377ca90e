//! The PROXY protocol (HAProxy's; v1 text, as nginx sends it, and v2
//! binary) on connections from a load balancer the server trusts: the
//! client's address comes first on the connection, before TLS, and the
//! connection is then that client's — for per-address admission, lockouts
//! and logs. Parsing is the `ppp` crate's; reading exactly the header's
//! bytes and no more (TLS follows at once) is ours.

use std::net::SocketAddr;

use tokio::io::{AsyncRead, AsyncReadExt};

/// The longest v1 line, CRLF included (the protocol's own limit).
const V1_MAX: usize = 107;
/// v2: the fixed part (signature, version and command, family, length).
const V2_FIXED: usize = 16;
/// v2: the most address and TLV bytes we take (a balancer sends its
/// addresses and a few TLVs; the field allows 64 KiB).
const V2_BODY_MAX: usize = 1024;

#[derive(Debug, PartialEq, Eq)]
pub enum ProxyError {
    /// The connection closed or failed before the header was in.
    Io(String),
    /// Not a PROXY header, or one `ppp` does not parse.
    Malformed(String),
    /// Longer than a balancer's header ever is.
    TooLong,
}

impl std::fmt::Display for ProxyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(err) => write!(f, "connection failed in the PROXY header: {err}"),
            Self::Malformed(why) => write!(f, "not a PROXY protocol header: {why}"),
            Self::TooLong => write!(f, "PROXY protocol header too long"),
        }
    }
}

/// Reads the PROXY header at the start of `stream`: the client's address,
/// or `None` when the balancer speaks for itself (v2 `LOCAL`, v1
/// `UNKNOWN`: its health checks), the connection then being its own.
pub async fn read_header<S: AsyncRead + Unpin>(
    stream: &mut S,
) -> Result<Option<SocketAddr>, ProxyError> {
    let io = |e: std::io::Error| ProxyError::Io(e.to_string());
    // Five bytes tell the versions apart: "PROXY" or v2's "\r\n\r\n\0".
    let mut header = vec![0u8; 5];
    stream.read_exact(&mut header).await.map_err(io)?;
    if header == b"PROXY" {
        while !header.ends_with(b"\r\n") {
            if header.len() == V1_MAX {
                return Err(ProxyError::TooLong);
            }
            header.push(stream.read_u8().await.map_err(io)?);
        }
    } else {
        header.resize(V2_FIXED, 0);
        stream.read_exact(&mut header[5..]).await.map_err(io)?;
        if !header.starts_with(ppp::v2::PROTOCOL_PREFIX) {
            return Err(ProxyError::Malformed(
                "neither a v1 line nor the v2 signature".into(),
            ));
        }
        let body = usize::from(u16::from_be_bytes([header[14], header[15]]));
        if body > V2_BODY_MAX {
            return Err(ProxyError::TooLong);
        }
        header.resize(V2_FIXED + body, 0);
        stream
            .read_exact(&mut header[V2_FIXED..])
            .await
            .map_err(io)?;
    }
    client_of(&header)
}

/// The client a whole PROXY header names (see [`read_header`]).
pub fn client_of(header: &[u8]) -> Result<Option<SocketAddr>, ProxyError> {
    let malformed = |e: &dyn std::fmt::Display| ProxyError::Malformed(e.to_string());
    if header.starts_with(b"PROXY") {
        let header = ppp::v1::Header::try_from(header).map_err(|e| malformed(&e))?;
        return Ok(match header.addresses {
            ppp::v1::Addresses::Tcp4(a) => Some((a.source_address, a.source_port).into()),
            ppp::v1::Addresses::Tcp6(a) => Some((a.source_address, a.source_port).into()),
            ppp::v1::Addresses::Unknown => None,
        });
    }
    let header = ppp::v2::Header::try_from(header).map_err(|e| malformed(&e))?;
    if header.command == ppp::v2::Command::Local {
        return Ok(None);
    }
    match header.addresses {
        ppp::v2::Addresses::IPv4(a) => Ok(Some((a.source_address, a.source_port).into())),
        ppp::v2::Addresses::IPv6(a) => Ok(Some((a.source_address, a.source_port).into())),
        ppp::v2::Addresses::Unspecified => Ok(None),
        ppp::v2::Addresses::Unix(_) => Err(ProxyError::Malformed(
            "a UNIX socket client has no address to count".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v2(command: ppp::v2::Command, addresses: ppp::v2::Addresses) -> Vec<u8> {
        ppp::v2::Builder::with_addresses(
            ppp::v2::Version::Two | command,
            ppp::v2::Protocol::Stream,
            addresses,
        )
        .build()
        .unwrap()
    }

    #[tokio::test]
    async fn a_v2_header_names_the_client_and_leaves_the_rest_unread() {
        let client: SocketAddr = "203.0.113.7:51000".parse().unwrap();
        let addresses = ppp::v2::IPv4::new([203, 0, 113, 7], [10, 0, 0, 2], 51000, 443);
        let mut wire = v2(ppp::v2::Command::Proxy, addresses.into());
        wire.extend_from_slice(b"\x16\x03\x01 TLS follows");
        let mut stream = wire.as_slice();
        assert_eq!(read_header(&mut stream).await, Ok(Some(client)));
        assert_eq!(stream, b"\x16\x03\x01 TLS follows");
    }

    #[tokio::test]
    async fn a_v1_line_names_the_client_and_leaves_the_rest_unread() {
        let mut stream: &[u8] = b"PROXY TCP6 2001:db8::1 2001:db8::2 40000 443\r\nGET /";
        assert_eq!(
            read_header(&mut stream).await,
            Ok(Some("[2001:db8::1]:40000".parse().unwrap()))
        );
        assert_eq!(stream, b"GET /");
    }

    #[tokio::test]
    async fn the_balancer_speaking_for_itself_names_no_client() {
        let local = v2(ppp::v2::Command::Local, ppp::v2::Addresses::Unspecified);
        assert_eq!(read_header(&mut local.as_slice()).await, Ok(None));
        let mut unknown: &[u8] = b"PROXY UNKNOWN\r\n";
        assert_eq!(read_header(&mut unknown).await, Ok(None));
    }

    #[tokio::test]
    async fn anything_else_is_refused_without_reading_on() {
        // A client talking TLS straight to a port that expects the header.
        let mut hello: &[u8] = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 and so on";
        assert!(matches!(
            read_header(&mut hello).await,
            Err(ProxyError::Malformed(_))
        ));
        let endless = [b"PROXY TCP4 ".as_slice(), &[b'1'; 200]].concat();
        assert_eq!(
            read_header(&mut endless.as_slice()).await,
            Err(ProxyError::TooLong)
        );
        let cut: &[u8] = b"PROXY TCP4 1.2.3.4";
        assert!(matches!(
            read_header(&mut &cut[..]).await,
            Err(ProxyError::Io(_))
        ));
        let mut bad: &[u8] = b"PROXY TCP4 1.2.3.999 5.6.7.8 1 2\r\n";
        assert!(matches!(
            read_header(&mut bad).await,
            Err(ProxyError::Malformed(_))
        ));
    }
}
