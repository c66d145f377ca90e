//! The real `roomterm` program, as the demo and the image run it: started
//! as a child process against a roomcloud on loopback, its wizard walked
//! with remote keys through the control API address it prints, then killed
//! (a power cut), started again and stopped by SIGTERM; and started for a
//! screen where there is none.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::remote::Client;
use roomcloud::clock::SystemClock;
use roomcloud::devices::DeviceView;

/// A running `roomterm` and the lines it prints.
struct Terminal {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Terminal {
    fn start(data: &Path, sn: &str, server: &str) -> Self {
        let mut command = Self::command(data, sn, server);
        command.arg("--headless").stderr(Stdio::inherit());
        Self::spawn(command)
    }

    /// The program as the image's unit starts it, without `--headless`.
    fn command(data: &Path, sn: &str, server: &str) -> Command {
        let boards = Path::new(env!("CARGO_MANIFEST_DIR")).join("board");
        let mut command = Command::new(env!("CARGO_BIN_EXE_roomterm"));
        command
            .args(["--no-input-devices", "--control", "127.0.0.1:0"])
            .arg("--data")
            .arg(data)
            .arg("--boards")
            .arg(&boards)
            .args(["--board", "generic-x86_64", "--sn", sn, "--server", server])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped());
        command
    }

    /// The program as the image starts it, for a screen, where there is
    /// none: `SLINT_DRM_OUTPUT` names an output no machine has, so this
    /// holds where one is connected too.
    fn without_display(data: &Path, sn: &str, server: &str) -> Command {
        let mut command = Self::command(data, sn, server);
        command
            .env("SLINT_BACKEND", "linuxkms-software")
            .env("SLINT_DRM_OUTPUT", "no-such-output")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        command
    }

    fn spawn(mut command: Command) -> Self {
        let mut child = command.spawn().expect("roomterm starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The first printed line (within 20 s) that `wanted` accepts.
    fn line(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("roomterm never printed {what}; it printed {:#?}", self.seen);
    }

    /// The control API client, from the address the program prints.
    fn control(&mut self, data: &Path) -> Client {
        let line = self.line("the control API address", |l| {
            l.starts_with("control API http://")
        });
        let addr = line
            .trim_start_matches("control API http://")
            .split('/')
            .next()
            .unwrap()
            .to_string();
        let token = std::fs::read_to_string(data.join("control-token")).unwrap();
        Client::new(&addr, token.trim())
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(rc, 0, "kill failed");
    }

    fn wait(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "roomterm did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn registered(line: &str) -> bool {
    line.contains("provisioning connected") && line.contains("SIP registered")
}

/// A cloud on loopback and a data directory for the terminal.
struct Setup {
    cloud: roomcloud::RunningCloud,
    admin: roomcloud::client::AdminClient,
    server: String,
    data: std::path::PathBuf,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn setup() -> Setup {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_cloud(cloud_dir.path(), 0, Arc::new(SystemClock)).await;
    Setup {
        server: cloud.endpoints.api_url.clone(),
        data: term_dir.path().to_path_buf(),
        cloud,
        admin,
        _dirs: (cloud_dir, term_dir),
    }
}

/// SIGTERM (systemd stopping the service), then its exit status.
async fn terminate(term: Terminal) -> std::process::ExitStatus {
    term.signal(libc::SIGTERM);
    blocking(move || {
        let mut term = term;
        term.wait()
    })
    .await
}

/// Blocking steps of the child run on a blocking thread, so the in-process
/// cloud keeps serving meanwhile.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_headless_program_activates_by_remote_survives_a_power_cut_and_stops_cleanly() {
    let Setup {
        cloud,
        admin,
        server,
        data,
        _dirs,
    } = setup().await;
    let code = common::add_device(&admin, "SN-X1").await;

    let (term, remote) = {
        let (data, server) = (data.clone(), server.clone());
        blocking(move || {
            let mut term = Terminal::start(&data, "SN-X1", &server);
            let banner = term.line("its banner", |l| l.starts_with("roomterm "));
            assert!(banner.contains("board generic-x86_64"), "{banner}");
            assert!(banner.contains("SN SN-X1"), "{banner}");
            let remote = term.control(&data);
            term.line("the not-activated status", |l| {
                l.contains("provisioning not activated")
            });
            (term, remote)
        })
        .await
    };

    // The wizard, by remote: English, DHCP, the pre-filled server, the code.
    assert_eq!(remote.get("/ui").await["page"], "language");
    remote.keys(&["right", "ok", "down", "ok"]).await;
    remote.keys(&["down", "right", "ok"]).await;
    let ui = remote.get("/ui").await;
    assert_eq!(ui["page"], "server");
    assert_eq!(ui["server_url"], server.as_str(), "--server pre-fills it");
    let ui = remote.keys(&["down", "right", "ok"]).await;
    assert_eq!(ui["page"], "activation");
    let digits: Vec<String> = code.chars().map(|d| format!("digit{d}")).collect();
    let digits: Vec<&str> = digits.iter().map(String::as_str).collect();
    remote.keys(&digits).await;
    let ui = remote
        .keys(&["down", "down", "down", "down", "right", "right"])
        .await;
    assert_eq!(ui["focused"], "activate");
    let ui = remote.keys(&["ok"]).await;
    assert_eq!(ui["page"], "home", "{ui}");
    let (term, line) = blocking(move || {
        let mut term = term;
        let line = term.line("registered", registered);
        (term, line)
    })
    .await;
    assert!(line.contains("number 100001"), "{line}");
    // The cloud's view follows.
    cloud_sees(&admin, |seen| {
        seen.provisioning_connected && seen.sip_registered
    })
    .await;

    // A power cut: SIGKILL, no un-REGISTER. Started again from its data
    // directory it registers without a code, on the same one binding.
    term.signal(libc::SIGKILL);
    let (data2, server2) = (data.clone(), server.clone());
    let term = blocking(move || {
        let mut term = term;
        term.wait();
        drop(term);
        let mut term = Terminal::start(&data2, "SN-X1", &server2);
        term.line("registered after the power cut", registered);
        term
    })
    .await;
    cloud_sees(&admin, |seen| {
        seen.sip_registered && seen.sip_bindings.len() == 1
    })
    .await;

    // SIGTERM (systemd stopping the service): it unregisters and exits 0.
    let status = terminate(term).await;
    assert!(status.success(), "{status}");
    let seen = common::device::<DeviceView>(&admin, "SN-X1").await;
    assert!(!seen.sip_registered, "{:?}", seen.sip_bindings);
    cloud.shutdown().await;
}

/// Waits until the cloud's view of SN-X1 holds: its bookkeeping may trail
/// the terminal's log line by a moment on a loaded machine.
async fn cloud_sees(admin: &roomcloud::client::AdminClient, holds: impl Fn(&DeviceView) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let seen = common::device::<DeviceView>(admin, "SN-X1").await;
        if holds(&seen) {
            return;
        }
        assert!(Instant::now() < deadline, "{seen:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The image starts the terminal for a screen (Slint's LinuxKMS backend);
/// a board with no display connected must still come up, headless, say
/// why, and be driven by its remote and control API.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_display_the_terminal_runs_headless_and_says_why() {
    let Setup {
        cloud,
        server,
        data,
        _dirs,
        ..
    } = setup().await;
    let log = data.join("stderr.log");

    let (term, remote) = {
        let (data, log) = (data.clone(), log.clone());
        blocking(move || {
            let mut command = Terminal::without_display(&data, "SN-X2", &server);
            command.stderr(std::fs::File::create(&log).unwrap());
            let mut term = Terminal::spawn(command);
            let remote = term.control(&data);
            term.line("the not-activated status", |l| {
                l.contains("provisioning not activated")
            });
            (term, remote)
        })
        .await
    };
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(said.contains("no display, running headless"), "{said}");
    let ui = remote.get("/ui").await;
    assert_eq!(ui["page"], "language");
    let moved = remote.keys(&["down"]).await;
    assert_ne!(moved["focused"], ui["focused"], "the remote moves nothing");

    let status = terminate(term).await;
    assert!(status.success(), "{status}");
    cloud.shutdown().await;
}

/// Started with no display, the image's terminal (`--restart-for-display`)
/// watches the display connectors; plugging one in makes it unregister and
/// exit with 75 for systemd to start it again, now with the screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_display_plugged_in_later_restarts_the_terminal_for_it() {
    let Setup {
        cloud,
        server,
        data,
        _dirs,
        ..
    } = setup().await;
    let drm = data.join("drm");
    let hdmi = drm.join("card0-HDMI-A-1");
    std::fs::create_dir_all(&hdmi).unwrap();
    std::fs::write(hdmi.join("status"), "disconnected\n").unwrap();

    let status = blocking(move || {
        let mut command = Terminal::without_display(&data, "SN-X3", &server);
        command
            .arg("--restart-for-display")
            .env("ROOMTERM_DRM_DIR", &drm)
            .stderr(Stdio::null());
        let mut term = Terminal::spawn(command);
        term.line("the not-activated status", |l| {
            l.contains("provisioning not activated")
        });
        // Nothing plugged in: it keeps running.
        std::thread::sleep(Duration::from_secs(3));
        assert!(term.child.try_wait().unwrap().is_none(), "it exited");
        std::fs::write(hdmi.join("status"), "connected\n").unwrap();
        let line = term.line("the display", |l| l.starts_with("display connected"));
        assert!(line.contains("card0-HDMI-A-1"), "{line}");
        term.wait()
    })
    .await;
    assert_eq!(status.code(), Some(75), "{status}");
    cloud.shutdown().await;
}
