//! Admin API handlers: thin wrappers over [`Devices`](crate::devices::Devices).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::extract::{Admin, ApiJson, ApiPath, ApiQuery};
use super::AppState;
use crate::devices::{DeviceView, IssuedCode, SipAccountView};
use crate::error::{CloudError, CloudResult};
use crate::store::Enterprise;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewEnterprise {
    name: String,
}

pub async fn create_enterprise(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewEnterprise>,
) -> CloudResult<(StatusCode, Json<Enterprise>)> {
    let enterprise = state.devices.create_enterprise(&body.name).await?;
    Ok((StatusCode::CREATED, Json(enterprise)))
}

pub async fn list_enterprises(
    _: Admin,
    State(state): State<AppState>,
) -> CloudResult<Json<Vec<Enterprise>>> {
    Ok(Json(state.devices.list_enterprises().await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDevice {
    sn: String,
    /// Enterprise id or name.
    enterprise: String,
    name: Option<String>,
    model: Option<String>,
}

pub async fn add_device(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewDevice>,
) -> CloudResult<(StatusCode, Json<IssuedCode>)> {
    let issued = state
        .devices
        .add_device(
            &body.sn,
            &body.enterprise,
            body.name.as_deref(),
            body.model.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

#[derive(Deserialize)]
pub struct DeviceFilter {
    enterprise: Option<String>,
}

pub async fn list_devices(
    _: Admin,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<DeviceFilter>,
) -> CloudResult<Json<Vec<DeviceView>>> {
    Ok(Json(
        state
            .devices
            .list_devices(filter.enterprise.as_deref())
            .await?,
    ))
}

pub async fn get_device(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(sn): ApiPath,
) -> CloudResult<Json<DeviceView>> {
    Ok(Json(state.devices.device(&sn).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceUpdate {
    name: Option<String>,
}

pub async fn update_device(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(sn): ApiPath,
    ApiJson(body): ApiJson<DeviceUpdate>,
) -> CloudResult<Json<DeviceView>> {
    let Some(name) = body.name else {
        return Err(CloudError::InvalidInput(
            "nothing to update: give a name".into(),
        ));
    };
    Ok(Json(state.devices.rename_device(&sn, &name).await?))
}

pub async fn remove_device(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(sn): ApiPath,
) -> CloudResult<Json<DeviceView>> {
    Ok(Json(state.devices.remove_device(&sn).await?))
}

pub async fn reset_code(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(sn): ApiPath,
) -> CloudResult<Json<IssuedCode>> {
    Ok(Json(state.devices.reset_code(&sn).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSipAccount {
    username: String,
    password: Option<String>,
    enterprise: String,
    display_name: Option<String>,
    digest_algorithms: Option<String>,
}

pub async fn create_sip_account(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewSipAccount>,
) -> CloudResult<(StatusCode, Json<SipAccountView>)> {
    let account = state
        .devices
        .create_sip_account(
            &body.username,
            body.password.as_deref(),
            &body.enterprise,
            body.display_name.as_deref(),
            body.digest_algorithms.as_deref(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(account)))
}

pub async fn list_sip_accounts(
    _: Admin,
    State(state): State<AppState>,
) -> CloudResult<Json<Vec<SipAccountView>>> {
    Ok(Json(state.devices.list_sip_accounts().await?))
}

pub async fn delete_sip_account(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(username): ApiPath,
) -> CloudResult<StatusCode> {
    state.devices.delete_sip_account(&username).await?;
    Ok(StatusCode::NO_CONTENT)
}
