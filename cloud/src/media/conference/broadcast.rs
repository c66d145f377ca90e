//! The host puts one site in front of everyone: every other participant
//! watches that site full screen, and the site itself watches whoever
//! spoke before it (the active speaker when the broadcast began, else the
//! first other picture). Everyone's own layout comes back when it stops,
//! or when the site leaves. Polling (the focus's timer) is a broadcast
//! that moves on.

use crate::lock;

use super::super::elements::MediaError;
use super::super::participant::ParticipantId;
use super::{Conference, State};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Broadcast {
    pub(super) site: ParticipantId,
    /// What the site itself watches (`None`: nobody else has a picture).
    pub(super) previous: Option<ParticipantId>,
}

impl Broadcast {
    /// The picture `id` watches full screen.
    pub(super) fn lead_for(&self, id: ParticipantId) -> Option<ParticipantId> {
        if id == self.site {
            self.previous
        } else {
            Some(self.site)
        }
    }
}

/// Who the site sees: the speaker before it, else the first other picture.
fn previous(state: &State, site: ParticipantId) -> Option<ParticipantId> {
    state
        .speaker
        .filter(|s| *s != site && state.order.contains(s))
        .or_else(|| state.order.iter().copied().find(|p| *p != site))
}

impl Conference {
    /// Broadcasts `site` (`None`: stops); only a participant with a
    /// picture can be broadcast.
    pub fn broadcast(&self, site: Option<ParticipantId>) -> Result<(), MediaError> {
        let mut state = lock(&self.state);
        state.broadcast = match site {
            Some(site) if !state.order.contains(&site) => {
                return Err(MediaError::UnknownParticipant(site))
            }
            Some(site) => Some(Broadcast {
                site,
                previous: previous(&state, site),
            }),
            None => None,
        };
        self.rewatch_all(&mut state);
        Ok(())
    }

    /// The site broadcast now.
    pub fn broadcasting(&self) -> Option<ParticipantId> {
        lock(&self.state).broadcast.map(|b| b.site)
    }

    /// `id` left: a broadcast of it ends, and the site stops watching it.
    pub(super) fn broadcast_without(&self, state: &mut State, id: ParticipantId) {
        match state.broadcast {
            Some(b) if b.site == id => {
                state.broadcast = None;
                self.rewatch_all(state);
            }
            Some(b) if b.previous == Some(id) => {
                state.broadcast = Some(Broadcast {
                    previous: previous(state, b.site),
                    ..b
                });
                let kind = state.participants.get(&b.site).map(|p| p.layout);
                if let Some(kind) = kind {
                    if let Err(err) = self.watch(state, b.site, kind) {
                        tracing::warn!(%err, "the broadcast site cannot change what it sees");
                    }
                }
            }
            _ => {}
        }
    }

    /// Everyone watches again what it should now.
    fn rewatch_all(&self, state: &mut State) {
        let ids: Vec<(ParticipantId, _)> = state
            .participants
            .iter()
            .map(|(id, p)| (*id, p.layout))
            .collect();
        for (id, kind) in ids {
            if let Err(err) = self.watch(state, id, kind) {
                tracing::warn!(%err, participant = id, "cannot change what it watches");
            }
        }
    }
}
