//! Activating the terminal with a code: the cloud's answer becomes the
//! stored credentials and pinned CA; the outcome (a lockout's end
//! included) shows in the status for the wizard and the control API.

use std::time::{Duration, Instant};

use super::published::Published;
use super::TerminalOptions;
use crate::provision::{self, ActivationError};
use crate::store::Credentials;
use roomterm_proto::ActivateRequest;

/// Asks the cloud at `server_url` to activate this terminal with `code`
/// and stores what it answers.
pub async fn activate(
    options: &TerminalOptions,
    server_url: String,
    code: String,
) -> Result<Credentials, ActivationError> {
    // The web admin's key: the cloud's CA signs a certificate for it.
    let admin_public_key = match options.data.admin_key() {
        Ok(key) => Some(hex::encode(key.public_key_raw())),
        Err(err) => {
            tracing::warn!(%err, "no web admin key: it keeps its self-signed certificate");
            None
        }
    };
    let request = ActivateRequest {
        sn: options.sn.clone(),
        code,
        model: Some(options.model.clone()),
        software_version: Some(options.software_version.clone()),
        admin_public_key,
    };
    let answer = provision::activate(&server_url, &request).await?;
    let credentials = Credentials {
        server_url,
        device_token: answer.device_token,
        sip: answer.sip,
        config: answer.config,
        channel_path: answer.channel_path,
    };
    let data = &options.data;
    data.save_pinned_ca(&answer.ca_pem)
        .and_then(|()| data.save_credentials(&credentials))
        .map_err(|err| ActivationError::Refused(format!("cannot store credentials: {err}")))?;
    if let Some(pem) = &answer.admin_certificate {
        if let Err(err) = data.save_admin_certificate(pem) {
            tracing::warn!(%err, "the web admin's certificate cannot be stored");
        }
    }
    Ok(credentials)
}

/// The last attempt's error (none on success) and, for a lockout, when it
/// ends, so the time left counts down on screen.
pub fn show_outcome<T>(published: &Published, outcome: &Result<T, ActivationError>) {
    let locked_until = match outcome {
        Err(ActivationError::Locked { retry_after_secs }) => {
            Some(Instant::now() + Duration::from_secs(*retry_after_secs))
        }
        _ => None,
    };
    published.status(|s| {
        s.activation_error = outcome.as_ref().err().cloned();
        s.locked_until = locked_until;
    });
}
