//! Signing in and out, and changing one's password.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use super::html::{self, Notice};
use super::strings::text;
use super::{
    form, language, page_response, see_other, session_cookie, set_lang_cookie, Console, CsrfForm,
};
use crate::accounts::SignIn;
use crate::api::web::same_origin;
use crate::api::AppState;
use crate::error::CloudError;

pub async fn sign_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let (lang, chosen) = language(&headers, uri.query());
    // Signed in already: on to the console.
    if let Some(id) = crate::api::web::cookie(&headers, super::COOKIE) {
        if state.accounts.session(id).await.is_some() {
            return see_other("/console/meetings");
        }
    }
    let mut response = page_response(StatusCode::OK, html::sign_in::page(lang, "", None));
    if let Some(lang) = chosen {
        set_lang_cookie(response.headers_mut(), lang);
    }
    response
}

#[derive(Deserialize)]
pub struct SignInForm {
    username: String,
    password: String,
}

/// The sign-in form posted: a session and on to the console, or the form
/// again saying why not.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    posted: Result<Form<SignInForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let (lang, _) = language(&headers, uri.query());
    let posted = form(posted)?;
    // Another site may not sign a browser in to an account of its choosing.
    if !same_origin(&headers) {
        let why = Notice::error(text(lang, "cross_site"));
        let markup = html::sign_in::page(lang, &posted.username, Some(why));
        return Ok(page_response(StatusCode::FORBIDDEN, markup));
    }
    let refused = |status, why: String| {
        let markup = html::sign_in::page(lang, &posted.username, Some(Notice::error(&why)));
        page_response(status, markup)
    };
    match state
        .accounts
        .sign_in(&posted.username, &posted.password)
        .await?
    {
        SignIn::Session(id) => {
            let mut response = see_other("/console/meetings");
            if let Ok(cookie) = HeaderValue::from_str(&session_cookie(Some(&id))) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            Ok(response)
        }
        SignIn::Wrong => Ok(refused(
            StatusCode::UNAUTHORIZED,
            text(lang, "wrong_password").to_string(),
        )),
        SignIn::Locked(secs) => {
            let minutes = secs.div_ceil(60).to_string();
            let why = text(lang, "locked_out").replace("{min}", &minutes);
            let mut response = refused(StatusCode::TOO_MANY_REQUESTS, why);
            if let Ok(after) = HeaderValue::from_str(&secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, after);
            }
            Ok(response)
        }
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    console: Console,
    posted: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    console.check_form(&form(posted)?.csrf)?;
    state.accounts.sign_out(&console.me).await?;
    let mut response = see_other("/console/sign-in");
    if let Ok(cookie) = HeaderValue::from_str(&session_cookie(None)) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

pub async fn password_page(console: Console) -> Response {
    console.page(StatusCode::OK, html::sign_in::password(&console, None))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    repeat: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    console: Console,
    posted: Result<Form<PasswordForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let posted = form(posted)?;
    console.check_form(&posted.csrf)?;
    let lang = console.lang;
    let outcome = if posted.new != posted.repeat {
        Err(text(lang, "passwords_differ").to_string())
    } else {
        match state
            .accounts
            .change_password(&console.me, &posted.current, &posted.new)
            .await
        {
            Ok(()) => Ok(()),
            Err(CloudError::Coded {
                code: "wrong_password",
                ..
            }) => Err(text(lang, "current_wrong").to_string()),
            Err(CloudError::Coded {
                code: "weak_password",
                ..
            }) => Err(text(lang, "password_rule").to_string()),
            Err(err) => return Err(err),
        }
    };
    Ok(match outcome {
        Ok(()) => console.page(
            StatusCode::OK,
            html::sign_in::password(&console, Some(Notice::ok(text(lang, "password_changed")))),
        ),
        Err(why) => console.page(
            StatusCode::BAD_REQUEST,
            html::sign_in::password(&console, Some(Notice::error(&why))),
        ),
    })
}
