//! The web admin's Settings page: the network (DHCP or a static address)
//! and, before activation, the cloud to activate with — checked exactly as
//! the wizard and the control API check them, applied through the same
//! `Terminal` calls, so the room's own screen shows the change.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use super::html::{self, Notice, SettingsView};
use super::pages::{answer, forbidden, form_allowed, frame, visit, LangQuery, Visit};
use super::AdminState;
use crate::status::ProvisioningStatus;
use crate::web::settings::NetworkBody;

fn view(state: &AdminState) -> SettingsView {
    let settings = state.data.load_settings();
    let activated_with = state.data.load_credentials().map(|c| c.server_url);
    let unbound = matches!(
        state.api.terminal.status.borrow().provisioning,
        ProvisioningStatus::Unbound { .. }
    );
    SettingsView {
        network: settings.network,
        server_url: settings.server_url.unwrap_or_default(),
        activated_with: activated_with.filter(|_| !unbound),
    }
}

fn show(state: &AdminState, visit: &Visit, status: StatusCode, notice: Option<Notice>) -> Response {
    match frame(state, visit, false) {
        Ok(mut frame) => {
            frame.notice = notice;
            answer(status, visit, html::settings(&frame, &view(state)))
        }
        Err(gate) => gate.into_response(),
    }
}

pub async fn settings(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    show(&state, &visit, StatusCode::OK, None)
}

#[derive(Deserialize)]
pub struct NetworkForm {
    csrf: String,
    mode: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    gateway: String,
    #[serde(default)]
    dns1: String,
    #[serde(default)]
    dns2: String,
}

pub async fn network(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<NetworkForm>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    if !form_allowed(&visit, &headers, &form.csrf) || visit.must_change() {
        return forbidden(&visit);
    }
    let w = visit.lang.words();
    let body = NetworkBody {
        dhcp: form.mode != "static",
        address: form.address,
        gateway: form.gateway,
        dns: vec![form.dns1, form.dns2],
    };
    match body.check() {
        Ok(network) => {
            tracing::info!(?network, "network set from the web admin");
            state.api.terminal.set_network(network).await;
            state.api.terminal.barrier().await;
            show(
                &state,
                &visit,
                StatusCode::OK,
                Some(Notice::ok(w.network_saved)),
            )
        }
        Err(err) => {
            let text = visit.lang.error(err.code());
            show(
                &state,
                &visit,
                StatusCode::BAD_REQUEST,
                Some(Notice::error(text)),
            )
        }
    }
}

#[derive(Deserialize)]
pub struct ServerForm {
    csrf: String,
    url: String,
}

pub async fn server(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<ServerForm>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    if !form_allowed(&visit, &headers, &form.csrf) || visit.must_change() {
        return forbidden(&visit);
    }
    let w = visit.lang.words();
    let outcome = match crate::provision::parse_server_url(&form.url) {
        Ok(url) => state.api.terminal.set_server(&url).await.map(|()| url),
        Err(code) => Err(code),
    };
    match outcome {
        Ok(url) => {
            tracing::info!(%url, "server set from the web admin");
            state.api.terminal.barrier().await;
            show(
                &state,
                &visit,
                StatusCode::OK,
                Some(Notice::ok(w.server_saved)),
            )
        }
        Err(code) => {
            let status = if code == "already_activated" {
                StatusCode::CONFLICT
            } else {
                StatusCode::BAD_REQUEST
            };
            show(
                &state,
                &visit,
                status,
                Some(Notice::error(visit.lang.error(code))),
            )
        }
    }
}
