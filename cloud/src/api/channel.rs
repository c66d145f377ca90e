//! The config channel: a WebSocket per device. The cloud sends the config on
//! open and again on every change; the device sends heartbeats. While it is
//! open the device counts as "provisioning connected", and casting reaches
//! the room through it: its code (rotated on a one-second tick), browsers'
//! offers and candidates out, the room's answers and ends in.

use std::time::Duration;

use axum::extract::ws::{Message, WebSocket};
use axum::extract::State;
use axum::response::Response;
use roomterm_proto::{DeviceMessage, ServerMessage};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

use super::extract::{ApiWebSocket, Device};
use super::AppState;
use crate::devices::HEARTBEAT_SECS;
use crate::error::CloudError;
use crate::store::DeviceRow;

/// A channel silent for this long is considered dead and closed.
const SILENCE_LIMIT: Duration = Duration::from_secs(3 * HEARTBEAT_SECS as u64);

pub async fn open(
    State(state): State<AppState>,
    Device(row, token): Device,
    ApiWebSocket(ws): ApiWebSocket,
) -> Response {
    ws.max_message_size(64 * 1024)
        .on_upgrade(move |socket| async move {
            let (device_id, devices) = (row.id, state.devices.clone());
            if let Err(err) = run(socket, row, token, state).await {
                tracing::debug!(%err, "config channel ended");
            }
            // Not when a newer channel of the room took over.
            if !devices.presence.is_connected(device_id) && devices.exists(device_id).await {
                devices.record(device_id, "offline", "").await;
            }
        })
}

async fn send(socket: &mut WebSocket, msg: &ServerMessage) -> anyhow::Result<()> {
    let text = serde_json::to_string(msg)?;
    socket.send(Message::Text(text.into())).await?;
    Ok(())
}

async fn run(
    mut socket: WebSocket,
    row: DeviceRow,
    token: String,
    state: AppState,
) -> anyhow::Result<()> {
    let devices = &state.devices;
    // Listening before the channel counts as open: whoever sees it open
    // (the admin API) may change the device, and that must reach it.
    let mut events = devices.presence.subscribe();
    let mut schedules = devices.presence.schedule_events();
    let _connected = devices.presence.connect(row.id);
    devices.heartbeat(row.id, None, None).await?;
    let mut sent_version = row.config_version;
    send(
        &mut socket,
        &ServerMessage::Config {
            config: devices.config_for(&row),
        },
    )
    .await?;
    tracing::info!(sn = %row.sn, "config channel open");
    devices.record(row.id, "online", "").await;
    let mut cast = state.casting.attach(row.id, &row.sn, &row.name);
    let mut cast_tick = tokio::time::interval(Duration::from_secs(1));

    let mut deadline = Instant::now() + SILENCE_LIMIT;
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(incoming) = incoming else { return Ok(()) };
                deadline = Instant::now() + SILENCE_LIMIT;
                match incoming? {
                    Message::Text(text) => match serde_json::from_str::<DeviceMessage>(&text) {
                        Ok(DeviceMessage::Heartbeat { software_version, storage }) => {
                            devices.heartbeat(row.id, software_version.as_deref(), storage).await?;
                            let server_time = devices.now_secs();
                            send(&mut socket, &ServerMessage::HeartbeatAck { server_time }).await?;
                        }
                        Ok(DeviceMessage::UpdateStatus { offer, state, progress, message, .. }) => {
                            devices.update_reported(&row, offer, state, progress, message.as_deref()).await?;
                        }
                        Ok(other) => cast.room_says(other),
                        Err(err) => tracing::debug!(%err, sn = %row.sn, "ignored bad channel message"),
                    },
                    Message::Close(_) => return Ok(()),
                    _ => {}
                }
            }
            event = events.recv() => {
                match event {
                    Ok(id) if id != row.id => continue,
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return Ok(()),
                }
                // Reload through the token: a removed or re-activated device
                // no longer matches it.
                match devices.device_for_token(&token).await {
                    Ok(current) if current.config_version != sent_version => {
                        sent_version = current.config_version;
                        cast.rename(&current.name);
                        send(&mut socket, &ServerMessage::Config { config: devices.config_for(&current) }).await?;
                    }
                    Ok(_) => {}
                    Err(CloudError::Unauthorized) => {
                        let message = "this device was removed or activated again elsewhere".to_string();
                        send(&mut socket, &ServerMessage::Unbound { message }).await?;
                        let _ = socket.send(Message::Close(None)).await;
                        return Ok(());
                    }
                    Err(err) => return Err(err.into()),
                }
            }
            schedule = schedules.recv() => match schedule {
                Ok(enterprise) if enterprise != row.enterprise_id => {}
                Ok(_) | Err(RecvError::Lagged(_)) => send(&mut socket, &ServerMessage::ScheduleChanged).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
            Some(message) = cast.outbox.recv() => send(&mut socket, &message).await?,
            _ = cast_tick.tick() => cast.tick(),
            _ = devices.presence.closed() => {
                let _ = socket.send(Message::Close(None)).await;
                return Ok(());
            }
            _ = tokio::time::sleep_until(deadline) => {
                tracing::info!(sn = %row.sn, "config channel silent too long; closing");
                return Ok(());
            }
        }
    }
}
