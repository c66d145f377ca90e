//! Casting over HTTP, in the shape of WHIP (RFC 9725): a browser POSTs its
//! SDP offer with the room's code as bearer token and gets the room's
//! answer; the session's URL (`Location`) takes trickled candidates
//! (PATCH), ends the cast (DELETE) and streams why it ended (`/events`,
//! Server-Sent Events). Also the admin's list and stop. docs/API.md,
//! "Casting".

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::Stream;
use roomterm_proto::CastEnd;
use serde::Deserialize;

use super::cast_page::{accept_language, strings::Lang};
use super::extract::{Admin, ApiBytes, ApiPath, ApiQuery};
use super::AppState;
use crate::cast::{clean_name, CastView, Offer, MAX_SDP_BYTES};
use crate::error::{CloudError, CloudResult};

/// Comments on an idle events stream, so proxies keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

#[derive(Deserialize)]
pub struct OfferQuery {
    /// The caster's name as the room shows it.
    name: Option<String>,
    /// `1` (or `true`): the caster confirmed replacing whoever shows.
    take_over: Option<String>,
}

/// `POST /cast/whip`: the offer to the room the code names; `201` with the
/// answer once the room takes it.
pub async fn offer(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<OfferQuery>,
    ApiBytes(body): ApiBytes,
) -> CloudResult<Response> {
    require_type(&headers, "application/sdp")?;
    if body.len() > MAX_SDP_BYTES {
        return Err(too_large());
    }
    let code = cast_code(&headers);
    let caster = match clean_name(query.name.as_deref().unwrap_or_default()) {
        name if name.is_empty() => {
            let lang = Lang::choose(None, accept_language(&headers));
            lang.text("default_name").to_string()
        }
        name => name,
    };
    let take_over = matches!(query.take_over.as_deref(), Some("1" | "true"));
    let answer = state
        .casting
        .offer(Offer {
            ip: peer.ip(),
            code: code.as_deref(),
            caster,
            sdp: &body,
            take_over,
        })
        .await?;
    let location = format!("/cast/whip/{}", answer.session);
    let mut response = (
        StatusCode::CREATED,
        [
            (header::CONTENT_TYPE, "application/sdp"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        answer.sdp,
    )
        .into_response();
    if let Ok(location) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `PATCH /cast/whip/{session}`: trickled candidates to the room; `204`.
pub async fn trickle(
    State(state): State<AppState>,
    ApiPath(session): ApiPath,
    headers: HeaderMap,
    ApiBytes(body): ApiBytes,
) -> CloudResult<StatusCode> {
    require_type(&headers, "application/trickle-ice-sdpfrag")?;
    if body.len() > MAX_SDP_BYTES {
        return Err(too_large());
    }
    state.casting.trickle(&session, &body)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /cast/whip/{session}`: the caster stops; `200`, no body.
pub async fn stop(
    State(state): State<AppState>,
    ApiPath(session): ApiPath,
) -> CloudResult<StatusCode> {
    state.casting.stop(&session, CastEnd::StoppedByCaster)?;
    Ok(StatusCode::OK)
}

/// `GET /cast/whip/{session}/events`: one `ended` event with the reason,
/// then the stream closes.
pub async fn events(
    State(state): State<AppState>,
    ApiPath(session): ApiPath,
) -> CloudResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let end = state.casting.watch_end(&session)?;
    let stream = futures_util::stream::unfold(Some(end), |end| async move {
        let mut end = end?;
        // A session dropped without an end (the cloud stopping) just closes.
        let reason = match end.wait_for(Option::is_some).await {
            Ok(reason) => (*reason)?,
            Err(_) => return None,
        };
        let data = serde_json::json!({ "reason": reason.as_str() }).to_string();
        Some((Ok(Event::default().event("ended").data(data)), None))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// `GET /api/admin/v1/casts`
pub async fn list(State(state): State<AppState>, _: Admin) -> Json<Vec<CastView>> {
    Json(state.casting.list())
}

/// `DELETE /api/admin/v1/casts/{session}`: the room stops showing it.
pub async fn admin_stop(
    State(state): State<AppState>,
    _: Admin,
    ApiPath(session): ApiPath,
) -> CloudResult<Json<CastView>> {
    Ok(Json(state.casting.stop(&session, CastEnd::StoppedByAdmin)?))
}

/// The code from `Authorization: Bearer <code>` (scheme in any case),
/// spaces and dashes dropped.
fn cast_code(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, code) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| crate::secrets::normalize_code(code))
}

fn require_type(headers: &HeaderMap, wanted: &'static str) -> CloudResult<()> {
    let given = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::trim)
        .unwrap_or_default();
    if given.eq_ignore_ascii_case(wanted) {
        return Ok(());
    }
    Err(CloudError::Coded {
        status: 415,
        code: "unsupported_media_type",
        message: format!("the body must be {wanted}"),
    })
}

fn too_large() -> CloudError {
    CloudError::Coded {
        status: 413,
        code: "payload_too_large",
        message: format!("an SDP body may be at most {MAX_SDP_BYTES} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), HeaderValue::from_str(v).unwrap()))
            .collect()
    }

    #[test]
    fn the_code_comes_from_a_bearer_token() {
        let code = |v: &str| cast_code(&headers(&[(header::AUTHORIZATION, v)]));
        assert_eq!(code("Bearer 123456").as_deref(), Some("123456"));
        assert_eq!(code("bearer 123 456").as_deref(), Some("123456"));
        assert_eq!(code("Basic 123456"), None);
        assert_eq!(code("123456"), None);
        assert_eq!(cast_code(&HeaderMap::new()), None);
    }

    #[test]
    fn the_body_type_is_checked_without_its_parameters() {
        let sdp = |v: &str| require_type(&headers(&[(header::CONTENT_TYPE, v)]), "application/sdp");
        assert!(sdp("application/sdp").is_ok());
        assert!(sdp("Application/SDP; charset=utf-8").is_ok());
        assert_eq!(sdp("text/plain").unwrap_err().status(), 415);
        assert!(require_type(&HeaderMap::new(), "application/sdp").is_err());
    }
}
