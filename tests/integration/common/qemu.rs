//! An appliance image running in QEMU, followed by its serial console.
//!
//! A boot is a row of milestones, each marked by a line on the console and
//! each with its own bound: the firmware starting the boot loader, the boot
//! loader choosing a slot, the kernel, the terminal, its registration. A
//! slow guest (software emulation on a loaded machine) is waited for; a
//! hung one fails the test naming the milestone it missed and showing the
//! console's last lines.
//!
//! QEMU runs with `image/qemu --exit-on-reset`: a guest reboot or a
//! watchdog reset ends the QEMU process and the follower powers the guest
//! on again on the same disk — a power cycle, which also keeps clear of
//! OVMF's warm-reset path (seen to stop there for good under emulation).
//! A guest showing nothing of its firmware or boot loader within their
//! bounds after power-on is power-cycled a few times before the test
//! fails: before the kernel nothing in the guest could reset it (no
//! emulated watchdog outlives a reset, image/README.md).
//! Every wait on the guest goes through [`Guest::reach`] or
//! [`Guest::wait_for`], which keep that up while they wait.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use roomterm::media::RgbFrame;

use super::picture;
use super::qemu_agent::Agent;

/// Power cycles a wait may make for a guest stuck before its kernel.
const POWER_CYCLES: usize = 3;
/// Resets of the guest's own (reboots, its watchdog) during one wait:
/// more is a boot loop.
const RESETS_PER_WAIT: usize = 4;
const POLL: Duration = Duration::from_millis(500);

/// A point of the boot, marked by a line on the serial console.
#[derive(Clone, Debug)]
pub struct Milestone {
    pub name: String,
    /// Text the marking line contains.
    pub line: String,
    /// How long after the previous milestone (or a power-on) it may take.
    pub bound: Duration,
    /// Missed: the guest is power-cycled and looked at again. Only where
    /// nothing in the guest can reset it: the firmware and boot loader.
    pub power_cycle: bool,
}

impl Milestone {
    pub fn new(name: &str, line: &str, bound: Duration) -> Self {
        Self {
            name: name.into(),
            line: line.into(),
            bound,
            power_cycle: false,
        }
    }

    /// OVMF's (AAVMF's) boot manager starting the boot loader on the ESP.
    pub fn firmware() -> Self {
        Self {
            power_cycle: true,
            ..Self::new("firmware", "BdsDxe: starting Boot", secs(180))
        }
    }

    /// GRUB's first line (grub.cfg.in).
    pub fn boot_loader() -> Self {
        Self {
            power_cycle: true,
            ..Self::new("boot loader", "roomterm: boot loader started", secs(120))
        }
    }

    /// GRUB choosing `slot` and loading its kernel.
    pub fn slot(slot: char) -> Self {
        Self {
            power_cycle: true,
            ..Self::new(
                &format!("boot loader choosing slot {slot}"),
                &format!("roomterm: booting slot {slot}"),
                secs(120),
            )
        }
    }

    /// The kernel's first line (the console replays it once registered).
    pub fn kernel() -> Self {
        Self::new("kernel", "Linux version", secs(240))
    }

    /// The terminal's first status line. systemd's start-up before it
    /// took 2 minutes on a loaded machine, 5 with both cores busy besides.
    pub fn terminal(sn: &str) -> Self {
        Self::new("roomterm started", &format!("SN {sn}"), secs(900))
    }

    pub fn registered() -> Self {
        Self::new("SIP registered", "SIP registered", secs(600))
    }

    /// The kernel restarting the machine (after systemd's shutdown).
    pub fn restarting() -> Self {
        Self::new("reboot", "reboot: Restarting system", secs(300))
    }

    /// Power-on to registered, booting `slot`.
    pub fn boot(slot: char, sn: &str) -> Vec<Self> {
        vec![
            Self::firmware(),
            Self::boot_loader(),
            Self::slot(slot),
            Self::kernel(),
            Self::terminal(sn),
            Self::registered(),
        ]
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Why the guest was powered on again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restart {
    /// The guest rebooted itself.
    Reboot,
    /// The emulated watchdog fired (QEMU's WATCHDOG event).
    Watchdog,
    /// No progress before its kernel: the test cut the power.
    PowerCycle,
}

/// One QEMU process: one power-on of the guest.
struct Run {
    qemu: Child,
    serial: PathBuf,
    /// QEMU's events (`WATCHDOG reset`, `SHUTDOWN guest-reset`...).
    events: Arc<Mutex<Vec<String>>>,
    listener: Option<JoinHandle<()>>,
    powered_on: Instant,
}

/// A guest running until dropped, powered on again whenever it resets.
pub struct Guest {
    disk: PathBuf,
    arch: String,
    sn: String,
    dir: PathBuf,
    run: Run,
    /// Console of the finished runs, one after the other.
    earlier: String,
    /// Console offset after the last milestone reached.
    cursor: usize,
    restarts: Vec<Restart>,
    off: bool,
    /// The host's port to the guest's web admin (443).
    admin_port: u16,
}

impl Guest {
    /// Powers on `disk` (used as is) with `sn` as the firmware's serial
    /// number; consoles, monitor and QMP sockets go to `dir`.
    pub fn boot(disk: &Path, arch: &str, sn: &str, dir: &Path) -> Self {
        let admin_port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let run = launch(disk, arch, sn, dir, 1, admin_port);
        Self {
            disk: disk.into(),
            arch: arch.into(),
            sn: sn.into(),
            dir: dir.into(),
            run,
            earlier: String::new(),
            cursor: 0,
            restarts: Vec::new(),
            off: false,
            admin_port,
        }
    }

    /// The guest's web admin (and control API), from the host.
    pub fn admin_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.admin_port)
    }

    /// The guest agent (images that install it: qemu-amd64).
    pub fn agent(&self) -> Agent {
        Agent::new(&self.dir.join("agent.sock"))
    }

    pub fn sn(&self) -> &str {
        &self.sn
    }

    /// Why the guest was powered on again so far, in order.
    pub fn restarts(&self) -> &[Restart] {
        &self.restarts
    }

    /// The resets of the guest's own (reboots, its watchdog), without the
    /// test's power cycles.
    pub fn resets(&self) -> Vec<Restart> {
        let own = self.restarts.iter().filter(|r| **r != Restart::PowerCycle);
        own.copied().collect()
    }

    /// Waits for each of `milestones` in turn.
    pub fn reach_all(&mut self, milestones: &[Milestone]) {
        for milestone in milestones {
            self.reach(milestone);
        }
    }

    /// Waits for each of `milestones`' lines after the last milestone
    /// reached, in whichever order the guest prints them (services that run
    /// side by side); the next milestone is looked for after the last.
    pub fn reach_unordered(&mut self, milestones: &[Milestone]) {
        let start = self.cursor;
        let mut end = start;
        for milestone in milestones {
            self.cursor = start;
            self.reach(milestone);
            end = end.max(self.cursor);
        }
        self.cursor = end;
    }

    /// Waits for `milestone`'s line after the last milestone reached;
    /// returns that line.
    pub fn reach(&mut self, milestone: &Milestone) -> String {
        let mut since = Instant::now();
        let (mut cycles, mut resets) = (0, 0);
        loop {
            let console = self.console();
            let after = console.get(self.cursor..).unwrap_or_default();
            if let Some(at) = after.find(&milestone.line) {
                let start = self.cursor + at;
                // Up to the end of the line, or of the text matched while
                // the line is still being written.
                let end = console[start..]
                    .find('\n')
                    .map_or(start + milestone.line.len(), |n| start + n);
                let line = console[start..end].trim_end().to_string();
                self.cursor = end;
                println!(
                    "  {:>6.1} s after power-on  {}",
                    self.run.powered_on.elapsed().as_secs_f64(),
                    milestone.name
                );
                return line;
            }
            if self.tend(&milestone.name).is_some() {
                resets += 1;
                assert!(
                    resets <= RESETS_PER_WAIT,
                    "the guest keeps resetting ({:?}) before {}\nconsole:\n{}",
                    self.restarts,
                    milestone.name,
                    self.console_tail()
                );
                // A power-on starts the milestone's bound again.
                since = Instant::now();
                continue;
            }
            if since.elapsed() > milestone.bound {
                if milestone.power_cycle && cycles < POWER_CYCLES {
                    cycles += 1;
                    println!(
                        "  no {} within {:?}: power cycle {cycles} of {POWER_CYCLES}\n{}",
                        milestone.name,
                        milestone.bound,
                        self.console_tail()
                    );
                    self.power_cycle();
                    since = Instant::now();
                    continue;
                }
                panic!(
                    "the guest missed the milestone \"{}\" (a line with {:?}) within {:?}; \
                     power cycles {cycles}, restarts so far {:?}\nconsole's last lines:\n{}",
                    milestone.name,
                    milestone.line,
                    milestone.bound,
                    self.restarts,
                    self.console_tail()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Polls `check` for up to `bound` until it gives a value (a wait on
    /// what the guest shows elsewhere than on its console: its display, the
    /// cloud's view of it), keeping the guest powered meanwhile. `check`
    /// says what it saw instead, for the failure.
    pub fn wait_for<T>(
        &mut self,
        what: &str,
        bound: Duration,
        mut check: impl FnMut(&Self) -> Result<T, String>,
    ) -> T {
        let since = Instant::now();
        let mut resets = 0;
        loop {
            if self.tend(what).is_some() {
                resets += 1;
                assert!(
                    resets <= RESETS_PER_WAIT,
                    "the guest keeps resetting ({:?}) waiting for {what}\nconsole:\n{}",
                    self.restarts,
                    self.console_tail()
                );
            }
            let seen = match check(self) {
                Ok(value) => return value,
                Err(seen) => seen,
            };
            assert!(
                since.elapsed() < bound,
                "{what}: not within {bound:?}; last seen: {seen}\nconsole's last lines:\n{}",
                self.console_tail()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Presses the power button; the guest must shut down cleanly (its
    /// file systems unmounted) and QEMU end.
    pub fn power_off(mut self, bound: Duration) {
        self.monitor("system_powerdown");
        self.reach(&Milestone::new("power off", "reboot: Power down", bound));
        self.wait_for("QEMU ending after the power-off", secs(60), |guest| {
            guest.off.then_some(()).ok_or("QEMU running".into())
        });
    }

    /// Keeps the guest powered: a QEMU that ended on a guest reset is
    /// started again on the same disk. `waiting_for` names the wait, for
    /// the failure of a guest that powered itself off.
    fn tend(&mut self, waiting_for: &str) -> Option<Restart> {
        if self.off {
            return None;
        }
        let status = self.run.qemu.try_wait().unwrap()?;
        // The socket closes with QEMU: every event is in.
        if let Some(listener) = self.run.listener.take() {
            let _ = listener.join();
        }
        let events = self.run.events.lock().unwrap().clone();
        let this_run = read(&self.run.serial);
        let shutdown = events.iter().rev().find(|e| e.starts_with("SHUTDOWN"));
        let reset = match shutdown.map(String::as_str) {
            Some("SHUTDOWN guest-shutdown") => false,
            Some("SHUTDOWN guest-reset") => true,
            // No QMP word: the console says which.
            None if this_run.contains("reboot: Power down") => false,
            None if this_run.contains("reboot: Restarting system") => true,
            other => panic!(
                "QEMU ended ({status}, {other:?}) waiting for {waiting_for}; events {events:?}\n\
                 console's last lines:\n{}",
                self.console_tail()
            ),
        };
        if !reset {
            self.off = true;
            return None;
        }
        let restart = if events.iter().any(|e| e == "WATCHDOG reset") {
            Restart::Watchdog
        } else {
            Restart::Reboot
        };
        println!(
            "  {:>6.1} s after power-on  guest reset ({restart:?}): powered on again",
            self.run.powered_on.elapsed().as_secs_f64()
        );
        self.next_run(restart);
        Some(restart)
    }

    /// Cuts the power and powers on again.
    fn power_cycle(&mut self) {
        stop(&mut self.run);
        self.next_run(Restart::PowerCycle);
    }

    fn next_run(&mut self, restart: Restart) {
        self.earlier.push_str(&read(&self.run.serial));
        self.restarts.push(restart);
        let n = self.restarts.len() + 1;
        self.run = launch(
            &self.disk,
            &self.arch,
            &self.sn,
            &self.dir,
            n,
            self.admin_port,
        );
    }

    /// The console from the first power-on, every run after the other.
    pub fn console(&self) -> String {
        let mut console = self.earlier.clone();
        console.push_str(&read(&self.run.serial));
        console
    }

    /// The console from byte `offset` on (an earlier `console_len`).
    pub fn console_since(&self, offset: usize) -> String {
        let console = self.console();
        console.get(offset..).unwrap_or_default().to_string()
    }

    pub fn console_len(&self) -> usize {
        self.console().len()
    }

    /// The console's last lines, for failure messages.
    pub fn console_tail(&self) -> String {
        let text = self.console();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    fn monitor_socket(&self) -> PathBuf {
        self.dir.join("monitor.sock")
    }

    /// Gives QEMU's monitor `command` (e.g. `sendkey ret`).
    pub fn monitor(&self, command: &str) {
        let socket = self.monitor_socket();
        let mut stream = UnixStream::connect(&socket)
            .unwrap_or_else(|e| panic!("QEMU monitor {}: {e}", socket.display()));
        writeln!(stream, "{command}").unwrap();
        // The monitor answers with a prompt once it has run the command.
        let mut seen = Vec::new();
        let mut buf = [0u8; 256];
        stream.set_read_timeout(Some(secs(10))).unwrap();
        while let Ok(n @ 1..) = std::io::Read::read(&mut stream, &mut buf) {
            seen.extend_from_slice(&buf[..n]);
            if seen.windows(6).filter(|w| w == b"(qemu)").count() >= 2 {
                break;
            }
        }
    }

    /// Where [`Guest::screen`] saves the display.
    pub fn screen_file(&self) -> PathBuf {
        self.dir.join("screen.ppm")
    }

    /// The guest's display now, as QEMU's `screendump` saves it.
    pub fn screen(&self) -> RgbFrame {
        let file = self.screen_file();
        let _ = std::fs::remove_file(&file);
        self.monitor(&format!("screendump {}", file.display()));
        picture::read_ppm(&file)
    }

    /// Presses `keys` (QEMU's names: `right`, `down`, `ret`...) on the
    /// guest's USB keyboard, as a room user on the remote, one after the
    /// other with time for the terminal to move its focus.
    pub fn press(&self, keys: &[&str]) {
        for key in keys {
            self.monitor(&format!("sendkey {key}"));
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Guest {
    fn drop(&mut self) {
        stop(&mut self.run);
    }
}

/// Powers `disk` on: image/qemu in a process group of its own (it runs
/// QEMU as its child), its console in `serial.N.log`, the guest's port 443
/// on the host's `admin_port`.
fn launch(disk: &Path, arch: &str, sn: &str, dir: &Path, n: usize, admin_port: u16) -> Run {
    let serial = dir.join(format!("serial.{n}.log"));
    let (monitor, qmp) = (dir.join("monitor.sock"), dir.join("qmp.sock"));
    let agent = dir.join("agent.sock");
    // A socket left by the last run would take the listener's connection.
    for socket in [&monitor, &qmp, &agent] {
        let _ = std::fs::remove_file(socket);
    }
    let qemu = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("image/qemu"))
        .arg(disk)
        .args(["--arch", arch, "--sn", sn, "--exit-on-reset", "--serial"])
        .arg(&serial)
        .arg("--monitor")
        .arg(&monitor)
        .arg("--qmp")
        .arg(&qmp)
        .arg("--agent")
        .arg(&agent)
        .args(["--forward", &format!("{admin_port}:443")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .process_group(0)
        .spawn()
        .expect("image/qemu (qemu-system-x86 and ovmf installed?)");
    let events = Arc::new(Mutex::new(Vec::new()));
    let listener = Some(listen(qmp, events.clone()));
    Run {
        qemu,
        serial,
        events,
        listener,
        powered_on: Instant::now(),
    }
}

/// Collects QEMU's events from its QMP socket until QEMU ends.
fn listen(socket: PathBuf, events: Arc<Mutex<Vec<String>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        // QEMU makes the socket while it starts.
        let deadline = Instant::now() + secs(60);
        let mut stream = loop {
            match UnixStream::connect(&socket) {
                Ok(stream) => break stream,
                Err(_) if Instant::now() < deadline => std::thread::sleep(POLL),
                Err(_) => return,
            }
        };
        if writeln!(stream, r#"{{"execute":"qmp_capabilities"}}"#).is_err() {
            return;
        }
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { return };
            let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
                continue;
            };
            if let Some(event) = message["event"].as_str() {
                let data = &message["data"];
                let detail = data["reason"].as_str().or(data["action"].as_str());
                let entry = match detail {
                    Some(detail) => format!("{event} {detail}"),
                    None => event.to_string(),
                };
                events.lock().unwrap().push(entry);
            }
        }
    })
}

/// Ends a run's QEMU (the whole process group) and waits for it.
fn stop(run: &mut Run) {
    if run.qemu.try_wait().ok().flatten().is_none() {
        // SAFETY: killpg only sends a signal; the group is this run's own.
        unsafe {
            libc::killpg(run.qemu.id() as libc::pid_t, libc::SIGKILL);
        }
    }
    let _ = run.qemu.wait();
    if let Some(listener) = run.listener.take() {
        let _ = listener.join();
    }
}

fn read(file: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(file).unwrap_or_default()).into_owned()
}
