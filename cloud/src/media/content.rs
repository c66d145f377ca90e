//! Content a participant shares into the meeting — slides, a screen: the
//! second video stream of RFC 4796 (`a=content:slides`). It arrives on a
//! leg of its own (its own rtpbin: it comes and goes with re-INVITEs while
//! the participant's camera and sound stay), is decoded once, and every
//! view composes it large (`layout::with_content`). Participants that
//! receive content as a stream of their own (`content_out.rs`) are sent
//! the sharer's H.264 as it came, not decoded and encoded again.
//!
//! ```text
//! content leg → rtph264depay → tee ┬→ queue → <decoder> → videoconvert → tee (→ each view's compositor)
//!                                  └→ each content watcher's leg (content_out.rs)
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use gst::prelude::*;
use roomterm_rtp::{MediumSpec, Remote, Rtp};

use super::config::MediaBind;
use super::elements::{add_linked, make, remove_all, start, MediaError};
use super::participant::ParticipantId;

/// The content leg's one rtpbin session.
const CONTENT: u32 = 0;
/// As for the participants' video: a lost packet can be asked for again.
const CONTENT_LATENCY_MS: u32 = 300;

/// Content as the re-INVITE's offer/answer settled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentSpec {
    /// Where the sharer wants our RTCP (receiver reports, key-frame
    /// requests) for the content stream.
    pub to: Remote,
    /// H.264's payload type, and its RFC 4588 retransmission one.
    pub pt: u8,
    pub rtx_pt: Option<u8>,
    pub bitrate_kbps: u32,
}

/// The content being shown: whose it is and the chain that decodes it.
pub(super) struct ContentInput {
    pub owner: ParticipantId,
    pub port: u16,
    rtp: Rtp,
    elements: Vec<gst::Element>,
    /// The content as H.264, for the watchers.
    coded: gst::Element,
    tee: gst::Element,
}

impl ContentInput {
    /// Receives `owner`'s content on a fresh port of `bind`.
    pub(super) fn start(
        pipeline: &gst::Pipeline,
        owner: ParticipantId,
        spec: &ContentSpec,
        bind: MediaBind,
        decoder: &str,
    ) -> Result<Self, MediaError> {
        // rtpbin names are unique in the pipeline; a sharer may stop and
        // start again before the old leg is gone.
        static LEGS: AtomicU64 = AtomicU64::new(0);
        let leg = LEGS.fetch_add(1, Ordering::Relaxed);
        let rtp = Rtp::new(pipeline, &format!("content-{owner}-{leg}"))
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        let depay = make("rtph264depay")?;
        depay.set_property("wait-for-keyframe", true);
        depay.set_property("request-keyframe", true);
        let coded = make("tee")?;
        coded.set_property("allow-not-linked", true);
        let tee = make("tee")?;
        tee.set_property("allow-not-linked", true);
        let elements = vec![
            depay.clone(),
            coded.clone(),
            make("queue")?,
            make(decoder)?,
            make("videoconvert")?,
            tee.clone(),
        ];
        let built = (|| {
            add_linked(pipeline, &elements)?;
            let medium = MediumSpec {
                session: CONTENT,
                caps: roomterm_rtp::h264_caps(spec.pt),
                pt: spec.pt,
                rtx_pt: spec.rtx_pt,
                latency_ms: CONTENT_LATENCY_MS,
                bandwidth_kbps: spec.bitrate_kbps,
                key_frames: true,
                port: None,
                port_range: bind.ports,
            };
            let port = rtp
                .receive(medium, bind.ip, &depay)
                .map_err(|e| MediaError::Pipeline(e.to_string()))?;
            // Our RTCP (receiver reports, key-frame requests) to the sharer.
            rtp.send(CONTENT, spec.to, None)
                .map_err(|e| MediaError::Pipeline(e.to_string()))?;
            start(&elements)?;
            rtp.start()
                .map_err(|e| MediaError::Pipeline(e.to_string()))?;
            Ok(port)
        })();
        match built {
            Ok(port) => Ok(Self {
                owner,
                port,
                rtp,
                elements,
                coded,
                tee,
            }),
            Err(err) => {
                rtp.remove();
                remove_all(pipeline, &elements);
                Err(err)
            }
        }
    }

    /// The tee the views take the content's pictures from.
    pub(super) fn picture(&self) -> &gst::Element {
        &self.tee
    }

    /// The tee the content watchers take the H.264 from.
    pub(super) fn coded(&self) -> &gst::Element {
        &self.coded
    }

    /// Stops receiving; the views and watchers must have let go of the
    /// tees first.
    pub(super) fn stop(self, pipeline: &gst::Pipeline) {
        self.rtp.remove();
        remove_all(pipeline, &self.elements);
    }
}
