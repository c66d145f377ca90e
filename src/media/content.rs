//! Content the room shares into a meeting (RFC 4796 slides: a second
//! video stream beside the camera's): decoded pictures taken from a tee —
//! a screen cast's — encoded for content and sent over an RTP leg of its
//! own to the focus.
//!
//! ```text
//! tee → leaky queue → videorate → videoscale (letterboxed) → videoconvert → caps (I420 1920×1080, 15 fps)
//!     → <encoder> → rtph264pay → rtpbin → from :C, :C+1 to the focus
//! ```
//!
//! The class: 1920×1080 at up to 15 fps and 1.5 Mbit/s. Text wants every
//! pixel and few frames (slides change seldom; a scrolled page or a video
//! still moves at 15 fps), which is also what room systems send as
//! content; the camera's 30 fps budget would be spent on frames nobody
//! reads. A key frame every 2 s, as for the camera, for late joiners.

use std::net::IpAddr;

use gst::prelude::*;
use roomterm_rtp::{MediumSpec, Remote, Rtp};

use super::encoder::{apply_encoder_settings, encoder_settings_at};
use super::pipeline::{capsfilter, make, Running};
use super::send::four_two_zero;
use super::{init, MediaError};

pub const CONTENT_WIDTH: u32 = 1920;
pub const CONTENT_HEIGHT: u32 = 1080;
pub const CONTENT_FPS: u32 = 15;
pub const CONTENT_KBPS: u32 = 1500;
/// The content leg's one rtpbin session.
const SESSION: u32 = 0;

/// How content is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentConfig {
    pub encoder: String,
    /// H.264's payload type on the content line.
    pub pt: u8,
    /// The address the leg's sockets bind (RTCP from the focus arrives).
    pub local: IpAddr,
}

/// Content being shared: its ports bound at once (for the offer), its
/// pictures encoded and sent once the answer says where.
pub struct ContentSender {
    pipeline: gst::Pipeline,
    tee: gst::Element,
    config: ContentConfig,
    rtp: Rtp,
    /// Where the leg's RTP would arrive (nothing should).
    nothing: gst::Element,
    port: u16,
    /// The encoding branch, once sending: the tee's pad and the elements.
    branch: Option<(gst::Pad, Vec<gst::Element>)>,
    /// A test pattern's own pipeline (`test_pattern`), kept running.
    own: Option<Running>,
}

impl ContentSender {
    /// Binds the content's ports in `pipeline` (playing); the pictures
    /// will come from `tee`.
    pub(crate) fn attach(
        pipeline: &gst::Pipeline,
        tee: &gst::Element,
        config: &ContentConfig,
    ) -> Result<Self, MediaError> {
        init()?;
        let error = |message: String| MediaError::Pipeline {
            pipeline: "content".into(),
            message,
        };
        let rtp = Rtp::new(pipeline, "content-rtp").map_err(|e| error(e.to_string()))?;
        // Nothing but RTCP should arrive on a leg that only sends.
        let nothing = make("fakesink")?;
        nothing.set_property("async", false);
        nothing.set_property("sync", false);
        pipeline.add(&nothing).map_err(|e| error(e.to_string()))?;
        let spec = MediumSpec {
            session: SESSION,
            caps: roomterm_rtp::h264_caps(config.pt),
            pt: config.pt,
            rtx_pt: None,
            latency_ms: 0,
            bandwidth_kbps: CONTENT_KBPS,
            key_frames: false,
            port: None,
            port_range: None,
        };
        let port = rtp
            .receive(spec, config.local, &nothing)
            .map_err(|e| error(e.to_string()))?;
        nothing
            .sync_state_with_parent()
            .map_err(|e| error(e.to_string()))?;
        rtp.start().map_err(|e| error(e.to_string()))?;
        Ok(Self {
            pipeline: pipeline.clone(),
            tee: tee.clone(),
            config: config.clone(),
            rtp,
            nothing,
            port,
            branch: None,
            own: None,
        })
    }

    /// Content from a solid test colour (`0xAARRGGBB`) at 1280×720, on a
    /// pipeline of its own: a stand-in for a cast in tests and benchmarks.
    pub fn test_pattern(colour: u32, config: &ContentConfig) -> Result<Self, MediaError> {
        init()?;
        let source = make("videotestsrc")?;
        source.set_property("is-live", true);
        source.set_property_from_str("pattern", "solid-color");
        source.set_property("foreground-color", colour);
        let tee = make("tee")?;
        // Playing before anything is shared.
        tee.set_property("allow-not-linked", true);
        let running = Running::link(
            "content-test",
            &[
                source,
                capsfilter(
                    gst_video::VideoCapsBuilder::new()
                        .width(1280)
                        .height(720)
                        .framerate(gst::Fraction::new(30, 1))
                        .build(),
                )?,
                tee.clone(),
            ],
        )?;
        running.play()?;
        let mut sender = Self::attach(running.pipeline(), &tee, config)?;
        sender.own = Some(running);
        Ok(sender)
    }

    /// The RTP port the content leaves from (RTCP the next): the offer's.
    pub fn local_port(&self) -> u16 {
        self.port
    }

    /// Sends the content to `to` (the answer's content line): the first
    /// call starts encoding, a later one moves the destination.
    pub fn send_to(&mut self, to: Remote) -> Result<(), MediaError> {
        let error = |message: String| MediaError::Pipeline {
            pipeline: "content".into(),
            message,
        };
        if self.branch.is_some() {
            return self
                .rtp
                .send(SESSION, to, None)
                .map_err(|e| error(e.to_string()));
        }
        let encoder = make(&self.config.encoder)?;
        let gop = 2 * CONTENT_FPS;
        apply_encoder_settings(
            &encoder,
            &encoder_settings_at(&self.config.encoder, CONTENT_KBPS * 1000, gop),
        );
        let payloader = make("rtph264pay")?;
        payloader.set_property("pt", u32::from(self.config.pt));
        payloader.set_property("config-interval", -1i32);
        let queue = make("queue")?;
        // The newest pictures; never hold the cast's own display back.
        queue.set_property_from_str("leaky", "downstream");
        queue.set_property("max-size-buffers", 2u32);
        let elements = vec![
            queue.clone(),
            make("videorate")?,
            make("videoscale")?,
            make("videoconvert")?,
            capsfilter(
                gst_video::VideoCapsBuilder::new()
                    .width(CONTENT_WIDTH as i32)
                    .height(CONTENT_HEIGHT as i32)
                    .pixel_aspect_ratio(gst::Fraction::new(1, 1))
                    .framerate(gst::Fraction::new(CONTENT_FPS as i32, 1))
                    .build(),
            )?,
            capsfilter(four_two_zero())?,
            encoder,
            payloader.clone(),
        ];
        self.pipeline
            .add_many(&elements)
            .map_err(|e| error(e.to_string()))?;
        gst::Element::link_many(&elements).map_err(|e| error(e.to_string()))?;
        self.rtp
            .send(SESSION, to, Some(&payloader))
            .map_err(|e| error(e.to_string()))?;
        for element in elements.iter().rev() {
            element
                .sync_state_with_parent()
                .map_err(|e| error(format!("{}: {e}", element.name())))?;
        }
        let tee_pad = self
            .tee
            .request_pad_simple("src_%u")
            .ok_or_else(|| error("the picture tee gave no pad".into()))?;
        let queue_sink = queue.static_pad("sink").expect("a queue has a sink pad");
        tee_pad
            .link(&queue_sink)
            .map_err(|e| error(format!("pictures → content: {e}")))?;
        self.branch = Some((tee_pad, elements));
        Ok(())
    }

    /// Stops sending: the branch off the tee and the leg go.
    pub fn stop(self) {}
}

impl Drop for ContentSender {
    fn drop(&mut self) {
        if let Some((tee_pad, elements)) = self.branch.take() {
            self.tee.release_request_pad(&tee_pad);
            for element in &elements {
                let _ = element.set_state(gst::State::Null);
                let _ = self.pipeline.remove(element);
            }
        }
        self.rtp.remove();
        let _ = self.nothing.set_state(gst::State::Null);
        let _ = self.pipeline.remove(&self.nothing);
    }
}
