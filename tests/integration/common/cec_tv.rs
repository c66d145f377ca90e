//! The TV on the qemu-amd64 guest's HDMI-CEC bus: vivid's HDMI input
//! adapter (`/dev/cec0`, physical address 0.0.0.0), played through the
//! guest agent with v4l-utils' `cec-ctl` as a TV's firmware would. It
//! claims the TV's logical address; its remote's keys go to the terminal
//! as CEC <User Control Pressed>/<User Control Released>; what the
//! terminal tells it is read off its monitor. The terminal's own adapter
//! is vivid's HDMI output (`/dev/cec1`, board/qemu-x86_64.toml).

use std::time::{Duration, Instant};

use super::qemu_agent::Agent;

const TV: &str = "/dev/cec0";
const TERMINAL: &str = "/dev/cec1";
/// What the TV heard, as its monitor prints it (a file in the guest: the
/// agent returns a process's output only once it has ended).
const HEARD: &str = "/run/tv-heard.log";
const COMMAND: Duration = Duration::from_secs(30);

/// CEC's UI command codes of the remote's keys pressed here.
#[derive(Clone, Copy, Debug)]
pub enum TvKey {
    Select,
    Up,
    Down,
    Left,
    Right,
}

impl TvKey {
    fn code(self) -> &'static str {
        match self {
            Self::Select => "0x00",
            Self::Up => "0x01",
            Self::Down => "0x02",
            Self::Left => "0x03",
            Self::Right => "0x04",
        }
    }
}

pub struct Tv {
    agent: Agent,
    /// The terminal's adapter as `cec-ctl` reported it when the TV came on.
    pub terminal_adapter: String,
    /// The terminal's logical address on the bus.
    terminal: String,
    listening: Option<i64>,
}

impl Tv {
    /// Claims the TV's logical address; the terminal must already have
    /// claimed its own (a playback device) when it started.
    pub fn switch_on(agent: Agent) -> Self {
        agent.check("cec-ctl", &["-d", TV, "--tv", "--osd-name", "TV"], COMMAND);
        let status = agent.check("cec-ctl", &["-d", TERMINAL], COMMAND);
        let terminal = logical_address(&status)
            .unwrap_or_else(|| panic!("the terminal's adapter has no logical address:\n{status}"));
        Self {
            agent,
            terminal_adapter: status,
            terminal,
            listening: None,
        }
    }

    /// Starts writing down everything the TV receives.
    pub fn listen(&mut self) {
        let monitor = format!("exec stdbuf -oL cec-ctl -d {TV} --monitor >{HEARD} 2>&1");
        self.listening = Some(self.agent.spawn("sh", &["-c", &monitor]));
    }

    /// What the TV has received since [`listen`](Self::listen), once
    /// `enough` says so (at most `bound`).
    pub fn heard_until(&self, bound: Duration, enough: impl Fn(&str) -> bool) -> String {
        assert!(self.listening.is_some(), "the TV is not listening");
        let deadline = Instant::now() + bound;
        loop {
            let heard = self.agent.run("cat", &[HEARD], COMMAND).stdout;
            if enough(&heard) {
                return heard;
            }
            assert!(
                Instant::now() < deadline,
                "within {bound:?} the TV heard only:\n{heard}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// The remote's keys, each pressed and released, sent to the terminal.
    pub fn press(&self, keys: &[TvKey]) {
        for key in keys {
            let pressed = format!("ui-cmd={}", key.code());
            let to = ["-d", TV, "--to", self.terminal.as_str()];
            let press = [&to[..], &["--user-control-pressed", &pressed]].concat();
            self.agent.check("cec-ctl", &press, COMMAND);
            let release = [&to[..], &["--user-control-released"]].concat();
            self.agent.check("cec-ctl", &release, COMMAND);
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

impl Drop for Tv {
    fn drop(&mut self) {
        if let Some(pid) = self.listening {
            let _ = self.agent.run("kill", &[&pid.to_string()], COMMAND);
        }
    }
}

/// The first logical address in `cec-ctl`'s report of an adapter
/// (`Logical Address : 4 (Playback Device 1)`, not the mask's or the
/// count's lines).
fn logical_address(report: &str) -> Option<String> {
    report.lines().find_map(|line| {
        let (name, value) = line.split_once(':')?;
        let number = value.split_whitespace().next()?;
        let valid = name.trim() == "Logical Address" && number.parse::<u8>().ok()? < 15;
        valid.then(|| number.to_string())
    })
}
