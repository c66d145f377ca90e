//! The enterprise directory: the rooms this terminal can call, fetched from
//! the cloud with the device token over the pinned CA.

use roomterm_proto::{DirectoryEntry, DEVICE_API};

use super::tls;

/// Fetches the directory from `server_url`; the error says why in words
/// (shown on the Dial page's operator view and in the log).
pub async fn fetch_directory(
    server_url: &str,
    device_token: &str,
    ca_pem: Option<&str>,
) -> Result<Vec<DirectoryEntry>, String> {
    let url = format!("{}{DEVICE_API}/directory", server_url.trim_end_matches('/'));
    let mut builder = reqwest::Client::builder().timeout(std::time::Duration::from_secs(10));
    if url.starts_with("https://") {
        let pem = ca_pem.ok_or("the pinned CA is missing: activate the terminal again")?;
        let config = tls::pinned_config(pem).map_err(|e| format!("pinned CA unusable: {e}"))?;
        builder = builder.use_preconfigured_tls((*config).clone());
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    let response = client
        .get(&url)
        .bearer_auth(device_token)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the cloud answered {status}"));
    }
    response
        .json()
        .await
        .map_err(|e| format!("invalid directory: {e}"))
}
