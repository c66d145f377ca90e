//! The line protocol's listener (and its serial port, `serial.rs`): one
//! task per connection. A connection
//! signs in with the control token first (three wrong ones close it);
//! then each line is a command, answered `*r … (status=OK|Error)` and
//! `** end`. `xStatus` answers the room's state as `*s` lines; after
//! `xFeedback Register` every change of it comes unasked as `*e` lines.
//! A line past `MAX_LINE` closes the connection.

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::grammar::{parse, quote, Command, MAX_LINE};
use crate::app::Terminal;
use crate::status::StatusView;

/// Wrong tokens a connection may send before it is closed.
const LOGIN_TRIES: u32 = 3;

/// The running line protocol server (stopped when dropped).
pub struct LineServer {
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LineServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl LineServer {
    /// Listens on `listen`; connections drive `terminal` once signed in
    /// with `token`.
    pub async fn start(
        listen: SocketAddr,
        terminal: Terminal,
        token: String,
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        tracing::info!(%addr, "room-controller line protocol listening");
        let task = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, peer)) => {
                        let (terminal, token) = (terminal.clone(), token.clone());
                        tokio::spawn(async move {
                            let (read, write) = stream.into_split();
                            if let Err(err) = serve(read, write, &terminal, &token).await {
                                tracing::info!(%peer, %err, "line protocol connection ended");
                            }
                        });
                    }
                    Err(err) => tracing::warn!(%err, "line protocol accept"),
                }
            }
        });
        Ok(Self { addr, task })
    }
}

/// The room's state as the protocol reports it: `(path, value)` pairs.
fn snapshot(view: &StatusView) -> Vec<(&'static str, String)> {
    let on = |b: bool| if b { "On" } else { "Off" }.to_string();
    let caller = view.call.caller.as_ref();
    vec![
        ("Call State", view.call.state.to_string()),
        (
            "Call Caller",
            caller.map(|c| c.name.clone()).unwrap_or_default(),
        ),
        (
            "Call Number",
            caller.map(|c| c.number.clone()).unwrap_or_default(),
        ),
        ("Call Code", view.call.code.clone().unwrap_or_default()),
        ("Audio Mute", on(view.call.muted)),
        ("Audio Volume", view.speaker_volume.to_string()),
        ("Video Camera", on(view.call.camera_on)),
        ("Sip Registration", view.sip.state.to_string()),
        ("Provisioning", view.provisioning.state.to_string()),
        ("Casting", view.cast.state.to_string()),
        (
            "Standby State",
            if view.standby { "Standby" } else { "Off" }.to_string(),
        ),
        ("Room Name", view.room_name.clone().unwrap_or_default()),
        ("Room Number", view.number.clone().unwrap_or_default()),
    ]
}

fn status_lines(prefix: &str, pairs: &[(&'static str, String)]) -> String {
    let mut out = String::new();
    for (path, value) in pairs {
        out.push_str(&format!("{prefix} {path}: {}\r\n", quote(value)));
    }
    out.push_str("** end\r\n");
    out
}

fn result(name: &str, outcome: Result<(), String>) -> String {
    match outcome {
        Ok(()) => format!("*r {name}Result (status=OK)\r\n** end\r\n"),
        Err(reason) => format!(
            "*r {name}Result (status=Error): Reason: {}\r\n** end\r\n",
            quote(&reason)
        ),
    }
}

/// What reading a line came to.
enum Read {
    Line(String),
    TooLong,
    Closed,
}

async fn read_line(reader: &mut BufReader<impl AsyncRead + Unpin>) -> std::io::Result<Read> {
    let mut bytes = Vec::new();
    let limit = (MAX_LINE + 1) as u64;
    let n = (&mut *reader)
        .take(limit)
        .read_until(b'\n', &mut bytes)
        .await?;
    if n == 0 {
        return Ok(Read::Closed);
    }
    if !bytes.ends_with(b"\n") && bytes.len() > MAX_LINE {
        return Ok(Read::TooLong);
    }
    Ok(Read::Line(
        String::from_utf8_lossy(&bytes)
            .trim_end_matches(['\r', '\n'])
            .to_string(),
    ))
}

/// One conversation: lines from `read`, replies and events to `write`.
pub(super) async fn serve(
    read: impl AsyncRead + Unpin + Send + 'static,
    mut write: impl AsyncWrite + Unpin,
    terminal: &Terminal,
    token: &str,
) -> std::io::Result<()> {
    // Lines are read in a task of their own: reading is not cancel-safe,
    // a channel is (the select below also waits for status changes).
    let (lines_tx, mut lines) = tokio::sync::mpsc::channel(4);
    let reader_task = tokio::spawn(async move {
        let mut reader = BufReader::new(read);
        loop {
            let read = read_line(&mut reader).await.unwrap_or(Read::Closed);
            let last = !matches!(read, Read::Line(_));
            if lines_tx.send(read).await.is_err() || last {
                return;
            }
        }
    });
    let outcome = converse(&mut lines, &mut write, terminal, token).await;
    reader_task.abort();
    outcome
}

async fn converse(
    lines: &mut tokio::sync::mpsc::Receiver<Read>,
    write: &mut (impl AsyncWrite + Unpin),
    terminal: &Terminal,
    token: &str,
) -> std::io::Result<()> {
    let mut status = terminal.status.clone();
    let mut last = snapshot(&StatusView::from(&*status.borrow_and_update()));
    let (mut signed_in, mut wrong, mut feedback) = (false, 0, false);
    write
        .write_all(b"roomterm line protocol: sign in with xLogin Token: <token>\r\n")
        .await?;
    loop {
        let line = tokio::select! {
            read = lines.recv() => read.unwrap_or(Read::Closed),
            changed = status.changed(), if feedback => {
                if changed.is_err() {
                    return Ok(());
                }
                let now = snapshot(&StatusView::from(&*status.borrow_and_update()));
                let diff: Vec<_> = now
                    .iter()
                    .filter(|pair| !last.contains(pair))
                    .cloned()
                    .collect();
                last = now;
                if !diff.is_empty() {
                    write.write_all(status_lines("*e", &diff).as_bytes()).await?;
                }
                continue;
            }
        };
        let line = match line {
            Read::Line(line) if line.trim().is_empty() => continue,
            Read::Line(line) => line,
            Read::TooLong => {
                write
                    .write_all(result("Line", Err("line too long".into())).as_bytes())
                    .await?;
                return Ok(());
            }
            Read::Closed => return Ok(()),
        };
        let command = match parse(&line) {
            Ok(command) => command,
            Err(err) => {
                write
                    .write_all(result("Command", Err(err.to_string())).as_bytes())
                    .await?;
                continue;
            }
        };
        let reply = match command {
            Command::Login { token: given } => {
                signed_in = given == token;
                if signed_in {
                    result("Login", Ok(()))
                } else {
                    wrong += 1;
                    if wrong >= LOGIN_TRIES {
                        write
                            .write_all(
                                result("Login", Err("wrong token; closing".into())).as_bytes(),
                            )
                            .await?;
                        return Ok(());
                    }
                    result("Login", Err("wrong token".into()))
                }
            }
            Command::Bye => return Ok(()),
            _ if !signed_in => result(
                "Command",
                Err("sign in first: xLogin Token: <token>".into()),
            ),
            Command::Status => {
                let now = snapshot(&StatusView::from(&*terminal.status.borrow()));
                status_lines("*s", &now)
            }
            Command::Feedback { on } => {
                feedback = on;
                last = snapshot(&StatusView::from(&*status.borrow_and_update()));
                result("Feedback", Ok(()))
            }
            command => {
                let (name, outcome) = carry_out(terminal, command).await;
                result(name, outcome)
            }
        };
        write.write_all(reply.as_bytes()).await?;
    }
}

/// A command on the terminal: its result's name and outcome.
async fn carry_out(terminal: &Terminal, command: Command) -> (&'static str, Result<(), String>) {
    match command {
        Command::Dial { number } => ("Dial", terminal.dial(&number).await),
        Command::Join {
            meeting_id,
            password,
        } => (
            "Join",
            terminal.join(&meeting_id, password.as_deref()).await,
        ),
        Command::Answer => ("Answer", terminal.answer().await),
        Command::Decline => {
            terminal.decline().await;
            ("Decline", Ok(()))
        }
        Command::HangUp => {
            terminal.hang_up().await;
            ("HangUp", Ok(()))
        }
        Command::Mute { on } => {
            terminal.set_muted(on).await;
            ("Mute", Ok(()))
        }
        Command::Volume { level } => {
            terminal.set_volume(level).await;
            ("Volume", Ok(()))
        }
        Command::Layout { name } => {
            terminal.set_layout(&name).await;
            ("Layout", Ok(()))
        }
        Command::Key { key } => {
            terminal.key(key).await;
            ("Key", Ok(()))
        }
        Command::Standby { on } => {
            terminal.set_standby(on).await;
            terminal.barrier().await;
            let asleep = terminal.status.borrow().standby;
            let outcome = match (on, asleep) {
                (true, false) => Err("the room is in a call or showing a cast".into()),
                _ => Ok(()),
            };
            ("Standby", outcome)
        }
        Command::PresentationStop => {
            terminal.stop_cast().await;
            ("Presentation", Ok(()))
        }
        Command::Login { .. } | Command::Status | Command::Feedback { .. } | Command::Bye => {
            ("Command", Err("not a command here".into()))
        }
    }
}
