//! The web console (`/console`): enterprise admins and users sign in with
//! a password (`crate::accounts`) and manage what the admin API manages —
//! rooms with their live state, meetings, SIP accounts, who may sign in — in English or
//! Chinese. Server-rendered (`html/`), words in `strings.rs`, handlers by
//! page (`rooms.rs`, `meetings.rs`, `sip.rs`, `people.rs`, `account.rs`), assets inside
//! the binary (`../web.rs`); `console.js` only refreshes the rooms' live
//! columns and fills the browser's time zone into forms — every page works
//! without it.
//!
//! Security: the session cookie is Secure, HttpOnly, SameSite=Strict (Path
//! `/`: the conference-control page takes it too); every form carries the
//! session's CSRF token and must come from this origin; the CSP allows
//! this origin's files only; secrets (activation codes, generated
//! passwords) are shown once, in the answer that made them.

mod account;
mod directory;
mod html;
mod meetings;
mod people;
mod room;
mod rooms;
mod schedule_form;
mod sip;
mod strings;

use std::sync::LazyLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::cast_page::strings::Lang;
use super::extract::{ApiPath, ApiQuery};
use super::web::{self, same_origin, Asset, AssetQuery};
use super::AppState;
use crate::accounts::{Role, SignedIn};
use crate::error::CloudError;

/// The session cookie.
pub const COOKIE: &str = "roomcloud_console";
/// The language the switch chose.
const LANG_COOKIE: &str = "roomcloud_lang";

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const ASSETS: &str = "/console/assets";

static CSS: Asset = Asset {
    name: "console.css",
    content_type: "text/css; charset=utf-8",
    body: include_str!("../../../assets/console/console.css"),
    version: LazyLock::new(|| web::version(include_str!("../../../assets/console/console.css"))),
};

static JS: Asset = Asset {
    name: "console.js",
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../../../assets/console/console.js"),
    version: LazyLock::new(|| web::version(include_str!("../../../assets/console/console.js"))),
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { see_other("/console/meetings") }))
        .route(
            "/sign-in",
            get(account::sign_in_page).post(account::sign_in),
        )
        .route("/sign-out", post(account::sign_out))
        .route(
            "/password",
            get(account::password_page).post(account::change_password),
        )
        .route("/rooms", get(rooms::page).post(rooms::add))
        .route("/rooms/live", get(rooms::live))
        .route("/rooms/{sn}", get(room::page))
        .route("/rooms/{sn}/rename", post(rooms::rename))
        .route("/rooms/{sn}/reset-code", post(rooms::reset_code))
        .route("/rooms/{sn}/remove", post(rooms::remove))
        .route("/rooms/{sn}/update", post(rooms::offer_update))
        .route("/rooms/{sn}/update/withdraw", post(rooms::withdraw_update))
        .route("/meetings", get(meetings::page).post(meetings::schedule))
        .route("/meetings/{id}/cancel", post(meetings::cancel))
        .route(
            "/meetings/{id}/edit",
            get(meetings::edit_page).post(meetings::edit),
        )
        .route("/sip-accounts", get(sip::page).post(sip::add))
        .route("/directory", get(directory::page))
        .route("/accounts", get(people::page).post(people::add))
        .route("/accounts/{username}/remove", post(people::remove))
        .route("/sip-accounts/{username}/remove", post(sip::remove))
        .route("/assets/{name}", get(asset))
}

/// A signed-in request: who, in which language, and whether it came from
/// this origin (forms must).
pub struct Console {
    pub me: SignedIn,
    pub lang: Lang,
    /// `?lang=` chose the language: the answer keeps it in a cookie.
    chosen: Option<Lang>,
    same_origin: bool,
}

impl Console {
    /// The page's assets' URLs.
    pub fn assets() -> (String, String) {
        (CSS.url(ASSETS), JS.url(ASSETS))
    }

    pub fn is_admin(&self) -> bool {
        self.me.account.role == Role::Admin
    }

    /// A form's post: from this origin and carrying the session's token.
    pub fn check_form(&self, csrf: &str) -> Result<(), CloudError> {
        let token_ok: bool =
            subtle::ConstantTimeEq::ct_eq(csrf.as_bytes(), self.me.csrf.as_bytes()).into();
        if self.same_origin && token_ok {
            return Ok(());
        }
        Err(CloudError::Coded {
            status: 403,
            code: "cross_site",
            message: "the form did not come from this console; reload the page".into(),
        })
    }

    /// Admins only (a user's pages are its meetings and its password).
    pub fn require_admin(&self) -> Result<(), CloudError> {
        if self.is_admin() {
            return Ok(());
        }
        Err(CloudError::Coded {
            status: 403,
            code: "not_admin",
            message: "only an enterprise admin may do this".into(),
        })
    }

    /// A page's answer: its headers, and the language cookie when the
    /// switch chose one.
    pub fn page(&self, status: StatusCode, markup: maud::Markup) -> Response {
        let mut response = page_response(status, markup);
        if let Some(lang) = self.chosen {
            set_lang_cookie(response.headers_mut(), lang);
        }
        response
    }
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let (lang, chosen) = language(&parts.headers, parts.uri.query());
        let me = match web::cookie(&parts.headers, COOKIE) {
            Some(id) => state.accounts.session(id).await,
            None => None,
        };
        let Some(me) = me else {
            return Err(see_other(&format!("/console/sign-in?lang={}", lang.tag())));
        };
        Ok(Console {
            me,
            lang,
            chosen,
            same_origin: same_origin(&parts.headers),
        })
    }
}

/// A form that only carries the session's token (a button).
#[derive(serde::Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}

/// After a form, the redirect names what was done (`?done=…`); the page
/// words it.
#[derive(serde::Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

/// `?lang=` (remembered in a cookie), then the cookie, then the browser's
/// `Accept-Language`.
fn language(headers: &HeaderMap, query: Option<&str>) -> (Lang, Option<Lang>) {
    let asked = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="));
    let chosen = asked.map(|tag| Lang::choose(Some(tag), None));
    let remembered = web::cookie(headers, LANG_COOKIE);
    let lang = Lang::choose(asked.or(remembered), web::accept_language(headers));
    (lang, chosen)
}

fn set_lang_cookie(h: &mut HeaderMap, lang: Lang) {
    let cookie = format!(
        "{LANG_COOKIE}={}; Path=/console; Max-Age=31536000; Secure; SameSite=Lax",
        lang.tag()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        h.append(header::SET_COOKIE, value);
    }
}

/// The `Set-Cookie` value that starts (`Some(id)`) or ends a session
/// (Path `/`: the conference-control page takes it too).
fn session_cookie(id: Option<&str>) -> String {
    web::session_cookie(COOKIE, "/", crate::accounts::SESSION_SECS, id)
}

fn page_response(status: StatusCode, markup: maud::Markup) -> Response {
    let mut response = (status, markup).into_response();
    web::page_headers(response.headers_mut(), CSP);
    response
}

/// 303 to `to` (after a form: the browser's reload does not post again).
pub fn see_other(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    let h = response.headers_mut();
    if let Ok(to) = HeaderValue::from_str(to) {
        h.insert(header::LOCATION, to);
    }
    web::secure(h);
    response
}

/// A form's body, or why it could not be read.
pub fn form<T>(
    form: Result<axum::Form<T>, axum::extract::rejection::FormRejection>,
) -> Result<T, CloudError> {
    form.map(|axum::Form(f)| f)
        .map_err(|e| CloudError::InvalidInput(e.body_text()))
}

/// `console.js` or `console.css`.
async fn asset(
    headers: HeaderMap,
    ApiPath(name): ApiPath,
    ApiQuery(query): ApiQuery<AssetQuery>,
) -> Result<Response, CloudError> {
    web::serve(&[&CSS, &JS], &name, &headers, &query)
}
