//! The web console in a real browser (Debian's chromium, headless): an
//! enterprise admin made over the admin API signs in (a wrong password
//! first), adds a room and reads its activation code off the page — the
//! code activates the room, and the page shows it online once its channel
//! opens —, renames it and offers it an update (its channel hears both),
//! then reads the room's own page: its events, newest first,
//! schedules a meeting inviting it in the browser's own time zone, changes
//! it, and cancels it.
//! Without a browser: three wrong passwords lock an account, a user sees
//! only meetings, and forms from elsewhere or without the session's token
//! are refused. Screenshots of each page in both languages go to
//! `<target tmp>/console-screenshots`.

use crate::common;

use std::time::Duration;

use chromiumoxide::cdp::browser_protocol::emulation::{
    SetDeviceMetricsOverrideParams, SetTimezoneOverrideParams,
};
use chromiumoxide::Page;
use common::chromium::{click, eval, screenshot, wait_for, Chromium};
use common::TestCloud;
use reqwest::{header, Method, StatusCode};
use roomcloud::clock::Clock;
use roomcloud::meetings::recurrence::civil_from_days;
use roomterm_proto::ServerMessage;
use serde_json::{json, Value};

use crate::config_channel::{next_message, open_channel};

const ADMIN_PASSWORD: &str = "Console#2026";
const SHOTS: &str = "console-screenshots";

/// A tab at a desk screen's size, in Shanghai's time zone (UTC+8, so the
/// test sees the zone reach the schedule), on `url`.
async fn open(chromium: &Chromium, url: &str) -> Page {
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    page.execute(SetDeviceMetricsOverrideParams::new(1280, 900, 1.0, false))
        .await
        .unwrap();
    page.execute(SetTimezoneOverrideParams::new("Asia/Shanghai"))
        .await
        .unwrap();
    page.goto(url).await.unwrap();
    page
}

async fn fill(page: &Page, selector: &str, value: &str) {
    let js = format!(
        "document.querySelector({}).value = {}",
        json!(selector),
        json!(value)
    );
    let _: Value = eval(page, &js).await;
}

async fn text_of(page: &Page, selector: &str) -> String {
    eval(
        page,
        &format!("document.querySelector({}).textContent", json!(selector)),
    )
    .await
}

async fn path(page: &Page) -> String {
    eval(page, "location.pathname").await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_adds_a_room_sees_it_come_online_and_schedules_a_meeting_for_it() {
    let t = TestCloud::start_plain().await;
    t.enterprise("Acme").await;
    // The first admin, over the admin API (as `roomcloud account add`).
    let weak = t
        .admin
        .call::<Value>(
            Method::POST,
            "/accounts",
            Some(
                json!({ "enterprise": "Acme", "username": "ada", "role": "admin",
                         "password": "password" }),
            ),
        )
        .await;
    assert!(format!("{weak:?}").contains("weak_password"), "{weak:?}");
    let _: Value = t
        .admin
        .call(
            Method::POST,
            "/accounts",
            Some(
                json!({ "enterprise": "Acme", "username": "ada", "role": "admin",
                         "display_name": "Ada Admin", "password": ADMIN_PASSWORD }),
            ),
        )
        .await
        .unwrap();

    let chromium = Chromium::launch().await;
    let page = open(&chromium, &t.url("/console?lang=en")).await;
    wait_for(&page, "!!document.getElementById('sign-in')").await;
    screenshot(&page, SHOTS, "console-sign-in-en").await;
    fill(&page, "#username", "ada").await;
    fill(&page, "#password", "not-it").await;
    click(&page, "#sign-in").await;
    wait_for(&page, "!!document.querySelector('p.notice.error')").await;
    assert_eq!(
        text_of(&page, "p.notice.error").await,
        "Wrong user name or password."
    );
    fill(&page, "#password", ADMIN_PASSWORD).await;
    click(&page, "#sign-in").await;
    wait_for(&page, "location.pathname === '/console/meetings'").await;
    assert_eq!(text_of(&page, "#me").await, "Ada Admin · enterprise admin");

    // A room added by its SN: the code shown once, also as a QR code.
    page.goto(t.url("/console/rooms")).await.unwrap();
    fill(&page, "#sn", "SN-CON1").await;
    fill(&page, "#room-name", "Boardroom 3F").await;
    click(&page, "#add-room").await;
    wait_for(&page, "!!document.getElementById('activation-code')").await;
    let code: String = text_of(&page, "#activation-code").await.replace(' ', "");
    assert!(
        code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code:?}"
    );
    assert!(eval::<bool>(&page, "!!document.querySelector('figure.qr svg')").await);
    let row = "tr[data-sn=\"SN-CON1\"]";
    let channel = format!("document.querySelector('{row} td[data-live=channel]').dataset.ok");
    assert_eq!(eval::<String>(&page, &channel).await, "no");

    // The code activates the room; once its channel is open the page,
    // left alone, shows it online.
    let (status, body, _) = t.activate("SN-CON1", &code).await;
    assert_eq!(status, 200, "{body}");
    let mut room = open_channel(&t, body["device_token"].as_str().unwrap()).await;
    wait_for(&page, &format!("{channel} === 'yes'")).await;
    screenshot(&page, SHOTS, "console-rooms-en").await;

    // Renamed from its Manage box: the room hears its new name at once.
    let _: Value = eval(
        &page,
        &format!("document.querySelector('{row} details').open = true"),
    )
    .await;
    fill(&page, &format!("{row} input[name=name]"), "Boardroom 5F").await;
    click(&page, &format!("{row} form[action$=rename] button")).await;
    wait_for(&page, "location.search === '?done=renamed'").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let ServerMessage::Config { config } =
            next_message(&mut room, Duration::from_secs(5)).await
        {
            if config.name == "Boardroom 5F" {
                break;
            }
        }
        assert!(std::time::Instant::now() < deadline, "no new name pushed");
    }

    // An update offered from the same box: the room hears of it.
    let updates = t.data_dir().join("updates");
    std::fs::create_dir_all(&updates).unwrap();
    std::fs::write(updates.join("roomterm-2.0.raucb"), b"a bundle").unwrap();
    page.goto(t.url("/console/rooms")).await.unwrap();
    let _: Value = eval(
        &page,
        &format!("document.querySelector('{row} details').open = true"),
    )
    .await;
    fill(&page, &format!("{row} input[name=version]"), "2.0").await;
    click(&page, &format!("{row} form[action$=update] button")).await;
    wait_for(&page, "location.search === '?done=offered'").await;
    assert_eq!(t.device("SN-CON1").await.update.unwrap().version, "2.0");
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        if let ServerMessage::Config { config } =
            next_message(&mut room, Duration::from_secs(5)).await
        {
            if config.update.as_ref().is_some_and(|u| u.version == "2.0") {
                break;
            }
        }
        assert!(std::time::Instant::now() < deadline, "no offer pushed");
    }

    // The room's own page: what happened to it, newest first.
    click(&page, &format!("{row} a.name")).await;
    wait_for(&page, "!!document.querySelector('#events')").await;
    let kinds: Vec<String> = eval(
        &page,
        "[...document.querySelectorAll('#events tbody tr')].map(r => r.dataset.kind)",
    )
    .await;
    assert_eq!(
        kinds,
        ["update_offered", "renamed", "online", "activated", "added"],
        "the room's events"
    );
    let activated_from: String = eval(
        &page,
        "document.querySelector('#events tr[data-kind=activated] td:last-child').innerText",
    )
    .await;
    assert_eq!(activated_from, "127.0.0.1");
    screenshot(&page, SHOTS, "console-room-en").await;

    // The directory: the room by part of its name, nobody by another.
    page.goto(t.url("/console/directory?q=boardroom"))
        .await
        .unwrap();
    let listed: Vec<String> = eval(
        &page,
        "[...document.querySelectorAll('#directory tbody tr')].map(r => r.dataset.number)",
    )
    .await;
    assert_eq!(listed, ["100001"]);
    screenshot(&page, SHOTS, "console-directory-en").await;
    page.goto(t.url("/console/directory?q=nobody"))
        .await
        .unwrap();
    assert!(eval::<bool>(&page, "!document.querySelector('#directory')").await);

    // A meeting two hours from now on the browser's (Shanghai's) clock,
    // inviting the room.
    let start = (t.clock.now_ms() / 1000 / 60 + 120) * 60;
    let local = start + 8 * 3600;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let wall = format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}",
        local.rem_euclid(86_400) / 3600,
        local.rem_euclid(3600) / 60
    );
    page.goto(t.url("/console/meetings")).await.unwrap();
    click(&page, "#schedule-open").await;
    fill(&page, "#subject", "Quarterly review").await;
    fill(&page, "#start", &wall).await;
    fill(&page, "#duration", "45").await;
    let _: Value = eval(
        &page,
        "document.querySelector('input[name=room][value=\"SN-CON1\"]').checked = true",
    )
    .await;
    screenshot(&page, SHOTS, "console-schedule-en").await;
    click(&page, "#schedule").await;
    wait_for(&page, "!!document.getElementById('booked-id')").await;
    let id = text_of(&page, "#booked-id").await;
    let host_password = text_of(&page, "#booked-host-password").await;
    assert_eq!(host_password.len(), 6, "{host_password:?}");
    screenshot(&page, SHOTS, "console-meetings-en").await;
    let booked: Value = t
        .admin
        .call(Method::GET, &format!("/meetings/{id}"), None)
        .await
        .unwrap();
    assert_eq!(booked["start_at"], start, "{booked}");
    assert_eq!(booked["utc_offset_minutes"], 480);
    assert_eq!(booked["duration_mins"], 45);
    assert_eq!(booked["organiser"], "Ada Admin");
    assert_eq!(booked["invitees"]["devices"], json!(["SN-CON1"]));
    let listed =
        format!("document.querySelector('tr[data-meeting=\"{id}\"] td:nth-child(3)').textContent");
    assert_eq!(eval::<String>(&page, &listed).await, wall.replace('T', " "));

    // Changed from its row: the form comes filled on the meeting's own
    // clock; the start stays where it was.
    click(&page, &format!("tr[data-meeting=\"{id}\"] a[href$=edit]")).await;
    wait_for(&page, "!!document.getElementById('save-meeting')").await;
    assert_eq!(
        eval::<String>(&page, "document.getElementById('start').value").await,
        wall
    );
    fill(&page, "#subject", "Quarterly review (moved)").await;
    fill(&page, "#duration", "30").await;
    screenshot(&page, SHOTS, "console-edit-en").await;
    click(&page, "#save-meeting").await;
    wait_for(&page, "location.search === '?done=saved'").await;
    let edited: Value = t
        .admin
        .call(Method::GET, &format!("/meetings/{id}"), None)
        .await
        .unwrap();
    assert_eq!(edited["subject"], "Quarterly review (moved)");
    assert_eq!(edited["duration_mins"], 30);
    assert_eq!(edited["start_at"], start, "{edited}");
    assert_eq!(edited["invitees"]["devices"], json!(["SN-CON1"]));

    // The same pages in Chinese.
    page.goto(t.url("/console/meetings?lang=zh-CN"))
        .await
        .unwrap();
    wait_for(&page, "document.documentElement.lang === 'zh-CN'").await;
    assert_eq!(text_of(&page, "h1").await, "会议");
    screenshot(&page, SHOTS, "console-meetings-zh").await;
    // (The switch is remembered.)
    page.goto(t.url("/console/rooms")).await.unwrap();
    wait_for(
        &page,
        "document.querySelector('h1').textContent === '会议室终端'",
    )
    .await;
    screenshot(&page, SHOTS, "console-rooms-zh").await;

    // Cancelled from its row.
    page.goto(t.url("/console/meetings?lang=en")).await.unwrap();
    click(
        &page,
        &format!("tr[data-meeting=\"{id}\"] form[action$=cancel] button"),
    )
    .await;
    wait_for(&page, "location.search === '?done=cancelled'").await;
    let cancelled: Value = t
        .admin
        .call(Method::GET, &format!("/meetings/{id}"), None)
        .await
        .unwrap();
    assert_eq!(cancelled["state"], "cancelled");

    // Signed out: the console asks to sign in again.
    click(&page, "#sign-out").await;
    wait_for(&page, "location.pathname === '/console/sign-in'").await;
    page.goto(t.url("/console/rooms")).await.unwrap();
    assert_eq!(path(&page).await, "/console/sign-in");
}

/// A browser without one: cookies and redirects by hand.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

struct Session {
    cookie: String,
    origin: String,
}

async fn sign_in(t: &TestCloud, username: &str, password: &str) -> reqwest::Response {
    client()
        .post(t.url("/console/sign-in"))
        .header(header::ORIGIN, t.url(""))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
}

impl Session {
    async fn of(t: &TestCloud, username: &str, password: &str) -> Session {
        let response = sign_in(t, username, password).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cookie = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("Secure")
                && cookie.contains("SameSite=Strict"),
            "{cookie}"
        );
        Session {
            cookie: cookie.split(';').next().unwrap().to_string(),
            origin: t.url(""),
        }
    }

    async fn get(&self, t: &TestCloud, path: &str) -> (StatusCode, String, Option<String>) {
        let response = client()
            .get(t.url(path))
            .header(header::COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        let to = response
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        (response.status(), response.text().await.unwrap(), to)
    }

    async fn post(
        &self,
        t: &TestCloud,
        path: &str,
        origin: &str,
        form: &[(&str, &str)],
    ) -> StatusCode {
        client()
            .post(t.url(path))
            .header(header::COOKIE, &self.cookie)
            .header(header::ORIGIN, origin)
            .form(form)
            .send()
            .await
            .unwrap()
            .status()
    }
}

/// The session's CSRF token, as the page's forms carry it.
fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a form") + 19;
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_passwords_lock_users_see_their_meetings_and_foreign_forms_are_refused() {
    let t = TestCloud::start_plain().await;
    t.enterprise("Acme").await;
    for (username, role) in [("ada", "admin"), ("bo", "user")] {
        let _: Value = t
            .admin
            .call(
                Method::POST,
                "/accounts",
                Some(
                    json!({ "enterprise": "Acme", "username": username, "role": role,
                             "password": ADMIN_PASSWORD }),
                ),
            )
            .await
            .unwrap();
    }
    // Three wrong passwords lock the account for three minutes, the right
    // one included.
    for want in [401, 401, 429] {
        assert_eq!(sign_in(&t, "bo", "guess").await.status().as_u16(), want);
    }
    let locked = sign_in(&t, "bo", ADMIN_PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(locked.headers()[header::RETRY_AFTER], "180");
    assert!(locked.text().await.unwrap().contains("Try again in 3 min"));
    t.clock.advance_secs(180);
    let bo = Session::of(&t, "bo", ADMIN_PASSWORD).await;

    // A user's console is its meetings: no rooms, no SIP accounts.
    let (status, _, to) = bo.get(&t, "/console/rooms").await;
    assert_eq!(
        (status, to.as_deref()),
        (StatusCode::SEE_OTHER, Some("/console/meetings"))
    );
    let (status, page, _) = bo.get(&t, "/console/meetings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("/console/rooms"), "{page}");
    let token = csrf(&page);
    let form = [("csrf", token.as_str()), ("sn", "SN-X"), ("name", "X")];
    assert_eq!(
        bo.post(&t, "/console/rooms", &bo.origin, &form).await,
        StatusCode::FORBIDDEN
    );

    // An admin's form is refused from another origin or without the
    // session's token; taken with both.
    let ada = Session::of(&t, "ada", ADMIN_PASSWORD).await;
    let (_, page, _) = ada.get(&t, "/console/rooms").await;
    let token = csrf(&page);
    let add = |token| [("csrf", token), ("sn", "SN-CON2"), ("name", "Huddle")];
    assert_eq!(
        ada.post(
            &t,
            "/console/rooms",
            "https://evil.example",
            &add(token.as_str())
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ada.post(&t, "/console/rooms", &ada.origin, &add("forged"))
            .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        ada.post(&t, "/console/rooms", &ada.origin, &add(token.as_str()))
            .await,
        StatusCode::CREATED
    );
    // The admin adds someone from the accounts page: the first password
    // shown there signs them in; removing them ends their session. The
    // admin may not remove itself.
    let (_, page, _) = ada.get(&t, "/console/accounts").await;
    let token = csrf(&page);
    let add = [
        ("csrf", token.as_str()),
        ("username", "cy"),
        ("display_name", "Cy"),
        ("role", "user"),
    ];
    let added = client()
        .post(t.url("/console/accounts"))
        .header(header::COOKIE, &ada.cookie)
        .header(header::ORIGIN, &ada.origin)
        .form(&add)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let page = added.text().await.unwrap();
    let at = page
        .find("id=\"first-password\">")
        .expect("the first password")
        + 20;
    let first = &page[at..at + page[at..].find('<').unwrap()];
    let cy = Session::of(&t, "cy", first).await;
    assert_eq!(cy.get(&t, "/console/meetings").await.0, StatusCode::OK);
    let own = [("csrf", token.as_str())];
    assert_eq!(
        ada.post(&t, "/console/accounts/ada/remove", &ada.origin, &own)
            .await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        ada.post(&t, "/console/accounts/cy/remove", &ada.origin, &own)
            .await,
        StatusCode::SEE_OTHER
    );
    let (status, _, to) = cy.get(&t, "/console/meetings").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.unwrap().starts_with("/console/sign-in"));

    // A sign-in posted from another site is refused.
    let foreign = client()
        .post(t.url("/console/sign-in"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&[("username", "ada"), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    // The CLI lists the accounts.
    let (ok, out, err) = t.cli(&["account", "list"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("ada") && out.contains("admin") && out.contains("bo"),
        "{out}"
    );
}
