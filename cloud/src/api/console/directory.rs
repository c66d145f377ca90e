//! The enterprise directory (admins and users): its rooms and third-party
//! SIP endpoints by name, with what to dial and whether each is registered
//! now — what a room's Dial page lists, and who a meeting can invite.
//! `?q=` narrows it by part of a name or number.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::html;
use super::Console;
use crate::api::AppState;
use crate::error::CloudError;

#[derive(Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

pub async fn page(
    State(state): State<AppState>,
    console: Console,
    Query(search): Query<Search>,
) -> Result<Response, CloudError> {
    let enterprise = console.me.account.enterprise_id;
    let query = search.q.trim().to_lowercase();
    let entries: Vec<_> = state
        .devices
        .directory(enterprise, None)
        .await?
        .into_iter()
        .filter(|(e, _)| {
            query.is_empty()
                || e.name.to_lowercase().contains(&query)
                || e.number.to_lowercase().contains(&query)
        })
        .collect();
    Ok(console.page(
        StatusCode::OK,
        html::directory::page(&console, &entries, search.q.trim()),
    ))
}
