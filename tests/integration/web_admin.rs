//! The terminal's web admin, over HTTPS on a real socket.
//!
//! Activated, its certificate is the cloud CA's for `roomterm-<sn>.local`.
//! In Debian's chromium (headless): the installer signs in as `admin` with
//! the factory password and is made to change it (a weak one refused); the
//! status page shows the room registered; the diagnostic bundle downloads
//! with the session and holds its files and neither the SIP password nor
//! the device token; in a meeting, it shows each stream's rates both
//! ways; the web remote's picture is the terminal's own
//! screenshot, the page's D-pad moves the focus on the terminal, and a
//! click on the picture taps what is under it. The pages in both languages
//! go to `target/tmp/admin-screenshots`.
//!
//! Without a browser: three wrong passwords lock sign-in (the right one
//! too), other sites' forms and API calls are refused, a factory reset
//! brings `Change_Me` back, and a click on the screen's picture through the
//! control API is a tap where it falls.

use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, LOCATION, ORIGIN};
use reqwest::StatusCode;
use roomterm::media::CallMediaConfig;
use roomterm::store::DataDir;
use serde_json::json;

use crate::common::browser::{CastPage, Laptop};
use crate::common::remote::Remote;
use crate::common::web_admin::{
    base64_decode, focus_centre, own_screenshot, picture_matches, start_admin, untar, Visitor,
};
use crate::common::{self};

const NEW_PASSWORD: &str = "Room-2026x";

async fn focused(remote: &Remote) -> String {
    remote.get("/ui").await["focused"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn wait_focus(remote: &Remote, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while focused(remote).await != want {
        assert!(Instant::now() < deadline, "the focus never reached {want}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_installer_signs_in_changes_the_password_and_drives_the_room() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let term_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let plan = common::media_plan();
    let media = CallMediaConfig::small(&plan, 0xff00ff00, 660.0);
    let room = common::registered_terminal(term_dir.path(), &cloud, &admin, "SN-ADM1", media).await;
    let web = start_admin(&room, term_dir.path()).await;
    let base = format!("https://{}", web.addr);
    // Activated: the cloud's CA signed the web admin's certificate for the
    // room's name — a browser trusting that CA needs no exception there —
    // and for no other name.
    let by_name = |host: &str| {
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(cloud.ca_pem.as_bytes()).unwrap())
            .resolve(host, web.addr)
            .build()
            .unwrap()
    };
    let trusted = by_name("roomterm-sn-adm1.local")
        .get(format!(
            "https://roomterm-sn-adm1.local:{}/sign-in",
            web.addr.port()
        ))
        .send()
        .await
        .expect("the cloud's CA vouches for roomterm-sn-adm1.local");
    assert_eq!(trusted.status(), 200);
    let other_name = by_name("localhost")
        .get(format!("https://localhost:{}/sign-in", web.addr.port()))
        .send()
        .await;
    assert!(other_name.is_err(), "the certificate names the room only");
    let credentials = DataDir::new(term_dir.path())
        .unwrap()
        .load_credentials()
        .unwrap();

    let laptop = Laptop::start().await;
    let page = CastPage(laptop.open_with(&format!("{base}/?lang=en"), "").await);
    // Not signed in: the sign-in page, where a wrong password is told.
    page.until(
        "!!document.querySelector('input[name=password]')",
        "the sign-in page",
    )
    .await;
    page.screenshot("admin-screenshots", "admin-sign-in-en")
        .await;
    page.fill("input[name=password]", "wrong").await;
    page.click("main button[type=submit]").await;
    page.until(
        "!!document.querySelector('.notice.error')",
        "the wrong password's refusal",
    )
    .await;
    page.fill("input[name=password]", "Change_Me").await;
    page.click("main button[type=submit]").await;
    // The factory password opens only its change.
    page.until(
        "location.pathname === '/password' && !!document.querySelector('.notice.warn')",
        "the forced change",
    )
    .await;
    page.screenshot("admin-screenshots", "admin-password-en")
        .await;
    let (status, _) = room_api_through_session(&base, &page).await;
    assert_eq!(
        status, 401,
        "the API stays shut until the password is changed"
    );
    page.fill("input[name=current]", "Change_Me").await;
    page.fill("input[name=new]", "password").await;
    page.fill("input[name=repeat]", "password").await;
    page.click("main button[type=submit]").await;
    page.until(
        "(document.querySelector('.notice.error') || {}).innerText === 'The new password needs three of: upper case, lower case, digits, symbols.'",
        "the rule's refusal",
    )
    .await;
    page.fill("input[name=current]", "Change_Me").await;
    page.fill("input[name=new]", NEW_PASSWORD).await;
    page.fill("input[name=repeat]", NEW_PASSWORD).await;
    page.click("main button[type=submit]").await;

    // The status page: registered, and live.
    page.until(
        "location.pathname === '/' && (document.querySelector('#sip [data-state]') || {dataset: {}}).dataset.state === 'registered'",
        "SIP registered on the status page",
    )
    .await;
    // In a meeting: each stream's rates, both ways.
    let meeting = common::create_meeting(
        &admin,
        json!({ "subject": "Web admin", "join_before_host": true }),
    )
    .await;
    room.post("/join", json!({ "meeting_id": meeting })).await;
    room.call_state("in_call").await;
    let rates = "(() => { const rows = document.querySelectorAll('#streams tbody tr');
        if (rows.length !== 2) return false;
        return [...rows].every(r => [...r.querySelectorAll('td')].slice(0, 2)
          .every(c => parseInt(c.innerText) > 0)); })()";
    page.until(rates, "both streams' rates, in and out").await;
    page.screenshot("admin-screenshots", "admin-status-en")
        .await;
    room.post("/hang-up", json!({})).await;
    room.ui_page("home").await;

    // The diagnostic bundle, downloaded with the session.
    let bundle = download_bundle(&page).await;
    let files = untar(&bundle);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "status.json",
        "settings.json",
        "activation.json",
        "versions.txt",
        "self-check.txt",
        "log.txt",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(want)),
            "{want} not in {names:?}"
        );
    }
    let everything: String = files.iter().map(|(_, t)| t.as_str()).collect();
    assert!(everything.contains("SN-ADM1"), "the bundle names the room");
    assert!(
        everything.contains("registered"),
        "the bundle has the status"
    );
    for secret in [
        &credentials.sip.password,
        &credentials.device_token,
        &room.token,
    ] {
        assert!(
            !everything.contains(secret.as_str()),
            "a secret is in the bundle"
        );
    }
    let self_check = &files
        .iter()
        .find(|(n, _)| n.ends_with("self-check.txt"))
        .unwrap()
        .1;
    assert!(self_check.contains("decoded"), "{self_check}");

    // The web remote: the room's screen as the room shows it.
    page.0.goto(format!("{base}/remote")).await.unwrap();
    page.until(
        "Number(document.getElementById('screen').dataset.frames || 0) > 0",
        "the screen",
    )
    .await;
    picture_matches(&page, &room).await;
    page.screenshot("admin-screenshots", "admin-remote-en")
        .await;
    // The page's D-pad moves the focus on the terminal, and the picture
    // follows.
    let home_focus = focused(&room).await;
    for _ in 0..3 {
        page.click("[data-key=right]").await;
    }
    wait_focus(&room, "settings").await;
    assert_ne!(home_focus, "settings");
    picture_matches(&page, &room).await;
    // A click on the picture taps what is under it: Settings, found by
    // its focus ring; the focus moved away first, so the place decides.
    let (x, y) = focus_centre(&own_screenshot(&room).await);
    page.click("[data-key=left]").await;
    wait_focus(&room, "share").await;
    let click = format!(
        "(() => {{ const img = document.getElementById('screen'); const b = img.getBoundingClientRect();
          return [b.left + {x} * b.width / img.naturalWidth, b.top + {y} * b.height / img.naturalHeight]; }})()"
    );
    let [cx, cy]: [f64; 2] = page.eval(&click).await;
    page.0
        .click(chromiumoxide::layout::Point::new(cx, cy))
        .await
        .unwrap();
    room.ui_page("settings").await;
    picture_matches(&page, &room).await;

    // The Chinese pages.
    for (path, name) in [
        ("/?lang=zh", "admin-status-zh"),
        ("/remote", "admin-remote-zh"),
        ("/settings", "admin-settings-zh"),
        ("/diagnostics", "admin-diagnostics-zh"),
        ("/maintenance", "admin-maintenance-zh"),
    ] {
        page.0.goto(format!("{base}{path}")).await.unwrap();
        page.until(
            "document.documentElement.lang === 'zh-CN'",
            "the Chinese page",
        )
        .await;
        if path == "/remote" {
            page.until(
                "Number(document.getElementById('screen').dataset.frames || 0) > 0",
                "the screen",
            )
            .await;
        }
        page.screenshot("admin-screenshots", name).await;
    }
    // The cloud answers from here: HTTPS, and SIP over UDP and TCP.
    page.0
        .goto(format!("{base}/diagnostics?lang=en"))
        .await
        .unwrap();
    page.click("#reachability button[type=submit]").await;
    page.until(
        "['api', 'sip-udp', 'sip-tcp', 'media'].every(c =>
           (document.querySelector(`tr[data-check=${c}]`) || {dataset: {}}).dataset.ok === 'true')",
        "the cloud reachable over HTTPS, SIP (UDP, TCP) and at its media address",
    )
    .await;
    page.screenshot("admin-screenshots", "admin-diagnostics-en")
        .await;
    let reach = room.post("/diagnostics/reachability", json!({})).await;
    assert_eq!(reach["sip"][0]["status"], 200, "{reach}");
    assert_eq!(reach["media"]["answered"], true, "{reach}");
    let (status, answer) = room
        .try_post(
            "/settings/server",
            json!({ "url": "https://10.0.0.5:8443" }),
        )
        .await;
    assert_eq!(
        (status.as_u16(), answer["error"]["code"].clone()),
        (409, json!("already_activated"))
    );
    for (path, name) in [
        ("/settings?lang=en", "admin-settings-en"),
        ("/maintenance", "admin-maintenance-en"),
    ] {
        page.0.goto(format!("{base}{path}")).await.unwrap();
        page.until("document.documentElement.lang === 'en'", "the English page")
            .await;
        page.screenshot("admin-screenshots", name).await;
    }
    laptop.close().await;
}

/// `POST /api/v1/keys` from the page, with its session and CSRF token.
async fn room_api_through_session(base: &str, page: &CastPage) -> (u16, String) {
    let js = format!(
        "window.apiAnswer = null; fetch('{base}/api/v1/keys', {{ method: 'POST', credentials: 'same-origin',
           headers: {{ 'Content-Type': 'application/json', 'X-CSRF-Token': (document.querySelector('input[name=csrf]') || {{}}).value || '' }},
           body: JSON.stringify({{ keys: ['right'] }}) }})
           .then(async r => window.apiAnswer = [r.status, await r.text()]); true"
    );
    let _: bool = page.eval(&js).await;
    page.until("window.apiAnswer !== null", "the API's answer")
        .await;
    let (status, text): (u16, String) = page.eval("window.apiAnswer").await;
    (status, text)
}

/// The bundle as the page's link fetches it, base64 through the page.
async fn download_bundle(page: &CastPage) -> Vec<u8> {
    let js = "window.bundle = null; fetch('/diagnostics/bundle', { credentials: 'same-origin' })
        .then(async r => {
          const type = r.headers.get('content-disposition') || '';
          const bytes = new Uint8Array(await r.arrayBuffer());
          let s = ''; for (const b of bytes) s += String.fromCharCode(b);
          window.bundle = [r.status, type, btoa(s)];
        }); true";
    let _: bool = page.eval(js).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ready: bool = page.eval("window.bundle !== null").await;
        if ready {
            break;
        }
        assert!(Instant::now() < deadline, "the bundle never came");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, disposition, data): (u16, String, String) = page.eval("window.bundle").await;
    assert_eq!(status, 200);
    assert!(
        disposition.starts_with("attachment; filename=\"roomterm-SN-ADM1-")
            && disposition.ends_with(".tar.gz\""),
        "{disposition}"
    );
    base64_decode(&data)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_wrong_passwords_lock_sign_in_and_other_sites_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let room = Remote::start(dir.path(), "SN-ADM2", Default::default()).await;
    let web = start_admin(&room, dir.path()).await;
    let mut visitor = Visitor::new(&web);
    let own = visitor.base.clone();
    let right = [("user", "admin"), ("password", "Change_Me")];
    // Another site's form, even with the right password.
    let cross = visitor
        .form("/sign-in", "https://evil.example", &right)
        .await;
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);
    let wrong = [("user", "admin"), ("password", "Change_Mf")];
    assert_eq!(visitor.form("/sign-in", &own, &wrong).await.status(), 401);
    assert_eq!(visitor.form("/sign-in", &own, &wrong).await.status(), 401);
    let third = visitor.form("/sign-in", &own, &wrong).await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(third.headers()["retry-after"], "180");
    // Locked: the right password too.
    let locked = visitor.form("/sign-in", &own, &right).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(visitor.cookie.is_none());
    assert!(locked.text().await.unwrap().contains("3 "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_factory_reset_from_the_web_admin_brings_change_me_back() {
    let dir = tempfile::tempdir().unwrap();
    let room = Remote::start(dir.path(), "SN-ADM3", Default::default()).await;
    let web = start_admin(&room, dir.path()).await;
    let mut visitor = Visitor::new(&web);
    let own = visitor.base.clone();
    let csrf = visitor.first_sign_in(NEW_PASSWORD).await;
    // The API through the session: a key press needs the CSRF header.
    let api = |csrf: Option<&str>, origin: &str| {
        let mut request = visitor
            .http
            .post(format!("{}/api/v1/keys", visitor.base))
            .header(ORIGIN, origin.to_string())
            .header(COOKIE, visitor.cookie.clone().unwrap())
            .json(&json!({ "keys": ["right"] }));
        if let Some(csrf) = csrf {
            request = request.header("x-csrf-token", csrf.to_string());
        }
        request.send()
    };
    assert_eq!(api(None, &own).await.unwrap().status(), 401);
    assert_eq!(
        api(Some(&csrf), "https://evil.example")
            .await
            .unwrap()
            .status(),
        401
    );
    assert_eq!(api(Some(&csrf), &own).await.unwrap().status(), 200);
    // The reset, confirmed.
    let unconfirmed = visitor
        .form("/maintenance/factory-reset", &own, &[("csrf", &csrf)])
        .await;
    assert_eq!(unconfirmed.headers()[LOCATION], "/maintenance");
    assert!(dir.path().join("admin-password.json").exists());
    let reset = visitor
        .form(
            "/maintenance/factory-reset",
            &own,
            &[("csrf", &csrf), ("confirm", "yes")],
        )
        .await;
    assert_eq!(reset.status(), 200);
    assert!(!dir.path().join("admin-password.json").exists());
    // Signed out, and the factory password is back (to be changed again).
    assert_eq!(visitor.get("/").await.headers()[LOCATION], "/sign-in");
    let mut again = Visitor::new(&web);
    let back = again
        .form(
            "/sign-in",
            &own,
            &[("user", "admin"), ("password", "Change_Me")],
        )
        .await;
    assert_eq!(back.headers()[LOCATION], "/password");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_click_on_the_screens_picture_is_a_tap_where_it_falls() {
    let dir = tempfile::tempdir().unwrap();
    let room = Remote::start(dir.path(), "SN-ADM4", Default::default()).await;
    // The wizard's first page: the languages, Chinese focused.
    room.ui_page("language").await;
    let before = own_screenshot(&room).await;
    let (x, y) = focus_centre(&before);
    // English sits right of the focused Chinese button, on the same row.
    let (status, _) = room
        .try_post("/screen/click", json!({ "x": x + 380.0, "y": y }))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    room.wait_for("/ui", "/language", "en").await;
    let after = own_screenshot(&room).await;
    assert_ne!(before.2, after.2, "the picture shows the change");
    let (status, _) = room
        .try_post("/screen/click", json!({ "x": -1.0, "y": 5.0 }))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_network_and_server_are_set_as_the_wizard_checks_them() {
    let dir = tempfile::tempdir().unwrap();
    let room = Remote::start(dir.path(), "SN-ADM5", Default::default()).await;
    let web = start_admin(&room, dir.path()).await;
    let mut visitor = Visitor::new(&web);
    let own = visitor.base.clone();
    let csrf = visitor.first_sign_in(NEW_PASSWORD).await;
    // A gateway outside the address's network is refused, and said why.
    let outside = visitor
        .form(
            "/settings/network?lang=en",
            &own,
            &[
                ("csrf", &csrf),
                ("mode", "static"),
                ("address", "192.168.1.20/24"),
                ("gateway", "10.0.0.1"),
                ("dns1", "192.168.1.1"),
                ("dns2", ""),
            ],
        )
        .await;
    assert_eq!(outside.status(), StatusCode::BAD_REQUEST);
    assert!(outside
        .text()
        .await
        .unwrap()
        .contains("outside the address"));
    assert_eq!(room.get("/ui").await["dhcp"], true);
    let saved = visitor
        .form(
            "/settings/network",
            &own,
            &[
                ("csrf", &csrf),
                ("mode", "static"),
                ("address", "192.168.1.20/24"),
                ("gateway", "192.168.1.1"),
                ("dns1", "192.168.1.1"),
                ("dns2", ""),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    // Saved, and the room's own settings pages show it.
    let ui = room.get("/ui").await;
    assert_eq!(
        (ui["dhcp"].clone(), ui["address"].clone()),
        (json!(false), json!("192.168.1.20/24"))
    );
    let file = std::fs::read_to_string(dir.path().join("settings.json")).unwrap();
    assert!(file.contains("192.168.1.1"), "{file}");
    // The cloud to activate with: https only.
    let plain = visitor
        .form(
            "/settings/server",
            &own,
            &[("csrf", &csrf), ("url", "http://10.0.0.5:8443")],
        )
        .await;
    assert_eq!(plain.status(), StatusCode::BAD_REQUEST);
    let server = visitor
        .form(
            "/settings/server",
            &own,
            &[("csrf", &csrf), ("url", "https://10.0.0.5:8443/")],
        )
        .await;
    assert_eq!(server.status(), StatusCode::OK);
    assert_eq!(room.get("/ui").await["server_url"], "https://10.0.0.5:8443");
    // The control API takes the same, checked alike.
    let (status, answer) = room
        .try_post(
            "/settings/network",
            json!({ "dhcp": false, "address": "300.1.1.1/24" }),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_address"))
    );
    room.post("/settings/network", json!({ "dhcp": true }))
        .await;
    assert_eq!(room.get("/ui").await["dhcp"], true);
    // Nothing answers there: the check says so (it can fail).
    room.post("/settings/server", json!({ "url": "https://127.0.0.1:1" }))
        .await;
    let reach = room.post("/diagnostics/reachability", json!({})).await;
    assert_eq!(reach["api"]["answered"], 0, "{reach}");
    assert!(reach["api"]["error"].is_string(), "{reach}");
    assert_eq!(
        reach["sip"],
        json!([]),
        "not activated: no SIP account to probe"
    );
    assert_eq!(
        reach["media"],
        json!(null),
        "not activated: no media address known"
    );
}
