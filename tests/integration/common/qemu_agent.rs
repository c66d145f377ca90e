//! The QEMU guest agent of a running guest (the qemu-amd64 image installs
//! it; `image/qemu --agent` opens its virtio port on a Unix socket): a
//! program started in the guest as root, its exit status and output read
//! back. How a test plays what the VM has no other way to reach, such as
//! the TV on vivid's emulated HDMI-CEC bus.
//!
//! One connection per request, each opened with the agent's sync
//! handshake (a 0xFF byte resets its parser; the answer carries our id), so
//! an answer left over from an earlier, timed-out request is never taken
//! for this one's.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

const ANSWER: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(300);

/// A program that ran in the guest.
#[derive(Debug)]
pub struct Exited {
    pub code: i64,
    pub stdout: String,
    pub stderr: String,
}

pub struct Agent {
    socket: PathBuf,
}

impl Agent {
    pub fn new(socket: &Path) -> Self {
        Self {
            socket: socket.into(),
        }
    }

    /// Waits until the agent answers (systemd starts it once udev has seen
    /// its port).
    pub fn wait_ready(&self, bound: Duration) {
        let deadline = Instant::now() + bound;
        loop {
            match self.request(json!({"execute": "guest-ping"})) {
                Ok(_) => return,
                Err(_) if Instant::now() < deadline => std::thread::sleep(POLL),
                Err(err) => panic!("the guest agent did not answer within {bound:?}: {err}"),
            }
        }
    }

    /// Starts `program` with `args` in the guest; its process id there.
    pub fn spawn(&self, program: &str, args: &[&str]) -> i64 {
        let started = self
            .request(json!({
                "execute": "guest-exec",
                "arguments": {"path": program, "arg": args, "capture-output": true},
            }))
            .unwrap_or_else(|err| panic!("guest-exec {program} {args:?}: {err}"));
        started["pid"].as_i64().expect("guest-exec's pid")
    }

    /// Waits up to `bound` for the guest's process `pid` to end.
    pub fn wait(&self, pid: i64, bound: Duration) -> Exited {
        let deadline = Instant::now() + bound;
        loop {
            let status = self
                .request(json!({"execute": "guest-exec-status", "arguments": {"pid": pid}}))
                .unwrap_or_else(|err| panic!("guest-exec-status {pid}: {err}"));
            if status["exited"] == true {
                let text = |field: &str| {
                    let encoded = status[field].as_str().unwrap_or_default();
                    let bytes = base64::engine::general_purpose::STANDARD
                        .decode(encoded)
                        .expect("the agent's base64");
                    String::from_utf8_lossy(&bytes).into_owned()
                };
                return Exited {
                    // Killed by a signal: no exit code, the signal instead.
                    code: status["exitcode"]
                        .as_i64()
                        .unwrap_or(-status["signal"].as_i64().unwrap_or(0)),
                    stdout: text("out-data"),
                    stderr: text("err-data"),
                };
            }
            assert!(
                Instant::now() < deadline,
                "process {pid} in the guest still running after {bound:?}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Runs `program` with `args` in the guest to its end (at most `bound`).
    pub fn run(&self, program: &str, args: &[&str], bound: Duration) -> Exited {
        let pid = self.spawn(program, args);
        self.wait(pid, bound)
    }

    /// Like [`run`](Self::run), and it must succeed.
    pub fn check(&self, program: &str, args: &[&str], bound: Duration) -> String {
        let exited = self.run(program, args, bound);
        assert_eq!(
            exited.code, 0,
            "{program} {args:?} in the guest: {exited:?}"
        );
        exited.stdout
    }

    /// One command's `return`, or why there is none.
    fn request(&self, command: Value) -> Result<Value, String> {
        static IDS: AtomicU64 = AtomicU64::new(1);
        let id = IDS.fetch_add(1, Ordering::Relaxed);
        let mut stream = UnixStream::connect(&self.socket).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(ANSWER))
            .map_err(|e| e.to_string())?;
        let sync = json!({"execute": "guest-sync-delimited", "arguments": {"id": id}});
        let mut hello = vec![0xff];
        hello.extend(format!("{sync}\n").bytes());
        stream.write_all(&hello).map_err(|e| e.to_string())?;
        let mut reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
        // Up to our sync's answer: anything before it is stale.
        loop {
            let answer = next_answer(&mut reader)?;
            if answer["return"].as_u64() == Some(id) {
                break;
            }
        }
        stream
            .write_all(format!("{command}\n").as_bytes())
            .map_err(|e| e.to_string())?;
        let answer = next_answer(&mut reader)?;
        match answer.get("return") {
            Some(value) => Ok(value.clone()),
            None => Err(format!("{command}: {}", answer["error"])),
        }
    }
}

/// The next JSON answer, past the 0xFF a delimited sync puts before its own.
fn next_answer(reader: &mut impl BufRead) -> Result<Value, String> {
    loop {
        let mut line = Vec::new();
        let n = reader
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("no answer: {e}"))?;
        if n == 0 {
            return Err("the agent's socket closed".into());
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_matches(|c: char| c == '\u{fffd}' || c.is_whitespace());
        if text.is_empty() {
            continue;
        }
        if let Ok(answer) = serde_json::from_str::<Value>(text) {
            return Ok(answer);
        }
    }
}
