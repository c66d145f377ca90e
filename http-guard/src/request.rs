//! One request under the body limits: a declared body larger than allowed is
//! refused before it is read (413), and a body still arriving when its
//! deadline passes ends the request (408). Whenever a response goes out
//! before its request's body was read to the end, the connection closes:
//! the rest of that body will never be read.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use http_body::{Body, Frame, SizeHint};
use tower::ServiceExt;

use super::Limits;

/// Serves `request` from `peer` with `app`, under `limits`.
pub(super) async fn serve<B>(
    app: Router,
    limits: &Limits,
    peer: SocketAddr,
    request: Request<B>,
) -> Result<Response, Infallible>
where
    B: Body<Data = bytes::Bytes> + Send + Unpin + 'static,
    B::Error: Into<axum::BoxError>,
{
    if request.body().size_hint().lower() > limits.body_max as u64 {
        return Ok(refusal(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("a request body may be at most {} bytes", limits.body_max),
        ));
    }
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(ConnectInfo(peer));
    let (body, state) = Watched::new(body);
    let response = app.oneshot(Request::from_parts(parts, body));
    tokio::pin!(response);
    let Ok(mut response) = tokio::select! {
        response = &mut response => response,
        () = tokio::time::sleep(limits.body_timeout) => {
            if state.load(Ordering::Acquire) != WAITING {
                // Nobody waits for the body: the handler takes its time.
                response.await
            } else {
                return Ok(refusal(
                    StatusCode::REQUEST_TIMEOUT,
                    "request_timeout",
                    format!(
                        "the request body did not arrive within {} s",
                        limits.body_timeout.as_secs_f32()
                    ),
                ));
            }
        }
    };
    if state.load(Ordering::Acquire) != ENDED {
        close(&mut response);
    }
    Ok(response)
}

/// The shape every roomterm API answers errors in, and a closed connection.
fn refusal(status: StatusCode, code: &str, message: String) -> Response {
    let mut response = (
        status,
        Json(serde_json::json!({ "error": { "code": code, "message": message } })),
    )
        .into_response();
    close(&mut response);
    response
}

fn close(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
}

/// A body's state: someone reads it, it ended (or failed), or the handler
/// dropped it before its end.
const WAITING: u8 = 0;
const ENDED: u8 = 1;
const ABANDONED: u8 = 2;

/// A request body that tells how far it was read.
struct Watched<B> {
    inner: B,
    state: Arc<AtomicU8>,
}

impl<B: Body> Watched<B> {
    fn new(inner: B) -> (Self, Arc<AtomicU8>) {
        let initial = if inner.is_end_stream() {
            ENDED
        } else {
            WAITING
        };
        let state = Arc::new(AtomicU8::new(initial));
        let body = Self {
            inner,
            state: state.clone(),
        };
        (body, state)
    }
}

impl<B: Body + Unpin> Body for Watched<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let frame = Pin::new(&mut self.inner).poll_frame(cx);
        let ended = match &frame {
            Poll::Ready(None | Some(Err(_))) => true,
            Poll::Ready(Some(Ok(_))) => self.inner.is_end_stream(),
            Poll::Pending => false,
        };
        if ended {
            self.state.store(ENDED, Ordering::Release);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> Drop for Watched<B> {
    fn drop(&mut self) {
        let _ =
            self.state
                .compare_exchange(WAITING, ABANDONED, Ordering::AcqRel, Ordering::Acquire);
    }
}
