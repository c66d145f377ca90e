//! The web admin's certificate, in `<data>/tls/admin.{key,pem}`. Made on
//! first start, self-signed for the room's names (`roomterm-<sn>.local`,
//! `localhost`, the loopback addresses): a browser warns once that it does
//! not know who signed it (Chromium: `NET::ERR_CERT_AUTHORITY_INVALID`)
//! and the installer accepts it. A factory reset removes the pair, so the
//! next start makes a new one.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rcgen::{CertificateParams, DnType, KeyPair, SanType};

/// The TLS set-up the admin serves with, made or loaded from `data`.
pub fn server_config(data: &Path, sn: &str) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let dir = data.join("tls");
    std::fs::create_dir_all(&dir)?;
    let (key_path, cert_path) = (dir.join("admin.key"), dir.join("admin.pem"));
    let pair = match (
        std::fs::read_to_string(&key_path),
        std::fs::read_to_string(&cert_path),
    ) {
        (Ok(key), Ok(cert)) => load(&key, &cert)
            .inspect_err(|err| tracing::warn!(%err, "web admin certificate unusable; a new one"))
            .ok(),
        _ => None,
    };
    let (key, chain) = match pair {
        Some(pair) => pair,
        None => {
            let key = KeyPair::generate()?;
            let cert = self_signed(&key, sn)?;
            crate::store::write_atomic(&cert_path, cert.pem().as_bytes())?;
            write_private(&key_path, key.serialize_pem().as_bytes())?;
            let der = rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into());
            (der, vec![cert.der().clone()])
        }
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    Ok(Arc::new(config))
}

type Pair = (
    rustls::pki_types::PrivateKeyDer<'static>,
    Vec<rustls::pki_types::CertificateDer<'static>>,
);

fn load(key: &str, cert: &str) -> anyhow::Result<Pair> {
    let key = rustls_pemfile::private_key(&mut key.as_bytes())?.context("no private key")?;
    let chain = rustls_pemfile::certs(&mut cert.as_bytes()).collect::<Result<Vec<_>, _>>()?;
    anyhow::ensure!(!chain.is_empty(), "no certificate");
    Ok((key, chain))
}

fn self_signed(key: &KeyPair, sn: &str) -> anyhow::Result<rcgen::Certificate> {
    let host: String = sn
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, format!("roomterm {sn}"));
    params.subject_alt_names = vec![
        SanType::DnsName(format!("roomterm-{host}.local").try_into()?),
        SanType::DnsName("localhost".try_into()?),
        SanType::IpAddress([127, 0, 0, 1].into()),
        SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
    ];
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2044, 1, 1);
    Ok(params.self_signed(key)?)
}

/// The key, readable by its owner only.
fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}
