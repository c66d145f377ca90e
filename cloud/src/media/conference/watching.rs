//! Which composition each participant watches: its layout, with the
//! shared content in it unless it receives the content as a stream of its
//! own (then the people only, and the content on a leg apart). Views are
//! started with their first watcher and stopped with their last.
//!
//! Whether a composition shows content is a property of its watchers (do
//! they receive content apart), not of whether something is shared: when
//! sharing starts or stops, the compositions take or drop the content in
//! place and nobody's picture is switched to another encoder.

use crate::lock;

use super::super::content_out::{ContentOutput, ContentWatch};
use super::super::elements::MediaError;
use super::super::layout::LayoutKind;
use super::super::participant::ParticipantId;
use super::super::view::View;
use super::{apply_layouts, pictures, Conference, State};

/// One composition: a layout, for those who receive shared content apart
/// (the people only, always) or not (the content large in it while
/// someone shares).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ViewKey {
    pub(super) kind: LayoutKind,
    pub(super) content_apart: bool,
    /// While the host broadcasts a site: the one picture shown full
    /// screen (the site for everyone, the site's previous speaker for it).
    pub(super) lead: Option<ParticipantId>,
}

impl ViewKey {
    /// Whether this composition shows shared content.
    pub(super) fn composes_content(&self) -> bool {
        !self.content_apart
    }
}

/// The composition `id` sees when it watches `kind`: while a site is
/// broadcast, one picture full screen whatever the layout.
fn view_key(state: &State, id: ParticipantId, kind: LayoutKind) -> ViewKey {
    let lead = state.broadcast.as_ref().and_then(|b| b.lead_for(id));
    ViewKey {
        kind: if lead.is_some() {
            LayoutKind::PictureInPicture
        } else {
            kind
        },
        content_apart: state.content_watchers.contains_key(&id),
        lead,
    }
}

impl Conference {
    /// `id` watches `kind` from now on (the view is started, with every
    /// picture in it, if nobody watched it yet); it stops watching what it
    /// watched, and a view nobody watches any more stops.
    pub(super) fn watch(
        &self,
        state: &mut State,
        id: ParticipantId,
        kind: LayoutKind,
    ) -> Result<(), MediaError> {
        let Some(participant) = state.participants.get_mut(&id) else {
            return Err(MediaError::UnknownParticipant(id));
        };
        participant.layout = kind;
        let Some(to) = participant.spec.video_to else {
            return Ok(());
        };
        let key = view_key(state, id, kind);
        let participant = &state.participants[&id];
        if participant
            .watching
            .as_ref()
            .is_some_and(|(k, _)| *k == key)
        {
            return Ok(());
        }
        let class = (participant.spec.class, participant.spec.video_pt);
        let rtp = participant.rtp.clone();
        self.unwatch(state, id);
        if !state.views.contains_key(&key) {
            let mut view = View::start(&self.pipeline, &self.view_config(), kind)?;
            for (other, p) in &state.participants {
                if let Some(picture) = p.picture() {
                    view.add_input(&self.pipeline, *other, picture)?;
                }
            }
            if let Some(content) = state.content.as_ref().filter(|_| key.composes_content()) {
                view.set_content(&self.pipeline, content.picture())?;
            }
            state.views.insert(key, view);
        }
        let config = self.view_config();
        let view = state.views.get_mut(&key).expect("started above");
        let watcher = view.watch(&self.pipeline, &config, class, &rtp, to)?;
        if let Some(participant) = state.participants.get_mut(&id) {
            participant.watching = Some((key, watcher));
        }
        apply_layouts(state);
        Ok(())
    }

    /// `id` receives shared content as a stream of its own at `watch`
    /// (its composition leaves the content out from then on); returns the
    /// port the content leaves from (RTCP the next). Asked again (a
    /// re-INVITE), the same leg.
    pub fn watch_content(
        &self,
        id: ParticipantId,
        watch: &ContentWatch,
    ) -> Result<u16, MediaError> {
        let mut state = lock(&self.state);
        if !state.participants.contains_key(&id) {
            return Err(MediaError::UnknownParticipant(id));
        }
        if let Some(output) = state.content_watchers.get(&id) {
            return Ok(output.port());
        }
        let mut output = ContentOutput::start(&self.pipeline, id, watch, self.config.bind)?;
        if let Some(content) = state.content.as_ref().filter(|c| c.owner != id) {
            if let Err(err) = output.link(content.coded()) {
                output.stop(&self.pipeline);
                return Err(err);
            }
        }
        let port = output.port();
        state.content_watchers.insert(id, output);
        // Its picture from now on: the people alone.
        let kind = state
            .participants
            .get(&id)
            .and_then(|p| p.watching.as_ref());
        if let Some(kind) = kind.map(|_| state.participants[&id].layout) {
            if let Err(err) = self.watch(&mut state, id, kind) {
                tracing::warn!(%err, participant = id, "cannot leave the content out");
            }
        }
        tracing::info!(participant = id, port, "receives content apart");
        Ok(port)
    }

    /// `id` stops watching its view; the view stops if it was the last.
    pub(super) fn unwatch(&self, state: &mut State, id: ParticipantId) {
        let Some((key, watcher)) = state
            .participants
            .get_mut(&id)
            .and_then(|p| p.watching.take())
        else {
            return;
        };
        let Some(view) = state.views.get_mut(&key) else {
            return;
        };
        if view.unwatch(&self.pipeline, watcher) == 0 {
            if let Some(view) = state.views.remove(&key) {
                let content = state.content.as_ref().map(|c| c.picture().clone());
                view.stop(&self.pipeline, &pictures(state), content.as_ref());
            }
        }
    }

    /// The layout `id` watches, its own or the meeting's (`None`: audio
    /// only, or not here); a broadcast shows over it for a while.
    pub fn watching(&self, id: ParticipantId) -> Option<LayoutKind> {
        let state = lock(&self.state);
        state
            .participants
            .get(&id)
            .and_then(|p| p.watching.as_ref().map(|_| p.layout))
    }

    /// Whether `id`'s composed picture carries the shared content (false
    /// with nothing shared, and for one that receives it apart).
    pub fn content_composed_for(&self, id: ParticipantId) -> bool {
        let state = lock(&self.state);
        let watching = state
            .participants
            .get(&id)
            .and_then(|p| p.watching.as_ref());
        state.content.is_some() && watching.is_some_and(|(key, _)| key.composes_content())
    }
}
