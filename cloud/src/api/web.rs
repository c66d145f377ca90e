//! What every page of the cloud shares (`cast_page/`, `control_page/`,
//! `console/`): the web helpers both programs' pages use
//! (`roomterm_http_guard::pages`), and assets answered with the cloud's
//! errors.

use axum::http::HeaderMap;
use axum::response::Response;
pub use roomterm_http_guard::pages::{
    accept_language, cookie, page_headers, same_origin, secure, session_cookie, version, Asset,
    AssetQuery,
};

use crate::error::CloudError;

/// The asset of `assets` named `name`, or the cloud's `404`.
pub fn serve(
    assets: &[&Asset],
    name: &str,
    headers: &HeaderMap,
    query: &AssetQuery,
) -> Result<Response, CloudError> {
    roomterm_http_guard::pages::serve(assets, name, headers, query)
        .ok_or(CloudError::NotFound("asset"))
}
