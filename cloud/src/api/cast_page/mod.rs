//! The casting page, the cloud's first web page: `GET /cast` and
//! `GET /cast/{code}` (the code filled in, the room's QR code), its script
//! and stylesheet under `/cast/assets/`. Server-rendered (`html.rs`), words
//! in `strings.rs`, every asset inside the binary.

mod html;
pub mod strings;

use std::sync::LazyLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::extract::{ApiPath, ApiQuery};
use crate::error::CloudError;
use strings::Lang;

/// Nothing but this origin's own files; no inline script or style, no
/// frames, no form posts.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
    /// Of the content: the URL's `?v=` and the ETag.
    version: LazyLock<String>,
}

static CSS: Asset = Asset {
    name: "cast.css",
    content_type: "text/css; charset=utf-8",
    body: include_str!("../../../assets/cast/cast.css"),
    version: LazyLock::new(|| version(include_str!("../../../assets/cast/cast.css"))),
};

static JS: Asset = Asset {
    name: "cast.js",
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../../../assets/cast/cast.js"),
    version: LazyLock::new(|| version(include_str!("../../../assets/cast/cast.js"))),
};

fn version(body: &str) -> String {
    hex::encode(&Sha256::digest(body.as_bytes())[..6])
}

impl Asset {
    fn url(&self) -> String {
        format!("/cast/assets/{}?v={}", self.name, *self.version)
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    lang: Option<String>,
}

pub async fn page(headers: HeaderMap, ApiQuery(query): ApiQuery<PageQuery>) -> Response {
    render(&headers, query.lang.as_deref(), None)
}

/// The page with the code from the link filled in (six digits, else none).
pub async fn page_with_code(
    headers: HeaderMap,
    ApiPath(code): ApiPath,
    ApiQuery(query): ApiQuery<PageQuery>,
) -> Response {
    let code = (code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit())).then_some(code);
    render(&headers, query.lang.as_deref(), code.as_deref())
}

fn render(headers: &HeaderMap, lang: Option<&str>, code: Option<&str>) -> Response {
    let lang = Lang::choose(lang, accept_language(headers));
    let markup = html::page(lang, code, &CSS.url(), &JS.url());
    let mut response = markup.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    secure(h);
    // The page has a code in it; it differs by language.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    response
}

pub fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

fn secure(h: &mut HeaderMap) {
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

#[derive(Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

/// `cast.js` or `cast.css`. Asked for by the page's own versioned URL it
/// is cached for good (a new build has a new URL); otherwise revalidated.
pub async fn asset(
    headers: HeaderMap,
    ApiPath(name): ApiPath,
    ApiQuery(query): ApiQuery<AssetQuery>,
) -> Result<Response, CloudError> {
    let asset = [&CSS, &JS]
        .into_iter()
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
