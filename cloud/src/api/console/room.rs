//! One room's page (admins): what it is, its live state as the rooms list
//! shows it, and what happened to it lately — added, activated and from
//! where, online and offline, renamed, update offers and its reports.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use super::html;
use super::Console;
use crate::api::extract::ApiPath;
use crate::api::AppState;
use crate::error::CloudError;

pub async fn page(
    State(state): State<AppState>,
    console: Console,
    ApiPath(sn): ApiPath,
) -> Result<Response, CloudError> {
    console.require_admin()?;
    // Another enterprise's room is not found either.
    let room = super::rooms::rooms(&state, &console)
        .await?
        .into_iter()
        .find(|room| room.device.sn == sn)
        .ok_or(CloudError::NotFound("device"))?;
    let events = state.devices.recent_events(&sn).await?;
    let now = state.devices.now_secs();
    Ok(console.page(
        StatusCode::OK,
        html::room::page(&console, &room, &events, now),
    ))
}
