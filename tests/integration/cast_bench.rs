//! Casting benchmarks — not tests: `#[ignore]`d, run by `bench/cast.sh`,
//! which prints their tables and writes bench/out/cast.json.
//!
//! Headless Chromium casts a 1920×1080 "screen" (a canvas captured as the
//! casting page's screen) whose every picture carries its number in 16
//! black/white blocks along the top, and notes when it painted each
//! number (the browser's clock: the same machine's). The room reads the
//! numbers back from what it decodes:
//!
//! - **time to first picture**: Share pressed in the page → the room's
//!   first decoded picture, several casts in a row;
//! - **glass to glass**: a number painted → that number decoded in the
//!   room, median and p95 over the cast;
//! - **content through the MCU**: the same cast while the room is in a
//!   meeting → that number decoded from the content stream of another
//!   room in the meeting (room → MCU → room).
//!
//! Everything runs in a network namespace of its own, as `cast.rs`; the
//! decoders are the board plan's (software on a PC).

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use roomterm::media::RgbFrame;
use roomterm::ui::Page;
use serde_json::json;

use crate::cast::{wait_for, wait_page, Lan};
use crate::common::browser::{CastPage, Laptop};
use crate::common::room::Room;
use crate::common::summary::Summary;
use crate::common::{self, create_meeting};

/// Before the page's scripts: the screen picker's stand-in, a 1920×1080
/// canvas repainted every 33 ms with its number along the top, each
/// number's paint time kept in `window.stamps` (ms since the epoch).
const STAMPED_SCREEN: &str = r#"
navigator.mediaDevices.getDisplayMedia = async () => {
  const W = 1920, H = 1080, B = 64;
  const canvas = document.createElement('canvas');
  canvas.width = W;
  canvas.height = H;
  const g = canvas.getContext('2d');
  window.stamps = {};
  let n = 0;
  const paint = () => {
    n = (n + 1) & 0xffff;
    g.fillStyle = '#30507a';
    g.fillRect(0, 0, W, H);
    g.fillStyle = '#f0f0f0';
    for (let y = 200; y < 1000; y += 60) g.fillRect(120, y, 900 + (y % 180) * 3, 22);
    for (let bit = 0; bit < 16; bit++) {
      g.fillStyle = (n >> bit) & 1 ? '#ffffff' : '#000000';
      g.fillRect(bit * B, 0, B, B);
    }
    g.fillStyle = '#ffffff'; g.fillRect(16 * B, 0, B, B);
    g.fillStyle = '#000000'; g.fillRect(17 * B, 0, B, B);
    window.stamps[n] = performance.timeOrigin + performance.now();
  };
  paint();
  setInterval(paint, 33);
  return canvas.captureStream(30);
};
"#;

// The stamp is the glass-to-glass example's: its reader, shared.
#[path = "../../examples/stamped/mod.rs"]
mod stamped;
use stamped::read_stamp;

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
        * 1000.0
}

/// Pictures from `next` for `seconds`: (number, when decoded) of each
/// stamped one.
fn decoded_stamps(seconds: u64, mut next: impl FnMut() -> Option<RgbFrame>) -> Vec<(u16, f64)> {
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut seen = Vec::new();
    while Instant::now() < until {
        if let Some(number) = next().as_ref().and_then(read_stamp) {
            seen.push((number, now_ms()));
        }
    }
    seen
}

/// Each decoded number's delay after its paint, first decoding only.
async fn latencies(page: &CastPage, decoded: &[(u16, f64)]) -> Vec<f64> {
    let painted: HashMap<String, f64> = page.eval("window.stamps").await;
    let mut first: HashMap<u16, f64> = HashMap::new();
    for (number, at) in decoded {
        first.entry(*number).or_insert(*at);
    }
    first
        .iter()
        .filter_map(|(number, at)| painted.get(&number.to_string()).map(|p| at - p))
        .collect()
}

/// Opens the casting page with the stamped screen and presses Share; the
/// page, and when Share was pressed.
async fn share(laptop: &Laptop, url: &str) -> (CastPage, Instant) {
    let page = CastPage(laptop.open_with(url, STAMPED_SCREEN).await);
    page.wait_state("idle", Duration::from_secs(20)).await;
    page.fill("#name", "Bench").await;
    let pressed = Instant::now();
    page.click("#share").await;
    (page, pressed)
}

#[test]
#[ignore = "a benchmark: bench/cast.sh"]
fn cast_bench() {
    let seconds: u64 = std::env::var("CAST_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let runs: usize = std::env::var("CAST_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let _lan = Lan::enter();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let cloud_dir = tempfile::tempdir().unwrap();
        let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
        let plan = common::media_plan();
        let cast_media = roomterm::cast::CastConfig::from_plan(&plan);
        let room = Room::start_casting(
            dir_a.path(),
            &cloud,
            &admin,
            "SN-CB1",
            ([255, 255, 0], 440.0),
            Some(cast_media),
        )
        .await;
        let other = Room::start(dir_b.path(), &cloud, &admin, "SN-CB2", [255, 0, 255], 660.0).await;
        let terminal = &room.remote.terminal;
        let code = wait_for(terminal, "a casting code", Duration::from_secs(20), |s| {
            s.cast_code.is_some()
        })
        .await
        .cast_code
        .unwrap();
        let laptop = Laptop::start().await;

        // Time to the first picture, cast after cast.
        let mut first = Vec::new();
        for _ in 0..runs {
            let (page, pressed) = share(&laptop, &code.url).await;
            let cast = loop {
                if let Some(cast) = terminal.cast_media.borrow().clone() {
                    break cast;
                }
                assert!(pressed.elapsed() < Duration::from_secs(30), "no cast");
                tokio::time::sleep(Duration::from_millis(5)).await;
            };
            tokio::task::block_in_place(|| loop {
                if cast.next_frame(Duration::from_secs(30)).is_ok() {
                    break;
                }
            });
            first.push(pressed.elapsed().as_secs_f64() * 1000.0);
            page.0.close().await.unwrap();
            wait_for(terminal, "the cast to end", Duration::from_secs(10), |s| {
                s.cast.is_none()
            })
            .await;
        }
        let first = Summary::of(first);

        // Glass to glass, out of a meeting.
        let (page, _) = share(&laptop, &code.url).await;
        wait_page(terminal, Page::Casting, Duration::from_secs(30)).await;
        let cast = terminal.cast_media.borrow().clone().unwrap();
        let decoded = tokio::task::block_in_place(|| {
            decoded_stamps(seconds, || cast.next_frame(Duration::from_secs(2)).ok())
        });
        // Known once its packets arrived.
        let codec = cast.codec().unwrap_or("?");
        let local = Summary::of(latencies(&page, &decoded).await);
        page.0.close().await.unwrap();
        wait_for(terminal, "the cast to end", Duration::from_secs(10), |s| {
            s.cast.is_none()
        })
        .await;
        drop(cast);

        // Content through the MCU: both rooms in a meeting, the cast shared.
        let id = create_meeting(
            &admin,
            json!({ "subject": "Bench", "host_password": "2468", "join_before_host": true }),
        )
        .await;
        for joining in [&room, &other] {
            joining
                .remote
                .post("/join", json!({ "meeting_id": id, "password": "2468" }))
                .await;
            joining.remote.call_state("in_call").await;
        }
        let (page, _) = share(&laptop, &code.url).await;
        wait_for(
            terminal,
            "the cast in the meeting",
            Duration::from_secs(30),
            |s| s.cast.as_ref().is_some_and(|c| c.in_meeting),
        )
        .await;
        let media = other.media();
        let decoded = tokio::task::block_in_place(|| {
            decoded_stamps(seconds, || media.next_content(Duration::from_secs(2)).ok())
        });
        let content = Summary::of(latencies(&page, &decoded).await);
        page.0.close().await.unwrap();
        laptop.close().await;

        println!(
            "casting, headless Chromium → room ({codec}, 1920×1080 canvas at 30 fps, loopback, \
             {} decoder), {seconds} s per stream",
            plan.h264_decoder
        );
        println!(
            "{:<44}{:>7}{:>11}{:>11}{:>11}{:>11}",
            "measure", "count", "median", "p95", "min", "max"
        );
        println!("{}", first.row("Share pressed → first picture in the room"));
        println!("{}", local.row("painted → decoded in the room"));
        println!("{}", content.row("painted → content in another room (MCU)"));
        println!(
            "glass to glass / 100 ms target: {:.2}; first picture / 2 s target: {:.2}",
            local.median / 100.0,
            first.median / 2000.0
        );
        if let Ok(path) = std::env::var("CAST_BENCH_JSON") {
            let report = json!({
                "codec": codec, "canvas": "1920x1080", "fps": 30, "seconds": seconds,
                "h264_decoder": plan.h264_decoder,
                "first_picture": first.json(),
                "glass_to_glass": local.json(),
                "content_through_mcu": content.json(),
                "targets_ms": { "glass_to_glass_median": 100, "first_picture": 2000 },
            });
            std::fs::write(path, serde_json::to_vec_pretty(&report).unwrap()).unwrap();
        }
        drop(other);
        drop(room);
        drop(cloud);
    });
}
