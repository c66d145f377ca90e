//! The operator CLI through the real binary, against a running cloud: the
//! enterprise, device and SIP account commands the README shows.

use crate::common;

use common::ua::Ua;
use common::TestCloud;
use serde_json::Value;

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// `roomcloud --json <args>`, which must succeed.
fn cli_json(t: &TestCloud, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (ok, out, err) = t.cli(&all);
    assert!(ok, "{args:?} failed: {err}");
    json(&out)
}

fn listed_sns(t: &TestCloud) -> Vec<String> {
    let list = cli_json(t, &["device", "list"]);
    let list = list.as_array().expect("a list");
    list.iter()
        .map(|d| d["sn"].as_str().unwrap().to_string())
        .collect()
}

/// The digits of the `activation code:` line the text output prints.
fn printed_code(out: &str) -> String {
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("activation code: "))
        .unwrap_or_else(|| panic!("no activation code line: {out}"));
    let code: String = line
        .split("  valid until")
        .next()
        .unwrap()
        .chars()
        .filter(|c| *c != ' ')
        .collect();
    assert!(
        code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit()),
        "not a 12-digit code: {line:?}"
    );
    code
}

// The CLI runs as a blocking child process: the cloud needs other threads.
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_manages_enterprises_devices_and_sip_accounts() {
    let t = TestCloud::start_plain().await;

    let acme = cli_json(&t, &["enterprise", "create", "Acme"]);
    assert_eq!(acme["name"], "Acme");
    let (ok, _, err) = t.cli(&["enterprise", "create", "Acme"]);
    assert!(!ok && err.contains("already_exists"), "{err}");

    // Added with the text output: the code is printed, grouped for reading.
    let (ok, out, err) = t.cli(&[
        "device",
        "add",
        "SN-CLI-1",
        "--enterprise",
        "Acme",
        "--name",
        "Board Room",
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("added SN-CLI-1 (Board Room)"), "{out}");
    let code = printed_code(&out);

    // The printed code activates the device, which then registers over SIP.
    let (status, activation, _) = t.activate("SN-CLI-1", &code).await;
    assert_eq!(status, 200, "{activation}");
    let sip = &activation["sip"];
    let ua = Ua::new(
        t.cloud.endpoints.sip_udp,
        sip["username"].as_str().unwrap(),
        sip["password"].as_str().unwrap(),
        &t.cloud.endpoints.domain,
    )
    .await;
    let ok = ua
        .register_with_auth(&[ua.contact("a")], Some(600), "SHA-256")
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.text);

    // The list shows live state in its columns, and the row.
    let (ok, out, err) = t.cli(&["device", "list"]);
    assert!(ok, "{err}");
    let mut lines = out.lines();
    let header: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "SN",
            "NAME",
            "NUMBER",
            "STATE",
            "PROVISIONING",
            "SIP",
            "LAST",
            "SEEN"
        ],
        "{out}"
    );
    let row = lines
        .find(|l| l.starts_with("SN-CLI-1 "))
        .unwrap_or_else(|| panic!("no device row: {out}"));
    assert!(
        row.contains("Board Room") && row.contains("active") && row.contains("registered"),
        "{row}"
    );
    assert!(!row.trim_end().ends_with(" -"), "last seen is set: {row}");

    let renamed = cli_json(&t, &["device", "rename", "SN-CLI-1", "Board Room 2"]);
    assert_eq!(renamed["name"], "Board Room 2");
    let shown = cli_json(&t, &["device", "show", "SN-CLI-1"]);
    assert_eq!(shown["name"], "Board Room 2");
    assert_eq!(shown["sip_registered"], true);

    let reset = cli_json(&t, &["device", "reset-code", "SN-CLI-1"]);
    let new_code = reset["activation_code"].as_str().unwrap();
    assert_eq!(new_code.len(), 12, "{reset}");
    assert_ne!(new_code, code, "reset-code issued the same code");

    let removed = cli_json(&t, &["device", "remove", "SN-CLI-1"]);
    assert_eq!(removed["sn"], "SN-CLI-1");
    assert!(listed_sns(&t).is_empty());
    let (ok, _, err) = t.cli(&["device", "show", "SN-CLI-1"]);
    assert!(!ok && err.contains("not_found"), "{err}");
    // The SN is free again.
    let again = cli_json(&t, &["device", "add", "SN-CLI-1", "--enterprise", "Acme"]);
    assert_eq!(again["device"]["state"], "pending");
    assert_eq!(listed_sns(&t), ["SN-CLI-1"]);

    // A third-party SIP account: the generated password is shown once.
    let account = cli_json(
        &t,
        &["sip-account", "add", "polycom1", "--enterprise", "Acme"],
    );
    assert_eq!(account["username"], "polycom1");
    assert_eq!(account["digest_algorithms"], "MD5");
    assert!(
        account["password"].as_str().is_some_and(|p| p.len() >= 8),
        "{account}"
    );
    let (ok, out, err) = t.cli(&["sip-account", "list"]);
    assert!(ok, "{err}");
    assert!(
        out.lines().any(|l| l.starts_with("polycom1 ")),
        "account not listed: {out}"
    );
    assert!(!out.contains(account["password"].as_str().unwrap()));
}
