//! A room left alone goes dark after the settings' idle time — its screen,
//! as the web remote sees it, turns black — and the first key only wakes
//! it: the screen comes back as it was, the key does nothing else. (The
//! setting is in whole minutes: this test waits one.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use roomcloud::clock::SystemClock;
use serde_json::json;

use crate::common::remote::Remote;
use crate::common::{self};

/// The screen's mean brightness, 0–255, from the control API's picture.
async fn brightness(room: &Remote) -> f64 {
    let (status, _, png) = room.get_bytes("/screen").await;
    assert_eq!(status, 200);
    let mut reader = png::Decoder::new(std::io::Cursor::new(png))
        .read_info()
        .unwrap();
    let mut rgb = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut rgb).unwrap();
    let pixels = &rgb[..info.buffer_size()];
    pixels.iter().map(|&v| f64::from(v)).sum::<f64>() / pixels.len() as f64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_left_alone_sleeps_after_its_idle_time_and_a_key_only_wakes_it() {
    let cloud_dir = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_cloud(cloud_dir.path(), 0, Arc::new(SystemClock)).await;
    let code = common::add_device(&admin, "SN-IDLE1").await;
    // An installed room (the wizard never goes dark), untouched from its
    // start: activation from afar is no input.
    let started = Instant::now();
    let room = Remote::start(dir.path(), "SN-IDLE1", Default::default()).await;
    room.post(
        "/activate",
        json!({ "server_url": cloud.endpoints.api_url, "code": code }),
    )
    .await;
    room.ui_page("home").await;
    room.post("/settings/standby", json!({ "minutes": 1 }))
        .await;
    let awake = brightness(&room).await;
    let focused = room.get("/ui").await["focused"].clone();
    loop {
        if room.get("/ui").await["standby"] == true {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "no standby after 90 s idle"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Not before the minute: the idle time counts from the last input.
    assert!(
        started.elapsed() >= Duration::from_secs(59),
        "{:?}",
        started.elapsed()
    );
    room.wait_status(|s| s["standby"] == true).await;
    let dark = brightness(&room).await;
    assert!(
        dark < 4.0 && awake > 3.0 * dark.max(1.0),
        "dark {dark:.1}, awake {awake:.1}"
    );

    // The first key wakes the room and does nothing else.
    let ui = room.keys(&["right"]).await;
    assert_eq!(
        (ui["standby"].clone(), ui["focused"].clone()),
        (json!(false), focused.clone())
    );
    assert!(brightness(&room).await > 3.0 * dark.max(1.0));
    // The next one moves the focus.
    let ui = room.keys(&["right"]).await;
    assert_ne!(ui["focused"], focused);
}
