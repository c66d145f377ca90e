//! `./run demo`, the main job, as a person runs it and stops it: the cloud,
//! the lobby room and a headless terminal come up and meet; a SIGTERM (a
//! service manager, `kill`, a closed session) then stops every process the
//! demo started, not just the script.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[test]
fn the_demo_meets_and_a_sigterm_stops_everything_it_started() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin = binaries();
    let dirs = tempfile::tempdir().unwrap();
    let data = |name: &str| dirs.path().join(name).display().to_string();
    let mut demo = Command::new("bash")
        .arg(root.join("run"))
        .arg("demo")
        .current_dir(root)
        .env("DEMO_BINARIES", &bin)
        .env("DEMO_HEADLESS", "1")
        .env("ROOMCLOUD_DATA", data("cloud"))
        .env("ROOMTERM_DATA", data("room"))
        .env("ROOMTERM_LOBBY_DATA", data("lobby"))
        .env("ROOMCLOUD_HTTP", format!("127.0.0.1:{}", free_port()))
        .env("ROOMCLOUD_SIP", format!("127.0.0.1:{}", free_port()))
        .env("ROOMTERM_CONTROL", format!("127.0.0.1:{}", free_port()))
        .env(
            "ROOMTERM_LOBBY_CONTROL",
            format!("127.0.0.1:{}", free_port()),
        )
        .env("ROOMTERM_ADMIN", format!("127.0.0.1:{}", free_port()))
        .env("ROOMTERM_LOBBY_ADMIN", format!("127.0.0.1:{}", free_port()))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("bash runs ./run demo");
    let lines = read_lines(demo.stdout.take().unwrap());

    // The room (not the lobby, whose lines are prefixed) joins the lobby's
    // meeting: everything the demo promises is running.
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                let joined = !line.starts_with("[lobby]")
                    && line.contains("SIP registered")
                    && line.contains("call in_call");
                seen.push(line);
                if joined {
                    break;
                }
            }
            Err(_) => panic!("the demo's room never joined the meeting: {seen:#?}"),
        }
    }
    let started = descendants(demo.id());
    let names: Vec<String> = started.iter().map(|(_, name)| name.clone()).collect();
    for program in ["roomcloud", "roomterm"] {
        assert!(
            names.iter().any(|n| n == program),
            "{program} not among the demo's processes: {names:?}"
        );
    }

    // SIGTERM to the script alone, as `kill` or a service manager sends it.
    // SAFETY: kill(2) on our own child's pid has no memory effects.
    assert_eq!(unsafe { libc::kill(demo.id() as i32, libc::SIGTERM) }, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = demo.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = demo.kill();
            kill_all(&started);
            panic!("./run demo still running 30 s after SIGTERM: {names:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "stopped by a signal: {status}");
    let left: Vec<_> = started
        .iter()
        .filter(|(pid, _)| alive(*pid))
        .cloned()
        .collect();
    kill_all(&left);
    assert!(
        left.is_empty(),
        "still running after the demo stopped: {left:?}"
    );
}

/// The directory of the built `roomterm`, where `cargo test --workspace`
/// also puts `roomcloud`; built here if this crate was tested alone.
fn binaries() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_roomterm"))
        .parent()
        .unwrap()
        .to_path_buf();
    if !bin.join("roomcloud").exists() {
        let built = Command::new(env!("CARGO"))
            .args(["build", "-p", "roomcloud", "--bin", "roomcloud"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(built.success(), "cannot build roomcloud");
    }
    bin
}

fn free_port() -> u16 {
    // UDP and TCP both free: the cloud's SIP takes the port on both.
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn read_lines(out: impl std::io::Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    rx
}

/// Every process below `root` (pid and command name), from /proc.
fn descendants(root: u32) -> Vec<(i32, String)> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces, so split at ')'.
        let Some((head, tail)) = stat.rsplit_once(')') else {
            continue;
        };
        let name = head.split_once('(').map(|(_, n)| n).unwrap_or("");
        let ppid = tail.split_whitespace().nth(1).and_then(|p| p.parse().ok());
        parents.push((pid, ppid.unwrap_or(0), name.to_string()));
    }
    let mut found = Vec::new();
    let mut frontier = vec![root as i32];
    while let Some(parent) = frontier.pop() {
        for (pid, ppid, name) in &parents {
            if *ppid == parent {
                found.push((*pid, name.clone()));
                frontier.push(*pid);
            }
        }
    }
    found
}

fn alive(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| {
            !stat
                .rsplit_once(')')
                .is_some_and(|(_, t)| t.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

fn kill_all(processes: &[(i32, String)]) {
    for (pid, _) in processes {
        // SAFETY: kill(2) on processes this test started.
        unsafe { libc::kill(*pid, libc::SIGKILL) };
    }
}
