//! TLS trust for the terminal. Before activation it knows no CA: the
//! activation request is made without certificate checks, and afterwards the
//! certificate the server presented must verify against the CA that the
//! activation answer returned (else the answer is thrown away — someone in
//! the middle answered). From then on only the pinned CA is trusted.

use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::RootCertStore;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(ca_pem: &str) -> anyhow::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut ca_pem.as_bytes()) {
        roots.add(cert?)?;
    }
    anyhow::ensure!(!roots.is_empty(), "no certificate in the CA PEM");
    Ok(roots)
}

/// A rustls client config trusting only `ca_pem`.
pub fn pinned_config(ca_pem: &str) -> anyhow::Result<Arc<rustls::ClientConfig>> {
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots(ca_pem)?)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Checks that `leaf` (as presented during activation) is valid for `host`
/// under `ca_pem`.
pub fn verify_presented(leaf: &[u8], host: &str, ca_pem: &str) -> anyhow::Result<()> {
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots(ca_pem)?),
        provider(),
    )
    .build()?;
    let name = ServerName::try_from(host.to_string())?;
    verifier.verify_server_cert(
        &CertificateDer::from(leaf.to_vec()),
        &[],
        &name,
        &[],
        UnixTime::now(),
    )?;
    Ok(())
}
