//! Glass-to-glass latency on loopback, terminal → cloud MCU → terminal, at
//! 720p30 in software. A benchmark, not a test (run by `bench/glass-to-glass.sh`):
//! it prints a table and the ratio to the 150 ms target, and writes JSON.
//!
//! The "camera" is an appsrc whose every frame carries its own number in 16
//! black/white blocks along the top. The terminal's real sending chain
//! (encoder and settings from the board's media plan, RTP) sends it to a
//! cloud `Conference`, which composes (one participant: full canvas),
//! encodes and sends it back; the terminal's real receiving chain decodes
//! it into an appsink. Latency = when the decoded frame's number was read −
//! when that number was pushed into the appsrc. The same camera sent
//! straight to the receiver (no MCU) is the baseline the MCU adds to.
//!
//! Usage: glass_to_glass [SECONDS=10] [JSON_OUT]

mod stamped;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use roomcloud::media::{AudioCodec, ClassSpec, Conference, ConferenceConfig, ParticipantSpec};
use roomterm::media::{CallMedia, CallMediaConfig, MediaPlan, SourceMode, VideoClass};
use stamped::{read_stamp, Camera, Output, Sent};

const WIDTH: usize = 1280;
const HEIGHT: usize = 720;
const FPS: u64 = 30;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let json_out = args.next();
    roomterm::media::init()?;
    let board =
        roomterm::board::BoardProfile::load(std::path::Path::new("board"), "generic-x86_64")?;
    let plan = MediaPlan::probe(&board, SourceMode::Test)?;

    let direct = measure(&plan, seconds, Path::Direct)?;
    let mcu = measure(&plan, seconds, Path::ThroughMcu)?;

    println!(
        "glass-to-glass latency, 720p30, {} encoder, loopback, {seconds} s each",
        plan.h264_encoder
    );
    println!(
        "{:<28}{:>8}{:>10}{:>10}{:>10}{:>10}",
        "path", "frames", "median", "p90", "min", "max"
    );
    for (name, s) in [
        ("terminal → terminal", &direct),
        ("terminal → MCU → terminal", &mcu),
    ] {
        println!(
            "{name:<28}{:>8}{:>8.1}ms{:>8.1}ms{:>8.1}ms{:>8.1}ms",
            s.frames, s.median, s.p90, s.min, s.max
        );
    }
    println!("through the MCU / 150 ms target: {:.2}", mcu.median / 150.0);
    println!(
        "the MCU adds (median): {:.1} ms",
        mcu.median - direct.median
    );
    if let Some(path) = json_out {
        let json = serde_json::json!({
            "resolution": "1280x720", "fps": FPS, "encoder": plan.h264_encoder,
            "seconds": seconds, "target_ms": 150,
            "direct": direct.json(), "through_mcu": mcu.json(),
        });
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)?;
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Path {
    Direct,
    ThroughMcu,
}

struct Summary {
    frames: usize,
    median: f64,
    p90: f64,
    min: f64,
    max: f64,
}

impl Summary {
    fn of(mut ms: Vec<f64>) -> anyhow::Result<Self> {
        anyhow::ensure!(!ms.is_empty(), "no stamped frame came back");
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        Ok(Self {
            frames: ms.len(),
            median: at(0.5),
            p90: at(0.9),
            min: ms[0],
            max: ms[ms.len() - 1],
        })
    }

    fn json(&self) -> serde_json::Value {
        serde_json::json!({ "frames": self.frames, "median_ms": self.median,
            "p90_ms": self.p90, "min_ms": self.min, "max_ms": self.max })
    }
}

fn measure(plan: &MediaPlan, seconds: u64, path: Path) -> anyhow::Result<Summary> {
    let config = CallMediaConfig {
        class: VideoClass::Hd720,
        width: WIDTH as u32,
        height: HEIGHT as u32,
        ..CallMediaConfig::small(plan, 0xff000000, 440.0)
    };
    let receiver = CallMedia::receive(config.clone())?;
    let (video_port, audio_port) = receiver.local_ports();
    let local = |port| SocketAddr::from(([127, 0, 0, 1], port));
    // Where the camera's stream goes, and what keeps the conference alive.
    let (target, _conference) = match path {
        Path::Direct => (local(video_port), None),
        Path::ThroughMcu => {
            let conference = Conference::start(ConferenceConfig::probe(
                WIDTH as u32,
                HEIGHT as u32,
                FPS as u32,
                [127, 0, 0, 1].into(),
            )?)?;
            let ports = conference.join(ParticipantSpec {
                id: 1,
                video_to: Some(local(video_port).into()),
                audio_to: local(audio_port).into(),
                video_pt: config.video_pt,
                // The camera here is a plain RTP sender.
                video_rtx_pt: None,
                audio_pt: config.audio_pt,
                audio_codec: AudioCodec::Opus,
                class: ClassSpec {
                    width: WIDTH as u32,
                    height: HEIGHT as u32,
                    bitrate_kbps: VideoClass::Hd720.bitrate_kbps(),
                },
                ports: None,
                name: "Glass".into(),
            })?;
            (
                local(ports.video.expect("a video participant")),
                Some(conference),
            )
        }
    };
    let sent: Sent = Default::default();
    let camera = Camera::start(&config, Output::Udp(target), sent.clone())?;

    let mut latencies = Vec::new();
    let warm_up = Instant::now() + Duration::from_secs(2);
    let end = Instant::now() + Duration::from_secs(seconds + 2);
    let mut last = None;
    while Instant::now() < end {
        let frame = receiver.next_frame(Duration::from_secs(5))?;
        let seen = Instant::now();
        let Some(number) = read_stamp(&frame) else {
            continue;
        };
        // Each number once: a repeated picture is not a new frame.
        if last == Some(number) || seen < warm_up {
            last = Some(number);
            continue;
        }
        last = Some(number);
        if let Some(at) = sent.lock().unwrap().get(&number) {
            latencies.push(seen.duration_since(*at).as_secs_f64() * 1000.0);
        }
    }
    drop(camera);
    Summary::of(latencies)
}
