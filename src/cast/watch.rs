//! The thread that keeps [`CastLink`] current: every 100 ms (or at once
//! for a bus message) it reads webrtcbin's connection states, the bus's
//! errors and the time of the last packet, and runs them through the
//! [`LinkMonitor`]. Packets are counted by probes on rtpbin's receiving
//! pads — RTP and RTCP after decryption, so STUN keep-alives of a caster
//! whose media stopped do not count — and on webrtcbin's source pads.
//! A quiet caster is asked for a key frame (an upstream force-key-unit
//! event into the video chain, which rtpbin sends as a PLI).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gst::prelude::*;
use gst_webrtc::{WebRTCICEConnectionState, WebRTCPeerConnectionState};
use tokio::sync::watch;

use super::link::{CastLink, LinkMonitor, Report};

const TICK: Duration = Duration::from_millis(100);
/// ICE and DTLS take milliseconds on a LAN; a caster not connected after
/// this will not be.
const CONNECT_WITHIN: Duration = Duration::from_secs(10);
/// The application message that wakes the thread to stop.
const STOP: &str = "roomterm-cast-stop";

/// When the last packet arrived, written from streaming threads.
pub struct Activity {
    epoch: Instant,
    /// Milliseconds since `epoch` plus one; 0: nothing yet.
    last: AtomicU64,
}

impl Activity {
    pub fn new() -> Arc<Self> {
        Arc::new(Activity {
            epoch: Instant::now(),
            last: AtomicU64::new(0),
        })
    }

    fn touch(&self) {
        let ms = self.epoch.elapsed().as_millis() as u64 + 1;
        self.last.fetch_max(ms, Ordering::Relaxed);
    }

    fn last(&self) -> Option<Instant> {
        match self.last.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(self.epoch + Duration::from_millis(ms - 1)),
        }
    }

    /// Counts every buffer (or list) through `pad`.
    pub fn probe(self: &Arc<Self>, pad: &gst::Pad) {
        let activity = self.clone();
        pad.add_probe(
            gst::PadProbeType::BUFFER | gst::PadProbeType::BUFFER_LIST,
            move |_, _| {
                activity.touch();
                gst::PadProbeReturn::Ok
            },
        );
    }

    /// Probes rtpbin's receiving pads inside webrtcbin, those there now
    /// and those it requests later.
    pub fn probe_rtpbin(self: &Arc<Self>, webrtc: &gst::Element) {
        let Some(rtpbin) = webrtc
            .downcast_ref::<gst::Bin>()
            .and_then(|bin| bin.by_name("rtpbin"))
        else {
            tracing::warn!("no rtpbin in webrtcbin: only RTP counts as activity");
            return;
        };
        let receiving = |pad: &gst::Pad| {
            let name = pad.name();
            name.starts_with("recv_rtp_sink") || name.starts_with("recv_rtcp_sink")
        };
        for pad in rtpbin.sink_pads() {
            if receiving(&pad) {
                self.probe(&pad);
            }
        }
        let activity = self.clone();
        rtpbin.connect_pad_added(move |_, pad| {
            if receiving(pad) {
                activity.probe(pad);
            }
        });
    }
}

/// The running watcher; stopped and joined by [`Watcher::stop`].
pub struct Watcher {
    stop: Arc<AtomicBool>,
    bus: gst::Bus,
    thread: Option<JoinHandle<()>>,
}

impl Watcher {
    /// `video` is the pad key-frame requests go up from.
    pub fn spawn(
        pipeline: &gst::Pipeline,
        webrtc: &gst::Element,
        video: gst::Pad,
        activity: Arc<Activity>,
        silence: Duration,
        link: watch::Sender<CastLink>,
    ) -> std::io::Result<Self> {
        let bus = pipeline.bus().expect("a pipeline has a bus");
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::Builder::new()
            .name("cast-link".into())
            .spawn({
                let (bus, stop, webrtc) = (bus.clone(), stop.clone(), webrtc.clone());
                move || run(&bus, &stop, &webrtc, &video, &activity, silence, &link)
            })?;
        Ok(Watcher {
            stop,
            bus,
            thread: Some(thread),
        })
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self
            .bus
            .post(gst::message::Application::new(gst::Structure::new_empty(
                STOP,
            )));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(
    bus: &gst::Bus,
    stop: &AtomicBool,
    webrtc: &gst::Element,
    video: &gst::Pad,
    activity: &Activity,
    silence: Duration,
    link: &watch::Sender<CastLink>,
) {
    let mut monitor = LinkMonitor::new(Instant::now(), CONNECT_WITHIN, silence);
    while !stop.load(Ordering::Relaxed) {
        if let Some(message) = bus.timed_pop(gst::ClockTime::from_mseconds(TICK.as_millis() as u64))
        {
            if let gst::MessageView::Error(err) = message.view() {
                let source = message
                    .src()
                    .map(|s| s.path_string().to_string())
                    .unwrap_or_default();
                monitor.error(format!("{source}: {}", err.error()));
            }
        }
        let now = Instant::now();
        let peer = webrtc.property::<WebRTCPeerConnectionState>("connection-state");
        let ice = webrtc.property::<WebRTCICEConnectionState>("ice-connection-state");
        if ice == WebRTCICEConnectionState::Failed {
            monitor.report(Report::IceFailed, now);
        } else if peer == WebRTCPeerConnectionState::Failed {
            monitor.report(Report::ConnectionFailed, now);
        } else if peer == WebRTCPeerConnectionState::Connected {
            monitor.report(Report::Connected, now);
        }
        if monitor.nudge(now, activity.last()) {
            tracing::debug!("quiet caster: asking for a key frame");
            video.send_event(
                gst_video::UpstreamForceKeyUnitEvent::builder()
                    .all_headers(true)
                    .build(),
            );
        }
        let state = monitor.tick(now, activity.last()).clone();
        link.send_if_modified(|current| {
            if *current == state {
                return false;
            }
            tracing::info!(from = ?current, to = ?state, "cast link");
            *current = state;
            true
        });
    }
}
