//! A small HTTP client for the cloud's APIs, used by the operator CLI (and by
//! tests, as an operator would use it).

use std::path::Path;

use anyhow::Context;
use reqwest::Method;
use roomterm_proto::{ErrorBody, ADMIN_API};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::server::Endpoints;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The cloud answered with an error body.
    #[error("{message} ({code}, HTTP {status})")]
    Api {
        status: u16,
        code: String,
        message: String,
        retry_after_secs: Option<u64>,
    },
    #[error("cannot reach roomcloud at {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("unexpected answer from roomcloud: {0}")]
    Protocol(String),
}

/// Builds an HTTP client that trusts exactly the given CA (or, without one,
/// only plain HTTP is expected).
pub fn http_client(ca_pem: Option<&str>) -> anyhow::Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .timeout(std::time::Duration::from_secs(30));
    if let Some(pem) = ca_pem.filter(|p| !p.is_empty()) {
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes())?);
    }
    Ok(builder.build()?)
}

pub struct AdminClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl AdminClient {
    pub fn new(api_url: &str, token: &str, ca_pem: Option<&str>) -> anyhow::Result<Self> {
        Ok(Self {
            http: http_client(ca_pem)?,
            base: format!("{}{ADMIN_API}", api_url.trim_end_matches('/')),
            token: token.to_string(),
        })
    }

    /// Uses `<data>/cloud.json` and `<data>/admin-token`, written by `serve`.
    pub fn from_data_dir(
        data_dir: &Path,
        url: Option<&str>,
        token: Option<&str>,
    ) -> anyhow::Result<Self> {
        let endpoints_path = data_dir.join("cloud.json");
        let endpoints: Option<Endpoints> = std::fs::read(&endpoints_path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let api_url = match (url, &endpoints) {
            (Some(url), _) => url.to_string(),
            (None, Some(e)) => e.api_url.clone(),
            (None, None) => anyhow::bail!(
                "no running cloud found: {} is missing; start `roomcloud serve` with this --data directory or pass --url",
                endpoints_path.display()
            ),
        };
        let token = match token {
            Some(t) => t.to_string(),
            None => std::fs::read_to_string(data_dir.join("admin-token"))
                .context("cannot read the admin token; pass --token")?
                .trim()
                .to_string(),
        };
        let ca = endpoints
            .and_then(|e| e.ca_path)
            .and_then(|p| std::fs::read_to_string(p).ok());
        Self::new(&api_url, &token, ca.as_deref())
    }

    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url).bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request
            .send()
            .await
            .map_err(|source| ClientError::Unreachable {
                url: url.clone(),
                source,
            })?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        if status.is_success() {
            let bytes = if bytes.is_empty() {
                &b"null"[..]
            } else {
                &bytes[..]
            };
            return serde_json::from_slice(bytes).map_err(|e| ClientError::Protocol(e.to_string()));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(ClientError::Api {
                status: status.as_u16(),
                code: body.error.code,
                message: body.error.message,
                retry_after_secs: body.error.retry_after_secs,
            }),
            Err(_) => Err(ClientError::Protocol(format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(&bytes)
            ))),
        }
    }
}
