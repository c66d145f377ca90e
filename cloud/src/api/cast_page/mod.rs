//! The casting page, the cloud's first web page: `GET /cast` and
//! `GET /cast/{code}` (the code filled in, the room's QR code), its script
//! and stylesheet under `/cast/assets/`. Server-rendered (`html.rs`), words
//! in `strings.rs`, every asset inside the binary (`../web.rs`).

mod html;
pub mod strings;

use std::sync::LazyLock;

use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::extract::{ApiPath, ApiQuery};
use super::web::{self, Asset, AssetQuery};
use crate::error::CloudError;
use strings::Lang;

pub use super::web::accept_language;

/// Nothing but this origin's own files; no inline script or style, no
/// frames, no form posts.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
    img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const ASSETS: &str = "/cast/assets";

static CSS: Asset = Asset {
    name: "cast.css",
    content_type: "text/css; charset=utf-8",
    body: include_str!("../../../assets/cast/cast.css"),
    version: LazyLock::new(|| web::version(include_str!("../../../assets/cast/cast.css"))),
};

static JS: Asset = Asset {
    name: "cast.js",
    content_type: "text/javascript; charset=utf-8",
    body: include_str!("../../../assets/cast/cast.js"),
    version: LazyLock::new(|| web::version(include_str!("../../../assets/cast/cast.js"))),
};

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
    let markup = html::page(lang, code, &CSS.url(ASSETS), &JS.url(ASSETS));
    let mut response = markup.into_response();
    // The page has a code in it; it differs by language.
    web::page_headers(response.headers_mut(), CSP);
    response
}

/// `cast.js` or `cast.css`.
pub async fn asset(
    headers: HeaderMap,
    ApiPath(name): ApiPath,
    ApiQuery(query): ApiQuery<AssetQuery>,
) -> Result<Response, CloudError> {
    web::serve(&[&CSS, &JS], &name, &headers, &query)
}
