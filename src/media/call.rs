//! A call's media on the terminal: one pipeline around an RTP leg
//! (`roomterm-rtp`: rtpbin, RTCP, NACK/RTX, key-frame requests). The
//! receivers are bound first (their ports go into the SDP offer or
//! answer); the senders start once the far end's addresses are known.
//!
//! ```text
//! udpsrc :V, :V+1 → rtpbin session 1 → receive::video → appsink (RGB)
//! udpsrc :A, :A+1 → rtpbin session 0 → receive::audio → volume (speaker level) → appsink (S16), and the speaker
//! send::video (camera → … → rtph264pay) → rtpbin session 1 → from :V, :V+1 to the far end
//! send::audio (microphone → … → rtpopuspay) → rtpbin session 0 → from :A, :A+1 to the far end
//! ```
//!
//! Test sources stand in for camera and microphone (a solid colour and a
//! sine), which is what lets tests tell participants apart in a composed
//! picture and a mixed sound.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gst::prelude::*;
use roomterm_rtp::{MediumSpec, Remote, Rtp, SessionStats};

use super::config::{CallMediaConfig, Devices};
use super::content::CONTENT_KBPS;
use super::encoder::{apply_encoder_settings, encoder_settings_at};
use super::pipeline::{capsfilter, make, Running};
use super::probe::require;
use super::quality::{rtp_packet, QualityMeter, QualityReport, StreamStats};
use super::receive::{self, AudioOut};
use super::send;
use super::sink::{pull, rgb_frame, s16_samples, AUDIO_RATE};
use super::voice::Speaker;
use super::{init, MediaError, RgbFrame};
use crate::lock;

/// rtpbin's sessions: one per medium.
const AUDIO: u32 = 0;
const VIDEO: u32 = 1;
/// Shared content, when received apart (a meeting call).
const CONTENT: u32 = 2;
/// How long the jitter buffers wait for a late or lost packet, ms. Video
/// waits long enough for a lost retransmission to be asked for again: at
/// 10 % loss and a 40 ms round trip, 150 ms recovered 92 % of the lost
/// packets (86 % of pictures intact), 300 ms all of them (100 %;
/// `./run bench loss`). Packets in order pass at once, so a clean network
/// never waits, and a lossy one waits about a round trip.
const VIDEO_LATENCY_MS: u32 = 300;
const AUDIO_LATENCY_MS: u32 = 60;
/// Opus at speech quality, for the audio session's RTCP share.
const AUDIO_KBPS: u32 = 64;

const ELEMENTS: &[&str] = &[
    "rtpbin",
    "rtprtxsend",
    "rtprtxreceive",
    "funnel",
    "udpsrc",
    "udpsink",
    "rtph264depay",
    "rtph264pay",
    "rtpopusdepay",
    "rtpopuspay",
    "opusdec",
    "opusenc",
    "videoconvert",
    "videoscale",
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

/// The senders' parts that outlive starting them.
struct Senders {
    /// What the camera sends, small, for the room's own picture.
    self_view: gst_app::AppSink,
    /// The camera's encoder (its bit rate follows the size sent).
    video_encoder: gst::Element,
    devices: Devices,
}

/// A call's pipeline. Shared (`&self` throughout) between the task that
/// follows the call, the in-call screen that shows its picture and the
/// control API that mutes it.
pub struct CallMedia {
    config: CallMediaConfig,
    running: Running,
    rtp: Rtp,
    senders: Mutex<Option<Arc<Senders>>>,
    video_sink: gst_app::AppSink,
    audio_sink: gst_app::AppSink,
    /// Shared content, decoded, and the port it arrives on.
    content: Option<(gst_app::AppSink, u16)>,
    /// The microphone's level (mute).
    volume: gst::Element,
    /// The far end's level, on the speaker and in what the room hears.
    speaker_volume: gst::Element,
    /// Black when the camera is off.
    camera: gst::Element,
    /// The size of the pictures sent (a capsfilter before the encoder):
    /// any (the camera's) unless the far end asked for less.
    sizer: gst::Element,
    /// Where the far end plays, with the echo probe the microphone uses.
    speaker: Option<Speaker>,
    ports: (u16, u16),
    /// The last decoded picture handed out, for snapshots between the
    /// screen's pulls (a sample is reference-counted: keeping it is free).
    last_sample: Mutex<Option<gst::Sample>>,
    /// What arrives, measured for the network-quality indicator.
    quality: Arc<Mutex<QualityMeter>>,
    epoch: Instant,
    /// The RTP byte counts at the last quality measurement, for the rates.
    counted: Mutex<Option<(Instant, Octets)>>,
}

/// RTP payload bytes so far: (audio, video) × (in, out).
type Octets = [u64; 4];

impl CallMedia {
    /// Starts the receivers on free port pairs of `config.local`.
    pub fn receive(config: CallMediaConfig) -> Result<Self, MediaError> {
        init()?;
        require("call media", ELEMENTS)?;
        require("call media", &[&config.encoder, &config.decoder])?;
        let running = Running::new("call");
        let rtp =
            Rtp::new(running.pipeline(), "call-rtp").map_err(|e| running.error(e.to_string()))?;
        let video = receive::video(&running, &config.decoder)?;
        let speaker = config
            .speaker
            .as_deref()
            .and_then(|factory| Speaker::open(factory, config.speaker_device.as_deref()));
        let speaker_volume = make("volume")?;
        let audio = receive::audio(
            &running,
            AudioOut {
                volume: Some(&speaker_volume),
                speaker: speaker.as_ref(),
            },
        )?;
        let video_spec = MediumSpec {
            session: VIDEO,
            caps: receive::h264_caps(config.video_pt),
            pt: config.video_pt,
            rtx_pt: config.video_rtx_pt,
            latency_ms: VIDEO_LATENCY_MS,
            bandwidth_kbps: config.class.bitrate_kbps(),
            key_frames: true,
            port: None,
            port_range: None,
        };
        let audio_spec = MediumSpec {
            session: AUDIO,
            caps: receive::opus_caps(config.audio_pt),
            pt: config.audio_pt,
            rtx_pt: None,
            latency_ms: AUDIO_LATENCY_MS,
            bandwidth_kbps: AUDIO_KBPS,
            key_frames: false,
            port: None,
            port_range: None,
        };
        let rtp_error = |e: roomterm_rtp::RtpError| running.error(e.to_string());
        let video_port = rtp
            .receive(video_spec, config.local, &video.input)
            .map_err(rtp_error)?;
        let audio_port = rtp
            .receive(audio_spec, config.local, &audio.input)
            .map_err(rtp_error)?;
        // Content: a second picture, at the sharer's size (up to 1080p).
        let content = match config.content_pt {
            Some(pt) => {
                let decoding = receive::video(&running, &config.decoder)?;
                let spec = MediumSpec {
                    session: CONTENT,
                    caps: receive::h264_caps(pt),
                    pt,
                    rtx_pt: None,
                    latency_ms: VIDEO_LATENCY_MS,
                    bandwidth_kbps: CONTENT_KBPS,
                    key_frames: true,
                    port: None,
                    port_range: None,
                };
                let port = rtp
                    .receive(spec, config.local, &decoding.input)
                    .map_err(rtp_error)?;
                Some((decoding.sink, port))
            }
            None => None,
        };
        let quality = Arc::new(Mutex::new(QualityMeter::new(AUDIO_RATE as u32)));
        let epoch = Instant::now();
        for (session, pt, pick) in [
            (
                VIDEO,
                config.video_pt,
                (|m| &mut m.video) as fn(&mut QualityMeter) -> &mut StreamStats,
            ),
            (AUDIO, config.audio_pt, |m| &mut m.audio),
        ] {
            let quality = quality.clone();
            rtp.on_rtp_packet(session, move |packet| {
                // Retransmissions (another payload type) are not arrivals
                // of the stream: the loss is the network's.
                if let Some(packet) = rtp_packet(packet).filter(|p| p.pt == pt) {
                    let now = epoch.elapsed().as_millis() as u64;
                    pick(&mut lock(&quality)).packet(now, packet.seq, packet.timestamp);
                }
            });
        }
        running.play()?;
        Ok(Self {
            config,
            running,
            rtp,
            senders: Mutex::new(None),
            video_sink: video.sink,
            audio_sink: audio.sink,
            content,
            volume: make("volume")?,
            speaker_volume,
            camera: make("videobalance")?,
            sizer: capsfilter(gst::Caps::new_empty_simple("video/x-raw"))?,
            speaker,
            ports: (video_port, audio_port),
            last_sample: Mutex::new(None),
            quality,
            epoch,
            counted: Mutex::new(None),
        })
    }

    /// The local (video, audio) RTP ports, for the SDP (RTCP: the next
    /// port of each).
    pub fn local_ports(&self) -> (u16, u16) {
        self.ports
    }

    /// The port shared content arrives on (RTCP: the next), if received.
    pub fn content_port(&self) -> Option<u16> {
        self.content.as_ref().map(|(_, port)| *port)
    }

    /// Where the content comes from: our receiver reports and key-frame
    /// requests go there (a content watcher's RTCP, from the content's
    /// port: symmetric, as for the camera).
    pub fn content_from(&self, from: Remote) -> Result<(), MediaError> {
        if self.content.is_none() {
            return Ok(());
        }
        self.rtp
            .send(CONTENT, from, None)
            .map_err(|e| self.running.error(e.to_string()))
    }

    /// The newest picture of shared content since the last call, without
    /// waiting (`None`: nothing new, or not received).
    pub fn latest_content(&self) -> Option<RgbFrame> {
        let (sink, _) = self.content.as_ref()?;
        let mut latest = None;
        while let Some(sample) = sink.try_pull_sample(gst::ClockTime::ZERO) {
            latest = Some(sample);
        }
        self.frame_of(&latest?)
    }

    /// The next picture of shared content, waiting up to `timeout`.
    pub fn next_content(&self, timeout: Duration) -> Result<RgbFrame, MediaError> {
        let (sink, _) = self
            .content
            .as_ref()
            .ok_or_else(|| self.running.error("no content line in this call".into()))?;
        let sample = pull(sink, timeout, &[&self.running])?;
        rgb_frame(&sample, &self.running)
    }

    /// Whether the far end takes part in NACK/RTX (its SDP says so): only
    /// then are our packets retransmitted and its retransmissions awaited.
    /// Set it before [`send_to`](Self::send_to).
    pub fn set_retransmission(&self, on: bool) {
        self.rtp.set_retransmission(VIDEO, on);
    }

    /// Starts sending to the far end; called again, it only moves the
    /// destinations (the far end's address changed).
    pub fn send_to(
        &self,
        video: impl Into<Remote>,
        audio: impl Into<Remote>,
    ) -> Result<(), MediaError> {
        let (video, audio) = (video.into(), audio.into());
        let rtp_error = |e: roomterm_rtp::RtpError| self.running.error(e.to_string());
        let mut senders = lock(&self.senders);
        if senders.is_some() {
            self.rtp.send(VIDEO, video, None).map_err(rtp_error)?;
            self.rtp.send(AUDIO, audio, None).map_err(rtp_error)?;
            return Ok(());
        }
        let (camera, self_view, camera_missing) =
            send::video(&self.running, &self.config, &self.camera, &self.sizer)?;
        let probe = self.speaker.as_ref().map(|s| s.probe.as_str());
        let (microphone, microphone_missing) =
            send::audio(&self.running, &self.config, &self.volume, probe)?;
        self.rtp
            .send(VIDEO, video, Some(&camera.payloader))
            .map_err(rtp_error)?;
        self.rtp
            .send(AUDIO, audio, Some(&microphone.payloader))
            .map_err(rtp_error)?;
        self.running.start(&camera.elements)?;
        self.running.start(&microphone.elements)?;
        *senders = Some(Arc::new(Senders {
            self_view,
            video_encoder: camera.encoder,
            devices: Devices {
                camera_missing,
                microphone_missing,
            },
        }));
        Ok(())
    }

    /// The camera or microphone that could not be opened (the far end sees
    /// black, hears silence); all `None` before sending starts.
    pub fn devices(&self) -> Devices {
        self.current_senders()
            .map(|s| s.devices.clone())
            .unwrap_or_default()
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

    /// Sends pictures of `size` (a focus asked: its largest tile of this
    /// room is no larger), or the camera's again (`None`); the bit rate
    /// follows the area (`VideoClass::bitrate_for`). The encoder starts over at
    /// the new size with a key frame, so the far end decodes it at once.
    pub fn set_send_size(&self, size: Option<(u32, u32)>) {
        // Never more than the camera gives: an upscaled picture costs
        // bits and shows nothing more.
        let size = size.filter(|&(w, h)| w < self.config.width || h < self.config.height);
        let size = size.map(|(w, h)| (w.min(self.config.width), h.min(self.config.height)));
        let caps = match size {
            Some((width, height)) => gst_video::VideoCapsBuilder::new()
                .width(width as i32)
                .height(height as i32)
                .pixel_aspect_ratio(gst::Fraction::new(1, 1))
                .build(),
            None => gst::Caps::new_empty_simple("video/x-raw"),
        };
        self.sizer.set_property("caps", &caps);
        let Some(senders) = self.current_senders() else {
            return;
        };
        let bps = self.config.class.bitrate_for(size);
        // Only the rate: the other settings are fixed once it runs.
        let rate: Vec<_> =
            encoder_settings_at(&self.config.encoder, bps, self.config.class.key_interval())
                .into_iter()
                .filter(|s| s.property == "bitrate")
                .collect();
        apply_encoder_settings(&senders.video_encoder, &rate);
    }

    /// The size of the pictures sent now (what the encoder takes), once
    /// sending has started.
    pub fn send_size(&self) -> Option<(u32, u32)> {
        let caps = self.sizer.static_pad("src")?.current_caps()?;
        let info = gst_video::VideoInfo::from_caps(&caps).ok()?;
        Some((info.width(), info.height()))
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
        let sample = pull(&self.video_sink, timeout, &[&self.running])?;
        *lock(&self.last_sample) = Some(sample.clone());
        rgb_frame(&sample, &self.running)
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
        self.frame_of(&sample)
    }

    /// The next picture of the room's own camera, waiting up to `timeout`.
    pub fn next_self_view(&self, timeout: Duration) -> Result<RgbFrame, MediaError> {
        let senders = self
            .current_senders()
            .ok_or_else(|| self.running.error("not sending".into()))?;
        let sample = pull(&senders.self_view, timeout, &[&self.running])?;
        rgb_frame(&sample, &self.running)
    }

    fn frame_of(&self, sample: &gst::Sample) -> Option<RgbFrame> {
        rgb_frame(sample, &self.running)
            .inspect_err(|err| tracing::warn!(%err, "undecodable picture"))
            .ok()
    }

    /// How long no packet of ours has arrived (audio or video), counted
    /// from `since` if none came after it.
    pub fn silent_for(&self, since: Instant) -> Duration {
        let ms = |at: Instant| at.saturating_duration_since(self.epoch).as_millis() as u64;
        let silent = lock(&self.quality).silent_for_ms(ms(Instant::now()), ms(since));
        Duration::from_millis(silent)
    }

    /// The network quality of what arrives now (call it about once a
    /// second: the loss warning is timed by these calls). The latency is
    /// half the RTCP round trip.
    pub fn quality(&self) -> QualityReport {
        let (video, audio) = self.rtp_stats();
        let round_trip = [video.rtt_ms, audio.rtt_ms]
            .into_iter()
            .flatten()
            .reduce(f64::max);
        let mut meter = lock(&self.quality);
        meter.latency_ms = round_trip.map(|rtt| rtt / 2.0);
        let mut report = meter.report(self.epoch.elapsed().as_millis() as u64);
        drop(meter);
        report.recovered_packets = video.receive.retransmissions_recovered;
        report.key_frame_requests = video.key_frame_requests_sent;
        let now = Instant::now();
        let octets = [
            audio.octets_received,
            audio.octets_sent,
            video.octets_received,
            video.octets_sent,
        ];
        let before = lock(&self.counted).replace((now, octets));
        let rates = before.map(|(then, was)| {
            let secs = now.duration_since(then).as_secs_f64().max(0.001);
            let kbps = |i: usize| {
                (octets[i].saturating_sub(was[i]) as f64 * 8.0 / 1000.0 / secs).round() as u32
            };
            [kbps(0), kbps(1), kbps(2), kbps(3)]
        });
        for (figures, stats, at) in [
            (&mut report.audio, &audio, 0),
            (&mut report.video, &video, 2),
        ] {
            figures.kbps_in = rates.map(|r| r[at]);
            figures.kbps_out = rates.map(|r| r[at + 1]);
            figures.loss_out = stats.remote_loss;
            figures.rtt_ms = stats.rtt_ms;
        }
        report
    }

    /// What RTCP and the jitter buffers say of (video, audio).
    pub fn rtp_stats(&self) -> (SessionStats, SessionStats) {
        (self.rtp.stats(VIDEO), self.rtp.stats(AUDIO))
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
        let watched = [&self.running];
        let first = pull(
            &self.audio_sink,
            window.max(Duration::from_secs(5)),
            &watched,
        )?;
        let mut samples = s16_samples(&first, &self.running)?;
        let deadline = Instant::now() + window;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match pull(&self.audio_sink, left, &watched) {
                Ok(sample) => samples.extend(s16_samples(&sample, &self.running)?),
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
