//! Update offers (admin) and bundle downloads (device).

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use tokio::io::AsyncReadExt;

use super::extract::{Admin, ApiJson, ApiPath, Device};
use super::AppState;
use crate::devices::DeviceView;
use crate::error::{CloudError, CloudResult};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    /// The release the bundle installs.
    version: String,
    /// Its file name in `<data>/updates/`.
    bundle: String,
}

/// `POST /devices/{sn}/update`: offers a bundle to the device.
pub async fn offer(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(sn): ApiPath,
    ApiJson(offer): ApiJson<Offer>,
) -> CloudResult<Json<DeviceView>> {
    Ok(Json(
        state
            .devices
            .offer_update(&sn, &offer.version, &offer.bundle)
            .await?,
    ))
}

/// `DELETE /devices/{sn}/update`: withdraws the offer.
pub async fn cancel(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(sn): ApiPath,
) -> CloudResult<Json<DeviceView>> {
    Ok(Json(state.devices.cancel_update(&sn).await?))
}

/// `GET {DEVICE_API}/updates/{name}`: the bundle offered to this device,
/// streamed from disk.
pub async fn download(
    State(state): State<AppState>,
    Device(row, _): Device,
    ApiPath(name): ApiPath,
) -> CloudResult<Response> {
    let path = state.devices.offered_bundle_path(&row, &name)?;
    let file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| CloudError::Internal(e.into()))?;
    let size = file
        .metadata()
        .await
        .map_err(|e| CloudError::Internal(e.into()))?
        .len();
    tracing::info!(sn = %row.sn, bundle = %name, size, "bundle download");
    let chunks = futures_util::stream::unfold(file, |mut file| async move {
        let mut buffer = vec![0u8; 256 * 1024];
        match file.read(&mut buffer).await {
            Ok(0) => None,
            Ok(n) => {
                buffer.truncate(n);
                Some((Ok::<_, std::io::Error>(bytes::Bytes::from(buffer)), file))
            }
            Err(err) => Some((Err(err), file)),
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_LENGTH, size.to_string()),
        ],
        Body::from_stream(chunks),
    )
        .into_response())
}
