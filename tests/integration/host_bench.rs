//! Host action → effect at every receiver — a benchmark, not a test:
//! `#[ignore]`d, run by `bench/host.sh`, which prints its table and writes
//! bench/out/host.json.
//!
//! Eight sites meet: the host, a room (a whole terminal, acting through
//! its control API and so over SIP INFO), and seven SIP guests with real
//! call media, each playing a tone of its own. Every site listens all the
//! time, in 20 ms blocks. The host mutes all and unmutes all, again and
//! again; an action's effect time is from asking until the last receiver
//! no longer hears a muted guest's tone (or hears them all again), which
//! must hold for the next 100 ms too. The target is 300 ms.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use roomterm::media::{tone_rms, CallMedia, CallMediaConfig};
use serde_json::json;

use crate::common::caller::{self, Caller};
use crate::common::summary::Summary;
use crate::common::{self, create_meeting};

/// One per site, the host's first; far enough apart for 20 ms blocks.
const TONES: [f64; 8] = [440.0, 580.0, 720.0, 860.0, 1000.0, 1200.0, 1400.0, 1650.0];
/// Eight tones mixed stay below full scale.
const VOLUME: f64 = 0.1;
const BLOCK: Duration = Duration::from_millis(20);
/// A tone at `VOLUME` reads about 0.07; gone is far below.
const HEARD: f64 = 0.03;
const GONE: f64 = 0.01;
/// The effect must last this long to count.
const STEADY: Duration = Duration::from_millis(100);
const TARGET_MS: f64 = 300.0;

/// What one site hears: (when, each tone's level) per block.
type Heard = Arc<Mutex<Vec<(Instant, [f64; 8])>>>;

/// Listens to `media` in blocks until `stop`.
fn listen(media: Arc<CallMedia>, stop: Arc<AtomicBool>) -> (Heard, std::thread::JoinHandle<()>) {
    let heard: Heard = Arc::default();
    let into = heard.clone();
    let thread = std::thread::spawn(move || {
        media.flush();
        while !stop.load(Ordering::Relaxed) {
            let Ok(samples) = media.listen(BLOCK) else {
                continue;
            };
            let levels = TONES.map(|hz| tone_rms(&samples, 48_000.0, hz));
            lock(&into).push((Instant::now(), levels));
        }
    });
    (heard, thread)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// When, after `asked`, `site` (its own tone at `me`) first hears what
/// `effect` says and keeps hearing it for `STEADY`.
fn effect_at(
    heard: &[(Instant, [f64; 8])],
    asked: Instant,
    me: usize,
    effect: impl Fn(usize, f64) -> bool,
) -> Option<Instant> {
    let holds = |levels: &[f64; 8]| {
        levels
            .iter()
            .enumerate()
            .all(|(site, level)| site == me || effect(site, *level))
    };
    let after: Vec<_> = heard.iter().filter(|(at, _)| *at >= asked).collect();
    after.iter().enumerate().find_map(|(i, (at, levels))| {
        let steady = after[i..]
            .iter()
            .take_while(|(later, _)| *later < *at + STEADY)
            .all(|(_, l)| holds(l));
        (holds(levels) && steady).then_some(*at)
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: bench/host.sh"]
async fn host_bench() {
    let rounds: usize = std::env::var("HOST_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(10);
    let cloud_dir = tempfile::tempdir().unwrap();
    let host_dir = tempfile::tempdir().unwrap();
    let (cloud, admin) = common::start_meeting_cloud(cloud_dir.path()).await;
    let id = create_meeting(
        &admin,
        json!({ "subject": "Bench", "host_password": "8888", "join_before_host": true }),
    )
    .await;
    let plan = common::media_plan();
    let config = |rgb: u32, hz: f64| CallMediaConfig {
        tone_volume: VOLUME,
        ..CallMediaConfig::small(&plan, rgb, hz)
    };
    let host = common::registered_terminal(
        host_dir.path(),
        &cloud,
        &admin,
        "SN-BENCH",
        config(0xffffff00, TONES[0]),
    )
    .await;
    host.post("/join", json!({ "meeting_id": id, "password": "8888" }))
        .await;
    host.call_state("in_call").await;
    let mut sites: Vec<Arc<CallMedia>> = vec![host.terminal.call_media.borrow().clone().unwrap()];
    let mut guests = Vec::new();
    for (n, hz) in TONES.iter().enumerate().skip(1) {
        let media =
            CallMedia::receive(config(0xff00_0000 | (n as u32 * 0x0020_3040), *hz)).unwrap();
        let (video, audio) = media.local_ports();
        let mut sip = Caller::new(
            cloud.endpoints.sip_udp,
            &cloud.endpoints.domain,
            &format!("g{n}"),
        )
        .await;
        let answer = sip.invite(&id, &caller::offer(video, audio, 96, 111)).await;
        assert_eq!(answer.code, 200, "{}", answer.raw);
        let (ip, v, a) = answer.media();
        media.send_to((ip, v), (ip, a)).unwrap();
        sites.push(Arc::new(media));
        guests.push(sip);
    }
    assert_eq!(cloud.focus.roster(&id).len(), TONES.len());

    let stop = Arc::new(AtomicBool::new(false));
    let listeners: Vec<_> = sites
        .iter()
        .map(|media| listen(media.clone(), stop.clone()))
        .collect();
    // Everyone hears everyone else before the first action.
    tokio::time::sleep(Duration::from_secs(3)).await;

    let mut asked = Vec::new();
    for round in 0..rounds * 2 {
        let mute = round % 2 == 0;
        let action = if mute {
            json!({ "action": "mute_all", "allow_self_unmute": true })
        } else {
            json!({ "action": "unmute_all" })
        };
        let at = Instant::now();
        let answer = host.post("/call/host", action).await;
        assert_eq!(answer["status"], 200, "{answer}");
        asked.push((at, mute));
        tokio::time::sleep(Duration::from_millis(1500)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let heard: Vec<_> = listeners
        .into_iter()
        .map(|(heard, thread)| {
            thread.join().unwrap();
            Arc::try_unwrap(heard).map_or_else(|h| lock(&h).clone(), |m| m.into_inner().unwrap())
        })
        .collect();

    // Muted: every guest's tone gone everywhere (the host's stays);
    // unmuted: every tone back.
    let (mut mutes, mut unmutes, mut missed) = (Vec::new(), Vec::new(), 0);
    for (at, mute) in asked {
        let effect = |site: usize, level: f64| match (mute, site) {
            (true, 0) => level > HEARD,
            (true, _) => level < GONE,
            (false, _) => level > HEARD,
        };
        let last = heard
            .iter()
            .enumerate()
            .map(|(me, h)| effect_at(h, at, me, effect))
            .collect::<Option<Vec<_>>>()
            .and_then(|times| times.into_iter().max());
        match last {
            Some(when) => {
                let ms = when.duration_since(at).as_secs_f64() * 1000.0;
                if mute { &mut mutes } else { &mut unmutes }.push(ms);
            }
            None => missed += 1,
        }
    }
    let (mutes, unmutes) = (Summary::of(mutes), Summary::of(unmutes));
    println!(
        "\nhost action → effect at all {} receivers (target {TARGET_MS:.0} ms)",
        TONES.len()
    );
    println!(
        "{:<44}{:>7}{:>11}{:>11}{:>11}{:>11}",
        "", "count", "median", "p95", "min", "max"
    );
    println!("{}", mutes.row("mute all → guests' tones gone"));
    println!("{}", unmutes.row("unmute all → every tone back"));
    println!(
        "p95 / target: mute all {:.2}, unmute all {:.2}; actions whose effect never settled: {missed}",
        mutes.p95 / TARGET_MS,
        unmutes.p95 / TARGET_MS
    );
    if let Ok(path) = std::env::var("HOST_BENCH_JSON") {
        let out = json!({
            "participants": TONES.len(),
            "target_ms": TARGET_MS,
            "mute_all": mutes.json(),
            "unmute_all": unmutes.json(),
            "unsettled": missed,
        });
        std::fs::write(path, serde_json::to_string_pretty(&out).unwrap()).unwrap();
    }
    drop(guests);
    cloud.shutdown().await;
}
