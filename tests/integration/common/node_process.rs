//! A cloud node in a process of its own, for a test that kills it with
//! SIGKILL: nothing of the node gets to say goodbye (no BYE, no closed
//! socket announced, no store write finished), as when a machine dies.
//!
//! The process is this test binary run again as the ignored test
//! [`serve_node`], which starts the same `roomcloud::start` the tests use
//! in process (on the configuration it is given in the environment),
//! writes where it listens to `node.json` in its directory, and serves
//! until killed.

use std::net::{IpAddr, SocketAddr};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What the child is told (in `ROOMTERM_TEST_NODE`).
#[derive(Serialize, Deserialize)]
struct NodeSpec {
    dir: std::path::PathBuf,
    database: String,
    sip_edge: SocketAddr,
    /// The HTTP load balancers it trusts for PROXY headers.
    http_proxies: Vec<IpAddr>,
}

/// What the child says once it serves (`node.json`).
#[derive(Serialize, Deserialize, Clone)]
pub struct NodeAddresses {
    pub sip_udp: SocketAddr,
    pub http: SocketAddr,
    pub api_url: String,
    pub admin_token: String,
    pub ca_pem: String,
}

/// A node process; killed when dropped.
pub struct NodeProcess {
    pub addresses: NodeAddresses,
    child: Child,
    dir: std::path::PathBuf,
}

impl NodeProcess {
    /// Starts a node on `database` behind the SIP edge at `sip_edge` and
    /// the HTTP balancers `http_proxies`, its data in `dir` (a CA already
    /// in `dir/tls` is the node's); returns once it serves (a slow machine
    /// takes longer: it waits while the process lives).
    pub fn start(
        dir: &std::path::Path,
        database: &str,
        sip_edge: SocketAddr,
        http_proxies: &[IpAddr],
    ) -> Self {
        let spec = NodeSpec {
            dir: dir.to_path_buf(),
            database: database.to_string(),
            sip_edge,
            http_proxies: http_proxies.to_vec(),
        };
        let log = std::fs::File::create(dir.join("node.log")).unwrap();
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "common::node_process::serve_node",
                "--exact",
                "--ignored",
                "--nocapture",
            ])
            .env("ROOMTERM_TEST_NODE", serde_json::to_string(&spec).unwrap())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("the test binary runs again");
        let ready = dir.join("node.json");
        let addresses = loop {
            if let Ok(text) = std::fs::read_to_string(&ready) {
                break serde_json::from_str(&text).unwrap();
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!(
                    "the node process ended ({status}) before serving:\n{}",
                    std::fs::read_to_string(dir.join("node.log")).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Self {
            addresses,
            child,
            dir: dir.to_path_buf(),
        }
    }

    /// An admin client of this node.
    pub fn admin(&self) -> roomcloud::client::AdminClient {
        roomcloud::client::AdminClient::new(
            &self.addresses.api_url,
            &self.addresses.admin_token,
            Some(&self.addresses.ca_pem),
        )
        .unwrap()
    }

    /// Gives the node at `dir` (not started yet) this node's CA, as an
    /// operator copies it to every node of a cloud.
    pub fn share_ca(&self, dir: &std::path::Path) {
        let tls = dir.join("tls");
        std::fs::create_dir_all(&tls).unwrap();
        for file in ["ca.key", "ca.pem"] {
            std::fs::copy(self.dir.join("tls").join(file), tls.join(file)).unwrap();
        }
    }

    /// SIGKILL; returns when the process is gone.
    pub fn kill(&mut self) -> Instant {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        Instant::now()
    }

    /// What the node logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("node.log")).unwrap_or_default()
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The node process's body: serves the node `ROOMTERM_TEST_NODE`
/// describes until killed. Run by [`NodeProcess::start`] only; as a test
/// of its own (`--ignored`, without the variable) it returns at once.
#[test]
#[ignore = "a cloud node for NodeProcess, not a test"]
fn serve_node() {
    let Ok(spec) = std::env::var("ROOMTERM_TEST_NODE") else {
        return;
    };
    let spec: NodeSpec = serde_json::from_str(&spec).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut config = roomcloud::CloudConfig::local(&spec.dir);
        config.media_canvas = (320, 240);
        config.database = Some(spec.database);
        config.sip_edge = Some(spec.sip_edge);
        config.http_proxies = spec.http_proxies;
        let cloud = roomcloud::start(config, std::sync::Arc::new(roomcloud::clock::SystemClock))
            .await
            .unwrap();
        let addresses = NodeAddresses {
            sip_udp: cloud.endpoints.sip_udp,
            http: cloud.http_addr,
            api_url: cloud.endpoints.api_url.clone(),
            admin_token: cloud.admin_token.clone(),
            ca_pem: cloud.ca_pem.clone(),
        };
        let ready = spec.dir.join("node.json");
        let partial = spec.dir.join("node.json.part");
        std::fs::write(&partial, serde_json::to_string(&addresses).unwrap()).unwrap();
        std::fs::rename(&partial, &ready).unwrap();
        std::future::pending::<()>().await;
    });
}
