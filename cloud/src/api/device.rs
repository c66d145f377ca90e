//! Device API handlers.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::Json;
use roomterm_proto::{ActivateRequest, ActivateResponse, DeviceConfig};

use super::extract::{ApiJson, Device};
use super::AppState;
use crate::error::CloudResult;

pub async fn activate(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> CloudResult<Json<ActivateResponse>> {
    Ok(Json(state.devices.activate(peer.ip(), &req).await?))
}

/// The rooms this terminal can call (its enterprise's other devices).
pub async fn directory(
    State(state): State<AppState>,
    Device(row, _): Device,
) -> CloudResult<Json<Vec<roomterm_proto::DirectoryEntry>>> {
    Ok(Json(state.devices.directory_for(&row).await?))
}

/// The room's meetings of the day (Home lists them).
pub async fn meetings(
    State(state): State<AppState>,
    Device(row, _): Device,
) -> CloudResult<Json<Vec<roomterm_proto::ScheduledMeeting>>> {
    Ok(Json(state.meetings.of_the_day(&row.sn).await?))
}

/// The current config, for terminals that want it without opening the channel.
pub async fn config(
    State(state): State<AppState>,
    Device(row, _): Device,
) -> CloudResult<Json<DeviceConfig>> {
    state.devices.heartbeat(row.id, None, None).await?;
    Ok(Json(state.devices.config_for(&row)))
}
