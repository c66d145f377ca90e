//! What comes out of an appsink: a sample pulled while every pipeline's
//! bus is watched (an error surfaces instead of a timeout), as a packed RGB
//! picture or S16 samples (decoded sound has one format on both sides:
//! `roomterm_rtp::mono_s16_caps`).

use std::time::{Duration, Instant};

use gst_video::prelude::*;

use super::pipeline::Running;
use super::{MediaError, RgbFrame};

pub use roomterm_rtp::{mono_s16_caps as mono_s16, AUDIO_RATE};

/// The packed RGB picture of an appsink sample (rows without padding).
pub fn rgb_frame(sample: &gst::Sample, receiver: &Running) -> Result<RgbFrame, MediaError> {
    let caps = sample
        .caps()
        .ok_or_else(|| receiver.error("sample without caps".into()))?;
    let info = gst_video::VideoInfo::from_caps(caps)
        .map_err(|e| receiver.error(format!("bad caps {caps}: {e}")))?;
    let buffer = sample
        .buffer()
        .ok_or_else(|| receiver.error("sample without buffer".into()))?;
    let frame = gst_video::VideoFrameRef::from_buffer_ref_readable(buffer, &info)
        .map_err(|e| receiver.error(format!("unmappable frame: {e}")))?;
    let stride = frame.plane_stride()[0] as usize;
    let plane = frame
        .plane_data(0)
        .map_err(|e| receiver.error(format!("unmappable frame: {e}")))?;
    let row = info.width() as usize * 3;
    let mut data = Vec::with_capacity(row * info.height() as usize);
    for y in 0..info.height() as usize {
        data.extend_from_slice(&plane[y * stride..y * stride + row]);
    }
    Ok(RgbFrame {
        width: info.width(),
        height: info.height(),
        data,
    })
}

/// The S16 samples of an appsink sample.
pub fn s16_samples(sample: &gst::Sample, receiver: &Running) -> Result<Vec<i16>, MediaError> {
    let buffer = sample
        .buffer()
        .ok_or_else(|| receiver.error("sample without buffer".into()))?;
    let map = buffer
        .map_readable()
        .map_err(|e| receiver.error(format!("unmappable buffer: {e}")))?;
    Ok(map
        .chunks_exact(2)
        .map(|b| i16::from_le_bytes([b[0], b[1]]))
        .collect())
}

/// Pulls one sample, watching every pipeline's bus meanwhile.
pub fn pull(
    appsink: &gst_app::AppSink,
    timeout: Duration,
    pipelines: &[&Running],
) -> Result<gst::Sample, MediaError> {
    let deadline = Instant::now() + timeout;
    loop {
        for pipeline in pipelines {
            if let Some(err) = pipeline.bus_error() {
                return Err(err);
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let slice = left.min(Duration::from_millis(100));
        if let Some(sample) =
            appsink.try_pull_sample(gst::ClockTime::from_nseconds(slice.as_nanos() as u64))
        {
            return Ok(sample);
        }
        if left.is_zero() {
            let receiver = pipelines.last().map(|p| p.name()).unwrap_or("media");
            return Err(MediaError::Timeout {
                pipeline: receiver.to_string(),
                waited_ms: timeout.as_millis() as u64,
            });
        }
    }
}
