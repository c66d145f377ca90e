//! The wizard's pages: the network (also Settings → Network), the server
//! address (also Settings → Server, and Diagnostics' target), the code.

use crate::screen::{ActivationPageState, NetworkPageState, ServerPageState};
use crate::status::StatusView;
use crate::ui::UiState;

pub fn apply_network(state: &NetworkPageState, ui: &UiState) {
    state.set_dhcp(ui.dhcp);
    state.set_address(ui.address.as_str().into());
    state.set_gateway(ui.gateway.as_str().into());
    state.set_dns(ui.dns.as_str().into());
    state.set_dns2(ui.dns2.as_str().into());
    state.set_error(ui.network_error.unwrap_or_default().into());
}

pub fn apply_server(state: &ServerPageState, ui: &UiState) {
    state.set_server_url(ui.server_url.as_str().into());
}

pub fn apply_activation(state: &ActivationPageState, ui: &UiState, view: &StatusView) {
    state.set_code(super::group_digits(&ui.code, 4).into());
    state.set_activating(ui.activating);
    let error = view.activation_error.as_ref();
    state.set_error(error.map(|e| e.code).unwrap_or_default().into());
    state.set_retry_after_secs(error.and_then(|e| e.retry_after_secs).unwrap_or(0) as i32);
}
