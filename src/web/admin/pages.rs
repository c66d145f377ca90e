//! The web admin's handlers. Pages need a session (else to the sign-in);
//! one signed in with the factory password reaches only the change. Every
//! form is checked: the session's CSRF token in it, and sent from the
//! page's own origin.

use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::Markup;
use roomterm_http_guard::pages::{cookie, page_headers, same_origin, session_cookie};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::html::{self, Frame, Notice};
use super::password::{ChangeError, SignIn, FACTORY_PASSWORD};
use super::strings::{Lang, LANG_COOKIE};
use super::AdminState;
use crate::status::StatusView;
use crate::web::sessions::{Session, COOKIE, LIFETIME};
use roomterm_proto::password::Weakness;

const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
                   img-src 'self' blob: data:; connect-src 'self'; form-action 'self'; \
                   frame-ancestors 'none'; base-uri 'none'";

#[derive(Deserialize)]
pub struct LangQuery {
    lang: Option<String>,
}

/// A request's language and session.
pub(super) struct Visit {
    pub(super) lang: Lang,
    /// The language was chosen by `?lang=`: keep it in a cookie.
    chosen: Option<Lang>,
    pub(super) session: Option<(String, Session)>,
}

impl Visit {
    /// Signed in with the factory password: only its change is open.
    pub(super) fn must_change(&self) -> bool {
        self.session.as_ref().is_some_and(|(_, s)| s.must_change)
    }
}

pub(super) fn visit(state: &AdminState, headers: &HeaderMap, query: &LangQuery) -> Visit {
    let lang = Lang::of(query.lang.as_deref(), headers);
    let session =
        cookie(headers, COOKIE).and_then(|id| Some((id.to_string(), state.sessions().get(id)?)));
    Visit {
        lang,
        chosen: query.lang.is_some().then_some(lang),
        session,
    }
}

pub(super) fn answer(status: StatusCode, visit: &Visit, markup: Markup) -> Response {
    let mut response = (status, markup).into_response();
    let h = response.headers_mut();
    page_headers(h, CSP);
    if let Some(lang) = visit.chosen {
        let value = format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; Secure; SameSite=Strict",
            lang.code()
        );
        if let Ok(value) = HeaderValue::from_str(&value) {
            h.append(header::SET_COOKIE, value);
        }
    }
    response
}

/// `response` starting the session `id` in the browser (`None`: ending it).
fn with_session_cookie(mut response: Response, id: Option<&str>) -> Response {
    let cookie = session_cookie(COOKIE, "/", LIFETIME.as_secs() as i64, id);
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

pub(super) fn to(path: &str) -> Response {
    Redirect::to(path).into_response()
}

/// Where a visitor must go before a signed-in page.
pub(super) enum Gate {
    SignIn,
    ChangePassword,
}

impl IntoResponse for Gate {
    fn into_response(self) -> Response {
        to(match self {
            Gate::SignIn => "/sign-in",
            Gate::ChangePassword => "/password",
        })
    }
}

/// The signed-in page's frame, or where the visitor must go first
/// (`forced_ok`: the page is the forced change itself).
pub(super) fn frame<'a>(
    state: &'a AdminState,
    visit: &'a Visit,
    forced_ok: bool,
) -> Result<Frame<'a>, Gate> {
    match &visit.session {
        None => Err(Gate::SignIn),
        Some((_, s)) if s.must_change && !forced_ok => Err(Gate::ChangePassword),
        Some((_, s)) => Ok(Frame {
            lang: visit.lang,
            csrf: &s.csrf,
            sn: state.api.terminal.status.borrow().sn.clone(),
            notice: None,
        }),
    }
}

/// A form's proof: the session's CSRF token, from the page's own origin.
pub(super) fn form_allowed(visit: &Visit, headers: &HeaderMap, csrf: &str) -> bool {
    let Some((_, session)) = &visit.session else {
        return false;
    };
    same_origin(headers) && bool::from(csrf.as_bytes().ct_eq(session.csrf.as_bytes()))
}

pub(super) fn forbidden(visit: &Visit) -> Response {
    answer(
        StatusCode::FORBIDDEN,
        visit,
        html::sign_in(visit.lang, Some(Notice::error("403"))),
    )
}

pub async fn status(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    let frame = match frame(&state, &visit, false) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let view = StatusView::from(&*state.api.terminal.status.borrow());
    answer(StatusCode::OK, &visit, html::status(&frame, &view))
}

pub async fn sign_in_form(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    answer(StatusCode::OK, &visit, html::sign_in(visit.lang, None))
}

#[derive(Deserialize)]
pub struct SignInForm {
    user: String,
    password: String,
}

pub async fn sign_in(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<SignInForm>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    let w = visit.lang.words();
    if !same_origin(&headers) {
        return forbidden(&visit);
    }
    match state.password.sign_in(&form.user, &form.password).await {
        SignIn::Accepted { must_change } => {
            let id = state.sessions().start(must_change);
            let to_page = to(if must_change { "/password" } else { "/" });
            with_session_cookie(to_page, Some(&id))
        }
        SignIn::Refused => answer(
            StatusCode::UNAUTHORIZED,
            &visit,
            html::sign_in(visit.lang, Some(Notice::error(w.wrong_password))),
        ),
        SignIn::Locked(left) => locked(&visit, left),
    }
}

fn locked(visit: &Visit, left: Duration) -> Response {
    let w = visit.lang.words();
    let minutes = left.as_secs().div_ceil(60).max(1);
    let text = format!("{} {minutes} {}", w.locked, w.minutes);
    let mut response = answer(
        StatusCode::TOO_MANY_REQUESTS,
        visit,
        html::sign_in(visit.lang, Some(Notice::error(&text))),
    );
    if let Ok(value) = HeaderValue::from_str(&left.as_secs().max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

pub async fn sign_out(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    if !form_allowed(&visit, &headers, &form.csrf) {
        return forbidden(&visit);
    }
    if let Some((id, _)) = &visit.session {
        state.sessions().end(id);
    }
    with_session_cookie(to("/sign-in"), None)
}

pub async fn password_form(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    match frame(&state, &visit, true) {
        Ok(frame) => {
            let forced = visit.must_change();
            answer(StatusCode::OK, &visit, html::password(&frame, forced))
        }
        Err(r) => r.into_response(),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

pub async fn change_password(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<PasswordForm>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    if !form_allowed(&visit, &headers, &form.csrf) {
        return forbidden(&visit);
    }
    let w = visit.lang.words();
    let refused = |status: StatusCode, text: &str| {
        let mut frame = match frame(&state, &visit, true) {
            Ok(f) => f,
            Err(r) => return r.into_response(),
        };
        frame.notice = Some(Notice::error(text));
        let forced = visit.must_change();
        answer(status, &visit, html::password(&frame, forced))
    };
    if form.new != form.repeat {
        return refused(StatusCode::BAD_REQUEST, w.not_repeated);
    }
    match state.password.change(&form.current, &form.new).await {
        Ok(()) => {
            if let Some((id, _)) = &visit.session {
                state.sessions().password_changed(id);
            }
            tracing::info!("web admin password changed");
            to("/")
        }
        Err(ChangeError::Locked(left)) => locked(&visit, left),
        Err(ChangeError::WrongCurrent) => refused(StatusCode::UNAUTHORIZED, w.wrong_current),
        Err(ChangeError::Weak(Weakness::TooShort)) => refused(StatusCode::BAD_REQUEST, w.too_short),
        Err(ChangeError::Weak(Weakness::TooLong)) => refused(StatusCode::BAD_REQUEST, w.too_long),
        Err(ChangeError::Weak(Weakness::TooPlain)) => refused(StatusCode::BAD_REQUEST, w.too_plain),
        Err(ChangeError::FactoryPassword) => refused(StatusCode::BAD_REQUEST, w.factory_password),
        Err(ChangeError::NotSaved) => refused(StatusCode::INTERNAL_SERVER_ERROR, w.not_saved),
    }
}

pub async fn remote(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    match frame(&state, &visit, false) {
        Ok(frame) => answer(StatusCode::OK, &visit, html::remote(&frame)),
        Err(r) => r.into_response(),
    }
}

/// Log lines the page shows (the bundle has them all).
const LOG_SHOWN: usize = 300;

pub async fn diagnostics(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    show_diagnostics(&state, &visit, None)
}

fn show_diagnostics(
    state: &AdminState,
    visit: &Visit,
    reach: Option<&crate::app::Reachability>,
) -> Response {
    let frame = match frame(state, visit, false) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let mut log = crate::logs::recent();
    let skip = log.len().saturating_sub(LOG_SHOWN);
    log.drain(..skip);
    answer(
        StatusCode::OK,
        visit,
        html::diagnostics(&frame, &log, reach),
    )
}

/// Checks whether the cloud answers from here, and shows it.
pub async fn check(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    if !form_allowed(&visit, &headers, &form.csrf) || visit.must_change() {
        return forbidden(&visit);
    }
    let reach = state.api.terminal.check_reachability().await;
    show_diagnostics(&state, &visit, reach.as_ref())
}

/// The diagnostic bundle, as a download.
pub async fn bundle(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    if let Err(r) = frame(&state, &visit, false) {
        return r.into_response();
    }
    let inputs = super::bundle::Inputs {
        data: state.data.clone(),
        status: StatusView::from(&*state.api.terminal.status.borrow()),
        control_token: state.api.token.clone(),
        board: state.board.clone(),
    };
    let sn = state.api.terminal.status.borrow().sn.clone();
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
    let folder = format!("roomterm-{sn}-{stamp}");
    let built = tokio::task::spawn_blocking(move || {
        let files = super::bundle::files(&inputs);
        super::bundle::archive(&folder, &files).map(|bytes| (folder, bytes))
    })
    .await;
    match built {
        Ok(Ok((folder, bytes))) => {
            let disposition = format!("attachment; filename=\"{folder}.tar.gz\"");
            let mut response =
                ([(header::CONTENT_TYPE, "application/gzip")], bytes).into_response();
            if let Ok(value) = HeaderValue::from_str(&disposition) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

pub async fn maintenance(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    match frame(&state, &visit, false) {
        Ok(frame) => answer(
            StatusCode::OK,
            &visit,
            html::maintenance(&frame, state.restart.is_some()),
        ),
        Err(r) => r.into_response(),
    }
}

pub async fn restart(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    if !form_allowed(&visit, &headers, &form.csrf) || visit.must_change() {
        return forbidden(&visit);
    }
    let Some(restart) = state.restart.clone() else {
        return to("/maintenance");
    };
    tracing::warn!("restart asked for from the web admin");
    // After the answer has left.
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        restart();
    });
    let w = visit.lang.words();
    answer(
        StatusCode::OK,
        &visit,
        html::farewell(visit.lang, w.restarting),
    )
}

#[derive(Deserialize)]
pub struct ResetForm {
    csrf: String,
    confirm: Option<String>,
}

pub async fn factory_reset(
    State(state): State<AdminState>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
    Form(form): Form<ResetForm>,
) -> Response {
    let visit = visit(&state, &headers, &q);
    if !form_allowed(&visit, &headers, &form.csrf) || visit.must_change() {
        return forbidden(&visit);
    }
    let w = visit.lang.words();
    if form.confirm.as_deref() != Some("yes") {
        return to("/maintenance");
    }
    tracing::warn!("factory reset from the web admin");
    if let Err(err) = state.api.terminal.factory_reset().await {
        let mut frame = match frame(&state, &visit, false) {
            Ok(f) => f,
            Err(r) => return r.into_response(),
        };
        frame.notice = Some(Notice::error(&err.to_string()));
        return answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            &visit,
            html::maintenance(&frame, state.restart.is_some()),
        );
    }
    state.sessions().end_all();
    debug_assert!(state.password.must_change(), "{FACTORY_PASSWORD} again");
    let done = html::farewell(visit.lang, w.factory_reset_done);
    with_session_cookie(answer(StatusCode::OK, &visit, done), None)
}
