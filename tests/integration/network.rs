//! The installer's network work on the remote, against real files and
//! sockets: a static address typed on the on-screen keyboard is checked,
//! saved and handed to systemd-networkd (a folder here), applied again at
//! every start and undone by a factory reset; the diagnostics ping reaches
//! a real roomcloud and reports a stopped one.

use crate::common;

use std::sync::Arc;

use common::remote::Remote;
use roomcloud::clock::SystemClock;
use roomterm::net::NetworkConfigurator;
use roomterm::store::{DataDir, NetworkSettings};
use serde_json::json;

fn networkd(dir: &std::path::Path) -> NetworkConfigurator {
    NetworkConfigurator {
        networkd_dir: Some(dir.to_path_buf()),
    }
}

fn network_file(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("50-roomterm.network")).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_address_on_the_remote_reaches_networkd() {
    let data = tempfile::tempdir().unwrap();
    let net_dir = tempfile::tempdir().unwrap();
    let remote = Remote::start(data.path(), "SN-N1", networkd(net_dir.path())).await;
    // At start the saved settings (none yet: DHCP) are applied.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(network_file(net_dir.path()).contains("DHCP=yes"));

    remote.keys(&["down", "ok"]).await; // language page: Next
    let ui = remote.keys(&["right", "ok"]).await; // Static
    assert_eq!(ui["page"], "network_static");
    // The address on the IP keyboard, typed with the remote's digits and the
    // keyboard's "." and "/" keys.
    let ui = remote.keys(&["down", "left", "ok"]).await;
    assert_eq!(ui["editing"], "address");
    for part in ["192", "168", "50", "20"] {
        let digits: Vec<String> = part.chars().map(|d| format!("digit{d}")).collect();
        let digits: Vec<&str> = digits.iter().map(String::as_str).collect();
        remote.keys(&digits).await;
        if part != "20" {
            remote.post("/tap", json!({ "control": "." })).await;
        }
    }
    remote.post("/tap", json!({ "control": "/" })).await;
    let ui = remote.keys(&["digit2", "digit4", "back"]).await;
    assert_eq!(
        (ui["editing"].clone(), ui["address"].clone()),
        (json!(null), json!("192.168.50.20/24"))
    );
    // A gateway in another network is refused with its reason.
    remote.keys(&["right", "ok"]).await;
    remote.text("192.168.51.1").await;
    remote.keys(&["back"]).await;
    let ui = remote.keys(&["down", "down", "ok"]).await;
    assert_eq!(ui["page"], "network_static");
    assert_eq!(ui["network_error"], "gateway_outside_subnet");
    assert!(
        network_file(net_dir.path()).contains("DHCP=yes"),
        "nothing applied yet"
    );
    // Erase it on the keyboard and type the right one.
    remote.keys(&["up", "up", "ok"]).await;
    let backspace: Vec<&str> = ["down"; 4].into_iter().chain(["ok"; 12]).collect();
    let ui = remote.keys(&backspace).await;
    assert_eq!(ui["gateway"], "");
    remote.text("192.168.50.1").await;
    remote.keys(&["back", "down", "left", "ok"]).await;
    remote.text("192.168.50.53").await;
    let ui = remote.keys(&["back", "down", "right", "ok"]).await;
    assert_eq!(ui["page"], "server", "{ui}");

    let file = network_file(net_dir.path());
    assert!(
        file.contains("Address=192.168.50.20/24\nGateway=192.168.50.1\nDNS=192.168.50.53\n"),
        "{file}"
    );
    assert!(!file.contains("DHCP"));
    let saved = DataDir::new(data.path()).unwrap().load_settings();
    assert!(
        matches!(saved.network, NetworkSettings::Static { ref address, .. } if address == "192.168.50.20/24")
    );

    // A restart applies the saved settings again (the image keeps the file
    // on a volatile folder).
    drop(remote);
    std::fs::remove_file(net_dir.path().join("50-roomterm.network")).unwrap();
    let remote = Remote::start(data.path(), "SN-N1", networkd(net_dir.path())).await;
    remote.keys(&["down", "ok"]).await;
    let ui = remote.get("/ui").await;
    assert_eq!(
        ui["page"], "network_static",
        "the wizard shows what was saved"
    );
    assert_eq!(ui["gateway"], "192.168.50.1");
    assert!(network_file(net_dir.path()).contains("Address=192.168.50.20/24"));

    // Factory reset: back to DHCP.
    remote.post("/factory-reset", json!({})).await;
    assert!(network_file(net_dir.path()).contains("DHCP=yes"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_diagnostics_ping_reaches_the_cloud_and_reports_a_dead_one() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_cloud(cloud_dir.path(), 0, Arc::new(SystemClock)).await;
    let code = common::add_device(&admin, "SN-N2").await;
    let remote = Remote::start(data.path(), "SN-N2", Default::default()).await;
    remote
        .terminal
        .activate(&cloud.endpoints.api_url, &code)
        .await
        .unwrap();
    // Home → Settings → Diagnostics → Ping, on the remote.
    let ui = remote
        .keys(&["right", "right", "right", "ok", "down", "ok"])
        .await;
    assert_eq!(ui["page"], "diagnostics");
    // Taps only reach what is on screen.
    let (status, answer) = remote.try_post("/tap", json!({ "control": "join" })).await;
    assert_eq!(
        (status.as_u16(), answer["error"]["code"].clone()),
        (409, json!("not_on_screen"))
    );
    remote.keys(&["ok"]).await;
    let status = remote.wait_status(|s| s["ping"]["state"] == "done").await;
    let report = &status["ping"]["report"];
    assert_eq!(
        (report["sent"].clone(), report["answered"].clone()),
        (json!(4), json!(4)),
        "{report}"
    );
    assert!(report["avg_ms"].as_f64().unwrap() < 1000.0);

    cloud.shutdown().await;
    remote.keys(&["ok"]).await;
    let status = remote.wait_status(|s| s["ping"]["state"] == "done").await;
    let report = &status["ping"]["report"];
    assert_eq!(report["answered"], 0, "{report}");
    assert!(
        report["error"].as_str().unwrap().contains("refused"),
        "{report}"
    );
}
