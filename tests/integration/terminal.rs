//! The terminal runtime end to end against a real roomcloud: activation
//! errors, activation, provisioning connected + SIP registered (and the
//! cloud agrees), a pushed rename, a cloud restart, a terminal restart, and
//! removal in the cloud.

use crate::common;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use roomcloud::client::AdminClient;
use roomcloud::clock::SystemClock;
use roomcloud::devices::DeviceView;
use roomterm::app::{Terminal, TerminalOptions};
use roomterm::provision::ActivationError;
use roomterm::status::{ProvisioningStatus, TerminalStatus};
use roomterm::store::DataDir;
use serde_json::{json, Value};

fn terminal(data: &std::path::Path, sn: &str) -> Terminal {
    Terminal::start(TerminalOptions {
        data: DataDir::new(data).unwrap(),
        sn: sn.into(),
        model: "generic-x86_64".into(),
        software_version: "0.1.0-test".into(),
        network: Default::default(),
        call_media: None,
        cast_media: None,
    })
}

async fn until(
    terminal: &Terminal,
    what: &str,
    want: impl Fn(&TerminalStatus) -> bool,
) -> TerminalStatus {
    let mut rx = terminal.status.clone();
    let found = tokio::time::timeout(Duration::from_secs(15), rx.wait_for(|s| want(s)))
        .await
        .ok()
        .and_then(Result::ok)
        .map(|s| s.clone());
    found.unwrap_or_else(|| {
        panic!(
            "{what}: never happened; status {:?}",
            *terminal.status.borrow()
        )
    })
}

fn ready(s: &TerminalStatus) -> bool {
    s.provisioning == ProvisioningStatus::Connected && s.is_registered()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn activates_registers_follows_renames_and_survives_restarts() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_cloud(cloud_dir.path(), 0, Arc::new(SystemClock)).await;
    let url = cloud.endpoints.api_url.clone();
    let code = common::add_device(&admin, "SN-E1").await;

    let term = terminal(term_dir.path(), "SN-E1");
    assert_eq!(
        term.status.borrow().provisioning,
        ProvisioningStatus::NotActivated
    );
    assert_eq!(
        term.activate(&url, "000000000000").await,
        Err(ActivationError::WrongCode)
    );
    assert_eq!(
        term.status.borrow().activation_error,
        Some(ActivationError::WrongCode)
    );

    term.activate(&url, &code).await.expect("activation");
    until(&term, "connected and registered", ready).await;
    // The cloud marks the channel open once its side of the upgrade runs,
    // a moment after the terminal sees the handshake finish.
    let mut seen = common::device::<DeviceView>(&admin, "SN-E1").await;
    for _ in 0..50 {
        if seen.provisioning_connected && seen.sip_registered {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
        seen = common::device::<DeviceView>(&admin, "SN-E1").await;
    }
    assert!(
        seen.provisioning_connected && seen.sip_registered,
        "{seen:?}"
    );
    assert_eq!(seen.software_version.as_deref(), Some("0.1.0-test"));

    let _: Value = admin
        .call(
            Method::PATCH,
            "/devices/SN-E1",
            Some(json!({ "name": "Yangtze Room" })),
        )
        .await
        .unwrap();
    until(&term, "rename shown", |s| {
        s.room_name.as_deref() == Some("Yangtze Room")
    })
    .await;

    // The cloud restarts on the same addresses: the terminal reconnects and
    // registers again without help.
    let http = cloud.http_addr;
    let sip = cloud.endpoints.sip_udp.port();
    cloud.shutdown().await;
    until(&term, "notices the cloud is gone", |s| {
        matches!(s.provisioning, ProvisioningStatus::Disconnected { .. })
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut config = roomcloud::CloudConfig::local(cloud_dir.path());
    config.http_listen = http;
    config.sip_listen = format!("127.0.0.1:{sip}").parse().unwrap();
    let cloud = roomcloud::start(config, Arc::new(SystemClock))
        .await
        .unwrap();
    let admin = AdminClient::new(
        &cloud.endpoints.api_url,
        &cloud.admin_token,
        Some(&cloud.ca_pem),
    )
    .unwrap();
    let mut registered = false;
    for _ in 0..150 {
        let d = common::device::<DeviceView>(&admin, "SN-E1").await;
        if d.sip_registered && d.provisioning_connected {
            registered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        registered,
        "terminal did not come back: {:?}",
        *term.status.borrow()
    );

    // The terminal restarts from its data directory: no new activation.
    drop(term);
    let term = terminal(term_dir.path(), "SN-E1");
    let status = until(&term, "registered after terminal restart", ready).await;
    assert_eq!(status.room_name.as_deref(), Some("Yangtze Room"));

    // Removed in the cloud: the terminal forgets its credentials. (Once
    // the cloud has the restarted terminal's channel: the terminal may
    // see it open a moment before the cloud lists it.)
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let device: Value = admin
            .call(Method::GET, "/devices/SN-E1", None)
            .await
            .unwrap();
        if device["provisioning_connected"] == true {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "channel never listed: {device}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _: Value = admin
        .call(Method::DELETE, "/devices/SN-E1", None)
        .await
        .unwrap();
    until(&term, "unbound", |s| {
        matches!(s.provisioning, ProvisioningStatus::Unbound { .. })
    })
    .await;
    assert!(DataDir::new(term_dir.path())
        .unwrap()
        .load_credentials()
        .is_none());
    cloud.shutdown().await;
}

#[tokio::test]
async fn lockout_reports_the_time_left() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_cloud(cloud_dir.path(), 0, Arc::new(SystemClock)).await;
    common::add_device(&admin, "SN-E2").await;
    let term = terminal(term_dir.path(), "SN-E2");
    let url = &cloud.endpoints.api_url;
    for _ in 0..9 {
        assert_eq!(
            term.activate(url, "111111111111").await,
            Err(ActivationError::WrongCode)
        );
    }
    let locked = term.activate(url, "111111111111").await;
    assert_eq!(
        locked,
        Err(ActivationError::Locked {
            retry_after_secs: 600
        })
    );
    assert!(locked.unwrap_err().to_string().contains("600 s"));
}

/// Power cuts: a terminal that loses power never unregisters, and comes back
/// from a new port with a new Call-ID. Twelve boots (more than the cloud's
/// ten bindings per number) must leave it registered with one binding —
/// its stable `+sip.instance` replaces the binding of the boot before.
#[test]
fn power_cycled_twelve_times_it_stays_registered_with_one_binding() {
    let cloud_rt = tokio::runtime::Runtime::new().unwrap();
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = cloud_rt.block_on(common::start_cloud(
        cloud_dir.path(),
        0,
        Arc::new(SystemClock),
    ));
    let code = cloud_rt.block_on(common::add_device(&admin, "SN-P1"));
    for boot in 0..12 {
        // Each boot is its own runtime; dropping it kills every task and
        // socket at once, with no un-REGISTER: a power cut.
        let boot_rt = tokio::runtime::Runtime::new().unwrap();
        let handle = boot_rt.block_on(async {
            let t = terminal(term_dir.path(), "SN-P1");
            if boot == 0 {
                t.activate(&cloud.endpoints.api_url, &code).await.unwrap();
            }
            until(&t, &format!("registered on boot {boot}"), ready).await;
            t
        });
        // The handle outlives the runtime: dropped first, it would be a
        // clean shutdown (which unregisters), not a power cut.
        boot_rt.shutdown_timeout(Duration::ZERO);
        drop(handle);
    }
    let seen = cloud_rt.block_on(common::device::<DeviceView>(&admin, "SN-P1"));
    assert!(seen.sip_registered);
    assert_eq!(seen.sip_bindings.len(), 1, "{:?}", seen.sip_bindings);

    // A clean shutdown (SIGTERM, power-off) unregisters: offline at once.
    cloud_rt.block_on(async {
        let t = terminal(term_dir.path(), "SN-P1");
        until(&t, "registered after the power cuts", ready).await;
        t.shutdown().await;
        let seen = common::device::<DeviceView>(&admin, "SN-P1").await;
        assert!(!seen.sip_registered, "{:?}", seen.sip_bindings);
    });
}

/// New SIP credentials (the admin re-issued the code and the terminal was
/// activated again): the terminal registers with the new account at once,
/// and the `unbound` the cloud sends to the old token does not wipe it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactivation_registers_with_the_new_credentials() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_cloud(cloud_dir.path(), 0, Arc::new(SystemClock)).await;
    let code = common::add_device(&admin, "SN-E3").await;
    let term = terminal(term_dir.path(), "SN-E3");
    let url = cloud.endpoints.api_url.clone();
    term.activate(&url, &code).await.unwrap();
    until(&term, "first registration", ready).await;
    let data = DataDir::new(term_dir.path()).unwrap();
    let before = data.load_credentials().unwrap();

    let issued: roomcloud::devices::IssuedCode = admin
        .call(Method::POST, "/devices/SN-E3/reset-code", None)
        .await
        .unwrap();
    term.activate(&url, &issued.activation_code).await.unwrap();
    let after = data.load_credentials().unwrap();
    assert_ne!(before.sip.password, after.sip.password);
    assert_ne!(before.device_token, after.device_token);
    until(&term, "registered with the new account", ready).await;
    // Whatever the old channel was told arrives too late to matter.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(ready(&term.status.borrow()), "{:?}", *term.status.borrow());
    assert_eq!(data.load_credentials(), Some(after));
    let seen = common::device::<DeviceView>(&admin, "SN-E3").await;
    assert!(
        seen.sip_registered && seen.provisioning_connected,
        "{seen:?}"
    );
    assert_eq!(seen.sip_bindings.len(), 1, "{:?}", seen.sip_bindings);
    cloud.shutdown().await;
}
