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

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;
use roomcloud::media::{AudioCodec, ClassSpec, Conference, ConferenceConfig, ParticipantSpec};
use roomterm::media::{
    apply_encoder_settings, encoder_settings, CallMedia, CallMediaConfig, MediaPlan, RgbFrame,
    SourceMode, VideoClass,
};

const WIDTH: usize = 1280;
const HEIGHT: usize = 720;
const FPS: u64 = 30;
const BITS: usize = 16;
/// Each bit is a block this wide and high at the top of the picture.
const BLOCK: usize = 64;

/// Frame number → when it was pushed.
type Sent = Arc<Mutex<HashMap<u16, Instant>>>;

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
                video_to: Some(local(video_port)),
                audio_to: local(audio_port),
                video_pt: config.video_pt,
                audio_pt: config.audio_pt,
                audio_codec: AudioCodec::Opus,
                class: ClassSpec {
                    width: WIDTH as u32,
                    height: HEIGHT as u32,
                    bitrate_kbps: VideoClass::Hd720.bitrate_kbps(),
                },
            })?;
            (
                local(ports.video.expect("a video participant")),
                Some(conference),
            )
        }
    };
    let sent: Sent = Arc::default();
    let camera = Camera::start(&config, target, sent.clone())?;

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

/// The stamped camera: appsrc → encoder (the plan's, 720p settings) →
/// RTP → UDP.
struct Camera {
    pipeline: gst::Pipeline,
    run: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Camera {
    fn start(config: &CallMediaConfig, to: SocketAddr, sent: Sent) -> anyhow::Result<Self> {
        let caps = gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::Rgb)
            .width(WIDTH as i32)
            .height(HEIGHT as i32)
            .framerate(gst::Fraction::new(FPS as i32, 1))
            .build();
        let src = gst_app::AppSrc::builder()
            .caps(&caps)
            .is_live(true)
            .do_timestamp(true)
            .format(gst::Format::Time)
            .build();
        let encoder = gst::ElementFactory::make(&config.encoder).build()?;
        apply_encoder_settings(&encoder, &encoder_settings(&config.encoder, config.class));
        let pay = gst::ElementFactory::make("rtph264pay")
            .property("pt", u32::from(config.video_pt))
            .property("config-interval", -1i32)
            .build()?;
        let sink = gst::ElementFactory::make("udpsink")
            .property("host", to.ip().to_string())
            .property("port", i32::from(to.port()))
            .property("sync", false)
            .property("async", false)
            .build()?;
        let pipeline = gst::Pipeline::new();
        // A camera drops frames the encoder cannot take: a backlog here
        // would measure the queue, not the path.
        let queue = gst::ElementFactory::make("queue")
            .property("max-size-buffers", 1u32)
            .property("max-size-bytes", 0u32)
            .property("max-size-time", 0u64)
            .property_from_str("leaky", "downstream")
            .build()?;
        let convert = gst::ElementFactory::make("videoconvert").build()?;
        let elements = [src.upcast_ref(), &queue, &convert, &encoder, &pay, &sink];
        pipeline.add_many(elements)?;
        gst::Element::link_many(elements)?;
        pipeline.set_state(gst::State::Playing)?;
        let run = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let thread = {
            let run = run.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                let mut n: u64 = 0;
                while run.load(std::sync::atomic::Ordering::Relaxed) {
                    let due = start + Duration::from_micros(n * 1_000_000 / FPS);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let number = n as u16;
                    let buffer = gst::Buffer::from_mut_slice(stamped(number));
                    sent.lock().unwrap().insert(number, Instant::now());
                    if src.push_buffer(buffer).is_err() {
                        return;
                    }
                    n += 1;
                }
            })
        };
        Ok(Self {
            pipeline,
            run,
            thread: Some(thread),
        })
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        self.run.store(false, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}

/// A grey RGB frame with `number` in white (1) and black (0) blocks.
fn stamped(number: u16) -> Vec<u8> {
    let mut data = vec![96u8; WIDTH * HEIGHT * 3];
    for bit in 0..BITS {
        let value = if number >> bit & 1 == 1 { 255 } else { 0 };
        for y in 0..BLOCK {
            let row = y * WIDTH * 3;
            let x0 = bit * BLOCK;
            data[row + x0 * 3..row + (x0 + BLOCK) * 3].fill(value);
        }
    }
    data
}

/// The number in a decoded frame's blocks (sampled at their centres);
/// `None` for a frame without the stamp (the MCU's black start).
fn read_stamp(frame: &RgbFrame) -> Option<u16> {
    if frame.width as usize != WIDTH || frame.height as usize != HEIGHT {
        return None;
    }
    let mut number = 0u16;
    for bit in 0..BITS {
        let [r, g, b] = frame.pixel((bit * BLOCK + BLOCK / 2) as u32, (BLOCK / 2) as u32);
        let luma = (u32::from(r) + u32::from(g) + u32::from(b)) / 3;
        match luma {
            0..=48 => {}
            200.. => number |= 1 << bit,
            _ => return None, // grey: no stamp here
        }
    }
    Some(number)
}
