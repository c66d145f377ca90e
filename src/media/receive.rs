//! Decoding what arrives, after the RTP layer (a call's rtpbin, or a
//! loopback's plain socket and jitter buffer): the chains both share.
//!
//! ```text
//! video: rtph264depay → <decoder> → videoconvert → appsink (RGB)
//! audio: rtpopusdepay → opusdec → audioconvert → audioresample [→ volume]
//!          → appsink (S16 mono 48 kHz), or → tee → queue → appsink
//!                                                 └→ the speaker (voice.rs)
//! ```

use gst::prelude::*;

use super::pipeline::{make, Running};
use super::sink::{mono_s16, AUDIO_RATE};
use super::voice::Speaker;
use super::MediaError;

/// RTP caps of H.264 (packetization mode 1) with payload type `pt`.
pub(super) use roomterm_rtp::h264_caps;

/// RTP caps of Opus with payload type `pt`.
pub(super) fn opus_caps(pt: u8) -> gst::Caps {
    roomterm_rtp::audio_caps("OPUS", AUDIO_RATE, pt)
}

/// A decoding chain in a pipeline: RTP goes into `input`, what comes out
/// lands in `sink`.
pub(crate) struct Decoding {
    pub input: gst::Element,
    pub sink: gst_app::AppSink,
}

/// H.264 RTP → RGB pictures, added to `running` (stopped).
pub(super) fn video(running: &Running, decoder: &str) -> Result<Decoding, MediaError> {
    let depay = make("rtph264depay")?;
    // After a loss nothing retransmission could recover, freeze on the
    // last good picture rather than show a smeared one, and ask the
    // sender for a key frame at once instead of waiting for its next.
    depay.set_property("wait-for-keyframe", true);
    depay.set_property("request-keyframe", true);
    let sink = gst_app::AppSink::builder()
        .caps(
            &gst_video::VideoCapsBuilder::new()
                .format(gst_video::VideoFormat::Rgb)
                .build(),
        )
        .max_buffers(2)
        .drop(true)
        .sync(false)
        // Never waits to preroll: a stream that has not (yet) come must not
        // hold the pipeline in PAUSED, and with it every other stream.
        .async_(false)
        .build();
    let elements = vec![
        depay.clone(),
        make(decoder)?,
        make("videoconvert")?,
        sink.clone().upcast(),
    ];
    running.add_linked(&elements)?;
    Ok(Decoding { input: depay, sink })
}

/// Where decoded sound goes besides the appsink: through a volume, and
/// to a speaker.
#[derive(Default)]
pub(crate) struct AudioOut<'a> {
    pub volume: Option<&'a gst::Element>,
    pub speaker: Option<&'a Speaker>,
}

/// Opus RTP → mono S16 at 48 kHz, added to `running` (stopped).
pub(crate) fn audio(running: &Running, out: AudioOut<'_>) -> Result<Decoding, MediaError> {
    let depay = make("rtpopusdepay")?;
    let decoder = make("opusdec")?;
    // A lost packet is rebuilt from the next one's redundancy when the
    // sender adds it, else concealed: no clicks.
    decoder.set_property("use-inband-fec", true);
    decoder.set_property("plc", true);
    let sink = gst_app::AppSink::builder()
        .caps(&mono_s16())
        .max_buffers(200)
        .drop(true)
        .sync(false)
        // As the picture's: never waits to preroll.
        .async_(false)
        .build();
    let mut elements = vec![
        depay.clone(),
        decoder,
        make("audioconvert")?,
        make("audioresample")?,
    ];
    if let Some(volume) = out.volume {
        elements.push(volume.clone());
    }
    match out.speaker {
        None => {
            elements.push(sink.clone().upcast());
            running.add_linked(&elements)?;
        }
        Some(speaker) => {
            let tee = make("tee")?;
            elements.extend([tee.clone(), make("queue")?, sink.clone().upcast()]);
            running.add_linked(&elements)?;
            running.branch(&tee, &speaker.chain()?)?;
        }
    }
    Ok(Decoding { input: depay, sink })
}
