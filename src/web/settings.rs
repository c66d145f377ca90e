//! The installer's settings from afar, checked as the wizard checks them:
//! the network (DHCP, or a static address whose gateway is inside its
//! subnet) and, before activation, the cloud to activate with; and whether
//! that cloud answers from here.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use super::common::{body, error, settle, Authorized, Body};
use super::ApiState;
use crate::store::NetworkSettings;

#[derive(Deserialize)]
pub struct NetworkBody {
    pub dhcp: bool,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub gateway: String,
    #[serde(default)]
    pub dns: Vec<String>,
}

impl NetworkBody {
    /// The settings, or the wizard's error code and why.
    pub fn check(&self) -> Result<NetworkSettings, crate::net::NetError> {
        if self.dhcp {
            return Ok(NetworkSettings::Dhcp);
        }
        let dns: Vec<&str> = self.dns.iter().map(String::as_str).collect();
        crate::net::parse_static(&self.address, &self.gateway, &dns)
    }
}

/// Whether the cloud answers from here: its API port and its SIP port
/// over UDP and TCP (the web admin's Diagnostics).
pub async fn reachability(_: Authorized, State(state): State<ApiState>) -> Response {
    match state.terminal.check_reachability().await {
        Some(report) => Json(report).into_response(),
        None => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "stopping",
            "the terminal is stopping",
        ),
    }
}

/// Saves and applies the network; answers with what was saved.
pub async fn network(
    _: Authorized,
    State(state): State<ApiState>,
    network: Body<NetworkBody>,
) -> Response {
    let network = match body(network) {
        Ok(n) => n,
        Err(response) => return *response,
    };
    let settings = match network.check() {
        Ok(settings) => settings,
        Err(err) => return error(StatusCode::BAD_REQUEST, err.code(), &err.to_string()),
    };
    state.terminal.set_network(settings.clone()).await;
    settle(&state.terminal).await;
    Json(json!({ "network": settings })).into_response()
}

#[derive(Deserialize)]
pub struct ServerBody {
    url: String,
}

/// The cloud the wizard activates with; `409 already_activated` once the
/// terminal is activated.
pub async fn server(
    _: Authorized,
    State(state): State<ApiState>,
    server: Body<ServerBody>,
) -> Response {
    let server = match body(server) {
        Ok(s) => s,
        Err(response) => return *response,
    };
    let url = match crate::provision::parse_server_url(&server.url) {
        Ok(url) => url,
        Err(code) => {
            return error(
                StatusCode::BAD_REQUEST,
                code,
                "the server is an https:// address, e.g. https://10.0.0.5:8443",
            )
        }
    };
    if let Err(code) = state.terminal.set_server(&url).await {
        return error(
            StatusCode::CONFLICT,
            code,
            "activated: a factory reset is needed to move to another cloud",
        );
    }
    settle(&state.terminal).await;
    Json(json!({ "url": url })).into_response()
}
