//! One encoder per (class, payload type), shared by everyone of that
//! class: the composed canvas is scaled and encoded once and its packets
//! go to each member's RTP leg.
//!
//! ```text
//! canvas tee → queue → videoscale → videoconvert → caps (class) → <encoder> → caps (constrained baseline) → rtph264pay → tee
//!   → per member: leaky queue → the member's leg (video session: RTCP, retransmission)
//! ```
//!
//! A member's key-frame request (PLI or FIR on its leg) travels upstream
//! through its queue and the tee to the encoder: one new key frame serves
//! the whole class.

use gst::prelude::*;
use roomterm_rtp::{Remote, Rtp};

use super::elements::{
    add_linked, branch_from_tee, capsfilter, make, remove_all, set_if_present, start, MediaError,
};
use super::participant::{ClassSpec, VIDEO};

/// One class's encoder and its members' branches.
pub(super) struct ClassBranch {
    /// Our pad on the canvas tee.
    canvas_pad: gst::Pad,
    elements: Vec<gst::Element>,
    encoder: gst::Element,
    /// The encoded packets, one branch per member.
    out: gst::Element,
    members: usize,
}

/// One member's branch off its class's packets.
pub(super) struct Membership {
    pad: gst::Pad,
    queue: gst::Element,
}

impl ClassBranch {
    /// Starts an encoder for `class` with payload type `pt` on the canvas.
    pub(super) fn start(
        pipeline: &gst::Pipeline,
        canvas: &gst::Element,
        encoder_name: &str,
        fps: u32,
        class: ClassSpec,
        pt: u8,
    ) -> Result<Self, MediaError> {
        let encoder = make(encoder_name)?;
        configure_encoder(&encoder, class.bitrate_kbps, fps);
        let pay = make("rtph264pay")?;
        pay.set_property("pt", u32::from(pt));
        // SPS/PPS with every IDR: a participant that joins late decodes.
        pay.set_property("config-interval", -1i32);
        let out = make("tee")?;
        out.set_property("allow-not-linked", true);
        let size = gst_video::VideoCapsBuilder::new()
            .width(class.width as i32)
            .height(class.height as i32)
            .build();
        // Constrained baseline: what every H.264 decoder takes, and what
        // the answer's profile-level-id promises.
        let profile = gst::Caps::builder("video/x-h264")
            .field("profile", "constrained-baseline")
            .build();
        let queue = make("queue")?;
        let elements = vec![
            queue.clone(),
            make("videoscale")?,
            make("videoconvert")?,
            capsfilter(size)?,
            encoder.clone(),
            capsfilter(profile)?,
            pay,
            out.clone(),
        ];
        add_linked(pipeline, &elements)?;
        start(&elements)?;
        let canvas_pad = canvas
            .request_pad_simple("src_%u")
            .ok_or_else(|| MediaError::Pipeline("tee gave no src pad".into()))?;
        let queue_sink = queue
            .static_pad("sink")
            .ok_or_else(|| MediaError::Pipeline("queue without sink pad".into()))?;
        canvas_pad
            .link(&queue_sink)
            .map_err(|e| MediaError::Pipeline(format!("tee → class queue: {e}")))?;
        tracing::info!(?class, encoder = encoder_name, "class encoder started");
        Ok(Self {
            canvas_pad,
            elements,
            encoder,
            out,
            members: 0,
        })
    }

    /// Sends the class's packets on `rtp`'s video session to `to` and asks
    /// for a key frame, so the newcomer's decoder starts at once.
    pub(super) fn add_member(
        &mut self,
        pipeline: &gst::Pipeline,
        rtp: &Rtp,
        to: Remote,
    ) -> Result<Membership, MediaError> {
        let queue = make("queue")?;
        // A member whose leg stalls must not hold up the others.
        queue.set_property_from_str("leaky", "downstream");
        queue.set_property("max-size-time", 200_000_000u64);
        pipeline
            .add(&queue)
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        rtp.send(VIDEO, to, Some(&queue))
            .map_err(|e| MediaError::Pipeline(e.to_string()))?;
        let pad = branch_from_tee(&self.out, &queue)?;
        self.members += 1;
        let key_frame = gst_video::UpstreamForceKeyUnitEvent::builder()
            .all_headers(true)
            .build();
        if let Some(pad) = self.encoder.static_pad("src") {
            pad.send_event(key_frame);
        }
        Ok(Membership { pad, queue })
    }

    /// Takes a member's branch away; returns how many members are left.
    pub(super) fn remove_member(&mut self, pipeline: &gst::Pipeline, member: Membership) -> usize {
        self.out.release_request_pad(&member.pad);
        remove_all(pipeline, &[member.queue]);
        self.members = self.members.saturating_sub(1);
        self.members
    }

    /// Stops the encoder (its last member left).
    pub(super) fn stop(self, pipeline: &gst::Pipeline, canvas: &gst::Element) {
        canvas.release_request_pad(&self.canvas_pad);
        remove_all(pipeline, &self.elements);
    }
}

/// Low-latency real-time settings at the class bit rate, key frame every
/// 2 s; only the properties the element has.
fn configure_encoder(encoder: &gst::Element, kbps: u32, fps: u32) {
    let factory = encoder
        .factory()
        .map(|f| f.name().to_string())
        .unwrap_or_default();
    let gop = (fps * 2).to_string();
    if factory == "x264enc" {
        set_if_present(encoder, "tune", "zerolatency");
        set_if_present(encoder, "speed-preset", "ultrafast");
        set_if_present(encoder, "bitrate", &kbps.to_string());
        set_if_present(encoder, "key-int-max", &gop);
        set_if_present(encoder, "bframes", "0");
    } else {
        // openh264enc: bit/s.
        set_if_present(encoder, "bitrate", &(kbps * 1000).to_string());
        set_if_present(encoder, "gop-size", &gop);
        set_if_present(encoder, "usage-type", "camera");
    }
}
