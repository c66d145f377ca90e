//! The enterprise directory (the rooms this terminal can call) and this
//! room's meetings of the day, fetched from the cloud with the device
//! token over the pinned CA.

use std::time::Duration;

use roomterm_proto::{DirectoryEntry, ScheduledMeeting, DEVICE_API};

use super::tls;

/// An HTTP client for the device API at `url`: over HTTPS it trusts only
/// the pinned CA. `timeout` bounds a whole request; without one (a bundle
/// download) a read that stalls for a minute ends it.
pub fn device_client(
    url: &str,
    ca_pem: Option<&str>,
    timeout: Option<Duration>,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60));
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    if url.starts_with("https://") {
        let pem = ca_pem.ok_or("the pinned CA is missing: activate the terminal again")?;
        let config = tls::pinned_config(pem).map_err(|e| format!("pinned CA unusable: {e}"))?;
        builder = builder.use_preconfigured_tls((*config).clone());
    }
    builder.build().map_err(|e| e.to_string())
}

/// Fetches the directory from `server_url`; the error says why in words
/// (shown on the Dial page's operator view and in the log).
pub async fn fetch_directory(
    server_url: &str,
    device_token: &str,
    ca_pem: Option<&str>,
) -> Result<Vec<DirectoryEntry>, String> {
    fetch(server_url, "directory", device_token, ca_pem).await
}

/// Fetches this room's meetings of the day (today's, on Home).
pub async fn fetch_meetings(
    server_url: &str,
    device_token: &str,
    ca_pem: Option<&str>,
) -> Result<Vec<ScheduledMeeting>, String> {
    fetch(server_url, "meetings", device_token, ca_pem).await
}

/// `GET {DEVICE_API}/{what}` as JSON, with the device token.
async fn fetch<T: serde::de::DeserializeOwned>(
    server_url: &str,
    what: &str,
    device_token: &str,
    ca_pem: Option<&str>,
) -> Result<T, String> {
    let url = format!("{}{DEVICE_API}/{what}", server_url.trim_end_matches('/'));
    let client = device_client(&url, ca_pem, Some(Duration::from_secs(10)))?;
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
        .map_err(|e| format!("invalid {what}: {e}"))
}
