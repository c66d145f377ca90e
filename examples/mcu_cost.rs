//! What the cloud's MCU costs per participant: CPU of one meeting's
//! conference media at 720p30 with 2, 4 and 8 participants. A benchmark,
//! not a test (run by `bench/mcu-cost.sh`): it prints a table with the
//! per-participant cost relative to 2 participants, and writes JSON.
//!
//! Each participant is a `gst-launch-1.0` child process replaying a 720p30
//! H.264 + Opus recording (encoded once, beforehand, with the board plan's
//! encoder at the 720p class settings) as RTP paced by its timestamps, so
//! the senders cost almost nothing and none of it is counted: the CPU
//! measured is this process's, which runs only the `Conference` (decode
//! every participant, compose, encode once per class, mix audio minus
//! each one's own, encode Opus per participant). What the MCU sends one
//! participant is counted to show it keeps up (pictures per second).
//!
//! Usage: mcu_cost [SECONDS=10] [JSON_OUT]

use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gst::prelude::*;
use roomcloud::media::{AudioCodec, ClassSpec, Conference, ConferenceConfig, ParticipantSpec};
use roomterm::media::{
    apply_encoder_settings, encoder_settings, MediaPlan, SourceMode, VideoClass,
};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
const FPS: u32 = 30;
const VIDEO_PT: u8 = 96;
const AUDIO_PT: u8 = 111;
const COUNTS: [usize; 3] = [2, 4, 8];
/// Seconds before measuring: decoders, encoders and the layout settle.
const WARM_UP: Duration = Duration::from_secs(3);

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let json_out = args.next();
    roomterm::media::init()?;
    let board =
        roomterm::board::BoardProfile::load(std::path::Path::new("board"), "generic-x86_64")?;
    let plan = MediaPlan::probe(&board, SourceMode::Test)?;
    let dir = tempfile::tempdir()?;
    let recording = dir.path().join("participant.mkv");
    // Long enough for warm-up and measurement, replayed once.
    record(&plan, &recording, seconds + WARM_UP.as_secs() + 4)?;

    let tick = clock_ticks()?;
    let mut rows = Vec::new();
    for n in COUNTS {
        rows.push(measure(n, seconds, &recording, tick)?);
    }
    println!(
        "MCU cost, one meeting at {WIDTH}x{HEIGHT}@{FPS} ({} decode/encode), {seconds} s each, {} cores",
        plan.h264_encoder,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<14}{:>12}{:>18}{:>16}{:>14}{:>14}",
        "participants", "MCU CPU", "per participant", "vs 2 (each)", "pictures/s", "senders CPU"
    );
    let base = rows[0].per_participant();
    for row in &rows {
        println!(
            "{:<14}{:>11.0}%{:>17.1}%{:>16.2}{:>14.1}{:>13.0}%",
            row.participants,
            row.cpu * 100.0,
            row.per_participant() * 100.0,
            row.per_participant() / base,
            row.fps,
            row.senders_cpu * 100.0
        );
    }
    println!("(100% = one core; pictures/s = what one participant receives, target {FPS};");
    println!(" senders = the replaying participants, which share the machine)");
    if let Some(path) = json_out {
        let json = serde_json::json!({
            "resolution": format!("{WIDTH}x{HEIGHT}"), "fps": FPS,
            "encoder": plan.h264_encoder, "seconds": seconds,
            "rows": rows.iter().map(|r| serde_json::json!({
                "participants": r.participants,
                "cpu_cores": r.cpu,
                "cpu_per_participant": r.per_participant(),
                "per_participant_vs_2": r.per_participant() / base,
                "received_fps": r.fps,
                "senders_cpu_cores": r.senders_cpu,
            })).collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)?;
    }
    Ok(())
}

struct Row {
    participants: usize,
    /// Cores used by the conference media (1.0 = one core, all the time).
    cpu: f64,
    /// Cores the replaying senders used meanwhile (the rest of the box).
    senders_cpu: f64,
    fps: f64,
}

impl Row {
    fn per_participant(&self) -> f64 {
        self.cpu / self.participants as f64
    }
}

/// Encodes `seconds` of a moving test picture and a tone, as a participant
/// would send them, into a Matroska file.
fn record(plan: &MediaPlan, path: &std::path::Path, seconds: u64) -> anyhow::Result<()> {
    let frames = seconds * u64::from(FPS);
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc pattern=ball num-buffers={frames} ! video/x-raw,width={WIDTH},height={HEIGHT},framerate={FPS}/1 \
         ! videoconvert ! {encoder} name=enc ! h264parse ! mux. \
         audiotestsrc num-buffers={audio_buffers} samplesperbuffer=960 freq=440 ! audio/x-raw,rate=48000,channels=1 \
         ! opusenc ! mux. matroskamux name=mux ! filesink location={path}",
        encoder = plan.h264_encoder,
        audio_buffers = seconds * 50,
        path = path.display(),
    ))?
    .downcast::<gst::Pipeline>()
    .map_err(|_| anyhow::anyhow!("not a pipeline"))?;
    if let Some(encoder) = pipeline.by_name("enc") {
        apply_encoder_settings(
            &encoder,
            &encoder_settings(&plan.h264_encoder, VideoClass::Hd720),
        );
    }
    pipeline.set_state(gst::State::Playing)?;
    let bus = pipeline.bus().expect("a pipeline has a bus");
    let outcome = bus.timed_pop_filtered(
        gst::ClockTime::from_seconds(300),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    pipeline.set_state(gst::State::Null)?;
    let Some(message) = outcome else {
        anyhow::bail!("recording did not finish");
    };
    match message.view() {
        gst::MessageView::Eos(_) => Ok(()),
        gst::MessageView::Error(err) => anyhow::bail!("recording failed: {}", err.error()),
        _ => anyhow::bail!("recording did not finish"),
    }
}

fn measure(
    participants: usize,
    seconds: u64,
    recording: &std::path::Path,
    tick: f64,
) -> anyhow::Result<Row> {
    let conference = Conference::start(ConferenceConfig::probe(
        WIDTH,
        HEIGHT,
        FPS,
        [127, 0, 0, 1].into(),
    )?)?;
    let mut sinks = Vec::new();
    let mut senders = Vec::new();
    for id in 1..=participants {
        // Where the MCU sends this participant: sockets nobody reads but
        // the first, whose pictures are counted.
        let video = UdpSocket::bind("127.0.0.1:0")?;
        let audio = UdpSocket::bind("127.0.0.1:0")?;
        let ports = conference.join(ParticipantSpec {
            id: id as u64,
            video_to: Some(video.local_addr()?.into()),
            audio_to: audio.local_addr()?.into(),
            video_pt: VIDEO_PT,
            // The replaying participants are plain RTP senders.
            video_rtx_pt: None,
            audio_pt: AUDIO_PT,
            audio_codec: AudioCodec::Opus,
            class: ClassSpec {
                width: WIDTH,
                height: HEIGHT,
                bitrate_kbps: VideoClass::Hd720.bitrate_kbps(),
            },
            ports: None,
            name: format!("Site {id}"),
        })?;
        let local = |port| SocketAddr::from(([127, 0, 0, 1], port));
        senders.push(Sender::start(
            recording,
            local(ports.video.expect("a video participant")),
            local(ports.audio),
        )?);
        sinks.push((video, audio));
    }
    let pictures = Arc::new(AtomicU64::new(0));
    let counting = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let counter = {
        let socket = sinks[0].0.try_clone()?;
        socket.set_read_timeout(Some(Duration::from_millis(200)))?;
        let (pictures, counting, stop) = (pictures.clone(), counting.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 2048];
            while !stop.load(Ordering::Relaxed) {
                // The RTP marker bit ends a picture.
                if let Ok(len) = socket.recv(&mut buf) {
                    if len > 12 && buf[1] & 0x80 != 0 && counting.load(Ordering::Relaxed) {
                        pictures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
        })
    };
    std::thread::sleep(WARM_UP);
    for sender in &mut senders {
        anyhow::ensure!(
            sender.child.try_wait()?.is_none(),
            "a participant's sender stopped early"
        );
    }
    let senders_before: f64 = senders.iter().map(|s| cpu_ticks_of(s.child.id())).sum();
    let (cpu_before, at) = (own_cpu_ticks()?, Instant::now());
    counting.store(true, Ordering::Relaxed);
    std::thread::sleep(Duration::from_secs(seconds));
    counting.store(false, Ordering::Relaxed);
    let (cpu_after, wall) = (own_cpu_ticks()?, at.elapsed().as_secs_f64());
    let senders_after: f64 = senders.iter().map(|s| cpu_ticks_of(s.child.id())).sum();
    stop.store(true, Ordering::Relaxed);
    let _ = counter.join();
    drop(senders);
    drop(conference);
    Ok(Row {
        participants,
        cpu: (cpu_after - cpu_before) / tick / wall,
        senders_cpu: (senders_after - senders_before) / tick / wall,
        fps: pictures.load(Ordering::Relaxed) as f64 / wall,
    })
}

/// One participant: the recording replayed as RTP in real time.
struct Sender {
    child: Child,
}

impl Sender {
    fn start(
        recording: &std::path::Path,
        video: SocketAddr,
        audio: SocketAddr,
    ) -> anyhow::Result<Self> {
        let pipeline = format!(
            "filesrc location={} ! matroskademux name=d \
             d.video_0 ! queue ! h264parse config-interval=-1 ! rtph264pay pt={VIDEO_PT} config-interval=-1 \
             ! udpsink host=127.0.0.1 port={} sync=true \
             d.audio_0 ! queue ! rtpopuspay pt={AUDIO_PT} ! udpsink host=127.0.0.1 port={} sync=true",
            recording.display(),
            video.port(),
            audio.port(),
        );
        let child = Command::new("gst-launch-1.0")
            .arg("-q")
            .args(pipeline.split_whitespace())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot run gst-launch-1.0: {e}"))?;
        Ok(Self { child })
    }
}

impl Drop for Sender {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// User + system CPU of this process so far, in clock ticks.
fn own_cpu_ticks() -> anyhow::Result<f64> {
    cpu_ticks("/proc/self/stat")
}

/// The same for another process (0 once it is gone).
fn cpu_ticks_of(pid: u32) -> f64 {
    cpu_ticks(&format!("/proc/{pid}/stat")).unwrap_or(0.0)
}

fn cpu_ticks(path: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(path)?;
    // Fields after the parenthesised command name; utime and stime are
    // the 14th and 15th of the whole line.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .ok_or_else(|| anyhow::anyhow!("unreadable /proc/self/stat"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields[11].parse()?;
    let stime: f64 = fields[12].parse()?;
    Ok(utime + stime)
}

fn clock_ticks() -> anyhow::Result<f64> {
    let out = Command::new("getconf").arg("CLK_TCK").output()?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}
