//! Shared content in the meeting: one source at a time (a new sharer
//! replaces the last), composed large with the people as thumbnails below
//! it for everyone but those who receive it as a stream of their own
//! (they see the people only), until the sharer stops or leaves.
//!
//! The host's "only the host shares" rule belongs in `share_content`,
//! before a sharer replaces another.

use crate::lock;

use super::super::content::{ContentInput, ContentSpec};
use super::super::elements::MediaError;
use super::super::layout::{with_content, Rect};
use super::super::participant::ParticipantId;
use super::{apply_layouts, display_order, Conference, State};

impl Conference {
    /// `owner` shares content from now on (whoever shared before stops
    /// being shown); returns the port it must send the content to (RTCP
    /// the next).
    pub fn share_content(
        &self,
        owner: ParticipantId,
        spec: &ContentSpec,
    ) -> Result<u16, MediaError> {
        let mut state = lock(&self.state);
        if !state.participants.contains_key(&owner) {
            return Err(MediaError::UnknownParticipant(owner));
        }
        if state.content.is_some() {
            self.end_content(&mut state);
        }
        let content = ContentInput::start(
            &self.pipeline,
            owner,
            spec,
            self.config.bind,
            &self.config.decoder,
        )?;
        // The views that show content take the new one (the old one's
        // left them); the watchers but the sharer get it apart.
        let mut taken: Result<(), MediaError> = Ok(());
        let showing = state.views.iter_mut();
        for view in showing.filter_map(|(key, view)| key.composes_content().then_some(view)) {
            taken = taken.and_then(|()| view.set_content(&self.pipeline, content.picture()));
        }
        for (id, output) in state.content_watchers.iter_mut() {
            if *id != owner {
                taken = taken.and_then(|()| output.link(content.coded()));
            }
        }
        if let Err(err) = taken {
            // Nothing half-shown: whatever took it lets go.
            for output in state.content_watchers.values_mut() {
                output.unlink();
            }
            for view in state.views.values_mut() {
                view.clear_content(&self.pipeline, content.picture());
            }
            content.stop(&self.pipeline);
            apply_layouts(&mut state);
            return Err(err);
        }
        let port = content.port;
        state.content = Some(content);
        apply_layouts(&mut state);
        tracing::info!(participant = owner, port, "shares content");
        Ok(port)
    }

    /// `owner` stops sharing; false if it was not the one shown.
    pub fn stop_content(&self, owner: ParticipantId) -> bool {
        let mut state = lock(&self.state);
        if state.content.as_ref().is_none_or(|c| c.owner != owner) {
            return false;
        }
        self.end_content(&mut state);
        apply_layouts(&mut state);
        true
    }

    /// Who shares content now.
    pub fn content_owner(&self) -> Option<ParticipantId> {
        lock(&self.state).content.as_ref().map(|c| c.owner)
    }

    /// Where the content sits in the meeting's layout, and the people
    /// shown beside it (the speaker first), while someone shares.
    pub fn content_layout(&self) -> Option<(Rect, Vec<(ParticipantId, Rect)>)> {
        let state = lock(&self.state);
        state.content.as_ref()?;
        let order = display_order(&state, state.layout);
        let (width, height) = (self.config.width as i32, self.config.height as i32);
        let (region, people) = with_content(order.len(), width, height)?;
        Some((region, order.into_iter().zip(people).collect()))
    }

    /// Takes the content out of every view (their pads first, as a leave
    /// does) and every watcher's leg, and stops receiving it; the caller
    /// re-applies the layouts.
    pub(super) fn end_content(&self, state: &mut State) {
        let Some(content) = state.content.take() else {
            return;
        };
        for output in state.content_watchers.values_mut() {
            output.unlink();
        }
        for view in state.views.values_mut() {
            view.clear_content(&self.pipeline, content.picture());
        }
        tracing::info!(participant = content.owner, "stopped sharing content");
        content.stop(&self.pipeline);
    }
}
