//! What a conference costs and asks of its senders: the pixels a second
//! it decodes, composes and encodes (a meeting's placement compares nodes
//! by it), and the size each sender should send (no larger than its
//! largest tile, `send_size.rs`), which the focus asks of the senders.

use gst::prelude::*;

use crate::lock;

use super::super::participant::ParticipantId;
use super::super::send_size;
use super::super::view::View;
use super::{Conference, Participant};

impl Conference {
    /// What this conference's pictures cost to make now, in pixels a
    /// second: each picture decoded (at the size and rate it arrives),
    /// each view's canvas composed, each view's encoders' pictures — the
    /// work that bounds how many meetings a node holds (the sound is a
    /// rounding error beside it). A meeting's placement compares nodes by
    /// it (`focus/placement.rs`).
    pub fn composing_cost(&self) -> u64 {
        let state = lock(&self.state);
        let fps = u64::from(self.config.fps);
        let canvas = u64::from(self.config.width) * u64::from(self.config.height);
        let decoded: u64 = state
            .participants
            .values()
            .filter_map(Participant::picture)
            .chain(state.content.as_ref().map(|c| c.picture()))
            .map(decoded_rate)
            .sum();
        let composed = state.views.len() as u64 * canvas * fps;
        let encoded = state.views.values().map(View::encoded_pixels).sum::<u64>() * fps;
        decoded + composed + encoded
    }

    /// The size each picture's sender should send now: no larger than its
    /// largest tile (`send_size.rs`), by participant. Audio-only callers
    /// have none.
    pub fn send_sizes(&self) -> Vec<(ParticipantId, (u32, u32))> {
        let state = lock(&self.state);
        state
            .participants
            .iter()
            .filter(|(_, p)| p.video_in.is_some())
            .map(|(id, p)| {
                let class = (p.spec.class.width, p.spec.class.height);
                (*id, send_size::for_tile(state.tiles.get(id), class))
            })
            .collect()
    }

    /// The size a participant's pictures arrive at now (decoded), if any
    /// have arrived.
    pub fn received_size(&self, id: ParticipantId) -> Option<(u32, u32)> {
        let state = lock(&self.state);
        let info = decoded_info(state.participants.get(&id)?.picture()?)?;
        Some((info.width(), info.height()))
    }
}

/// Pixels a second of the decoded pictures `tee` passes on (none before
/// the first: nothing decoded yet).
fn decoded_rate(tee: &gst::Element) -> u64 {
    decoded_info(tee).map_or(0, |info| {
        let rate = info.fps();
        let per_second = match (rate.numer(), rate.denom()) {
            (n, d) if n > 0 && d > 0 => n as u64 / d as u64,
            // A variable rate: count it as the composition's.
            _ => 30,
        };
        u64::from(info.width()) * u64::from(info.height()) * per_second.max(1)
    })
}

/// The decoded pictures `tee` passes on now (`None` before the first).
fn decoded_info(tee: &gst::Element) -> Option<gst_video::VideoInfo> {
    let caps = tee.static_pad("sink")?.current_caps()?;
    gst_video::VideoInfo::from_caps(&caps).ok()
}
