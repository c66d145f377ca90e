//! The cloud's own certificate authority. Created on first start in
//! `<data>/tls/`; every start issues a fresh server certificate from it for
//! the names the cloud is reached at. Activation hands the CA to the terminal,
//! which pins it from then on.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SanType,
};

pub struct Tls {
    pub ca_pem: String,
    pub server_config: Arc<rustls::ServerConfig>,
}

fn ca_params() -> CertificateParams {
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "roomcloud local CA");
    dn.push(DnType::OrganizationName, "roomcloud");
    params.distinguished_name = dn;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2044, 1, 1);
    params
}

/// Writes a secret file readable by its owner only.
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.write_all(contents)?;
    file.sync_all()?;
    Ok(())
}

impl Tls {
    /// Loads or creates the CA in `dir` and issues a server certificate for `names`.
    pub fn load_or_create(dir: &Path, names: &[String]) -> anyhow::Result<Self> {
        fs::create_dir_all(dir)?;
        let key_path = dir.join("ca.key");
        let cert_path = dir.join("ca.pem");
        let ca_key = if key_path.exists() {
            let pem = fs::read_to_string(&key_path)?;
            KeyPair::from_pem(&pem).context("tls/ca.key is not a valid private key")?
        } else {
            let key = KeyPair::generate()?;
            write_private(&key_path, key.serialize_pem().as_bytes())?;
            key
        };
        // Re-creating the CA certificate from the same key and name yields an
        // issuer that verifies against the stored ca.pem.
        let ca_cert = ca_params().self_signed(&ca_key)?;
        if !cert_path.exists() {
            fs::write(&cert_path, ca_cert.pem())?;
        }
        let ca_pem = fs::read_to_string(&cert_path)?;

        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, "roomcloud");
        params.subject_alt_names = names
            .iter()
            .map(|name| match name.parse() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => name.clone().try_into().map(SanType::DnsName),
            })
            .collect::<Result<_, _>>()?;
        params.not_before = rcgen::date_time_ymd(2024, 1, 1);
        params.not_after = rcgen::date_time_ymd(2044, 1, 1);
        let server_key = KeyPair::generate()?;
        let server_cert = params.signed_by(&server_key, &ca_cert, &ca_key)?;

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(
                vec![server_cert.der().clone(), ca_cert.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
            )?;
        Ok(Self {
            ca_pem,
            server_config: Arc::new(config),
        })
    }
}
