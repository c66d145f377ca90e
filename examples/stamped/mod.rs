//! A benchmark camera whose every frame carries its own number, shared by
//! the benchmarks that follow frames end to end (glass-to-glass latency,
//! loss resilience).
//!
//! Each frame is a smooth picture that moves from frame to frame (so a
//! lost packet's damage shows and spreads to the frames that refer to it,
//! as with a real camera) with its number in 16 black/white blocks along
//! the top. A decoded frame's number is read back from the blocks, and the
//! frame is *intact* when every part of it matches what that number's
//! frame was.

// Each benchmark uses its part.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;
use roomterm::media::{apply_encoder_settings, encoder_settings, CallMediaConfig, RgbFrame};
use roomterm_rtp::{MediumSpec, Remote, Rtp};

const BITS: usize = 16;
/// After the number: a white block then a black one, so a black or grey
/// picture (nothing decoded yet) never reads as a number.
const GUARD: [u8; 2] = [255, 0];
/// Each bit is a block this wide and high at the top of the picture.
const BLOCK: usize = 64;
/// The intactness check compares means over squares this big.
const TILE: usize = 16;
/// A tile is damaged when a channel's mean is this far from the truth
/// (the encoder's own error on this picture is a few levels).
const DAMAGED: i32 = 24;

/// Frame number → when it was pushed.
pub type Sent = Arc<Mutex<HashMap<u16, Instant>>>;

/// Blue everywhere below the stamp.
const BLUE: u8 = 96;

/// Frame `number`'s red by column and green by row: two smooth waves
/// drifting at different speeds, so the encoder predicts each frame from
/// the last and damage stays where it landed.
fn waves(number: u16, width: usize, height: usize) -> (Vec<u8>, Vec<u8>) {
    let n = f64::from(number);
    let red = (0..width)
        .map(|x| (128.0 + 100.0 * ((x as f64 + 6.0 * n) / 70.0).sin()) as u8)
        .collect();
    let green = (0..height)
        .map(|y| (128.0 + 100.0 * ((y as f64 + 3.0 * n) / 45.0).sin()) as u8)
        .collect();
    (red, green)
}

/// The picture of frame `number`, packed RGB.
pub fn frame(number: u16, width: usize, height: usize) -> Vec<u8> {
    let (red, green) = waves(number, width, height);
    let mut data = vec![0u8; width * height * 3];
    for (y, row) in data.chunks_exact_mut(width * 3).enumerate() {
        for (x, pixel) in row.chunks_exact_mut(3).enumerate() {
            pixel.copy_from_slice(&[red[x], green[y], BLUE]);
        }
    }
    let values = (0..BITS)
        .map(|bit| if number >> bit & 1 == 1 { 255 } else { 0 })
        .chain(GUARD);
    for (bit, value) in values.enumerate() {
        for y in 0..BLOCK.min(height) {
            let row = y * width * 3;
            let x0 = bit * BLOCK;
            if x0 + BLOCK <= width {
                data[row + x0 * 3..row + (x0 + BLOCK) * 3].fill(value);
            }
        }
    }
    data
}

/// The number in a decoded frame's blocks (sampled at their centres);
/// `None` for a frame without a readable stamp.
pub fn read_stamp(frame: &RgbFrame) -> Option<u16> {
    if (frame.width as usize) < (BITS + GUARD.len()) * BLOCK || (frame.height as usize) < BLOCK {
        return None;
    }
    let bit_at = |block: usize| {
        let [r, g, b] = frame.pixel((block * BLOCK + BLOCK / 2) as u32, (BLOCK / 2) as u32);
        match (u32::from(r) + u32::from(g) + u32::from(b)) / 3 {
            0..=48 => Some(false),
            200.. => Some(true),
            _ => None,
        }
    };
    if bit_at(BITS)? != (GUARD[0] == 255) || bit_at(BITS + 1)? != (GUARD[1] == 255) {
        return None;
    }
    let mut number = 0u16;
    for bit in 0..BITS {
        if bit_at(bit)? {
            number |= 1 << bit;
        }
    }
    Some(number)
}

/// Whether `decoded` is frame `number` everywhere below the stamp:
/// every tile's mean (sampled every 4th pixel each way) within `DAMAGED`
/// of the truth.
pub fn is_intact(decoded: &RgbFrame, number: u16) -> bool {
    let (width, height) = (decoded.width as usize, decoded.height as usize);
    let (red, green) = waves(number, width, height);
    let samples = (TILE / 4) * (TILE / 4);
    (BLOCK / TILE..height / TILE).all(|ty| {
        (0..width / TILE).all(|tx| {
            let (mut got, mut want) = ([0i32; 3], [0i32; 3]);
            for y in (ty * TILE..(ty + 1) * TILE).step_by(4) {
                for x in (tx * TILE..(tx + 1) * TILE).step_by(4) {
                    let at = (y * width + x) * 3;
                    for (sum, value) in got.iter_mut().zip(&decoded.data[at..at + 3]) {
                        *sum += i32::from(*value);
                    }
                    want[0] += i32::from(red[x]);
                    want[1] += i32::from(green[y]);
                    want[2] += i32::from(BLUE);
                }
            }
            got.iter()
                .zip(want)
                .all(|(g, w)| (g - w).abs() <= DAMAGED * samples as i32)
        })
    })
}

/// Where the camera's RTP goes.
pub enum Output {
    /// Plain RTP to this address (no RTCP).
    Udp(SocketAddr),
    /// An RTP leg as a terminal's (RTCP, NACK/RTX when `retransmission`),
    /// its sockets on `local`.
    Leg {
        local: IpAddr,
        to: Remote,
        retransmission: bool,
    },
}

/// The stamped camera: appsrc → the terminal's encoder (its settings for
/// the class) → RTP → its output.
pub struct Camera {
    pipeline: gst::Pipeline,
    /// The leg's RTP port (RTCP: the next), if it has one.
    pub port: Option<u16>,
    run: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Camera {
    pub fn start(config: &CallMediaConfig, output: Output, sent: Sent) -> anyhow::Result<Self> {
        let (width, height, fps) = (
            config.width as usize,
            config.height as usize,
            u64::from(config.fps),
        );
        let caps = gst_video::VideoCapsBuilder::new()
            .format(gst_video::VideoFormat::Rgb)
            .width(width as i32)
            .height(height as i32)
            .framerate(gst::Fraction::new(fps as i32, 1))
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
        // 4:2:0, as the terminal's sending chain has it.
        let four_two_zero = gst::ElementFactory::make("capsfilter")
            .property(
                "caps",
                gst::Caps::builder("video/x-raw")
                    .field("format", gst::List::new(["NV12", "I420"]))
                    .build(),
            )
            .build()?;
        let elements = [
            src.upcast_ref(),
            &queue,
            &convert,
            &four_two_zero,
            &encoder,
            &pay,
        ];
        pipeline.add_many(elements)?;
        gst::Element::link_many(elements)?;
        let port = match output {
            Output::Udp(to) => {
                let sink = gst::ElementFactory::make("udpsink")
                    .property("host", to.ip().to_string())
                    .property("port", i32::from(to.port()))
                    .property("sync", false)
                    .property("async", false)
                    .build()?;
                pipeline.add(&sink)?;
                pay.link(&sink)?;
                None
            }
            Output::Leg {
                local,
                to,
                retransmission,
            } => {
                let rtp = Rtp::new(&pipeline, "camera-rtp")?;
                // What comes back on the video session is RTCP only.
                let nothing = gst::ElementFactory::make("fakesink").build()?;
                pipeline.add(&nothing)?;
                let spec = MediumSpec {
                    session: 1,
                    caps: roomterm_rtp::h264_caps(config.video_pt),
                    pt: config.video_pt,
                    rtx_pt: config.video_rtx_pt,
                    latency_ms: 150,
                    bandwidth_kbps: config.class.bitrate_kbps(),
                    key_frames: true,
                    port: None,
                    port_range: None,
                };
                let port = rtp.receive(spec, local, &nothing)?;
                rtp.set_retransmission(1, retransmission);
                rtp.send(1, to, Some(&pay))?;
                Some(port)
            }
        };
        pipeline.set_state(gst::State::Playing)?;
        let run = Arc::new(AtomicBool::new(true));
        let thread = {
            let run = run.clone();
            std::thread::spawn(move || {
                let start = Instant::now();
                let mut n: u64 = 0;
                while run.load(Ordering::Relaxed) {
                    let due = start + Duration::from_micros(n * 1_000_000 / fps);
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let number = n as u16;
                    let buffer = gst::Buffer::from_mut_slice(frame(number, width, height));
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
            port,
            run,
            thread: Some(thread),
        })
    }
}

impl Drop for Camera {
    fn drop(&mut self) {
        self.run.store(false, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let _ = self.pipeline.set_state(gst::State::Null);
    }
}
