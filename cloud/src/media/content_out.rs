//! Shared content sent as a stream of its own, to a participant whose
//! offer had a content line to receive (RFC 4796 `a=content:slides`,
//! `recvonly`; a roomterm shows it large beside the people, who are then
//! composed without it). The sharer's H.264 is forwarded as it came — a
//! new payloader, no decoding and encoding again — so it arrives at the
//! sharer's full resolution for the cost of repacketising.
//!
//! ```text
//! the content's H.264 tee (content.rs) → queue → rtph264pay (the watcher's pt) → its leg
//! ```
//!
//! The leg lives as long as the participant: content comes and goes (a
//! new sharer relinks it) while the port in its answer stays true. A
//! watcher's key-frame request (PLI, FIR) travels up the same chain to
//! the content's depayloader, which asks the sharer; a watcher linked to
//! content that is already flowing asks for one at once.

use gst::prelude::*;
use roomterm_rtp::{MediumSpec, Remote, Rtp};

use super::config::MediaBind;
use super::elements::{add_linked, make, remove_all, start, MediaError};
use super::participant::ParticipantId;

/// The leg's one rtpbin session.
const SESSION: u32 = 0;
/// The content's bandwidth for RTCP's share of it (the sharer's class:
/// 1080p).
const CONTENT_KBPS: u32 = 2000;

/// Where a participant receives content, as its offer said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentWatch {
    pub to: Remote,
    /// H.264's payload type on its content line.
    pub pt: u8,
}

/// One participant's content leg.
pub(super) struct ContentOutput {
    rtp: Rtp,
    port: u16,
    /// Where the leg's RTP would arrive (nothing but RTCP should).
    nothing: gst::Element,
    queue: gst::Element,
    payloader: gst::Element,
    /// The content tee and its pad, while content flows here.
    linked: Option<(gst::Element, gst::Pad)>,
}

impl ContentOutput {
    /// Binds `id`'s content leg on a fresh port of `bind`, sending to
    /// `watch.to` once content is linked.
    pub(super) fn start(
        pipeline: &gst::Pipeline,
        id: ParticipantId,
        watch: &ContentWatch,
        bind: MediaBind,
    ) -> Result<Self, MediaError> {
        let pipeline_error = |e: roomterm_rtp::RtpError| MediaError::Pipeline(e.to_string());
        let rtp = Rtp::new(pipeline, &format!("content-out-{id}")).map_err(pipeline_error)?;
        let nothing = make("fakesink")?;
        nothing.set_property("async", false);
        nothing.set_property("sync", false);
        let queue = make("queue")?;
        let payloader = make("rtph264pay")?;
        payloader.set_property("pt", u32::from(watch.pt));
        // SPS and PPS with every key frame: a watcher joins mid-stream.
        payloader.set_property("config-interval", -1i32);
        let elements = vec![nothing.clone(), queue.clone(), payloader.clone()];
        let built = (|| {
            pipeline
                .add(&nothing)
                .map_err(|e| MediaError::Pipeline(e.to_string()))?;
            add_linked(pipeline, &[queue.clone(), payloader.clone()])?;
            let spec = MediumSpec {
                session: SESSION,
                caps: roomterm_rtp::h264_caps(watch.pt),
                pt: watch.pt,
                rtx_pt: None,
                latency_ms: 0,
                bandwidth_kbps: CONTENT_KBPS,
                key_frames: false,
                port: None,
                port_range: bind.ports,
            };
            let port = rtp
                .receive(spec, bind.ip, &nothing)
                .map_err(pipeline_error)?;
            rtp.send(SESSION, watch.to, Some(&payloader))
                .map_err(pipeline_error)?;
            start(&elements)?;
            rtp.start().map_err(pipeline_error)?;
            Ok(port)
        })();
        match built {
            Ok(port) => Ok(Self {
                rtp,
                port,
                nothing,
                queue,
                payloader,
                linked: None,
            }),
            Err(err) => {
                rtp.remove();
                remove_all(pipeline, &elements);
                Err(err)
            }
        }
    }

    /// The port in the participant's answer (RTCP the next).
    pub(super) fn port(&self) -> u16 {
        self.port
    }

    /// Content from `coded` (the content's H.264 tee) flows here from now
    /// on; a key frame is asked for at once.
    pub(super) fn link(&mut self, coded: &gst::Element) -> Result<(), MediaError> {
        self.unlink();
        let tee_pad = coded
            .request_pad_simple("src_%u")
            .ok_or_else(|| MediaError::Pipeline("the content tee gave no pad".into()))?;
        let sink = self
            .queue
            .static_pad("sink")
            .ok_or_else(|| MediaError::Pipeline("queue without sink pad".into()))?;
        tee_pad
            .link(&sink)
            .map_err(|e| MediaError::Pipeline(format!("content → watcher: {e}")))?;
        // Upstream from here: the depayloader asks the sharer (PLI).
        let key_frame = gst_video::UpstreamForceKeyUnitEvent::builder()
            .all_headers(true)
            .build();
        sink.push_event(key_frame);
        self.linked = Some((coded.clone(), tee_pad));
        Ok(())
    }

    /// No content flows here any more (the leg stays).
    pub(super) fn unlink(&mut self) {
        if let Some((tee, pad)) = self.linked.take() {
            tee.release_request_pad(&pad);
        }
    }

    /// Removes the leg (the participant left).
    pub(super) fn stop(mut self, pipeline: &gst::Pipeline) {
        self.unlink();
        self.rtp.remove();
        remove_all(pipeline, &[self.nothing, self.queue, self.payloader]);
    }
}
