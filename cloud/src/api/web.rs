//! What every page of the cloud shares (`cast_page/`, `control_page/`):
//! assets embedded in the binary and served by versioned URL, the
//! security headers, the language a request gets.

use std::sync::LazyLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::error::CloudError;

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

/// The asset of `assets` named `name`. Asked for by the page's own
/// versioned URL it is cached for good (a new build has a new URL);
/// otherwise revalidated.
pub fn serve(
    assets: &[&Asset],
    name: &str,
    headers: &HeaderMap,
    query: &AssetQuery,
) -> Result<Response, CloudError> {
    let asset = assets
        .iter()
        .find(|a| a.name == name)
        .ok_or(CloudError::NotFound("asset"))?;
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
    Ok(response)
}
