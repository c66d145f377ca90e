//! Admin API handlers for console accounts: thin wrappers over
//! [`Accounts`](crate::accounts::Accounts). The admin token stays the key
//! for automation; these make the people who sign in.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::extract::{Admin, ApiJson, ApiPath, ApiQuery};
use super::AppState;
use crate::accounts::{generate_password, AccountView, Role};
use crate::error::CloudResult;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    /// Enterprise id or name.
    enterprise: String,
    username: String,
    display_name: Option<String>,
    role: Role,
    /// Generated (and returned this once) when omitted.
    password: Option<String>,
}

pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewAccount>,
) -> CloudResult<(StatusCode, Json<AccountView>)> {
    let generated = body.password.is_none().then(generate_password);
    let password = body
        .password
        .as_deref()
        .or(generated.as_deref())
        .unwrap_or_default();
    let mut account = state
        .accounts
        .create(
            &body.enterprise,
            &body.username,
            body.display_name.as_deref(),
            body.role,
            password,
        )
        .await?;
    account.password = generated;
    Ok((StatusCode::CREATED, Json(account)))
}

#[derive(Deserialize)]
pub struct AccountFilter {
    enterprise: Option<String>,
}

pub async fn list(
    _: Admin,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<AccountFilter>,
) -> CloudResult<Json<Vec<AccountView>>> {
    Ok(Json(
        state.accounts.list(filter.enterprise.as_deref()).await?,
    ))
}

pub async fn remove(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(username): ApiPath,
) -> CloudResult<Json<AccountView>> {
    Ok(Json(state.accounts.remove(&username).await?))
}
