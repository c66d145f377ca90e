//! What the cloud's MCU costs per participant: CPU of one meeting's
//! conference media with 2, 4, 8 and 16 participants sending 720p30,
//! before and after the senders follow the size the MCU asks of them (no
//! larger than their largest tile: `roomcloud::media::send_size`). A
//! benchmark, not a test (run by `bench/mcu-cost.sh`): it prints a table
//! and writes JSON.
//!
//! Each participant is a `gst-launch-1.0` child process replaying an H.264
//! and Opus recording (encoded once, beforehand, with the board plan's
//! encoder at the 720p class settings, at each size of the ladder) as RTP
//! paced by its timestamps, so the senders cost almost nothing and none of
//! it is counted: the CPU measured is this process's, which runs only the
//! `Conference` (decode every participant, compose, encode once per class,
//! mix audio minus each one's own, encode Opus per participant).
//! "before": every sender sends 720p, as a sender that is never asked does;
//! "after": each sends the size `Conference::send_sizes` asks for once
//! everyone has joined (a roomterm's encoder follows such a request within
//! a key frame: `tests/integration/send_size.rs`). What the MCU sends one
//! participant is counted to show it keeps up (pictures per second).
//!
//! Usage: mcu_cost [SECONDS=10] [JSON_OUT]

use std::collections::BTreeMap;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gst::prelude::*;
use roomcloud::media::{
    send_size, AudioCodec, ClassSpec, Conference, ConferenceConfig, LayoutKind, ParticipantSpec,
};
use roomterm::media::{
    apply_encoder_settings, encoder_settings, MediaPlan, SourceMode, VideoClass,
};

const WIDTH: u32 = 1280;
const HEIGHT: u32 = 720;
const FPS: u32 = 30;
const VIDEO_PT: u8 = 96;
const AUDIO_PT: u8 = 111;
/// (layout, participants) of each measured meeting.
const MEETINGS: [(LayoutKind, usize); 5] = [
    (LayoutKind::Gallery, 2),
    (LayoutKind::Gallery, 4),
    (LayoutKind::Gallery, 8),
    (LayoutKind::Speaker, 8),
    (LayoutKind::Gallery, 16),
];
/// Seconds before measuring: decoders, encoders and the layout settle.
const WARM_UP: Duration = Duration::from_secs(3);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Senders {
    /// Everyone at 720p, whatever their tile.
    Unasked,
    /// Everyone at the size the MCU asks for.
    Asked,
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(10);
    let json_out = args.next();
    roomterm::media::init()?;
    let board =
        roomterm::board::BoardProfile::load(std::path::Path::new("board"), "generic-x86_64")?;
    let plan = MediaPlan::probe(&board, SourceMode::Test)?;
    let dir = tempfile::tempdir()?;
    // One recording per rung up to the canvas, long enough for warm-up
    // and measurement, replayed once.
    let mut recordings = BTreeMap::new();
    for size in send_size::LADDER.into_iter().filter(|s| s.0 <= WIDTH) {
        let path = dir
            .path()
            .join(format!("participant-{}x{}.mkv", size.0, size.1));
        record(&plan, &path, size, seconds + WARM_UP.as_secs() + 4)?;
        recordings.insert(size, path);
    }

    let tick = clock_ticks()?;
    let mut rows = Vec::new();
    for (layout, participants) in MEETINGS {
        for senders in [Senders::Unasked, Senders::Asked] {
            rows.push(measure(
                layout,
                participants,
                senders,
                seconds,
                &recordings,
                tick,
            )?);
        }
    }
    println!(
        "MCU cost, one meeting composed at {WIDTH}x{HEIGHT}@{FPS} ({} decode/encode), {seconds} s each, {} cores",
        plan.h264_encoder,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!(
        "{:<9}{:>6}  {:<8}{:<30}{:>9}{:>10}{:>11}{:>12}{:>9}",
        "layout",
        "sites",
        "senders",
        "sizes sent",
        "MCU CPU",
        "per site",
        "vs before",
        "pictures/s",
        "senders"
    );
    for pair in rows.chunks(2) {
        let before = pair[0].cpu;
        for row in pair {
            println!(
                "{:<9}{:>6}  {:<8}{:<30}{:>8.0}%{:>9.1}%{:>11.2}{:>12.1}{:>8.0}%",
                row.layout,
                row.participants,
                row.senders,
                row.sizes,
                row.cpu * 100.0,
                row.per_participant() * 100.0,
                row.cpu / before,
                row.fps,
                row.senders_cpu * 100.0
            );
        }
    }
    println!("(100% = one core; pictures/s = what one participant receives, target {FPS};");
    println!(" senders = the replaying participants, which share the machine;");
    println!(" before = every sender at 720p, after = each at the size the MCU asks for)");
    if let Some(path) = json_out {
        let json = serde_json::json!({
            "canvas": format!("{WIDTH}x{HEIGHT}"), "fps": FPS,
            "encoder": plan.h264_encoder, "seconds": seconds,
            "rows": rows.iter().map(|r| serde_json::json!({
                "layout": r.layout,
                "participants": r.participants,
                "senders": r.senders,
                "sizes_sent": r.sizes,
                "cpu_cores": r.cpu,
                "cpu_per_participant": r.per_participant(),
                "received_fps": r.fps,
                "senders_cpu_cores": r.senders_cpu,
            })).collect::<Vec<_>>(),
        });
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)?;
    }
    Ok(())
}

struct Row {
    layout: &'static str,
    participants: usize,
    senders: &'static str,
    /// The sizes sent, e.g. "1×1280x720 7×320x180".
    sizes: String,
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

/// Encodes `seconds` of a moving test picture and a tone at `size`, as a
/// participant would send them, into a Matroska file.
fn record(
    plan: &MediaPlan,
    path: &Path,
    (width, height): (u32, u32),
    seconds: u64,
) -> anyhow::Result<()> {
    let frames = seconds * u64::from(FPS);
    let pipeline = gst::parse::launch(&format!(
        "videotestsrc pattern=ball num-buffers={frames} ! video/x-raw,width={width},height={height},framerate={FPS}/1 \
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
    layout: LayoutKind,
    participants: usize,
    senders_kind: Senders,
    seconds: u64,
    recordings: &BTreeMap<(u32, u32), PathBuf>,
    tick: f64,
) -> anyhow::Result<Row> {
    let conference = Conference::start(ConferenceConfig::probe(
        WIDTH,
        HEIGHT,
        FPS,
        [127, 0, 0, 1].into(),
    )?)?;
    conference.set_layout(layout);
    let mut sinks = Vec::new();
    let mut joined = Vec::new();
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
        joined.push((id as u64, ports));
        sinks.push((video, audio));
    }
    // Everyone is in: the layout, and so each one's tile, is final.
    let asked: BTreeMap<u64, (u32, u32)> = conference.send_sizes().into_iter().collect();
    let mut senders = Vec::new();
    let mut sizes = BTreeMap::<(u32, u32), usize>::new();
    for (id, ports) in joined {
        let size = match senders_kind {
            Senders::Unasked => (WIDTH, HEIGHT),
            Senders::Asked => asked.get(&id).copied().unwrap_or((WIDTH, HEIGHT)),
        };
        let recording = recordings
            .get(&size)
            .ok_or_else(|| anyhow::anyhow!("no recording at {size:?}"))?;
        *sizes.entry(size).or_default() += 1;
        let local = |port| SocketAddr::from(([127, 0, 0, 1], port));
        senders.push(Sender::start(
            recording,
            local(ports.video.expect("a video participant")),
            local(ports.audio),
        )?);
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
        layout: match layout {
            LayoutKind::Gallery => "gallery",
            LayoutKind::Speaker => "speaker",
            LayoutKind::PictureInPicture => "pip",
        },
        participants,
        senders: match senders_kind {
            Senders::Unasked => "before",
            Senders::Asked => "after",
        },
        sizes: sizes
            .iter()
            .rev()
            .map(|((w, h), n)| format!("{n}×{w}x{h}"))
            .collect::<Vec<_>>()
            .join(" "),
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
