//! The board's reset button and status LEDs on a registered terminal, with
//! the simulated GPIO backend (rk3588's lines and polarity): a 2 s press
//! keeps everything; a 10 s hold wipes the settings and credentials and
//! sends the terminal back to the wizard; the LEDs show registration and
//! blink while the button is held.

use std::time::{Duration, Instant};

use roomterm::board::BoardProfile;
use roomterm::gpio::{self, Led, SimulatedGpio, SimulatedLines};

use crate::common::{registered_terminal, start_cloud};

async fn wait_lit(lines: &SimulatedLines, led: Led, lit: bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while lines.lit(led) != lit {
        assert!(Instant::now() < deadline, "{led:?} never became {lit}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Samples `led` over `window`: whether it was both lit and dark.
async fn blinks(lines: &SimulatedLines, led: Led, window: Duration) -> bool {
    let (mut on, mut off) = (false, false);
    let end = Instant::now() + window;
    while Instant::now() < end {
        if lines.lit(led) {
            on = true;
        } else {
            off = true;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    on && off
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ten_second_hold_factory_resets_a_short_press_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = start_cloud(
        &dir.path().join("cloud"),
        0,
        std::sync::Arc::new(roomcloud::clock::SystemClock),
    )
    .await;
    let data = dir.path().join("terminal");
    let media =
        roomterm::media::CallMediaConfig::small(&crate::common::media_plan(), 0xff00ff00, 440.0);
    let room = registered_terminal(&data, &cloud, &admin, "RT-GPIO-1", media).await;
    let board = BoardProfile::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("board"),
        "rk3588",
    )
    .unwrap();
    assert!(board.gpio.reset_active_low);
    let (backend, lines) = SimulatedGpio::new(&board.gpio);
    gpio::spawn(room.terminal.clone(), Box::new(backend));

    wait_lit(&lines, Led::Registered, true).await;
    assert!(!lines.lit(Led::InCall));
    assert!(!lines.lit(Led::Error));

    // A 2 s press: nothing changes.
    lines.press(true);
    tokio::time::sleep(Duration::from_secs(2)).await;
    lines.press(false);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let status = room.get("/status").await;
    assert_eq!(status["sip"]["state"], "registered", "{status}");
    assert!(data.join("credentials.json").exists());
    assert!(lines.lit(Led::Registered));

    // A 10 s hold: the LEDs blink from 3 s on, then the reset.
    lines.press(true);
    tokio::time::sleep(Duration::from_millis(3_200)).await;
    assert!(
        blinks(&lines, Led::Error, Duration::from_millis(1_200)).await,
        "no blinking while held"
    );
    let ui = room.get("/ui").await;
    assert_ne!(ui["page"], "language", "reset before 10 s: {ui}");
    room.wait_for("/ui", "/page", "language").await;
    lines.press(false);
    assert!(!data.join("credentials.json").exists());
    assert!(!data.join("settings.json").exists());
    wait_lit(&lines, Led::Registered, false).await;
    let status = room.get("/status").await;
    assert_eq!(status["provisioning"]["state"], "not_activated", "{status}");
}
