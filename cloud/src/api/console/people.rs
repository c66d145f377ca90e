//! The accounts page (admins): who may sign in to the console for the
//! enterprise — adding an admin or a user (its first password generated
//! and shown once, to pass on; it changes it on its password page) and
//! removing one (its sessions end). An admin cannot remove itself.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::html::{self, people::Created, Notice};
use super::strings::text;
use super::{form, see_other, Console, CsrfForm, Done};
use crate::accounts::{generate_password, AccountView, Role};
use crate::api::extract::ApiPath;
use crate::api::AppState;
use crate::error::CloudError;

async fn people(state: &AppState, console: &Console) -> Result<Vec<AccountView>, CloudError> {
    let enterprise = console.me.account.enterprise_id.to_string();
    state.accounts.list(Some(&enterprise)).await
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
        .then(|| Notice::ok(text(console.lang, "account_removed")));
    render(&state, &console, StatusCode::OK, notice, None).await
}

async fn render(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    notice: Option<Notice>,
    created: Option<Created>,
) -> Result<Response, CloudError> {
    let people = people(state, console).await?;
    Ok(console.page(
        status,
        html::people::page(console, &people, notice, created.as_ref()),
    ))
}

#[derive(Deserialize)]
pub struct AddForm {
    csrf: String,
    username: String,
    display_name: String,
    role: String,
}

pub async fn add(
    State(state): State<AppState>,
    console: Console,
    posted: Result<Form<AddForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let posted = form(posted)?;
    console.check_form(&posted.csrf)?;
    console.require_admin()?;
    let role = Role::parse(&posted.role).unwrap_or(Role::User);
    let password = generate_password();
    let display_name = Some(posted.display_name.trim()).filter(|n| !n.is_empty());
    let enterprise = console.me.account.enterprise_id.to_string();
    match state
        .accounts
        .create(&enterprise, &posted.username, display_name, role, &password)
        .await
    {
        Ok(account) => {
            let notice = Notice::ok(text(console.lang, "account_added"));
            let created = Created {
                username: account.username,
                password,
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
    if username == console.me.account.username {
        let why = Notice::error(text(console.lang, "not_yourself"));
        return render(&state, &console, StatusCode::BAD_REQUEST, Some(why), None).await;
    }
    if !people(&state, &console)
        .await?
        .iter()
        .any(|a| a.username == username)
    {
        return Err(CloudError::NotFound("account"));
    }
    state.accounts.remove(&username).await?;
    Ok(see_other("/console/accounts?done=removed"))
}
