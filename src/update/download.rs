//! Fetching a bundle from the cloud: streamed to a file with the device
//! token over the pinned CA, hashed on the way, refused unless its size
//! and SHA-256 are the offer's.

use std::path::Path;

use roomterm_proto::UpdateOffer;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::provision::device_client;

/// Downloads `offer` into `to`, calling `progress` with whole percents.
pub async fn download(
    server_url: &str,
    device_token: &str,
    ca_pem: Option<&str>,
    offer: &UpdateOffer,
    to: &Path,
    mut progress: impl FnMut(u8),
) -> Result<(), String> {
    let url = if offer.url.starts_with("https://") || offer.url.starts_with("http://") {
        offer.url.clone()
    } else {
        format!("{}{}", server_url.trim_end_matches('/'), offer.url)
    };
    // No overall timeout: a bundle is hundreds of megabytes. A stalled
    // transfer ends by the read timeout instead.
    let client = device_client(&url, ca_pem, None)?;
    let response = client
        .get(&url)
        .bearer_auth(device_token)
        .send()
        .await
        .map_err(|e| format!("download failed: {}", e.without_url()))?;
    if !response.status().is_success() {
        return Err(format!(
            "download refused: the cloud answered {}",
            response.status()
        ));
    }
    if let Some(dir) = to.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| format!("cannot store the bundle: {e}"))?;
    }
    let mut file = tokio::fs::File::create(to)
        .await
        .map_err(|e| format!("cannot store the bundle: {e}"))?;
    let mut hasher = Sha256::new();
    let mut received = 0u64;
    let mut shown = 0u8;
    let mut response = response;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("download interrupted: {}", e.without_url()))?
    {
        received += chunk.len() as u64;
        if received > offer.size {
            return Err(format!(
                "the bundle is larger than the offered {} bytes",
                offer.size
            ));
        }
        hasher.update(&chunk);
        file.write_all(&chunk)
            .await
            .map_err(|e| format!("cannot store the bundle: {e}"))?;
        let percent = (received * 100 / offer.size.max(1)) as u8;
        if percent >= shown.saturating_add(5) {
            shown = percent;
            progress(percent);
        }
    }
    file.sync_all()
        .await
        .map_err(|e| format!("cannot store the bundle: {e}"))?;
    if received != offer.size {
        return Err(format!(
            "download incomplete: {received} of {} bytes",
            offer.size
        ));
    }
    let hash = hex::encode(hasher.finalize());
    if !hash.eq_ignore_ascii_case(&offer.sha256) {
        return Err(format!(
            "the bundle's SHA-256 is {hash}, not the offered one"
        ));
    }
    Ok(())
}
