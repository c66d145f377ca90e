//! Real third-party SIP peers against roomcloud: sipp (Debian sip-tester)
//! and baresip. Both must be installed (the README's test command does it).

use crate::common;

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{third_party_account, TestCloud};

const DOMAIN: &str = "roomcloud.local";

fn tool(name: &str) -> PathBuf {
    for dir in ["/usr/bin", "/usr/local/bin", "/usr/sbin"] {
        let path = Path::new(dir).join(name);
        if path.exists() {
            return path;
        }
    }
    panic!("{name} is not installed: run ./run test (it installs the test peers)");
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path)
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Runs one sipp scenario for one user; true if sipp reports success.
/// `local_port` stays the same across runs so that the Contact (and thus the
/// binding) is the same one.
fn sipp(port: u16, local_port: u16, scenario: &Path, user: &str, password: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let inf = dir.path().join("users.csv");
    std::fs::write(
        &inf,
        format!(
            "SEQUENTIAL\n{user};{password};[authentication username={user} password={password}]\n"
        ),
    )
    .unwrap();
    let output = Command::new(tool("sipp"))
        .current_dir(dir.path())
        .arg(format!("127.0.0.1:{port}"))
        .args([
            "-sf",
            scenario.to_str().unwrap(),
            "-inf",
            inf.to_str().unwrap(),
        ])
        .args(["-key", "domain", DOMAIN, "-auth_uri", DOMAIN])
        .args(["-i", "127.0.0.1", "-p", &local_port.to_string()])
        .args([
            "-m",
            "1",
            "-recv_timeout",
            "5000",
            "-timeout",
            "20s",
            "-timeout_error",
        ])
        .args(["-nostdin", "-trace_err", "-trace_msg"])
        .stdin(Stdio::null())
        .output()
        .expect("sipp runs");
    let mut log = String::from_utf8_lossy(&output.stdout).into_owned();
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "log") {
            log.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
        }
    }
    (output.status.success(), log)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sipp_registers_with_digest_and_unregisters() {
    let t = TestCloud::start().await;
    let port = t.cloud.endpoints.sip_udp.port();
    third_party_account(&t, "sipp1", "sipp-password-1", None).await;
    let register = repo("bench/register.xml");
    let local = free_udp_port();

    let (ok, log) = tokio::task::spawn_blocking(move || {
        sipp(port, local, &register, "sipp1", "sipp-password-1")
    })
    .await
    .unwrap();
    assert!(ok, "sipp REGISTER failed:\n{log}");
    assert!(log.contains("SIP/2.0 200 OK"), "{log}");
    assert!(t.sip_registered("sipp1").await, "binding not visible");

    let wrong = repo("bench/register-wrong.xml");
    let (rejected, log) =
        tokio::task::spawn_blocking(move || sipp(port, local, &wrong, "sipp1", "wrong-password"))
            .await
            .unwrap();
    assert!(rejected, "wrong password was not rejected:\n{log}");
    assert!(log.contains("SIP/2.0 403"), "{log}");

    let unregister = repo("cloud/tests/sipp/unregister.xml");
    let (ok, log) = tokio::task::spawn_blocking(move || {
        sipp(port, local, &unregister, "sipp1", "sipp-password-1")
    })
    .await
    .unwrap();
    assert!(ok, "sipp un-REGISTER failed:\n{log}");
    assert!(
        !t.sip_registered("sipp1").await,
        "binding survived Expires: 0"
    );
}

/// A baresip instance with one account, stopped (cleanly) on drop.
struct Baresip {
    child: std::process::Child,
    _dir: tempfile::TempDir,
    log: PathBuf,
}

impl Baresip {
    fn start(sip_port: u16, user: &str, password: &str, transport: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let fill = |template: &str| {
            std::fs::read_to_string(repo(&format!("cloud/tests/baresip/{template}")))
                .unwrap()
                .replace("{{LOCAL_PORT}}", "0")
                .replace("{{USER}}", user)
                .replace("{{PASSWORD}}", password)
                .replace("{{DOMAIN}}", DOMAIN)
                .replace("{{SIP_PORT}}", &sip_port.to_string())
                .replace("{{TRANSPORT}}", transport)
                .replace("{{REGINT}}", "600")
        };
        for file in ["config", "accounts"] {
            let text = fill(file);
            assert!(!text.contains("{{"), "unfilled placeholder in {file}");
            std::fs::write(dir.path().join(file), text).unwrap();
        }
        let log = dir.path().join("baresip.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(tool("baresip"))
            .args(["-f", dir.path().to_str().unwrap(), "-s", "-t", "60"])
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("baresip starts");
        Self {
            child,
            _dir: dir,
            log,
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends SIGTERM (baresip then un-registers) and waits for it to exit.
    fn stop(&mut self) {
        if let Ok(Some(_)) = self.child.try_wait() {
            return;
        }
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Baresip {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn baresip_registers(transport: &str) {
    let t = TestCloud::start().await;
    third_party_account(&t, "cisco1", "cisco-password-1", None).await;
    let mut baresip = Baresip::start(
        t.cloud.endpoints.sip_udp.port(),
        "cisco1",
        "cisco-password-1",
        transport,
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while !t.sip_registered("cisco1").await {
        assert!(
            Instant::now() < deadline,
            "baresip did not register over {transport}:\n{}",
            baresip.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(baresip.log().contains("200 OK"), "{}", baresip.log());
    // On exit baresip un-registers.
    baresip.stop();
    assert!(!t.sip_registered("cisco1").await, "{}", baresip.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_registers_over_udp() {
    baresip_registers("udp").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn baresip_registers_over_tcp() {
    baresip_registers("tcp").await;
}
