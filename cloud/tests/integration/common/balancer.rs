//! HAProxy (Debian's) as the HTTP load balancer in front of cloud nodes:
//! TCP mode, so TLS passes through to the nodes, round robin, each
//! connection to a node opening with a PROXY v2 header naming the client,
//! and a node that fails its check (each second) out of the rotation. The
//! workspace's tests use it too.
//! It connects to the nodes from [`SOURCE`], the address they trust for
//! that header. Stopped when dropped.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Where the balancer's connections to the nodes come from.
pub const SOURCE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 5));

pub struct Balancer {
    pub addr: SocketAddr,
    child: Child,
    dir: tempfile::TempDir,
}

impl Balancer {
    /// Starts HAProxy on a free loopback port in front of `nodes` (their
    /// HTTP(S) addresses); returns once it accepts connections.
    pub fn start(nodes: &[SocketAddr]) -> Self {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let dir = tempfile::Builder::new()
            .prefix("roomcloud-balancer")
            .tempdir()
            .unwrap();
        let servers: String = nodes
            .iter()
            .enumerate()
            .map(|(i, node)| {
                format!(
                    "    server node{i} {node} send-proxy-v2 source {SOURCE} \
                     check check-send-proxy inter 1s fall 1 rise 1\n"
                )
            })
            .collect();
        // A node that stops answering leaves the rotation at its next check;
        // a connection refused meanwhile is tried on another node.
        let config = format!(
            "global\n    maxconn 1024\n\
             defaults\n    mode tcp\n    option redispatch\n    retries 2\n\
             timeout connect 1s\n    timeout check 1s\n    timeout client 120s\n    timeout server 120s\n\
             frontend api\n    bind {addr}\n    default_backend nodes\n\
             backend nodes\n    balance roundrobin\n{servers}"
        );
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        let log = std::fs::File::create(dir.path().join("haproxy.log")).unwrap();
        let mut child = Command::new("haproxy")
            .arg("-f")
            .arg(&path)
            .arg("-db")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("haproxy runs (the README's test command installs it)");
        // Up once it accepts (however long a loaded machine takes, while
        // the process lives).
        while std::net::TcpStream::connect(addr).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "haproxy ended ({status}):\n{}",
                    std::fs::read_to_string(dir.path().join("haproxy.log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Self { addr, child, dir }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("haproxy.log")).unwrap_or_default()
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
