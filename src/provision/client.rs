//! Activation: SN + code → credentials, with the errors a person can act on.

use roomterm_proto::{ActivateRequest, ActivateResponse, ErrorBody, DEVICE_API};

use super::tls;

/// Why activation did not succeed, in the terms the UI shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActivationError {
    #[error("the SN or activation code is wrong")]
    WrongCode,
    #[error("the activation code has expired")]
    CodeExpired,
    #[error("the activation code was already used")]
    CodeUsed,
    #[error("too many wrong codes from this network; try again in {retry_after_secs} s")]
    Locked { retry_after_secs: u64 },
    #[error("cannot reach the server: {0}")]
    Unreachable(String),
    #[error("the server's certificate does not match the CA it sent: {0}")]
    Untrusted(String),
    #[error("the server refused: {0}")]
    Refused(String),
}

/// Activates against `server_url` (`https://host:port`, or `http://` on
/// loopback for development).
pub async fn activate(
    server_url: &str,
    request: &ActivateRequest,
) -> Result<ActivateResponse, ActivationError> {
    let url = format!("{}{DEVICE_API}/activate", server_url.trim_end_matches('/'));
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        // Nothing is pinned yet: see tls.rs for how the answer is checked.
        .danger_accept_invalid_certs(true)
        .tls_info(true)
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|e| ActivationError::Unreachable(e.to_string()))?;
    let response = client
        .post(&url)
        .json(request)
        .send()
        .await
        .map_err(|e| ActivationError::Unreachable(e.without_url().to_string()))?;
    let status = response.status().as_u16();
    let leaf = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|info| info.peer_certificate().map(<[u8]>::to_vec));
    let host = response.url().host_str().unwrap_or_default().to_string();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ActivationError::Unreachable(e.to_string()))?;
    if status == 200 {
        let answer: ActivateResponse = serde_json::from_slice(&bytes)
            .map_err(|e| ActivationError::Refused(format!("invalid answer: {e}")))?;
        if let Some(leaf) = leaf {
            tls::verify_presented(&leaf, &host, &answer.ca_pem)
                .map_err(|e| ActivationError::Untrusted(e.to_string()))?;
        }
        return Ok(answer);
    }
    let body: Option<ErrorBody> = serde_json::from_slice(&bytes).ok();
    let code = body
        .as_ref()
        .map(|b| b.error.code.as_str())
        .unwrap_or_default();
    Err(match code {
        "activation_refused" => ActivationError::WrongCode,
        "activation_code_expired" => ActivationError::CodeExpired,
        "activation_code_used" => ActivationError::CodeUsed,
        "ip_locked" => ActivationError::Locked {
            retry_after_secs: body.and_then(|b| b.error.retry_after_secs).unwrap_or(600),
        },
        _ => ActivationError::Refused(
            body.map(|b| b.error.message)
                .unwrap_or_else(|| format!("HTTP {status}")),
        ),
    })
}
