//! Loss resilience: the share of frames a terminal decodes intact when
//! the network between two rooms loses 5 %, 10 % or 20 % of its packets at
//! random, with NACK/RTX on and off. A benchmark, not a test (run by
//! `bench/loss-resilience.sh`): it prints a table and writes JSON.
//!
//! The sending room is the stamped camera (every frame numbered, the
//! terminal's encoder at the 720p class settings) on an RTP leg as a
//! terminal's; the receiving room is a terminal's real `CallMedia`. Between
//! them, relays on loopback drop packets at random (seeded, so runs
//! compare) and delay each by 20 ms: RTP on the way there, RTCP both ways
//! (the NACKs and key-frame requests suffer the loss too). A frame counts
//! when the receiver decodes it and every part of it is what was sent.
//!
//! Usage: loss_resilience [SECONDS=10] [JSON_OUT]

mod stamped;

use std::collections::HashSet;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use rand::{rngs::StdRng, Rng, SeedableRng};
use roomterm::media::{CallMedia, CallMediaConfig, MediaPlan, SourceMode, VideoClass};
use roomterm_rtp::Remote;
use stamped::{is_intact, read_stamp, Camera, Output, Sent};

const LOSSES: [f64; 4] = [0.0, 0.05, 0.10, 0.20];
/// One way, each direction: a round trip of 40 ms, a regional network.
const DELAY: Duration = Duration::from_millis(20);
/// Frames sent in the last moments may still be on their way.
const IN_FLIGHT: Duration = Duration::from_millis(500);

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let json_out = args.next();
    roomterm::media::init()?;
    let board =
        roomterm::board::BoardProfile::load(std::path::Path::new("board"), "generic-x86_64")?;
    let plan = MediaPlan::probe(&board, SourceMode::Test)?;
    let config = CallMediaConfig {
        class: VideoClass::Hd720,
        width: 1280,
        height: 720,
        ..CallMediaConfig::small(&plan, 0xff000000, 440.0)
    };
    println!(
        "loss resilience, 720p30 {} at {} kbit/s, {} ms one way, {seconds} s per case",
        plan.h264_encoder,
        config.class.bitrate_kbps(),
        DELAY.as_millis()
    );
    println!(
        "{:>6} {:>10} {:>10} {:>9} {:>8} {:>11} {:>8} {:>10}",
        "loss", "NACK/RTX", "intact", "frames", "dropped", "recovered", "lost", "key frames"
    );
    let mut rows = Vec::new();
    for loss in LOSSES {
        for retransmission in [false, true] {
            let outcome = measure(&config, loss, retransmission, seconds)?;
            println!(
                "{:>5.0}% {:>10} {:>9.1}% {:>9} {:>8} {:>11} {:>8} {:>10}",
                loss * 100.0,
                if retransmission { "on" } else { "off" },
                outcome.intact_share() * 100.0,
                outcome.sent,
                outcome.dropped,
                outcome.recovered,
                outcome.lost,
                outcome.key_frames,
            );
            rows.push(serde_json::json!({
                "loss": loss, "retransmission": retransmission,
                "frames_sent": outcome.sent, "frames_intact": outcome.intact,
                "intact_share": outcome.intact_share(),
                "packets_dropped_by_the_relay": outcome.dropped,
                "packets_recovered": outcome.recovered,
                "packets_lost": outcome.lost,
                "key_frame_requests": outcome.key_frames,
            }));
        }
    }
    if let Some(path) = json_out {
        let json = serde_json::json!({
            "resolution": "1280x720", "fps": config.fps, "encoder": plan.h264_encoder,
            "kbps": config.class.bitrate_kbps(), "one_way_delay_ms": DELAY.as_millis(),
            "seconds": seconds, "cases": rows,
        });
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)?;
    }
    Ok(())
}

struct Outcome {
    sent: usize,
    intact: usize,
    /// RTP packets the relay dropped on the way there.
    dropped: u64,
    recovered: u64,
    /// Packets the receiver gave up on.
    lost: u64,
    key_frames: u64,
}

impl Outcome {
    fn intact_share(&self) -> f64 {
        self.intact as f64 / self.sent.max(1) as f64
    }
}

fn measure(
    config: &CallMediaConfig,
    loss: f64,
    retransmission: bool,
    seconds: u64,
) -> anyhow::Result<Outcome> {
    let local = |port| SocketAddr::from(([127, 0, 0, 1], port));
    let receiver = CallMedia::receive(config.clone())?;
    receiver.set_retransmission(retransmission);
    let (video_port, _) = receiver.local_ports();
    let seed = (loss * 1000.0) as u64;
    let rtp_there = Relay::start(local(video_port), loss, seed)?;
    let rtcp_there = Relay::start(local(video_port + 1), loss, seed + 1)?;
    let sent: Sent = Default::default();
    let camera = Camera::start(
        config,
        Output::Leg {
            local: [127, 0, 0, 1].into(),
            to: Remote::new(rtp_there.at, Some(rtcp_there.at)),
            retransmission,
        },
        sent.clone(),
    )?;
    let camera_port = camera.port.expect("the camera has a leg");
    let rtcp_back = Relay::start(local(camera_port + 1), loss, seed + 2)?;
    // The receiver's own media goes nowhere that matters; its RTCP (NACKs,
    // key-frame requests, reports) goes back through the lossy relay.
    let discard = UdpSocket::bind("127.0.0.1:0")?;
    receiver.send_to(
        Remote::new(local(camera_port), Some(rtcp_back.at)),
        discard.local_addr()?,
    )?;

    let start = Instant::now() + Duration::from_secs(2);
    let end = start + Duration::from_secs(seconds);
    let mut intact = HashSet::new();
    let mut last = None;
    while Instant::now() < end + IN_FLIGHT {
        let Ok(frame) = receiver.next_frame(Duration::from_millis(500)) else {
            continue;
        };
        let Some(number) = read_stamp(&frame) else {
            continue;
        };
        // A frozen picture repeats a number: it is not another frame.
        if last == Some(number) {
            continue;
        }
        last = Some(number);
        if is_intact(&frame, number) {
            intact.insert(number);
        }
    }
    let sent_in_window: HashSet<u16> = sent
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, at)| **at >= start && **at < end)
        .map(|(number, _)| *number)
        .collect();
    let (video, _) = receiver.rtp_stats();
    drop(camera);
    Ok(Outcome {
        sent: sent_in_window.len(),
        intact: intact.intersection(&sent_in_window).count(),
        dropped: rtp_there.dropped.load(Ordering::Relaxed),
        recovered: video.receive.retransmissions_recovered,
        lost: video.receive.lost,
        key_frames: video.key_frame_requests_sent,
    })
}

/// Forwards datagrams to `to` after `DELAY`, dropping each with
/// probability `loss`, until dropped.
struct Relay {
    at: SocketAddr,
    run: Arc<AtomicBool>,
    dropped: Arc<AtomicU64>,
}

impl Relay {
    fn start(to: SocketAddr, loss: f64, seed: u64) -> anyhow::Result<Self> {
        let socket = UdpSocket::bind("127.0.0.1:0")?;
        socket.set_read_timeout(Some(Duration::from_millis(100)))?;
        let at = socket.local_addr()?;
        let out = socket.try_clone()?;
        let run = Arc::new(AtomicBool::new(true));
        let dropped = Arc::new(AtomicU64::new(0));
        let (queue, due) = mpsc::channel::<(Instant, Vec<u8>)>();
        let (running, counted) = (run.clone(), dropped.clone());
        thread::spawn(move || {
            let mut random = StdRng::seed_from_u64(seed);
            let mut buf = vec![0u8; 2048];
            while running.load(Ordering::Relaxed) {
                let Ok(n) = socket.recv(&mut buf) else {
                    continue;
                };
                if random.gen::<f64>() < loss {
                    counted.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                if queue
                    .send((Instant::now() + DELAY, buf[..n].to_vec()))
                    .is_err()
                {
                    return;
                }
            }
        });
        thread::spawn(move || {
            for (when, packet) in due {
                if let Some(wait) = when.checked_duration_since(Instant::now()) {
                    thread::sleep(wait);
                }
                let _ = out.send_to(&packet, to);
            }
        });
        Ok(Self { at, run, dropped })
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.run.store(false, Ordering::Relaxed);
    }
}
