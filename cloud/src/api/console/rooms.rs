//! The rooms page (admins): the enterprise's rooms with their live state,
//! adding one by SN (its activation code shown once, also as a QR code),
//! a new code, renaming, removing, offering a software update (a bundle
//! of the updates folder) or withdrawing it. `GET /console/rooms/live` gives the
//! live columns as JSON for `console.js` to refresh in place.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Form, Json};
use serde::{Deserialize, Serialize};

use super::html::rooms::{Issued, RoomRow};
use super::html::{self, Notice};
use super::strings::text;
use super::{form, see_other, Console, CsrfForm, Done};
use crate::api::cast_page::strings::Lang;
use crate::api::extract::ApiPath;
use crate::api::AppState;
use crate::devices::DeviceView;
use crate::error::CloudError;

/// The enterprise's rooms, with the meetings and casts they are in.
pub(super) async fn rooms(state: &AppState, console: &Console) -> Result<Vec<RoomRow>, CloudError> {
    let enterprise = console.me.account.enterprise_id.to_string();
    let devices = state.devices.list_devices(Some(&enterprise)).await?;
    let mut meetings = state.focus.rooms_in_meetings();
    let mut casts: HashMap<String, String> = state
        .casting
        .list()
        .into_iter()
        .map(|c| (c.room_sn, c.caster))
        .collect();
    Ok(devices
        .into_iter()
        .map(|device| RoomRow {
            meeting: meetings.remove(&device.sn),
            caster: casts.remove(&device.sn),
            device,
        })
        .collect())
}

/// One of the enterprise's rooms, or not found (another enterprise's is
/// not found either).
async fn own_room(state: &AppState, console: &Console, sn: &str) -> Result<DeviceView, CloudError> {
    let device = state.devices.device(sn).await?;
    if device.enterprise_id != console.me.account.enterprise_id {
        return Err(CloudError::NotFound("device"));
    }
    Ok(device)
}

/// What a redirect after a form says it did (only these words).
fn done_notice(lang: Lang, done: Option<&str>) -> Option<Notice> {
    let key = match done? {
        "renamed" => "room_renamed",
        "removed" => "room_removed",
        "offered" => "update_offered",
        "withdrawn" => "update_withdrawn",
        _ => return None,
    };
    Some(Notice::ok(text(lang, key)))
}

pub async fn page(
    State(state): State<AppState>,
    console: Console,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, CloudError> {
    if !console.is_admin() {
        return Ok(see_other("/console/meetings"));
    }
    let notice = done_notice(console.lang, done.done.as_deref());
    render(&state, &console, StatusCode::OK, notice, None).await
}

async fn render(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    notice: Option<Notice>,
    issued: Option<Issued>,
) -> Result<Response, CloudError> {
    let rooms = rooms(state, console).await?;
    let now = state.devices.now_secs();
    let bundles = state.devices.bundles();
    Ok(console.page(
        status,
        html::rooms::page(console, &rooms, &bundles, now, notice, issued.as_ref()),
    ))
}

/// The live columns of every room, in the page's words.
#[derive(Serialize)]
pub struct LiveRoom {
    sn: String,
    cells: Vec<html::rooms::Cell>,
}

pub async fn live(
    State(state): State<AppState>,
    console: Console,
) -> Result<Json<Vec<LiveRoom>>, CloudError> {
    console.require_admin()?;
    let now = state.devices.now_secs();
    let rooms = rooms(&state, &console).await?;
    Ok(Json(
        rooms
            .iter()
            .map(|room| LiveRoom {
                sn: room.device.sn.clone(),
                cells: html::rooms::live_cells(console.lang, room, now),
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct AddForm {
    csrf: String,
    sn: String,
    name: String,
}

pub async fn add(
    State(state): State<AppState>,
    console: Console,
    posted: Result<Form<AddForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let posted = form(posted)?;
    console.check_form(&posted.csrf)?;
    console.require_admin()?;
    let name = Some(posted.name.trim()).filter(|n| !n.is_empty());
    let enterprise = console.me.account.enterprise_id.to_string();
    match state
        .devices
        .add_device(&posted.sn, &enterprise, name, None)
        .await
    {
        Ok(issued) => {
            let notice = Notice::ok(text(console.lang, "room_added"));
            render(
                &state,
                &console,
                StatusCode::CREATED,
                Some(notice),
                Some(issued.into()),
            )
            .await
        }
        Err(err) => refused(&state, &console, err).await,
    }
}

/// A form the rules refused: the page again, saying why.
async fn refused(
    state: &AppState,
    console: &Console,
    err: CloudError,
) -> Result<Response, CloudError> {
    let status = match &err {
        CloudError::InvalidInput(_) => StatusCode::BAD_REQUEST,
        CloudError::SnExists | CloudError::Exists(_) => StatusCode::CONFLICT,
        CloudError::NotFound(_) => StatusCode::NOT_FOUND,
        _ => return Err(err),
    };
    let why = format!("{} {err}", text(console.lang, "not_done"));
    render(state, console, status, Some(Notice::error(&why)), None).await
}

#[derive(Deserialize)]
pub struct RenameForm {
    csrf: String,
    name: String,
}

pub async fn rename(
    State(state): State<AppState>,
    console: Console,
    ApiPath(sn): ApiPath,
    posted: Result<Form<RenameForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let posted = form(posted)?;
    console.check_form(&posted.csrf)?;
    console.require_admin()?;
    own_room(&state, &console, &sn).await?;
    match state.devices.rename_device(&sn, &posted.name).await {
        Ok(_) => Ok(see_other("/console/rooms?done=renamed")),
        Err(err) => refused(&state, &console, err).await,
    }
}

pub async fn reset_code(
    State(state): State<AppState>,
    console: Console,
    ApiPath(sn): ApiPath,
    posted: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    console.check_form(&form(posted)?.csrf)?;
    console.require_admin()?;
    own_room(&state, &console, &sn).await?;
    let issued = state.devices.reset_code(&sn).await?;
    let notice = Notice::ok(text(console.lang, "code_reset"));
    render(
        &state,
        &console,
        StatusCode::OK,
        Some(notice),
        Some(issued.into()),
    )
    .await
}

pub async fn remove(
    State(state): State<AppState>,
    console: Console,
    ApiPath(sn): ApiPath,
    posted: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    console.check_form(&form(posted)?.csrf)?;
    console.require_admin()?;
    own_room(&state, &console, &sn).await?;
    state.devices.remove_device(&sn).await?;
    Ok(see_other("/console/rooms?done=removed"))
}

#[derive(Deserialize)]
pub struct UpdateForm {
    csrf: String,
    bundle: String,
    version: String,
}

/// Offers a bundle of the updates folder to the room (it installs it when
/// no call is on, as from the CLI).
pub async fn offer_update(
    State(state): State<AppState>,
    console: Console,
    ApiPath(sn): ApiPath,
    posted: Result<Form<UpdateForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let posted = form(posted)?;
    console.check_form(&posted.csrf)?;
    console.require_admin()?;
    own_room(&state, &console, &sn).await?;
    match state
        .devices
        .offer_update(&sn, &posted.version, &posted.bundle)
        .await
    {
        Ok(_) => Ok(see_other("/console/rooms?done=offered")),
        Err(err) => refused(&state, &console, err).await,
    }
}

pub async fn withdraw_update(
    State(state): State<AppState>,
    console: Console,
    ApiPath(sn): ApiPath,
    posted: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    console.check_form(&form(posted)?.csrf)?;
    console.require_admin()?;
    own_room(&state, &console, &sn).await?;
    state.devices.cancel_update(&sn).await?;
    Ok(see_other("/console/rooms?done=withdrawn"))
}
