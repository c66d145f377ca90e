//! The config channel, client side: keeps a WebSocket to the cloud open,
//! sends heartbeats, reports config pushes, and reconnects with backoff.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use roomterm_proto::{CastCode, CastEnd, DeviceConfig, DeviceMessage, ServerMessage};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::Connector;

use super::backoff::Backoff;
use super::tls;

#[derive(Debug, Clone, PartialEq)]
pub enum ChannelEvent {
    /// The channel is open: "provisioning connected".
    Connected,
    /// The channel dropped or could not open; a retry follows after `retry_in`.
    Disconnected {
        reason: String,
        retry_in: Duration,
    },
    Config(DeviceConfig),
    /// The cloud no longer knows this terminal (removed or re-activated
    /// elsewhere). The channel stops; the terminal must activate again.
    Unbound(String),
    /// Casting signalling for the room (the runtime's cast part acts on it).
    Cast(CastSignal),
    /// The room's meetings may have changed: fetch the day's again.
    ScheduleChanged,
}

/// What the cloud says about casting to this room.
#[derive(Debug, Clone, PartialEq)]
pub enum CastSignal {
    /// The code to show (issued or rotated).
    Code(CastCode),
    /// A browser's offer to cast.
    Offer {
        session: String,
        caster: String,
        sdp: String,
        take_over: bool,
    },
    /// A trickled ICE candidate of the browser.
    Candidate {
        session: String,
        mline: u32,
        candidate: String,
    },
    /// The cast ends from the cloud's side.
    Stop { session: String, reason: CastEnd },
}

#[derive(Debug, Clone)]
pub struct ChannelSettings {
    pub server_url: String,
    pub channel_path: String,
    pub device_token: String,
    /// The pinned CA; `None` only for plain-HTTP development clouds.
    pub ca_pem: Option<String>,
    pub software_version: String,
    /// The data folder, whose file system's size and free space ride on
    /// every heartbeat.
    pub data: Option<crate::store::DataDir>,
}

enum End {
    Unbound(String),
    Lost(String),
}

/// Runs the channel until the cloud unbinds the terminal or `events` closes;
/// sends what arrives on `outgoing` (reports wait while the channel is down).
pub async fn run(
    settings: ChannelSettings,
    events: mpsc::Sender<ChannelEvent>,
    mut outgoing: mpsc::Receiver<DeviceMessage>,
) {
    let mut backoff = Backoff::default();
    loop {
        let end = session(&settings, &events, &mut outgoing, &mut backoff).await;
        match end {
            End::Unbound(message) => {
                let _ = events.send(ChannelEvent::Unbound(message)).await;
                return;
            }
            End::Lost(reason) => {
                let retry_in = backoff.next_delay(rand::random::<f64>());
                tracing::info!(%reason, ?retry_in, "config channel down");
                if events
                    .send(ChannelEvent::Disconnected { reason, retry_in })
                    .await
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(retry_in).await;
            }
        }
    }
}

fn channel_url(settings: &ChannelSettings) -> String {
    let base = settings.server_url.trim_end_matches('/');
    let base = if let Some(rest) = base.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = base.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        base.to_string()
    };
    format!("{base}{}", settings.channel_path)
}

async fn session(
    settings: &ChannelSettings,
    events: &mpsc::Sender<ChannelEvent>,
    outgoing: &mut mpsc::Receiver<DeviceMessage>,
    backoff: &mut Backoff,
) -> End {
    let mut request = match channel_url(settings).into_client_request() {
        Ok(request) => request,
        Err(err) => return End::Lost(format!("bad server address: {err}")),
    };
    match format!("Bearer {}", settings.device_token).parse() {
        Ok(value) => {
            request.headers_mut().insert("authorization", value);
        }
        Err(_) => return End::Unbound("the stored device token is unusable".into()),
    }
    let connector = match &settings.ca_pem {
        Some(pem) => match tls::pinned_config(pem) {
            Ok(config) => Some(Connector::Rustls(config)),
            Err(err) => return End::Lost(format!("pinned CA unusable: {err}")),
        },
        // Never fall back to the public web roots: whoever holds any public
        // certificate for the name could then pose as the cloud.
        None if settings.server_url.starts_with("https:") => {
            return End::Lost("the pinned CA is missing: activate the terminal again".into())
        }
        None => None,
    };
    let connect = tokio_tungstenite::connect_async_tls_with_config(request, None, false, connector);
    let mut socket = match tokio::time::timeout(Duration::from_secs(10), connect).await {
        Err(_) => return End::Lost("timed out connecting".into()),
        Ok(Err(tokio_tungstenite::tungstenite::Error::Http(response)))
            if response.status() == 401 =>
        {
            return End::Unbound("the cloud no longer accepts this terminal's token".into())
        }
        Ok(Err(err)) => return End::Lost(err.to_string()),
        Ok(Ok((socket, _))) => socket,
    };
    backoff.reset();
    if events.send(ChannelEvent::Connected).await.is_err() {
        return End::Lost("terminal shutting down".into());
    }
    // The first heartbeat at once: the cloud learns the running release
    // (after an update's reboot, say) without waiting a period.
    let mut heartbeat = tokio::time::interval(Duration::from_secs(30));
    let mut silence_limit = Duration::from_secs(90);
    loop {
        tokio::select! {
            frame = tokio::time::timeout(silence_limit, socket.next()) => {
                let message = match frame {
                    Err(_) => return End::Lost("cloud silent".into()),
                    Ok(None) => return End::Lost("closed by the cloud".into()),
                    Ok(Some(Err(err))) => return End::Lost(err.to_string()),
                    Ok(Some(Ok(Message::Text(text)))) => text,
                    Ok(Some(Ok(_))) => continue,
                };
                match serde_json::from_str::<ServerMessage>(&message) {
                    Ok(ServerMessage::Config { config }) => {
                        let every = Duration::from_secs(u64::from(config.heartbeat_secs.clamp(5, 300)));
                        if every != heartbeat.period() {
                            heartbeat = tokio::time::interval(every);
                            heartbeat.tick().await;
                            silence_limit = every * 3;
                        }
                        if events.send(ChannelEvent::Config(config)).await.is_err() {
                            return End::Lost("terminal shutting down".into());
                        }
                    }
                    Ok(ServerMessage::HeartbeatAck { .. }) => {}
                    Ok(ServerMessage::Unbound { message }) => return End::Unbound(message),
                    Ok(ServerMessage::ScheduleChanged) => {
                        if events.send(ChannelEvent::ScheduleChanged).await.is_err() {
                            return End::Lost("terminal shutting down".into());
                        }
                    }
                    Ok(cast) => {
                        let Some(signal) = cast_signal(cast) else { continue };
                        if events.send(ChannelEvent::Cast(signal)).await.is_err() {
                            return End::Lost("terminal shutting down".into());
                        }
                    }
                    Err(err) => tracing::warn!(%err, "ignored unknown config-channel message"),
                }
            }
            Some(report) = outgoing.recv() => {
                let text = serde_json::to_string(&report).unwrap_or_default();
                if let Err(err) = socket.send(Message::Text(text.into())).await {
                    return End::Lost(err.to_string());
                }
            }
            _ = heartbeat.tick() => {
                let beat = DeviceMessage::Heartbeat {
                    software_version: Some(settings.software_version.clone()),
                    storage: settings.data.as_ref().and_then(|data| data.storage()),
                };
                let text = serde_json::to_string(&beat).unwrap_or_default();
                if let Err(err) = socket.send(Message::Text(text.into())).await {
                    return End::Lost(err.to_string());
                }
            }
        }
    }
}

/// The casting messages of the channel, typed for the runtime.
fn cast_signal(message: ServerMessage) -> Option<CastSignal> {
    Some(match message {
        ServerMessage::CastCode { code } => CastSignal::Code(code),
        ServerMessage::CastOffer {
            session,
            caster,
            sdp,
            take_over,
        } => CastSignal::Offer {
            session,
            caster,
            sdp,
            take_over,
        },
        ServerMessage::CastCandidate {
            session,
            mline,
            candidate,
        } => CastSignal::Candidate {
            session,
            mline,
            candidate,
        },
        ServerMessage::CastStop { session, reason } => CastSignal::Stop { session, reason },
        ServerMessage::Config { .. }
        | ServerMessage::HeartbeatAck { .. }
        | ServerMessage::Unbound { .. }
        | ServerMessage::ScheduleChanged => return None,
    })
}
