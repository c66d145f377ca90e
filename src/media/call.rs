//! A call's media on the terminal: receivers bound first (their ports go
//! into the SDP offer or answer), senders started once the far end's
//! addresses are known.
//!
//! ```text
//! in:  udpsrc (H264) → rtpjitterbuffer → rtph264depay → <decoder> → videoconvert → appsink (RGB)
//!      udpsrc (OPUS) → rtpjitterbuffer → rtpopusdepay → opusdec → audioconvert → audioresample
//!        → volume (speaker level) → tee → appsink (S16), and → the speaker (voice.rs)
//! out: <camera or videotestsrc> → caps → videobalance (camera off: black) → tee → videoconvert → <encoder> → rtph264pay → udpsink
//!        tee → leaky queue → videoscale → videoconvert → RGB at a quarter size → appsink (self view)
//!      <microphone or audiotestsrc> → volume (mute) → audioconvert → audioresample → caps
//!        → webrtcdsp (echo cancelled against the speaker) → opusenc → rtpopuspay → udpsink
//! ```
//!
//! Test sources stand in for camera and microphone (a solid colour and a
//! sine), which is what lets tests tell participants apart in a composed
//! picture and a mixed sound.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;

use super::encoder::{apply_encoder_settings, encoder_settings};
use super::loopback::{
    bound_port, jitterbuffer, mono_s16, pull, rgb_frame, s16_samples, AUDIO_RATE,
};
use super::pipeline::{capsfilter, make, Running};
use super::probe::{require, MediaPlan};
use super::quality::{rtp_seq_and_timestamp, QualityMeter, QualityReport, StreamStats};
use super::voice::{self, Speaker};
use super::{init, MediaError, RgbFrame, VideoClass};
use crate::lock;

const ELEMENTS: &[&str] = &[
    "udpsrc",
    "udpsink",
    "rtpjitterbuffer",
    "rtph264depay",
    "rtph264pay",
    "rtpopusdepay",
    "rtpopuspay",
    "opusdec",
    "opusenc",
    "videoconvert",
    "audioconvert",
    "audioresample",
    "volume",
    "tee",
    "queue",
    "videobalance",
    "videotestsrc",
    "audiotestsrc",
    "appsink",
];

/// What this end sends and how it decodes.
#[derive(Debug, Clone, PartialEq)]
pub struct CallMediaConfig {
    pub encoder: String,
    pub decoder: String,
    pub class: VideoClass,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
    /// The test camera's solid colour, `0xAARRGGBB`.
    pub colour: u32,
    /// The test microphone's sine.
    pub tone_hz: f64,
    pub tone_volume: f64,
    pub video_pt: u8,
    pub audio_pt: u8,
    /// The address the receivers listen on.
    pub local: IpAddr,
    /// The playback element the far end is heard on (`autoaudiosink`,
    /// `alsasink`…) and its device; `None`: not played (headless tests).
    pub speaker: Option<String>,
    pub speaker_device: Option<String>,
    /// The microphone is a real one: noise suppression and gain control
    /// (a test tone would be suppressed as noise).
    pub real_microphone: bool,
}

impl CallMediaConfig {
    /// The plan's codecs at 320×240, 30 fps, 4CIF bit rate, on loopback.
    pub fn small(plan: &MediaPlan, colour: u32, tone_hz: f64) -> Self {
        Self {
            encoder: plan.h264_encoder.clone(),
            decoder: plan.h264_decoder.clone(),
            class: VideoClass::Cif4,
            width: 320,
            height: 240,
            fps: 30,
            colour,
            tone_hz,
            tone_volume: 0.5,
            video_pt: 96,
            audio_pt: 111,
            local: IpAddr::from([127, 0, 0, 1]),
            speaker: None,
            speaker_device: None,
            real_microphone: false,
        }
    }
}

/// Senders, started by [`CallMedia::send_to`].
struct Senders {
    video: Running,
    audio: Running,
    /// What the camera sends, small, for the room's own picture.
    self_view: gst_app::AppSink,
}

/// A call's pipelines. Shared (`&self` throughout) between the task that
/// follows the call, the in-call screen that shows its picture and the
/// control API that mutes it.
pub struct CallMedia {
    config: CallMediaConfig,
    // Field order is drop order: senders stop before receivers.
    senders: Mutex<Option<Arc<Senders>>>,
    video_in: Running,
    audio_in: Running,
    video_sink: gst_app::AppSink,
    audio_sink: gst_app::AppSink,
    /// The microphone's level (mute).
    volume: gst::Element,
    /// The far end's level, on the speaker and in what the room hears.
    speaker_volume: gst::Element,
    /// Black when the camera is off.
    camera: gst::Element,
    /// Where the far end plays, with the echo probe the microphone uses.
    speaker: Option<Speaker>,
    ports: (u16, u16),
    /// The last decoded picture handed out, for snapshots between the
    /// screen's pulls (a sample is reference-counted: keeping it is free).
    last_sample: Mutex<Option<gst::Sample>>,
    /// What arrives, measured for the network-quality indicator.
    quality: Arc<Mutex<QualityMeter>>,
    epoch: Instant,
}

impl CallMedia {
    /// Starts the receivers on free ports of `config.local`.
    pub fn receive(config: CallMediaConfig) -> Result<Self, MediaError> {
        init()?;
        require("call media", ELEMENTS)?;
        require("call media", &[&config.encoder, &config.decoder])?;
        let quality = Arc::new(Mutex::new(QualityMeter::new(AUDIO_RATE as u32)));
        let epoch = Instant::now();
        let feed = |pick: fn(&mut QualityMeter) -> &mut StreamStats| -> OnPacket {
            let quality = quality.clone();
            Box::new(move |packet| {
                if let Some((seq, timestamp)) = rtp_seq_and_timestamp(packet) {
                    let now = epoch.elapsed().as_millis() as u64;
                    pick(&mut lock(&quality)).packet(now, seq, timestamp);
                }
            })
        };
        let (video_in, video_sink, video_port) = video_receiver(
            "call-video-in",
            config.local,
            config.video_pt,
            &config.decoder,
            Some(feed(|m| &mut m.video)),
        )?;
        let speaker = config
            .speaker
            .as_deref()
            .and_then(|factory| Speaker::open(factory, config.speaker_device.as_deref()));
        let speaker_volume = make("volume")?;
        let (audio_in, audio_sink, audio_port) = audio_receiver(
            "call-audio-in",
            config.local,
            config.audio_pt,
            Some(feed(|m| &mut m.audio)),
            AudioOut {
                volume: Some(&speaker_volume),
                speaker: speaker.as_ref(),
            },
        )?;
        let volume = make("volume")?;
        let camera = make("videobalance")?;
        Ok(Self {
            config,
            senders: Mutex::new(None),
            video_in,
            audio_in,
            video_sink,
            audio_sink,
            volume,
            speaker_volume,
            camera,
            speaker,
            ports: (video_port, audio_port),
            last_sample: Mutex::new(None),
            quality,
            epoch,
        })
    }

    /// The local (video, audio) RTP ports, for the SDP.
    pub fn local_ports(&self) -> (u16, u16) {
        self.ports
    }

    /// Starts sending to the far end (replacing earlier senders).
    pub fn send_to(&self, video: SocketAddr, audio: SocketAddr) -> Result<(), MediaError> {
        let mut senders = lock(&self.senders);
        *senders = None;
        let config = &self.config;
        let source = make("videotestsrc")?;
        source.set_property("is-live", true);
        source.set_property_from_str("pattern", "solid-color");
        source.set_property("foreground-color", config.colour);
        let raw = gst_video::VideoCapsBuilder::new()
            .width(config.width as i32)
            .height(config.height as i32)
            .framerate(gst::Fraction::new(config.fps as i32, 1))
            .build();
        let encoder = make(&config.encoder)?;
        apply_encoder_settings(&encoder, &encoder_settings(&config.encoder, config.class));
        let pay = make("rtph264pay")?;
        pay.set_property("pt", u32::from(config.video_pt));
        pay.set_property("config-interval", -1i32);
        let tee = make("tee")?;
        let video_out = Running::link(
            "call-video-out",
            &[
                source,
                capsfilter(raw)?,
                self.camera.clone(),
                tee.clone(),
                make("queue")?,
                make("videoconvert")?,
                encoder,
                pay,
                udpsink(video)?,
            ],
        )?;
        // The self view after the camera switch: camera off shows black
        // here too, as the far end sees it.
        let self_view = gst_app::AppSink::builder()
            .caps(
                &gst_video::VideoCapsBuilder::new()
                    .format(gst_video::VideoFormat::Rgb)
                    .width((config.width / 4).max(2) as i32 & !1)
                    .height((config.height / 4).max(2) as i32 & !1)
                    .build(),
            )
            .max_buffers(1)
            .drop(true)
            .sync(false)
            .build();
        let self_queue = make("queue")?;
        self_queue.set_property_from_str("leaky", "downstream");
        self_queue.set_property("max-size-buffers", 2u32);
        video_out.branch(
            &tee,
            &[
                self_queue,
                make("videoscale")?,
                make("videoconvert")?,
                self_view.clone().upcast(),
            ],
        )?;
        let tone = make("audiotestsrc")?;
        tone.set_property("is-live", true);
        tone.set_property("freq", config.tone_hz);
        tone.set_property("volume", config.tone_volume);
        let pay = make("rtpopuspay")?;
        pay.set_property("pt", u32::from(config.audio_pt));
        let mut microphone = vec![
            tone,
            self.volume.clone(),
            make("audioconvert")?,
            make("audioresample")?,
            capsfilter(
                gst::Caps::builder("audio/x-raw")
                    .field("format", "S16LE")
                    .field("rate", AUDIO_RATE)
                    .field("channels", 1i32)
                    .build(),
            )?,
        ];
        let probe = self.speaker.as_ref().map(|s| s.probe.as_str());
        if let Some(dsp) = voice::processor(probe, config.real_microphone)? {
            microphone.push(dsp);
        }
        microphone.extend([make("opusenc")?, pay, udpsink(audio)?]);
        let audio_out = Running::link("call-audio-out", &microphone)?;
        video_out.play()?;
        audio_out.play()?;
        *senders = Some(Arc::new(Senders {
            video: video_out,
            audio: audio_out,
            self_view,
        }));
        Ok(())
    }

    /// Mutes or unmutes the microphone (the stream keeps flowing, silent).
    pub fn set_muted(&self, muted: bool) {
        self.volume.set_property("mute", muted);
    }

    /// Turns the camera off (the far end sees black; the stream keeps
    /// flowing, so turning it on again needs no renegotiation) or on.
    pub fn set_camera(&self, on: bool) {
        // Zero contrast and saturation at the lowest brightness is black;
        // the defaults make videobalance a passthrough.
        let (contrast, brightness, saturation) = if on {
            (1.0, 0.0, 1.0)
        } else {
            (0.0, -1.0, 0.0)
        };
        self.camera.set_property("contrast", contrast);
        self.camera.set_property("brightness", brightness);
        self.camera.set_property("saturation", saturation);
    }

    /// The far end's level, 0.0 (silent) to 1.0 (as sent), on the speaker
    /// and in what [`listen`](Self::listen) hears.
    pub fn set_speaker_volume(&self, level: f64) {
        self.speaker_volume
            .set_property("volume", level.clamp(0.0, 1.0));
    }

    /// Whether the far end plays on a speaker (one opened for this call).
    pub fn has_speaker(&self) -> bool {
        self.speaker.is_some()
    }

    /// The next decoded picture from the far end.
    pub fn next_frame(&self, timeout: Duration) -> Result<RgbFrame, MediaError> {
        let senders = self.current_senders();
        let sample = pull(
            &self.video_sink,
            timeout,
            &watched(&senders, &self.video_in),
        )?;
        *lock(&self.last_sample) = Some(sample.clone());
        rgb_frame(&sample, &self.video_in)
    }

    /// The newest decoded picture since the last call, without waiting
    /// (`None`: nothing new). For the screen, which shows the latest only.
    pub fn latest_frame(&self) -> Option<RgbFrame> {
        let mut latest = None;
        while let Some(sample) = self.video_sink.try_pull_sample(gst::ClockTime::ZERO) {
            latest = Some(sample);
        }
        let sample = latest?;
        *lock(&self.last_sample) = Some(sample.clone());
        self.frame_of(&sample)
    }

    /// The newest picture of the room's own camera (as sent, small), if
    /// one came since the last call; `None` before sending starts.
    pub fn latest_self_view(&self) -> Option<RgbFrame> {
        let senders = self.current_senders()?;
        let sample = senders.self_view.try_pull_sample(gst::ClockTime::ZERO)?;
        rgb_frame(&sample, &senders.video)
            .inspect_err(|err| tracing::warn!(%err, "undecodable self view"))
            .ok()
    }

    /// The next picture of the room's own camera, waiting up to `timeout`.
    pub fn next_self_view(&self, timeout: Duration) -> Result<RgbFrame, MediaError> {
        let senders = self
            .current_senders()
            .ok_or_else(|| self.video_in.error("not sending".into()))?;
        let sample = pull(&senders.self_view, timeout, &[&senders.video])?;
        rgb_frame(&sample, &senders.video)
    }

    fn frame_of(&self, sample: &gst::Sample) -> Option<RgbFrame> {
        rgb_frame(sample, &self.video_in)
            .inspect_err(|err| tracing::warn!(%err, "undecodable picture"))
            .ok()
    }

    /// The network quality of what arrives now (call it about once a
    /// second: the loss warning is timed by these calls).
    pub fn quality(&self) -> QualityReport {
        lock(&self.quality).report(self.epoch.elapsed().as_millis() as u64)
    }

    /// The newest picture decoded so far (`None`: none yet), new or not.
    pub fn snapshot(&self) -> Option<RgbFrame> {
        self.latest_frame().or_else(|| {
            let last = lock(&self.last_sample).clone()?;
            self.frame_of(&last)
        })
    }

    /// Everything heard from the far end during `window` (mono, 48 kHz).
    pub fn listen(&self, window: Duration) -> Result<Vec<i16>, MediaError> {
        let senders = self.current_senders();
        let watched = watched(&senders, &self.audio_in);
        let first = pull(
            &self.audio_sink,
            window.max(Duration::from_secs(5)),
            &watched,
        )?;
        let mut samples = s16_samples(&first, &self.audio_in)?;
        let deadline = Instant::now() + window;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match pull(&self.audio_sink, left, &watched) {
                Ok(sample) => samples.extend(s16_samples(&sample, &self.audio_in)?),
                Err(MediaError::Timeout { .. }) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(samples)
    }

    /// Drops what the receivers queued (so the next pull is fresh).
    pub fn flush(&self) {
        while self
            .video_sink
            .try_pull_sample(gst::ClockTime::ZERO)
            .is_some()
        {}
        while self
            .audio_sink
            .try_pull_sample(gst::ClockTime::ZERO)
            .is_some()
        {}
    }

    fn current_senders(&self) -> Option<Arc<Senders>> {
        lock(&self.senders).clone()
    }
}

/// The pipelines whose errors a pull reports: the senders and `receiver`.
fn watched<'a>(senders: &'a Option<Arc<Senders>>, receiver: &'a Running) -> Vec<&'a Running> {
    let mut watched = Vec::new();
    if let Some(s) = senders {
        watched.push(&s.video);
        watched.push(&s.audio);
    }
    watched.push(receiver);
    watched
}

/// Called with every packet a receiver's socket delivers.
pub(super) type OnPacket = Box<dyn Fn(&[u8]) + Send + Sync>;

fn watch_packets(src: &gst::Element, on_packet: OnPacket) {
    if let Some(pad) = src.static_pad("src") {
        pad.add_probe(gst::PadProbeType::BUFFER, move |_, info| {
            if let Some(buffer) = info.buffer() {
                if let Ok(map) = buffer.map_readable() {
                    on_packet(map.as_slice());
                }
            }
            gst::PadProbeReturn::Ok
        });
    }
}

fn udpsrc(local: IpAddr, caps: gst::Caps) -> Result<gst::Element, MediaError> {
    let src = make("udpsrc")?;
    src.set_property("address", local.to_string());
    src.set_property("port", 0i32);
    src.set_property("caps", caps);
    Ok(src)
}

pub(super) fn udpsink(to: SocketAddr) -> Result<gst::Element, MediaError> {
    let sink = make("udpsink")?;
    sink.set_property("host", to.ip().to_string());
    sink.set_property("port", i32::from(to.port()));
    sink.set_property("sync", false);
    sink.set_property("async", false);
    Ok(sink)
}

/// H.264 over RTP on a free port of `local` → decoded RGB in an appsink.
pub(super) fn video_receiver(
    name: &'static str,
    local: IpAddr,
    pt: u8,
    decoder: &str,
    on_packet: Option<OnPacket>,
) -> Result<(Running, gst_app::AppSink, u16), MediaError> {
    let caps = gst::Caps::builder("application/x-rtp")
        .field("media", "video")
        .field("clock-rate", 90_000i32)
        .field("encoding-name", "H264")
        .field("payload", i32::from(pt))
        .field("packetization-mode", "1")
        .build();
    let src = udpsrc(local, caps)?;
    if let Some(on_packet) = on_packet {
        watch_packets(&src, on_packet);
    }
    let sink = gst_app::AppSink::builder()
        .caps(
            &gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::Rgb)
                .build(),
        )
        .max_buffers(2)
        .drop(true)
        .sync(false)
        .build();
    let running = Running::link(
        name,
        &[
            src.clone(),
            jitterbuffer()?,
            make("rtph264depay")?,
            make(decoder)?,
            make("videoconvert")?,
            sink.clone().upcast(),
        ],
    )?;
    running.play()?;
    let port = bound_port(&running, &src)?;
    Ok((running, sink, port))
}

/// Where received sound goes besides the appsink: through a volume, and
/// to a speaker.
#[derive(Default)]
pub(super) struct AudioOut<'a> {
    pub volume: Option<&'a gst::Element>,
    pub speaker: Option<&'a Speaker>,
}

/// Opus over RTP on a free port of `local` → mono S16 at 48 kHz in an
/// appsink (and, with `out`, through a volume and to a speaker).
pub(super) fn audio_receiver(
    name: &'static str,
    local: IpAddr,
    pt: u8,
    on_packet: Option<OnPacket>,
    out: AudioOut<'_>,
) -> Result<(Running, gst_app::AppSink, u16), MediaError> {
    let caps = gst::Caps::builder("application/x-rtp")
        .field("media", "audio")
        .field("clock-rate", AUDIO_RATE)
        .field("encoding-name", "OPUS")
        .field("payload", i32::from(pt))
        .build();
    let src = udpsrc(local, caps)?;
    if let Some(on_packet) = on_packet {
        watch_packets(&src, on_packet);
    }
    let sink = gst_app::AppSink::builder()
        .caps(&mono_s16())
        .max_buffers(200)
        .drop(true)
        .sync(false)
        .build();
    let mut chain = vec![
        src.clone(),
        jitterbuffer()?,
        make("rtpopusdepay")?,
        make("opusdec")?,
        make("audioconvert")?,
        make("audioresample")?,
    ];
    if let Some(volume) = out.volume {
        chain.push(volume.clone());
    }
    let running = match out.speaker {
        None => {
            chain.push(sink.clone().upcast());
            Running::link(name, &chain)?
        }
        Some(speaker) => {
            let tee = make("tee")?;
            chain.extend([tee.clone(), make("queue")?, sink.clone().upcast()]);
            let running = Running::link(name, &chain)?;
            running.branch(&tee, &speaker.chain()?)?;
            running
        }
    };
    running.play()?;
    let port = bound_port(&running, &src)?;
    Ok((running, sink, port))
}
