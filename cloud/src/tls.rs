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
    /// Signs the terminals' web admin certificates.
    pub device_certs: Arc<DeviceCerts>,
}

/// The CA's key, signing a certificate for each activated terminal's web
/// admin: for the one name `roomterm-<sn>.local` (never an address, never
/// a name of the cloud's own, so a device's certificate cannot stand in
/// for the cloud to the terminals that pin this CA), for its own P-256
/// key, for server authentication only.
pub struct DeviceCerts {
    ca_cert: rcgen::Certificate,
    ca_key: KeyPair,
    ca_pem: String,
    /// The cloud's own names, which no device may be given.
    own_names: Vec<String>,
}

/// A terminal's public key as it sends it: an uncompressed P-256 point.
struct DeviceKey(Vec<u8>);

impl rcgen::PublicKeyData for DeviceKey {
    fn der_bytes(&self) -> &[u8] {
        &self.0
    }

    fn algorithm(&self) -> &rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl DeviceCerts {
    /// The chain (device certificate, then the CA) for `sn`'s key
    /// (`public_key_hex`); `None` for a key that is not a P-256 point.
    pub fn issue(&self, sn: &str, public_key_hex: &str) -> Option<String> {
        let raw = hex::decode(public_key_hex.trim()).ok()?;
        // 0x04 ‖ X ‖ Y; a point off the curve makes a certificate nobody
        // can use, which harms no one but the sender.
        if raw.len() != 65 || raw[0] != 4 {
            return None;
        }
        let host: String = sn
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
            .to_ascii_lowercase();
        let name = format!("roomterm-{host}.local");
        if host.is_empty() || self.own_names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
            return None;
        }
        let mut params = CertificateParams::default();
        params
            .distinguished_name
            .push(DnType::CommonName, format!("roomterm {sn}"));
        params.subject_alt_names = vec![SanType::DnsName(name.try_into().ok()?)];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.not_before = rcgen::date_time_ymd(2024, 1, 1);
        params.not_after = rcgen::date_time_ymd(2044, 1, 1);
        let cert = params
            .signed_by(&DeviceKey(raw), &self.ca_cert, &self.ca_key)
            .ok()?;
        Some(format!("{}{}", cert.pem(), self.ca_pem))
    }
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
        // The CA goes on signing the terminals' web admin certificates.
        let device_certs = Arc::new(DeviceCerts {
            ca_cert,
            ca_key,
            ca_pem: ca_pem.clone(),
            own_names: names.to_vec(),
        });
        Ok(Self {
            ca_pem,
            server_config: Arc::new(config),
            device_certs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_gets_its_own_name_only_for_a_p256_key() {
        let dir = tempfile::tempdir().unwrap();
        let names = ["roomterm-own.local".to_string(), "127.0.0.1".to_string()];
        let tls = Tls::load_or_create(dir.path(), &names).unwrap();
        let key = KeyPair::generate().unwrap();
        let chain = tls
            .device_certs
            .issue("SN-0042", &hex::encode(key.public_key_raw()))
            .unwrap();
        assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2, "{chain}");
        // Not a P-256 point; not a name of the cloud's own.
        assert_eq!(tls.device_certs.issue("SN-0042", "04abcd"), None);
        assert_eq!(tls.device_certs.issue("SN-0042", "not hex"), None);
        let own = tls
            .device_certs
            .issue("OWN", &hex::encode(key.public_key_raw()));
        assert_eq!(own, None);
    }
}
