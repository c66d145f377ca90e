//! Kamailio as the SIP edge of a cluster (`cloud/edge/kamailio.cfg`), on
//! its own loopback address (127.0.0.2) so that the nodes can tell it
//! from the rooms on 127.0.0.1; stopped when dropped. The workspace's
//! tests use it too.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};

pub struct Edge {
    pub addr: SocketAddr,
    child: Child,
    dir: tempfile::TempDir,
}

/// Seconds between the edge's OPTIONS probes of the nodes.
pub const PROBE_SECS: u64 = 1;

impl Edge {
    /// A free UDP port on the edge's address, for the nodes' `sip_edge`
    /// before the edge starts.
    pub fn reserve() -> SocketAddr {
        let socket = std::net::UdpSocket::bind("127.0.0.2:0").expect("127.0.0.2 is loopback");
        socket.local_addr().unwrap()
    }

    /// Starts Kamailio at `addr` in front of `nodes` (their SIP UDP
    /// addresses, in this order in its list).
    pub fn start(addr: SocketAddr, nodes: &[SocketAddr]) -> Self {
        let dir = tempfile::Builder::new()
            .prefix("roomcloud-edge")
            .tempdir()
            .unwrap();
        let list: String = nodes.iter().map(|n| format!("1 sip:{n}\n")).collect();
        std::fs::write(dir.path().join("nodes.list"), list).unwrap();
        std::fs::create_dir(dir.path().join("run")).unwrap();
        let log = std::fs::File::create(dir.path().join("kamailio.log")).unwrap();
        let config = config_path();
        let define = |name: &str, value: String| ["-A".to_string(), format!("{name}={value}")];
        let child = Command::new("kamailio")
            .arg("-f")
            .arg(&config)
            .args(["-DD", "-E", "-l", &format!("udp:{addr}")])
            .args(define(
                "NODES_LIST",
                format!("\"{}\"", dir.path().join("nodes.list").display()),
            ))
            .args(define(
                "CTL_SOCK",
                format!("\"unix:{}\"", dir.path().join("edge.ctl").display()),
            ))
            .args(define("PROBE_SECS", PROBE_SECS.to_string()))
            // Logs the node each new request is hashed to (`hashed_to`).
            .args(define("EDGE_DEBUG", "2".to_string()))
            .arg("-P")
            .arg(dir.path().join("kamailio.pid"))
            .arg("-Y")
            .arg(dir.path().join("run"))
            .arg("-w")
            .arg(dir.path())
            .args(["-m", "64", "-M", "8"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("kamailio runs (the README's test command installs it)");
        Self { addr, child, dir }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("kamailio.log")).unwrap_or_default()
    }

    /// The node (`sip:IP:PORT`) the edge last hashed a request for `key`
    /// (a Request-URI user, or a REGISTER's AOR) to, as it logged it.
    pub fn hashed_to(&self, key: &str) -> Option<String> {
        let marker = format!(" for {key} hashed to ");
        self.log()
            .lines()
            .rev()
            .find_map(|line| Some(line.split_once(&marker)?.1.trim().to_string()))
    }
}

/// `cloud/edge/kamailio.cfg`, from the cloud's tests or the workspace's
/// (this file serves both).
fn config_path() -> std::path::PathBuf {
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let cloud = here.join("edge/kamailio.cfg");
    match cloud.exists() {
        true => cloud,
        false => here.join("cloud/edge/kamailio.cfg"),
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        // SIGTERM: Kamailio's main process stops its children.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}
