//! A PostgreSQL server of a test's own, for tests that restart it without
//! disturbing the other tests' (they share the one `./run test` starts).
//! The workspace's tests use it too.

/// A PostgreSQL server of the test's own (`tools/postgres`), to restart
/// without disturbing the other tests'; stopped when dropped.
pub struct OwnPostgres {
    dir: tempfile::TempDir,
    pub url: String,
}

impl OwnPostgres {
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("roomterm-pg")
            .tempdir()
            .unwrap();
        let out = std::process::Command::new(script())
            .args(["start".as_ref(), dir.path().as_os_str()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let url = String::from_utf8(out.stdout).unwrap().trim().to_string();
        Self { dir, url }
    }

    /// Stops the server, cutting every connection, and starts it again.
    pub fn restart(&self) {
        let status = std::process::Command::new(script())
            .args(["restart".as_ref(), self.dir.path().as_os_str()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let _ = std::process::Command::new(script())
            .args(["stop".as_ref(), self.dir.path().as_os_str()])
            .status();
    }
}

/// `tools/postgres`, from the cloud's tests or the workspace's.
fn script() -> std::path::PathBuf {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    match here.join("tools/postgres").exists() {
        true => here.join("tools/postgres"),
        false => here.join("../tools/postgres"),
    }
}
