//! [`CastReceiver`]: one browser's screen cast, from its offer to decoded
//! pictures and sound, around webrtcbin.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use gst::prelude::*;
use tokio::sync::watch;

use super::candidate::Candidate;
use super::codecs::{self, Plan};
use super::decode::Chains;
use super::link::{CastLink, LostReason};
use super::negotiate;
use super::offer::Offer;
use super::watch::{Activity, Watcher};
use super::{CastConfig, CastError};
use crate::media::pipeline::{make, Running};
use crate::media::sink::{rgb_frame, s16_samples};
use crate::media::{ContentConfig, ContentSender, MediaError, RgbFrame};

const PIPELINE: &str = "cast";

/// A screen cast being received. Shared by `&self` (the screen takes
/// pictures, the signalling adds candidates); [`CastReceiver::stop`] or
/// dropping it ends it.
pub struct CastReceiver {
    webrtc: gst::Element,
    video: gst_app::AppSink,
    /// The decoded pictures' tee (content into a meeting branches off it).
    pictures: gst::Element,
    audio: Option<gst_app::AppSink>,
    codec: Arc<OnceLock<&'static str>>,
    /// m-lines in the offer (candidates name one by index).
    mlines: u32,
    link: watch::Receiver<CastLink>,
    watcher: Watcher,
    running: Running,
}

impl CastReceiver {
    /// Answers a browser's offer: returns the receiver, playing, and the
    /// answer SDP with the room's ICE candidates inline.
    ///
    /// **Blocking**, for up to about 2 s (ICE gathering is waited for):
    /// call it from a tokio task through `spawn_blocking`.
    pub fn answer(offer_sdp: &str, config: CastConfig) -> Result<(Self, String), CastError> {
        let offer = Offer::parse(offer_sdp)?;
        let plan = codecs::choose(&offer, config.prefer_h264)?;
        let message = gst_sdp::SDPMessage::parse_buffer(offer_sdp.as_bytes())
            .map_err(|_| CastError::BadOffer("unparsable SDP".into()))?;
        let mlines = message.medias_len();

        let running = Running::new(PIPELINE);
        let webrtc = make("webrtcbin")?;
        // Every browser bundles; one transport, one ICE agent stream.
        webrtc.set_property_from_str("bundle-policy", "max-bundle");
        webrtc.set_property("latency", config.latency_ms);
        restrict_ice(&webrtc, &config);
        running
            .pipeline()
            .add(&webrtc)
            .map_err(|e| running.error(e.to_string()))?;
        let chains = Chains::build(&running, plan.video_codec(), plan.has_audio(), &config)?;
        let codec = Arc::new(OnceLock::new());
        chains.route(&webrtc, running.pipeline(), codec.clone());
        let activity = Activity::new();
        activity.probe_rtpbin(&webrtc);
        let webrtc_pads = activity.clone();
        webrtc.connect_pad_added(move |_, pad| webrtc_pads.probe(pad));
        running.play()?;

        negotiate::add_transceivers(&webrtc, &plan);
        let answer = negotiate::answer(&webrtc, message, &plan)?;
        let (tx, link) = watch::channel(CastLink::Connecting);
        let watcher = Watcher::spawn(
            running.pipeline(),
            &webrtc,
            chains.video_requests(),
            activity,
            config.silence,
            tx,
        )
        .map_err(|e| running.error(format!("no link thread: {e}")))?;
        log_plan(&plan);
        Ok((
            CastReceiver {
                webrtc,
                video: chains.video,
                pictures: chains.pictures,
                audio: chains.audio,
                codec,
                mlines,
                link,
                watcher,
                running,
            },
            answer,
        ))
    }

    /// Adds a candidate the browser trickled for m-line `mline`
    /// (`candidate:…` or `a=candidate:…`); an empty one (end of
    /// candidates) is accepted and needs nothing.
    pub fn add_candidate(&self, mline: u32, candidate: &str) -> Result<(), CastError> {
        if candidate.trim().is_empty() {
            return Ok(());
        }
        if mline >= self.mlines {
            return Err(CastError::BadCandidate(format!(
                "m-line {mline}: the offer has {}",
                self.mlines
            )));
        }
        let candidate = Candidate::parse(candidate)?;
        self.webrtc
            .emit_by_name::<()>("add-ice-candidate", &[&mline, &candidate.line]);
        Ok(())
    }

    /// The screen's codec once its first packets arrived: `"H264"` or `"VP8"`.
    pub fn codec(&self) -> Option<&'static str> {
        self.codec.get().copied()
    }

    /// Whether the answer took tab audio.
    pub fn has_audio(&self) -> bool {
        self.audio.is_some()
    }

    /// The link to the caster as it changes.
    pub fn link(&self) -> watch::Receiver<CastLink> {
        self.link.clone()
    }

    /// The newest decoded picture not yet taken, without waiting (at the
    /// caster's resolution); `None` when nothing new was decoded.
    pub fn latest_frame(&self) -> Option<RgbFrame> {
        let sample = self.video.try_pull_sample(gst::ClockTime::ZERO)?;
        rgb_frame(&sample, &self.running).ok()
    }

    /// The next decoded picture, waiting up to `timeout`; a lost link
    /// from a pipeline error is that error.
    pub fn next_frame(&self, timeout: Duration) -> Result<RgbFrame, MediaError> {
        let sample = self.pull(&self.video, timeout)?;
        rgb_frame(&sample, &self.running)
    }

    /// Tab audio heard over `window` (S16 mono, 48 kHz), waiting up to 5 s
    /// for the first of it.
    pub fn listen(&self, window: Duration) -> Result<Vec<i16>, MediaError> {
        let Some(audio) = &self.audio else {
            return Err(self.running.error("the cast has no audio".into()));
        };
        let first = self.pull(audio, window.max(Duration::from_secs(5)))?;
        let mut samples = s16_samples(&first, &self.running)?;
        let deadline = Instant::now() + window;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.pull(audio, left) {
                Ok(sample) => samples.extend(s16_samples(&sample, &self.running)?),
                Err(MediaError::Timeout { .. }) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(samples)
    }

    /// Shares the cast into the meeting as content: the content leg's
    /// ports bound now, its pictures sent once the focus answered.
    pub fn share_as_content(&self, config: &ContentConfig) -> Result<ContentSender, MediaError> {
        ContentSender::attach(self.running.pipeline(), &self.pictures, config)
    }

    /// A weak reference to the pipeline: gone once the receiver stopped
    /// and every thread let go of it (tests, diagnostics).
    pub fn pipeline(&self) -> gst::glib::WeakRef<gst::Pipeline> {
        self.running.pipeline().downgrade()
    }

    /// Ends the cast: the link thread joined, the pipeline to NULL.
    pub fn stop(self) {}

    fn pull(&self, sink: &gst_app::AppSink, timeout: Duration) -> Result<gst::Sample, MediaError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let CastLink::Lost(LostReason::Pipeline(message)) = &*self.link.borrow() {
                return Err(self.running.error(message.clone()));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let slice = left.min(Duration::from_millis(100));
            if let Some(sample) =
                sink.try_pull_sample(gst::ClockTime::from_nseconds(slice.as_nanos() as u64))
            {
                return Ok(sample);
            }
            if left.is_zero() {
                return Err(MediaError::Timeout {
                    pipeline: PIPELINE.into(),
                    waited_ms: timeout.as_millis() as u64,
                });
            }
        }
    }
}

impl Drop for CastReceiver {
    fn drop(&mut self) {
        self.watcher.stop();
        let _ = self.running.pipeline().set_state(gst::State::Null);
    }
}

/// Keeps ICE to the configured addresses (libnice gathers on every
/// interface otherwise: VPNs and container bridges included).
fn restrict_ice(webrtc: &gst::Element, config: &CastConfig) {
    if config.ice_addresses.is_empty() {
        return;
    }
    let ice = webrtc.property::<gst::glib::Object>("ice-agent");
    let signal = "add-local-ip-address";
    if gst::glib::subclass::signal::SignalId::lookup(signal, ice.type_()).is_none() {
        tracing::warn!("this ICE agent cannot be kept to given addresses: gathering on all");
        return;
    }
    for address in &config.ice_addresses {
        if !ice.emit_by_name::<bool>(signal, &[&address.to_string()]) {
            tracing::warn!(%address, "ICE refused a local address");
        }
    }
}

fn log_plan(plan: &Plan) {
    tracing::info!(
        codec = plan.video_codec().name(),
        audio = plan.has_audio(),
        "cast answered"
    );
}
