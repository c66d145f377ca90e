//! The conference-control page (会控): `GET /control/{meeting_id}` for an
//! operator signed in here with the admin token, or signed in to the web
//! console as an admin of the meeting's enterprise or the user who booked
//! it. The meeting's roster live over a WebSocket
//! (`/control/{meeting_id}/live`: the live view at once and after every
//! change), and every host action (`POST /control/{meeting_id}/action`,
//! the API's JSON) taken as the admin. Server-rendered (`html.rs`), words
//! in `strings.rs`, the session in `session.rs`, assets inside the binary
//! (`../web.rs`).
//!
//! Security: the session cookie is Secure, HttpOnly, SameSite=Strict and
//! scoped to `/control`; an action or the live stream must come from the
//! page's own origin (`web::same_origin`); wrong tokens lock the
//! address out as wrong activation codes do; the CSP allows this origin's
//! files only.

mod html;
pub mod session;
mod strings;

use std::net::SocketAddr;
use std::sync::LazyLock;

use axum::extract::ws::{Message, WebSocket};
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;

use super::cast_page::strings::Lang;
use super::extract::{ApiJson, ApiPath, ApiQuery, ApiWebSocket};
use super::live::{live_view, refused};
use super::web::{self, same_origin, Asset, AssetQuery};
use super::AppState;
use crate::error::CloudError;
use crate::focus::control::{Action, Actor};
use session::{set_cookie, SignInError};

pub use session::Sessions;

/// This origin's files only; the form posts here; the script talks to
/// this origin (its WebSocket included).
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const ASSETS: &str = "/control/assets";

static CSS: Asset = Asset {
    name: "control.css",
    content_type: "text/css; charset=utf-8",
    body: include_str!("../../../assets/control/control.css"),
    version: LazyLock::new(|| web::version(include_str!("../../../assets/control/control.css"))),
};

static JS: Asset = Asset {
    name: "control.js",
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../../../assets/control/control.js"),
    version: LazyLock::new(|| web::version(include_str!("../../../assets/control/control.js"))),
};

/// A meeting ID as the page takes it: digits.
fn meeting_id(raw: &str) -> Result<&str, CloudError> {
    let ok = (1..=20).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit());
    ok.then_some(raw).ok_or(CloudError::NotFound("meeting"))
}

#[derive(Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
}

/// The live page when signed in, else the sign-in form.
pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(meeting): ApiPath,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Result<Response, CloudError> {
    let meeting = meeting_id(&meeting)?;
    let lang = Lang::choose(query.lang.as_deref(), web::accept_language(&headers));
    let markup = if may_control(&state, &headers, meeting).await {
        html::control(lang, meeting, &CSS.url(ASSETS), &JS.url(ASSETS))
    } else {
        html::sign_in(lang, meeting, None, &CSS.url(ASSETS))
    };
    Ok(page_response(StatusCode::OK, markup))
}

fn page_response(status: StatusCode, markup: maud::Markup) -> Response {
    let mut response = (status, markup).into_response();
    web::page_headers(response.headers_mut(), CSP);
    response
}

#[derive(Deserialize)]
pub struct SignInForm {
    token: String,
    meeting: String,
    lang: Option<String>,
}

/// The sign-in form posted: a session cookie and back to the page, or the
/// form again saying why not.
pub async fn sign_in(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    form: Result<Form<SignInForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let Form(form) = form.map_err(|e| CloudError::InvalidInput(e.body_text()))?;
    let meeting = meeting_id(&form.meeting)?;
    let lang = Lang::choose(form.lang.as_deref(), web::accept_language(&headers));
    let css = CSS.url(ASSETS);
    match state
        .control
        .sign_in(&form.token, &state.admin_token_hash, peer.ip())
        .await?
    {
        Ok(id) => {
            let to = format!("/control/{meeting}?lang={}", lang.tag());
            let mut response = StatusCode::SEE_OTHER.into_response();
            let h = response.headers_mut();
            h.insert(header::LOCATION, header_value(&to));
            h.insert(header::SET_COOKIE, header_value(&set_cookie(Some(&id))));
            web::secure(h);
            Ok(response)
        }
        Err(SignInError::Wrong) => {
            let why = strings::text(lang, "wrong_token");
            let markup = html::sign_in(lang, meeting, Some(why), &css);
            Ok(page_response(StatusCode::UNAUTHORIZED, markup))
        }
        Err(SignInError::Locked(secs)) => {
            let minutes = secs.div_ceil(60).to_string();
            let why = strings::text(lang, "locked_out").replace("{min}", &minutes);
            let markup = html::sign_in(lang, meeting, Some(&why), &css);
            let mut response = page_response(StatusCode::TOO_MANY_REQUESTS, markup);
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header_value(&secs.to_string()));
            Ok(response)
        }
    }
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static(""))
}

#[derive(Deserialize)]
pub struct SignOutForm {
    meeting: String,
}

pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<SignOutForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let Form(form) = form.map_err(|e| CloudError::InvalidInput(e.body_text()))?;
    let meeting = meeting_id(&form.meeting)?;
    state.control.sign_out(&headers).await?;
    let mut response = StatusCode::SEE_OTHER.into_response();
    let h = response.headers_mut();
    h.insert(
        header::LOCATION,
        header_value(&format!("/control/{meeting}")),
    );
    h.insert(header::SET_COOKIE, header_value(&set_cookie(None)));
    web::secure(h);
    Ok(response)
}

/// Signed in here with the admin token, or to the console as an admin of
/// the meeting's enterprise or the user who booked it.
async fn may_control(state: &AppState, headers: &HeaderMap, meeting: &str) -> bool {
    if state.control.signed_in(headers).await {
        return true;
    }
    let Some(id) = web::cookie(headers, super::console::COOKIE) else {
        return false;
    };
    let Some(me) = state.accounts.session(id).await else {
        return false;
    };
    let Ok(booked) = state.meetings.show(meeting).await else {
        return false;
    };
    let me = &me.account;
    booked.enterprise_id == me.enterprise_id
        && (me.role == crate::accounts::Role::Admin || booked.organiser_account_id == Some(me.id))
}

/// Signed in, from the page's own origin.
async fn allowed(state: &AppState, headers: &HeaderMap, meeting: &str) -> Result<(), CloudError> {
    if !may_control(state, headers, meeting).await {
        return Err(CloudError::Coded {
            status: 401,
            code: "signed_out",
            message: "sign in to the conference-control page".into(),
        });
    }
    if !same_origin(headers) {
        return Err(CloudError::Coded {
            status: 403,
            code: "cross_site",
            message: "only the page itself may act".into(),
        });
    }
    Ok(())
}

/// A host action from the page, taken as the admin; the live view after.
pub async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(meeting): ApiPath,
    ApiJson(action): ApiJson<Action>,
) -> Result<Json<Option<super::live::LiveView>>, CloudError> {
    let meeting = meeting_id(&meeting)?;
    allowed(&state, &headers, meeting).await?;
    state
        .focus
        .act(meeting, Actor::Admin, &action)
        .await
        .map_err(refused)?;
    Ok(Json(live_view(&state, meeting).ok()))
}

/// The meeting's live view over a WebSocket: at once, then after every
/// change (`{"not_in_progress": true}` while nobody is in it).
pub async fn live(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiPath(meeting): ApiPath,
    ApiWebSocket(ws): ApiWebSocket,
) -> Result<Response, CloudError> {
    let meeting = meeting_id(&meeting)?.to_string();
    allowed(&state, &headers, &meeting).await?;
    Ok(ws
        .max_message_size(4 * 1024)
        .on_upgrade(move |socket| follow(state, meeting, socket)))
}

async fn follow(state: AppState, meeting: String, mut socket: WebSocket) {
    let mut changes = state.focus.changes();
    loop {
        let view = match live_view(&state, &meeting) {
            Ok(view) => serde_json::to_string(&view),
            Err(_) => Ok(r#"{"not_in_progress":true}"#.to_string()),
        };
        let Ok(view) = view else { return };
        if socket.send(Message::Text(view.into())).await.is_err() {
            return;
        }
        // Until this meeting changes (or the page goes).
        loop {
            tokio::select! {
                change = changes.recv() => match change {
                    Ok(id) if id == meeting => break,
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return,
                },
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                    Some(Ok(_)) => {}
                },
            }
        }
    }
}

/// `control.js` or `control.css`.
pub async fn asset(
    headers: HeaderMap,
    ApiPath(name): ApiPath,
    ApiQuery(query): ApiQuery<AssetQuery>,
) -> Result<Response, CloudError> {
    web::serve(&[&CSS, &JS], &name, &headers, &query)
}
