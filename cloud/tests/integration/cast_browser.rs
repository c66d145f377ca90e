//! The casting page in a real browser: Debian's chromium, headless, driven
//! over the DevTools protocol. The test plays the room over a real config
//! channel and checks what a person sees: the state the page is in, its
//! status line in the page's language, which buttons show. The room's
//! answer is a mirror of the offer (no media flows: that is the
//! terminal's part).
//!
//! The one thing stood in for is the person at the screen picker: headless
//! Chromium has no screen to offer and its fake-capture switches do not
//! answer `getDisplayMedia` (tried: `--use-fake-ui-for-media-stream`,
//! `--auto-select-desktop-capture-source`,
//! `--auto-select-tab-capture-source-by-title`), so `PICKER` returns a
//! canvas and a tone, as a person sharing a window with sound would, and
//! records what the page asked for.

use crate::common;

use std::time::{Duration, Instant};

use chromiumoxide::cdp::browser_protocol::emulation::SetDeviceMetricsOverrideParams;
use chromiumoxide::Page;
use common::cast::Room;
use common::chromium::{self, click, eval, Chromium};
use common::TestCloud;
use roomterm_proto::{CastEnd, CastRefusal, DeviceMessage, ServerMessage};

/// Before any of the page's scripts: the screen picker's stand-in.
const PICKER: &str = r#"
window.displayRequests = [];
navigator.mediaDevices.getDisplayMedia = async (constraints) => {
  window.displayRequests.push(constraints);
  const canvas = document.createElement('canvas');
  canvas.width = 640;
  canvas.height = 360;
  const g = canvas.getContext('2d');
  let frame = 0;
  setInterval(() => {
    g.fillStyle = frame++ % 2 ? '#3366cc' : '#cc6633';
    g.fillRect(0, 0, 640, 360);
  }, 50);
  const stream = canvas.captureStream(30);
  const sound = new AudioContext();
  const tone = sound.createOscillator();
  const out = sound.createMediaStreamDestination();
  tone.connect(out);
  tone.start();
  out.stream.getAudioTracks().forEach((track) => stream.addTrack(track));
  window.shared = stream;
  return stream;
};
"#;

/// A tab on `url` whose screen picker is [`PICKER`].
async fn open(chromium: &Chromium, url: &str) -> Page {
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    page.evaluate_on_new_document(PICKER).await.unwrap();
    page.goto(url).await.unwrap();
    page
}

/// Waits until the page is in `state`; returns its status line.
async fn state(page: &Page, wanted: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now: String = eval(page, "document.body.dataset.state").await;
        if now == wanted {
            return eval(page, "document.getElementById('status').textContent").await;
        }
        let status: String = eval(page, "document.getElementById('status').textContent").await;
        assert!(
            Instant::now() < deadline,
            "page in {now:?} ({status:?}), not {wanted:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn reason(page: &Page) -> String {
    eval(page, "document.body.dataset.reason || ''").await
}

/// Which of the page's buttons a person sees.
async fn visible(page: &Page) -> Vec<String> {
    eval(
        page,
        "['share', 'stop', 'take-over', 'cancel'].filter(id => document.getElementById(id).offsetParent !== null)",
    )
    .await
}

/// What the room would answer, as far as the browser checks before media:
/// the offer's sections mirrored, receive-only, with credentials of its own.
fn mirror(offer: &str) -> String {
    let mut answer = String::new();
    for line in offer.lines().map(str::trim_end) {
        let line = match line {
            l if l.starts_with("o=") => "o=- 1 1 IN IP4 127.0.0.1".to_string(),
            l if l.starts_with("a=candidate")
                || l.starts_with("a=end-of-candidates")
                || l.starts_with("a=ssrc")
                || l.starts_with("a=msid:") =>
            {
                continue
            }
            l if l.starts_with("a=ice-ufrag:") => "a=ice-ufrag:room".into(),
            l if l.starts_with("a=ice-pwd:") => "a=ice-pwd:roomroomroomroomroomroom".into(),
            "a=setup:actpass" => "a=setup:active".into(),
            "a=sendonly" => "a=recvonly".into(),
            l => l.to_string(),
        };
        answer.push_str(&line);
        answer.push_str("\r\n");
    }
    answer
}

/// The room answers the next offer; returns its session and whether it
/// asked to take over.
async fn answer_next(room: &mut Room) -> (String, bool) {
    let (session, _, sdp, take_over) = room.offer().await;
    room.send(DeviceMessage::CastAnswer {
        session: session.clone(),
        sdp: mirror(&sdp),
    })
    .await;
    (session, take_over)
}

async fn screenshot(page: &Page, name: &str) {
    chromium::screenshot(page, "cast-screenshots", name).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_casts_is_ended_by_the_room_takes_over_and_stops() {
    let t = TestCloud::start_plain().await;
    let mut room = Room::open(&t, "SN-CB1").await;
    let chromium = Chromium::launch().await;
    let page = open(&chromium, &t.url("/cast?lang=en")).await;
    page.execute(SetDeviceMetricsOverrideParams::new(1280, 800, 1.0, false))
        .await
        .unwrap();
    assert_eq!(state(&page, "idle").await, "");
    assert_eq!(visible(&page).await, ["share"]);
    screenshot(&page, "cast-idle-en").await;

    // Typed with a space, as read off the screen.
    let code = &room.code.code;
    let typed = format!("{} {}", &code[..3], &code[3..]);
    page.find_element("#code")
        .await
        .unwrap()
        .click()
        .await
        .unwrap()
        .type_str(&typed)
        .await
        .unwrap();
    page.find_element("#name")
        .await
        .unwrap()
        .click()
        .await
        .unwrap()
        .type_str("Ann")
        .await
        .unwrap();
    click(&page, "#share").await;

    let (session, caster, offer, take_over) = room.offer().await;
    assert_eq!(caster, "Ann");
    assert!(!take_over);
    assert!(
        offer.contains("m=video") && offer.contains("a=sendonly"),
        "{offer}"
    );
    room.send(DeviceMessage::CastAnswer {
        session: session.clone(),
        sdp: mirror(&offer),
    })
    .await;
    assert_eq!(
        state(&page, "sharing").await,
        "Your screen is showing in the room."
    );
    assert_eq!(visible(&page).await, ["stop"]);
    screenshot(&page, "cast-sharing-en").await;
    let asked: serde_json::Value = eval(&page, "window.displayRequests[0]").await;
    assert_eq!(
        asked,
        serde_json::json!({ "video": { "frameRate": { "ideal": 30 } }, "audio": true })
    );
    let hint: String = eval(&page, "window.shared.getVideoTracks()[0].contentHint").await;
    assert_eq!(hint, "detail");
    assert!(offer.contains("m=audio"), "the sound goes too: {offer}");

    // Someone else takes over in the room.
    room.send(DeviceMessage::CastEnded {
        session,
        reason: CastEnd::TakenOver,
    })
    .await;
    assert_eq!(
        state(&page, "ended").await,
        "Someone else took over the room's screen."
    );
    assert_eq!(reason(&page).await, "taken_over");
    assert_eq!(visible(&page).await, ["share"]);

    // Again, to a busy room: the page asks, then takes over.
    click(&page, "#share").await;
    let (session, _, _, _) = room.offer().await;
    room.send(DeviceMessage::CastRefused {
        session,
        reason: CastRefusal::Busy,
        showing: Some("Bo".into()),
    })
    .await;
    assert_eq!(
        state(&page, "busy").await,
        "Bo is sharing their screen in this room. Take over?"
    );
    assert_eq!(visible(&page).await, ["take-over", "cancel"]);
    screenshot(&page, "cast-busy-en").await;
    click(&page, "#take-over").await;
    let (session, take_over) = answer_next(&mut room).await;
    assert!(take_over);
    state(&page, "sharing").await;

    // Stop: the room is told.
    click(&page, "#stop").await;
    assert_stopped_by_caster(&mut room, session).await;
    assert_eq!(state(&page, "ended").await, "You stopped sharing.");
    assert_eq!(reason(&page).await, "stopped_by_caster");

    // The browser's own "Stop sharing" ends the screen's track.
    click(&page, "#share").await;
    let (session, _) = answer_next(&mut room).await;
    state(&page, "sharing").await;
    eval::<bool>(
        &page,
        "window.shared.getVideoTracks()[0].dispatchEvent(new Event('ended'))",
    )
    .await;
    assert_stopped_by_caster(&mut room, session).await;
    assert_eq!(state(&page, "ended").await, "You stopped sharing.");

    // Sharing, then leaving the page: the room is told too.
    click(&page, "#share").await;
    let (session, _) = answer_next(&mut room).await;
    state(&page, "sharing").await;
    page.goto("about:blank").await.unwrap();
    assert_stopped_by_caster(&mut room, session).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_chinese_page_says_why_in_chinese() {
    let t = TestCloud::start_plain().await;
    let mut room = Room::open(&t, "SN-CB2").await;
    let chromium = Chromium::launch().await;
    let page = open(&chromium, &t.url("/cast?lang=zh-CN")).await;
    state(&page, "idle").await;
    let name: String = eval(&page, "document.getElementById('name').placeholder").await;
    assert_eq!(name, "访客");

    // Too short, then wrong: said in Chinese, the room hears nothing.
    let field = page.find_element("#code").await.unwrap();
    field
        .click()
        .await
        .unwrap()
        .type_str("12345")
        .await
        .unwrap();
    click(&page, "#share").await;
    assert_eq!(state(&page, "error").await, "投屏码为 6 位数字。");
    assert_eq!(reason(&page).await, "code_format");
    let wrong = if room.code.code == "999999" {
        "999998"
    } else {
        "999999"
    };
    eval::<String>(
        &page,
        &format!("document.getElementById('code').value = '{wrong}'"),
    )
    .await;
    click(&page, "#share").await;
    assert_eq!(
        state(&page, "error").await,
        "投屏码错误或已过期，请输入会议室当前显示的投屏码。"
    );
    assert_eq!(reason(&page).await, "cast_code_invalid");
    room.silent_for(Duration::from_millis(200)).await;
    screenshot(&page, "cast-wrong-code-zh").await;

    // The link from the room's QR code fills the code in; the room stops it.
    page.goto(format!("{}?lang=zh-CN", room.code.url))
        .await
        .unwrap();
    let filled: String = eval(&page, "document.getElementById('code').value").await;
    assert_eq!(filled, room.code.code);
    click(&page, "#share").await;
    let (session, _) = answer_next(&mut room).await;
    assert_eq!(state(&page, "sharing").await, "你的屏幕正在会议室中显示。");
    screenshot(&page, "cast-sharing-zh").await;
    room.send(DeviceMessage::CastEnded {
        session,
        reason: CastEnd::StoppedByRoom,
    })
    .await;
    assert_eq!(state(&page, "ended").await, "会议室已停止显示你的屏幕。");
    assert_eq!(reason(&page).await, "stopped_by_room");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_without_screen_capture_is_told_to_use_a_desktop() {
    let t = TestCloud::start_plain().await;
    let chromium = Chromium::launch().await;
    let page = chromium.browser.new_page("about:blank").await.unwrap();
    // A phone's browser: a narrow screen, no getDisplayMedia.
    page.execute(SetDeviceMetricsOverrideParams::new(390, 844, 2.0, true))
        .await
        .unwrap();
    page.evaluate_on_new_document("navigator.mediaDevices.getDisplayMedia = undefined;")
        .await
        .unwrap();
    page.goto(t.url("/cast")).await.unwrap();
    let status = state(&page, "error").await;
    assert!(
        status.starts_with("Phones and tablets cannot share"),
        "{status}"
    );
    assert_eq!(reason(&page).await, "unsupported_browser");
    let disabled: bool = eval(&page, "document.getElementById('share').disabled").await;
    assert!(disabled);
    page.goto(t.url("/cast?lang=zh-CN")).await.unwrap();
    let status = state(&page, "error").await;
    assert!(status.starts_with("手机和平板暂时无法"), "{status}");
    screenshot(&page, "cast-phone-zh").await;
}

/// The room is told the caster stopped `session`.
async fn assert_stopped_by_caster(room: &mut Room, session: String) {
    assert_eq!(
        room.next_cast().await,
        ServerMessage::CastStop {
            session,
            reason: CastEnd::StoppedByCaster
        }
    );
}
