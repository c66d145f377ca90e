//! The SIP user agent task: owns the socket, drives [`Registration`] with
//! real time, re-registers when told to or when the local address changes,
//! and publishes the registration status.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};

use super::register::{Account, RegFailure, RegStatus, Registration, SipTransport};

/// How often the local address is checked for a change (new DHCP lease,
/// cable moved, Wi-Fi roam).
const ADDRESS_CHECK: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentCommand {
    /// Register again now (e.g. the cloud restarted or settings changed).
    Reregister,
    /// Unregister and stop.
    Stop,
}

pub struct SipAgent {
    pub status: watch::Receiver<RegStatus>,
    commands: mpsc::Sender<AgentCommand>,
    task: tokio::task::JoinHandle<()>,
}

impl SipAgent {
    /// Starts registering `account` (UDP).
    pub async fn start(account: Account) -> std::io::Result<Self> {
        if account.transport != SipTransport::Udp {
            return Err(std::io::Error::other(
                "only UDP is implemented in the agent so far",
            ));
        }
        let socket = connect(account.proxy).await?;
        let (status_tx, status) = watch::channel(RegStatus::Registering);
        let (commands, rx) = mpsc::channel(8);
        let task = tokio::spawn(run(account, socket, status_tx, rx));
        Ok(Self {
            status,
            commands,
            task,
        })
    }

    pub async fn command(&self, command: AgentCommand) {
        let _ = self.commands.send(command).await;
    }

    /// Unregisters (best effort, bounded) and ends the task.
    pub async fn stop(self) {
        let _ = self.commands.send(AgentCommand::Stop).await;
        let _ = tokio::time::timeout(Duration::from_secs(3), self.task).await;
    }
}

/// A UDP socket connected to the proxy: its local address is the one the
/// kernel routes through, and ICMP errors surface as receive errors.
async fn connect(proxy: SocketAddr) -> std::io::Result<UdpSocket> {
    let bind: SocketAddr = if proxy.is_ipv4() {
        "0.0.0.0:0".parse().expect("valid")
    } else {
        "[::]:0".parse().expect("valid")
    };
    let socket = UdpSocket::bind(bind).await?;
    socket.connect(proxy).await?;
    Ok(socket)
}

async fn run(
    account: Account,
    mut socket: UdpSocket,
    status: watch::Sender<RegStatus>,
    mut commands: mpsc::Receiver<AgentCommand>,
) {
    let proxy = account.proxy;
    let mut local = socket.local_addr().expect("bound socket");
    let mut reg = Registration::new(account, local);
    let mut buf = vec![0u8; 65_535];
    let mut address_check = tokio::time::interval(ADDRESS_CHECK);
    let first = reg.register_now(local, Instant::now());
    send(&socket, &mut reg, &first).await;
    loop {
        status.send_if_modified(|current| {
            let changed = current != reg.status();
            if changed {
                tracing::info!(status = ?reg.status(), "SIP registration");
                *current = reg.status().clone();
            }
            changed
        });
        let wakeup = reg
            .next_wakeup()
            .map(tokio::time::Instant::from_std)
            .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            received = socket.recv(&mut buf) => match received {
                Ok(len) => {
                    if let Some(out) = reg.on_response(&buf[..len], Instant::now()) {
                        send(&socket, &mut reg, &out).await;
                    }
                }
                // ICMP port/host unreachable on the connected socket.
                Err(err) => reg.on_send_error(err.to_string(), Instant::now()),
            },
            _ = tokio::time::sleep_until(wakeup) => {
                if let Some(out) = reg.poll(Instant::now()) {
                    send(&socket, &mut reg, &out).await;
                }
            }
            _ = address_check.tick() => {
                let Ok(probe) = connect(proxy).await else { continue };
                let Ok(now_local) = probe.local_addr() else { continue };
                if now_local.ip() != local.ip() {
                    tracing::info!(old = %local.ip(), new = %now_local.ip(), "local address changed; registering again");
                    socket = probe;
                    local = now_local;
                    let out = reg.register_now(local, Instant::now());
                    send(&socket, &mut reg, &out).await;
                }
            }
            command = commands.recv() => match command {
                Some(AgentCommand::Reregister) => {
                    let out = reg.register_now(local, Instant::now());
                    send(&socket, &mut reg, &out).await;
                }
                Some(AgentCommand::Stop) | None => {
                    let out = reg.unregister(Instant::now());
                    let _ = socket.send(&out).await;
                    // Give the server a moment to answer; the binding would expire anyway.
                    let _ = tokio::time::timeout(Duration::from_millis(500), socket.recv(&mut buf)).await;
                    return;
                }
            },
        }
    }
}

async fn send(socket: &UdpSocket, reg: &mut Registration, bytes: &[u8]) {
    if let Err(err) = socket.send(bytes).await {
        reg.on_send_error(err.to_string(), Instant::now());
    }
}

impl std::fmt::Display for RegFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegFailure::Timeout => write!(f, "no answer from the SIP server"),
            RegFailure::WrongCredentials(code) => write!(f, "SIP credentials refused ({code})"),
            RegFailure::Rejected { code, reason } => {
                write!(f, "SIP server refused: {code} {reason}")
            }
            RegFailure::Unreachable(why) => write!(f, "SIP server unreachable: {why}"),
        }
    }
}
