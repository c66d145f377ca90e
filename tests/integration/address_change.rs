//! A new local address (DHCP renumbering, a moved cable) is registered by
//! itself at once: the agent hears of it through netlink. Two network namespaces made for this test, joined
//! by a veth pair: the cloud in one (10.77.0.1), the terminal's SIP agent in
//! the other (10.77.0.2, later 10.77.0.3). Nothing outside them is touched.
//! Needs root and iproute2, as the test command has.

use crate::common;

use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use roomcloud::clock::SystemClock;
use roomcloud::devices::DeviceView;
use roomcloud::CloudConfig;
use roomterm::provision::activate;
use roomterm::sip::{Account, RegStatus, SipAgent, SipTransport};
use roomterm_proto::ActivateRequest;

fn ip(args: &[&str]) {
    let status = Command::new("ip")
        .args(args)
        .status()
        .expect("ip (iproute2) runs");
    assert!(status.success(), "ip {}", args.join(" "));
}

/// Named network namespaces, deleted (with their veth ends) on drop.
struct Namespaces(Vec<String>);

impl Drop for Namespaces {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = Command::new("ip").args(["netns", "del", name]).status();
        }
    }
}

/// Moves the calling thread (and the threads it starts) into `name`.
fn enter(name: &str) {
    let file = std::fs::File::open(format!("/run/netns/{name}")).expect("netns exists");
    // SAFETY: setns on a valid namespace fd only changes this thread's namespace.
    let result = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    assert_eq!(result, 0, "setns: {}", std::io::Error::last_os_error());
}

/// What the test asks the cloud's thread.
type BindingQuery = mpsc::Sender<Vec<String>>;

#[test]
fn a_new_local_address_is_registered_at_once() {
    let tag = std::process::id();
    let (cloud_ns, term_ns) = (format!("rtc{tag}"), format!("rtt{tag}"));
    ip(&["netns", "add", &cloud_ns]);
    let _namespaces = Namespaces(vec![cloud_ns.clone(), term_ns.clone()]);
    ip(&["netns", "add", &term_ns]);
    ip(&[
        "link", "add", "name", "vc", "netns", &cloud_ns, "type", "veth", "peer", "name", "vt",
        "netns", &term_ns,
    ]);
    for (ns, dev, addr) in [
        (&cloud_ns, "vc", "10.77.0.1/24"),
        (&term_ns, "vt", "10.77.0.2/24"),
    ] {
        ip(&["-n", ns, "link", "set", "lo", "up"]);
        ip(&["-n", ns, "link", "set", dev, "up"]);
        ip(&["-n", ns, "addr", "add", addr, "dev", dev]);
    }

    // The cloud: its APIs on its own loopback, SIP on the veth.
    let (account_tx, account_rx) = mpsc::channel::<Account>();
    let (query_tx, query_rx) = mpsc::channel::<BindingQuery>();
    let cloud_thread = std::thread::spawn({
        let cloud_ns = cloud_ns.clone();
        move || {
            enter(&cloud_ns);
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                let dir = tempfile::tempdir().unwrap();
                let mut config = CloudConfig::local(dir.path());
                config.sip_listen = "10.77.0.1:0".parse().unwrap();
                let (cloud, admin) =
                    common::start_configured(config, std::sync::Arc::new(SystemClock)).await;
                let request = ActivateRequest {
                    sn: "SN-IP1".into(),
                    code: common::add_device(&admin, "SN-IP1").await,
                    model: None,
                    software_version: None,
                    admin_public_key: None,
                };
                let answer = activate(&cloud.endpoints.api_url, &request).await.unwrap();
                account_tx
                    .send(Account {
                        username: answer.sip.username,
                        password: answer.sip.password,
                        domain: answer.sip.domain,
                        proxy: cloud.endpoints.sip_udp,
                        transport: SipTransport::Udp,
                        expires: answer.sip.register_expires,
                        instance: Some(roomterm::sip::instance_urn("SN-IP1")),
                    })
                    .unwrap();
                // Answer "where is SN-IP1 registered from?" until the test ends.
                while let Ok(reply) = tokio::task::block_in_place(|| query_rx.recv()) {
                    let device: DeviceView = admin
                        .call(reqwest::Method::GET, "/devices/SN-IP1", None)
                        .await
                        .unwrap();
                    let sources = device.sip_bindings.into_iter().map(|b| b.source);
                    let _ = reply.send(sources.collect());
                }
            });
        }
    });
    let account = account_rx
        .recv_timeout(Duration::from_secs(30))
        .expect("cloud up");
    let sources = || {
        let (tx, rx) = mpsc::channel();
        query_tx.send(tx).unwrap();
        let mut found: Vec<String> = rx.recv().unwrap();
        // Host part only: the agent's port is its own business.
        found.iter_mut().for_each(|s| {
            *s = s
                .rsplit_once(':')
                .map(|(h, _)| h.to_string())
                .unwrap_or_default()
        });
        found
    };
    let wait_for_sources = |want: &[&str], limit: Duration| -> Duration {
        let started = Instant::now();
        loop {
            let now = sources();
            if now == want {
                return started.elapsed();
            }
            assert!(
                started.elapsed() < limit,
                "bindings from {now:?}, want {want:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    };

    // The terminal's SIP agent in its own namespace.
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let agent_thread = std::thread::spawn({
        let term_ns = term_ns.clone();
        move || {
            enter(&term_ns);
            let runtime = tokio::runtime::Runtime::new().unwrap();
            runtime.block_on(async move {
                let agent = SipAgent::start(account).await.unwrap();
                let mut status = agent.status.clone();
                let registered = tokio::time::timeout(
                    Duration::from_secs(10),
                    status.wait_for(|s| matches!(s, RegStatus::Registered { .. })),
                )
                .await
                .is_ok();
                assert!(registered, "never registered");

                tokio::task::block_in_place(|| stop_rx.recv()).ok();
                agent.stop().await;
            });
        }
    });
    wait_for_sources(&["10.77.0.2"], Duration::from_secs(10));

    // Renumbered: the old address goes away, a new one arrives (in this
    // order: deleting a primary address takes its secondaries with it).
    ip(&["-n", &term_ns, "addr", "del", "10.77.0.2/24", "dev", "vt"]);
    ip(&["-n", &term_ns, "addr", "add", "10.77.0.3/24", "dev", "vt"]);
    // The netlink event, not the 10 s fallback poll, sets it off.
    let took = wait_for_sources(&["10.77.0.3"], Duration::from_secs(3));
    println!("re-registered from the new address after {took:?}");

    stop_tx.send(()).unwrap();
    agent_thread.join().unwrap();
    drop(query_tx);
    cloud_thread.join().unwrap();
}
