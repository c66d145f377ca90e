//! Tells when the machine's addresses or routes change, the moment they do:
//! a netlink route socket subscribed to address, route and link events.
//! The SIP agent then checks which local address reaches the cloud and
//! registers again from the new one (a slow poll stays as a fallback).

use netlink_sys::{protocols::NETLINK_ROUTE, AsyncSocket, AsyncSocketExt, SocketAddr, TokioSocket};

const GROUPS: u32 = (libc::RTMGRP_LINK
    | libc::RTMGRP_IPV4_IFADDR
    | libc::RTMGRP_IPV6_IFADDR
    | libc::RTMGRP_IPV4_ROUTE
    | libc::RTMGRP_IPV6_ROUTE) as u32;

pub struct AddressWatch {
    socket: Option<TokioSocket>,
}

impl AddressWatch {
    /// Subscribes; without netlink (an odd sandbox) it never fires and the
    /// caller's poll does the work.
    pub fn new() -> Self {
        let socket = TokioSocket::new(NETLINK_ROUTE).and_then(|mut socket| {
            socket.socket_mut().bind(&SocketAddr::new(0, GROUPS))?;
            Ok(socket)
        });
        match socket {
            Ok(socket) => Self {
                socket: Some(socket),
            },
            Err(err) => {
                tracing::info!(%err, "no netlink route events; polling for address changes");
                Self { socket: None }
            }
        }
    }

    /// Resolves at the next change (the message itself is not needed: the
    /// caller asks the kernel for the route afresh).
    pub async fn changed(&mut self) {
        let Some(socket) = &self.socket else {
            return std::future::pending().await;
        };
        if let Err(err) = socket.recv_from_full().await {
            // ENOBUFS (events overflowed) still means "something changed".
            tracing::debug!(%err, "netlink route socket");
        }
    }
}

impl Default for AddressWatch {
    fn default() -> Self {
        Self::new()
    }
}
