//! The web admin's key pair (`<data>/tls/admin.key`, P-256) and its
//! certificate (`tls/admin.pem`): made on first use, its public half sent
//! with the activation so the cloud's CA signs a certificate for it, which
//! replaces the self-signed one. A factory reset removes both.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::DataDir;

impl DataDir {
    /// Where the web admin's key and certificate are.
    pub fn admin_tls_paths(&self) -> (PathBuf, PathBuf) {
        let dir = self.root().join("tls");
        (dir.join("admin.key"), dir.join("admin.pem"))
    }

    /// The web admin's key pair, made (and kept, owner-only) on first use.
    pub fn admin_key(&self) -> anyhow::Result<rcgen::KeyPair> {
        let (key_path, _) = self.admin_tls_paths();
        if let Ok(pem) = std::fs::read_to_string(&key_path) {
            match rcgen::KeyPair::from_pem(&pem) {
                Ok(key) => return Ok(key),
                Err(err) => tracing::warn!(%err, "tls/admin.key unreadable: a new key"),
            }
        }
        let key = rcgen::KeyPair::generate()?;
        write_private(&key_path, key.serialize_pem().as_bytes())?;
        // A certificate of the old key is of no use now.
        let _ = std::fs::remove_file(self.admin_tls_paths().1);
        Ok(key)
    }

    /// Replaces the web admin's certificate chain (PEM).
    pub fn save_admin_certificate(&self, pem: &str) -> std::io::Result<()> {
        super::write_atomic(&self.admin_tls_paths().1, pem.as_bytes())
    }
}

fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(contents)?;
    file.sync_all()
}
