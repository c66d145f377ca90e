//! The HTTP APIs: the device API (activation, config channel), the admin
//! API (devices, enterprises, SIP accounts, casts), casting (its page and
//! its WHIP-shaped signalling), and the pages people use: the web console
//! and the conference-control page. Documented in docs/API.md.

mod accounts;
mod admin;
mod cast;
mod cast_page;
mod channel;
mod console;
mod control_page;
pub use control_page::Sessions as ControlSessions;
mod device;
mod error;
mod extract;
mod live;
mod meetings;
mod updates;
mod web;

use std::sync::Arc;

use axum::routing::{delete, get, patch, post};
use axum::Router;
use roomterm_proto::{ADMIN_API, DEVICE_API};

use crate::devices::Devices;
use crate::meetings::Meetings;

#[derive(Clone)]
pub struct AppState {
    pub devices: Arc<Devices>,
    pub meetings: Arc<Meetings>,
    /// Live meetings: who is in them, their layout.
    pub focus: Arc<crate::focus::Focus>,
    /// Casting: codes, the rooms' channels, sessions.
    pub casting: Arc<crate::cast::Casting>,
    /// SHA-256 of the admin bearer token.
    pub admin_token_hash: String,
    /// Who is signed in to the conference-control page.
    pub control: Arc<control_page::Sessions>,
    /// Console accounts and their sessions.
    pub accounts: Arc<crate::accounts::Accounts>,
}

pub fn router(state: AppState) -> Router {
    let device = Router::new()
        .route("/activate", post(device::activate))
        .route("/config", get(device::config))
        .route("/directory", get(device::directory))
        .route("/meetings", get(device::meetings))
        .route("/updates/{name}", get(updates::download))
        .route("/channel", get(channel::open));
    let admin = Router::new()
        .route(
            "/enterprises",
            get(admin::list_enterprises).post(admin::create_enterprise),
        )
        .route("/accounts", get(accounts::list).post(accounts::create))
        .route("/accounts/{username}", delete(accounts::remove))
        .route("/devices", get(admin::list_devices).post(admin::add_device))
        .route(
            "/devices/{sn}",
            get(admin::get_device)
                .patch(admin::update_device)
                .delete(admin::remove_device),
        )
        .route("/devices/{sn}/reset-code", post(admin::reset_code))
        .route(
            "/devices/{sn}/update",
            post(updates::offer).delete(updates::cancel),
        )
        .route("/devices/{sn}/meeting-room", get(meetings::device_room))
        .route("/meetings", get(meetings::list).post(meetings::create))
        .route("/meetings/{id}", get(meetings::show).patch(meetings::edit))
        .route("/meetings/{id}/cancel", post(meetings::cancel))
        .route("/meetings/{id}/join-check", post(meetings::join_check))
        .route("/meetings/{id}/live", get(live::live).post(live::act))
        .route("/meetings/{id}/live/audit", get(live::audit))
        .route("/meetings/{id}/layout", post(live::set_layout))
        .route(
            "/sip-accounts",
            get(admin::list_sip_accounts).post(admin::create_sip_account),
        )
        .route(
            "/sip-accounts/{username}",
            delete(admin::delete_sip_account),
        )
        .route("/casts", get(cast::list))
        .route("/casts/{session}", delete(cast::admin_stop));
    let casting = Router::new()
        .route("/", get(cast_page::page))
        .route("/{code}", get(cast_page::page_with_code))
        .route("/assets/{name}", get(cast_page::asset))
        .route("/whip", post(cast::offer))
        .route("/whip/{session}", patch(cast::trickle).delete(cast::stop))
        .route("/whip/{session}/events", get(cast::events));
    let control = Router::new()
        .route("/sign-in", post(control_page::sign_in))
        .route("/sign-out", post(control_page::sign_out))
        .route("/assets/{name}", get(control_page::asset))
        .route("/{meeting}", get(control_page::page))
        .route("/{meeting}/live", get(control_page::live))
        .route("/{meeting}/action", post(control_page::act));
    Router::new()
        .nest(DEVICE_API, device)
        .nest("/control", control)
        .nest("/console", console::routes())
        // Typed with a slash, the console all the same.
        .route(
            "/console/",
            get(|| async { console::see_other("/console/meetings") }),
        )
        .nest(ADMIN_API, admin)
        .nest("/cast", casting)
        // Typed with a slash, the page all the same.
        .route("/cast/", get(cast_page::page))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .with_state(state)
}
