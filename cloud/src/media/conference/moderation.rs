//! What the host enforces in the media, so it holds for any endpoint: a
//! muted participant's sound is silenced before anyone's mix (and before
//! the speaker detection), a participant whose video is stopped is out of
//! every composition. Both are undone in place; nothing is rebuilt. A
//! rename redraws the name on the participant's picture.

use gst::prelude::*;

use crate::lock;

use super::super::elements::MediaError;
use super::super::participant::ParticipantId;
use super::{apply_layouts, Conference};

impl Conference {
    /// Silences (or lets through again) the participant's sound for
    /// everyone.
    pub fn set_muted(&self, id: ParticipantId, muted: bool) -> Result<(), MediaError> {
        let state = lock(&self.state);
        let participant = state
            .participants
            .get(&id)
            .ok_or(MediaError::UnknownParticipant(id))?;
        participant.gate().set_property("mute", muted);
        if muted {
            lock(&self.speakers).remove(id);
        }
        Ok(())
    }

    /// Draws `name` on the participant's picture from now on (nothing
    /// for an audio-only one, or where names are not drawn).
    pub fn rename(&self, id: ParticipantId, name: &str) -> Result<(), MediaError> {
        let state = lock(&self.state);
        let participant = state
            .participants
            .get(&id)
            .ok_or(MediaError::UnknownParticipant(id))?;
        if let Some(label) = participant.label() {
            label.set_property("text", gst::glib::markup_escape_text(name).as_str());
        }
        Ok(())
    }

    /// Whether the host's mute silences the participant now.
    pub fn muted(&self, id: ParticipantId) -> Option<bool> {
        let state = lock(&self.state);
        let participant = state.participants.get(&id)?;
        Some(participant.gate().property::<bool>("mute"))
    }

    /// Takes the participant's picture out of every composition (or puts
    /// it back in its place).
    pub fn set_video_stopped(&self, id: ParticipantId, stopped: bool) -> Result<(), MediaError> {
        let mut state = lock(&self.state);
        if !state.participants.contains_key(&id) {
            return Err(MediaError::UnknownParticipant(id));
        }
        if stopped {
            state.hidden.insert(id);
        } else {
            state.hidden.remove(&id);
        }
        apply_layouts(&mut state);
        Ok(())
    }
}
