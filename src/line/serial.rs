//! The line protocol on a serial port (RS-232 to a room controller), as
//! the board profile names it (`[control] serial`, `baud`): the port set
//! raw at its speed (8N1, no flow control, nothing echoed), then one
//! conversation after another on it — a controller that goes away and
//! comes back simply signs in again.

use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};

use crate::app::Terminal;

/// Speeds a room controller's port is set to.
const SPEEDS: [(u32, libc::speed_t); 6] = [
    (9600, libc::B9600),
    (19_200, libc::B19200),
    (38_400, libc::B38400),
    (57_600, libc::B57600),
    (115_200, libc::B115200),
    (230_400, libc::B230400),
];

/// The line protocol on a serial port (stopped when dropped).
pub struct SerialLine {
    pub path: PathBuf,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SerialLine {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SerialLine {
    /// Opens `path` at `baud` and serves the line protocol on it.
    pub fn start(
        path: &Path,
        baud: u32,
        terminal: Terminal,
        token: String,
    ) -> std::io::Result<Self> {
        let port = open(path, baud)?;
        let path = path.to_path_buf();
        let shown = path.clone();
        let task = tokio::spawn(async move {
            let port = tokio::fs::File::from_std(port);
            loop {
                let (read, write) = match port.try_clone().await {
                    Ok(read) => (read, port.try_clone().await),
                    Err(err) => {
                        tracing::warn!(%err, "serial line");
                        return;
                    }
                };
                let Ok(write) = write else {
                    return;
                };
                if let Err(err) = super::server::serve(read, write, &terminal, &token).await {
                    tracing::info!(path = %shown.display(), %err, "serial line conversation ended");
                }
                // A conversation ended (bye, three wrong tokens, an
                // overlong line): the next one starts signed out.
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        });
        tracing::info!(path = %path.display(), baud, "room-controller line protocol on the serial port");
        Ok(Self { path, task })
    }
}

/// The port, raw at `baud`.
fn open(path: &Path, baud: u32) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let speed = SPEEDS
        .iter()
        .find(|(b, _)| *b == baud)
        .map(|(_, s)| *s)
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("unsupported baud rate {baud}"),
            )
        })?;
    let port = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(path)?;
    let fd = port.as_raw_fd();
    // SAFETY: `fd` is the open port's; the termios struct is ours and
    // initialised by tcgetattr before it is read.
    unsafe {
        let mut tio: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(fd, &mut tio) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        libc::cfmakeraw(&mut tio);
        tio.c_cflag |= libc::CLOCAL | libc::CREAD;
        tio.c_cflag &= !(libc::CSTOPB | libc::PARENB | libc::CRTSCTS);
        if libc::cfsetspeed(&mut tio, speed) != 0 || libc::tcsetattr(fd, libc::TCSANOW, &tio) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(port)
}
