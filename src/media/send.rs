//! What a call sends, up to the payloaders (the RTP layer takes it from
//! there):
//!
//! ```text
//! video: <camera (capture.rs)> → videobalance (camera off: black) → tee → queue → videoscale → caps (the size the far end asked for)
//!          → videoconvert → <encoder> → rtph264pay
//!        tee └→ leaky queue → videoscale → videoconvert → appsink (self view, RGB, quarter size)
//! audio: <microphone (capture.rs)> → volume (mute) → audioconvert → audioresample → caps
//!          → webrtcdsp (echo cancelled against the speaker) → opusenc (in-band FEC) → rtpopuspay
//! ```

use gst::prelude::*;

use super::config::CallMediaConfig;
use super::encoder::{apply_encoder_settings, encoder_settings};
use super::pipeline::{capsfilter, make, Running};
use super::sink::AUDIO_RATE;
use super::{capture, voice, MediaError};

/// A sending chain added to a pipeline (stopped).
pub(super) struct Sending {
    /// Every element, upstream first (for starting them).
    pub elements: Vec<gst::Element>,
    /// The last one: its src pad goes to the RTP layer.
    pub payloader: gst::Element,
    /// Its encoder, whose bit rate follows the size sent.
    pub encoder: gst::Element,
}

/// The camera through `camera_switch` and `sizer` (a capsfilter: the
/// size the far end asked for, `CallMedia::set_send_size`) to the encoder,
/// and a small copy of it (after the switch: camera off shows black there
/// too; before the sizer: the room's own picture stays sharp) for the
/// self view; with why the camera is missing, if it is.
pub(super) fn video(
    running: &Running,
    config: &CallMediaConfig,
    camera_switch: &gst::Element,
    sizer: &gst::Element,
) -> Result<(Sending, gst_app::AppSink, Option<String>), MediaError> {
    let camera = capture::camera(config)?;
    let encoder = make(&config.encoder)?;
    apply_encoder_settings(&encoder, &encoder_settings(&config.encoder, config.class));
    let payloader = make("rtph264pay")?;
    payloader.set_property("pt", u32::from(config.video_pt));
    // SPS/PPS with every IDR: a receiver that starts late still decodes.
    payloader.set_property("config-interval", -1i32);
    let tee = make("tee")?;
    // Filled, not letterboxed: the far end composes the picture into a
    // tile of its own shape anyway.
    let scaler = make("videoscale")?;
    scaler.set_property("add-borders", false);
    let mut elements = camera.elements;
    elements.extend([
        camera_switch.clone(),
        tee.clone(),
        make("queue")?,
        scaler,
        sizer.clone(),
        make("videoconvert")?,
        // 4:2:0, as constrained baseline needs (a camera's YUY2 or RGB
        // would otherwise reach the encoder as 4:2:2 or 4:4:4).
        capsfilter(four_two_zero())?,
        encoder.clone(),
        payloader.clone(),
    ]);
    running.add_linked(&elements)?;
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
        // Added to a playing pipeline: must not make it preroll again.
        .async_(false)
        .build();
    let queue = make("queue")?;
    queue.set_property_from_str("leaky", "downstream");
    queue.set_property("max-size-buffers", 2u32);
    let branch = vec![
        queue,
        make("videoscale")?,
        make("videoconvert")?,
        self_view.clone().upcast(),
    ];
    running.branch(&tee, &branch)?;
    elements.extend(branch);
    Ok((
        Sending {
            elements,
            payloader,
            encoder,
        },
        self_view,
        camera.missing,
    ))
}

/// Raw video in the 4:2:0 formats encoders take (NV12 for the hardware
/// ones, I420 for the software ones).
pub(super) fn four_two_zero() -> gst::Caps {
    gst::Caps::builder("video/x-raw")
        .field("format", gst::List::new(["NV12", "I420"]))
        .build()
}

/// The microphone through `volume` (mute) and the voice processing
/// (echo cancelled against `echo_probe`, the speaker's) to Opus; with why
/// the microphone is missing, if it is.
pub(super) fn audio(
    running: &Running,
    config: &CallMediaConfig,
    volume: &gst::Element,
    echo_probe: Option<&str>,
) -> Result<(Sending, Option<String>), MediaError> {
    let microphone = capture::microphone(config)?;
    let encoder = make("opusenc")?;
    // Redundancy for the receiver to rebuild a lost packet from the next.
    encoder.set_property("inband-fec", true);
    encoder.set_property("packet-loss-percentage", 10i32);
    let payloader = make("rtpopuspay")?;
    payloader.set_property("pt", u32::from(config.audio_pt));
    let mut elements = microphone.elements;
    elements.extend([
        volume.clone(),
        make("audioconvert")?,
        make("audioresample")?,
        capsfilter(
            gst::Caps::builder("audio/x-raw")
                .field("format", "S16LE")
                .field("rate", AUDIO_RATE)
                .field("channels", 1i32)
                .build(),
        )?,
    ]);
    if let Some(dsp) = voice::processor(echo_probe, config.real_microphone)? {
        elements.push(dsp);
    }
    elements.extend([encoder.clone(), payloader.clone()]);
    running.add_linked(&elements)?;
    Ok((
        Sending {
            elements,
            payloader,
            encoder,
        },
        microphone.missing,
    ))
}
