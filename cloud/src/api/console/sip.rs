//! The SIP accounts page (admins): accounts for third-party endpoints
//! (desk phones, other systems) in the enterprise, with whether each is
//! registered; adding one (its password shown once) and removing one.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::html::{self, sip::Created, Notice};
use super::strings::text;
use super::{form, see_other, Console, CsrfForm, Done};
use crate::api::extract::ApiPath;
use crate::api::AppState;
use crate::devices::SipAccountView;
use crate::error::CloudError;

/// The enterprise's third-party accounts (rooms' own are on the rooms
/// page).
async fn accounts(state: &AppState, console: &Console) -> Result<Vec<SipAccountView>, CloudError> {
    let mut all = state.devices.list_sip_accounts().await?;
    all.retain(|a| a.device_sn.is_none() && a.enterprise_id == console.me.account.enterprise_id);
    Ok(all)
}

pub async fn page(
    State(state): State<AppState>,
    console: Console,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, CloudError> {
    if !console.is_admin() {
        return Ok(see_other("/console/meetings"));
    }
    let notice = (done.done.as_deref() == Some("removed"))
        .then(|| Notice::ok(text(console.lang, "sip_removed")));
    render(&state, &console, StatusCode::OK, notice, None).await
}

async fn render(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    notice: Option<Notice>,
    created: Option<Created>,
) -> Result<Response, CloudError> {
    let accounts = accounts(state, console).await?;
    Ok(console.page(
        status,
        html::sip::page(console, &accounts, notice, created.as_ref()),
    ))
}

#[derive(Deserialize)]
pub struct AddForm {
    csrf: String,
    username: String,
    display_name: String,
    password: String,
}

pub async fn add(
    State(state): State<AppState>,
    console: Console,
    posted: Result<Form<AddForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let posted = form(posted)?;
    console.check_form(&posted.csrf)?;
    console.require_admin()?;
    let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
    let password = optional(&posted.password);
    let enterprise = console.me.account.enterprise_id.to_string();
    match state
        .devices
        .create_sip_account(
            posted.username.trim(),
            password.as_deref(),
            &enterprise,
            optional(&posted.display_name).as_deref(),
            None,
        )
        .await
    {
        Ok(account) => {
            let notice = Notice::ok(text(console.lang, "sip_added"));
            let created = Created {
                username: account.username,
                // Shown when the cloud generated it; a typed one the admin knows.
                password: account.password.filter(|_| password.is_none()),
            };
            render(
                &state,
                &console,
                StatusCode::CREATED,
                Some(notice),
                Some(created),
            )
            .await
        }
        Err(err @ (CloudError::InvalidInput(_) | CloudError::Exists(_))) => {
            let why = Notice::error(&format!("{} {err}", text(console.lang, "not_done")));
            render(&state, &console, StatusCode::BAD_REQUEST, Some(why), None).await
        }
        Err(err) => Err(err),
    }
}

pub async fn remove(
    State(state): State<AppState>,
    console: Console,
    ApiPath(username): ApiPath,
    posted: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    console.check_form(&form(posted)?.csrf)?;
    console.require_admin()?;
    if !accounts(&state, &console)
        .await?
        .iter()
        .any(|a| a.username == username)
    {
        return Err(CloudError::NotFound("SIP account"));
    }
    state.devices.delete_sip_account(&username).await?;
    Ok(see_other("/console/sip-accounts?done=removed"))
}
