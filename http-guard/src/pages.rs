//! What every web page of both programs shares (the cloud's casting,
//! conference-control and console pages; the terminal's web admin): assets
//! embedded in the binary and served by versioned URL, the security
//! headers, cookies, the same-origin check.

use std::sync::LazyLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// A file of a page, inside the binary.
pub struct Asset {
    pub name: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
    /// Of the content: the URL's `?v=` and the ETag.
    pub version: LazyLock<String>,
}

/// The version of an asset's content.
pub fn version(body: &str) -> String {
    hex::encode(&Sha256::digest(body.as_bytes())[..6])
}

impl Asset {
    /// Its URL under `base` (e.g. `/cast/assets`), versioned.
    pub fn url(&self, base: &str) -> String {
        format!("{base}/{}?v={}", self.name, *self.version)
    }
}

/// The browser's `Accept-Language`, if it sent one.
pub fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// The value of the request's cookie `name`, if it sent one.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name).then_some(value.trim())
        })
}

/// A request a page's own script or form sent, not another site's: the browser
/// says the request is same-origin (`Sec-Fetch-Site`), or its `Origin`
/// names this host. With the SameSite=Strict cookie this keeps other
/// sites from acting through a signed-in browser.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = fetch_site {
        return site == "same-origin";
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    match (host, origin) {
        (Some(host), Some(origin)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host)),
        _ => false,
    }
}

/// The `Set-Cookie` value that starts (`Some(id)`: for `max_age_secs`) or
/// ends a session cookie `name` on `path`: Secure, HttpOnly, SameSite=Strict.
pub fn session_cookie(name: &str, path: &str, max_age_secs: i64, id: Option<&str>) -> String {
    let (value, age) = match id {
        Some(id) => (id, max_age_secs),
        None => ("", 0),
    };
    format!("{name}={value}; Path={path}; Max-Age={age}; Secure; HttpOnly; SameSite=Strict")
}

/// The headers every page and asset carries.
pub fn secure(h: &mut HeaderMap) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// A page's own headers: `csp`, never cached (pages carry what is live),
/// varying by language.
pub fn page_headers(h: &mut HeaderMap, csp: &'static str) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    secure(h);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
}

#[derive(Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

/// The asset of `assets` named `name` (`None`: there is none). Asked for
/// by the page's own versioned URL it is cached for good (a new build has
/// a new URL); otherwise revalidated.
pub fn serve(
    assets: &[&Asset],
    name: &str,
    headers: &HeaderMap,
    query: &AssetQuery,
) -> Option<Response> {
    let asset = assets.iter().find(|a| a.name == name)?;
    let etag = format!("\"{}\"", *asset.version);
    let cache = if query.v.as_deref() == Some(asset.version.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|given| given.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, etag);
    }
    secure(h);
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn only_the_pages_own_requests_count_as_same_origin() {
        let mut h = HeaderMap::new();
        assert!(!same_origin(&h));
        h.insert(header::HOST, HeaderValue::from_static("cloud.example:8443"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://cloud.example:8443"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h));
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(same_origin(&h));
    }
}
