//! The spoken prompts of the waiting rooms — the meeting password's, and
//! the host's before letting a caller in (Chinese, then English; made by `cloud/prompts/make.sh`, built into the binary as
//! Ogg Opus), decoded once into 48 kHz mono samples.

use std::sync::{Arc, OnceLock};

use gst::prelude::*;

use super::elements::{make, MediaError};
use super::participant::mono_s16;

/// What the waiting room says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prompt {
    /// "Please enter the meeting password, followed by the pound key."
    Password,
    /// "That password is not correct. Please try again."
    Wrong,
    /// "Too many wrong passwords. Goodbye."
    Goodbye,
    /// "Please wait. The host will let you in shortly."
    Hold,
    /// "The host did not let you in. Goodbye."
    Denied,
}

impl Prompt {
    fn ogg(self) -> &'static [u8] {
        match self {
            Prompt::Password => include_bytes!("../../prompts/password.ogg"),
            Prompt::Wrong => include_bytes!("../../prompts/wrong.ogg"),
            Prompt::Goodbye => include_bytes!("../../prompts/goodbye.ogg"),
            Prompt::Hold => include_bytes!("../../prompts/hold.ogg"),
            Prompt::Denied => include_bytes!("../../prompts/denied.ogg"),
        }
    }

    /// The prompt as 48 kHz mono S16 samples (empty if it cannot be
    /// decoded: the waiting room then works in silence, with a warning).
    pub fn samples(self) -> Arc<[i16]> {
        static DECODED: OnceLock<[Arc<[i16]>; 5]> = OnceLock::new();
        let all = DECODED.get_or_init(|| {
            [
                Prompt::Password,
                Prompt::Wrong,
                Prompt::Goodbye,
                Prompt::Hold,
                Prompt::Denied,
            ]
            .map(|prompt| {
                decode(prompt.ogg())
                    .inspect_err(|err| tracing::warn!(%err, ?prompt, "no spoken prompt"))
                    .unwrap_or_default()
                    .into()
            })
        });
        all[self as usize].clone()
    }
}

/// Ogg Opus bytes → 48 kHz mono S16 samples.
fn decode(ogg: &'static [u8]) -> Result<Vec<i16>, MediaError> {
    super::init()?;
    let pipeline = gst::Pipeline::new();
    let src = gst_app::AppSrc::builder()
        .caps(&gst::Caps::new_empty_simple("application/ogg"))
        .format(gst::Format::Bytes)
        .build();
    let sink = gst_app::AppSink::builder()
        .caps(&mono_s16())
        .sync(false)
        .build();
    let demux = make("oggdemux")?;
    let decoder = make("opusdec")?;
    let convert = make("audioconvert")?;
    let resample = make("audioresample")?;
    let tail = [&decoder, &convert, &resample, sink.upcast_ref()];
    pipeline
        .add_many([src.upcast_ref(), &demux])
        .and_then(|()| pipeline.add_many(tail))
        .map_err(|e| MediaError::Pipeline(e.to_string()))?;
    src.link(&demux)
        .and_then(|()| gst::Element::link_many(tail))
        .map_err(|e| MediaError::Pipeline(e.to_string()))?;
    // oggdemux makes its pad when it has read the stream's header.
    let decoder_sink = decoder.static_pad("sink");
    demux.connect_pad_added(move |_, pad| {
        if let Some(sink) = &decoder_sink {
            let _ = pad.link(sink);
        }
    });
    pipeline
        .set_state(gst::State::Playing)
        .map_err(|e| MediaError::Pipeline(e.to_string()))?;
    let _ = src.push_buffer(gst::Buffer::from_slice(ogg));
    let _ = src.end_of_stream();
    let mut samples = Vec::new();
    let result = loop {
        match sink.try_pull_sample(gst::ClockTime::from_seconds(5)) {
            Some(sample) => {
                if let Some(map) = sample.buffer().and_then(|b| b.map_readable().ok()) {
                    samples.extend(
                        map.chunks_exact(2)
                            .map(|b| i16::from_le_bytes([b[0], b[1]])),
                    );
                }
            }
            None if sink.is_eos() && !samples.is_empty() => break Ok(samples),
            None => break Err(MediaError::Pipeline("the prompt did not decode".into())),
        }
    };
    let _ = pipeline.set_state(gst::State::Null);
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// How long a prompt lasts.
    fn duration(samples: &[i16]) -> Duration {
        Duration::from_millis(samples.len() as u64 * 1000 / 48_000)
    }

    #[test]
    fn every_prompt_decodes_to_seconds_of_speech() {
        for prompt in [Prompt::Password, Prompt::Wrong, Prompt::Goodbye] {
            let samples = prompt.samples();
            let length = duration(&samples);
            assert!(
                (Duration::from_secs(3)..Duration::from_secs(20)).contains(&length),
                "{prompt:?} lasts {length:?}"
            );
            let rms = (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>()
                / samples.len() as f64)
                .sqrt();
            assert!(rms > 500.0, "{prompt:?} is nearly silent ({rms:.0})");
        }
    }
}
