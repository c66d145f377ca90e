//! The web admin's certificate. Its key is `<data>/tls/admin.key`
//! (`DataDir::admin_key`); its certificate `tls/admin.pem` is, once the
//! terminal is activated, the one the cloud's CA signed for
//! `roomterm-<sn>.local` (a browser that trusts the enterprise's cloud CA
//! shows no warning at that name), and before that a self-signed one for
//! the same name, `localhost` and the loopback addresses (a browser warns
//! once: Chromium says `NET::ERR_CERT_AUTHORITY_INVALID`). Each handshake
//! checks whether the file changed, so activation's certificate is served
//! at once, without a restart.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use rcgen::{CertificateParams, DnType, KeyPair, SanType};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

use crate::lock;
use crate::store::DataDir;

/// The TLS set-up the admin serves with.
pub fn server_config(data: &DataDir, sn: &str) -> anyhow::Result<Arc<rustls::ServerConfig>> {
    let key = data.admin_key()?;
    let (_, cert_path) = data.admin_tls_paths();
    if !cert_path.exists() {
        data.save_admin_certificate(&self_signed(&key, sn)?.pem())?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let current = Current {
        data: data.clone(),
        provider: provider.clone(),
        loaded: Mutex::new(None),
    };
    anyhow::ensure!(
        current.certified().is_some(),
        "tls/admin.pem cannot be served"
    );
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(current));
    Ok(Arc::new(config))
}

/// The name the cloud's CA signs the certificate for.
pub fn host_name(sn: &str) -> String {
    let host: String = sn
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    format!("roomterm-{host}.local")
}

fn self_signed(key: &KeyPair, sn: &str) -> anyhow::Result<rcgen::Certificate> {
    let mut params = CertificateParams::default();
    params
        .distinguished_name
        .push(DnType::CommonName, format!("roomterm {sn}"));
    params.subject_alt_names = vec![
        SanType::DnsName(host_name(sn).try_into()?),
        SanType::DnsName("localhost".try_into()?),
        SanType::IpAddress([127, 0, 0, 1].into()),
        SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()),
    ];
    params.not_before = rcgen::date_time_ymd(2024, 1, 1);
    params.not_after = rcgen::date_time_ymd(2044, 1, 1);
    Ok(params.self_signed(key)?)
}

/// The certificate on disk, loaded again when the file changes.
struct Current {
    data: DataDir,
    provider: Arc<rustls::crypto::CryptoProvider>,
    loaded: Mutex<Option<(SystemTime, Arc<CertifiedKey>)>>,
}

impl std::fmt::Debug for Current {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("web admin certificate")
    }
}

impl Current {
    fn certified(&self) -> Option<Arc<CertifiedKey>> {
        let (key_path, cert_path) = self.data.admin_tls_paths();
        let modified = std::fs::metadata(&cert_path)
            .and_then(|m| m.modified())
            .ok();
        let mut loaded = lock(&self.loaded);
        if let (Some(at), Some((was, certified))) = (modified, loaded.as_ref()) {
            if at == *was {
                return Some(certified.clone());
            }
        }
        let fresh = (|| -> anyhow::Result<CertifiedKey> {
            let key = rustls_pemfile::private_key(&mut std::fs::read(&key_path)?.as_slice())?
                .ok_or_else(|| anyhow::anyhow!("no private key"))?;
            let chain = rustls_pemfile::certs(&mut std::fs::read(&cert_path)?.as_slice())
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CertifiedKey::from_der(chain, key, &self.provider)?)
        })();
        match (fresh, modified) {
            (Ok(certified), Some(at)) => {
                let certified = Arc::new(certified);
                *loaded = Some((at, certified.clone()));
                Some(certified)
            }
            (Err(err), _) => {
                tracing::warn!(%err, "tls/admin.pem unusable; serving the last good one");
                loaded.as_ref().map(|(_, c)| c.clone())
            }
            (Ok(_), None) => loaded.as_ref().map(|(_, c)| c.clone()),
        }
    }
}

impl ResolvesServerCert for Current {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.certified()
    }
}
