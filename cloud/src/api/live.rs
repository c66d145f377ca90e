//! Admin API handlers for a meeting in progress: who is in it and how
//! they are shown, the layout everyone sees, the host actions
//! (`focus::control`) and their audit log.

use axum::extract::State;
use axum::Json;

use super::extract::{Admin, ApiJson, ApiPath};
use super::AppState;
use crate::error::{CloudError, CloudResult};
use crate::focus::control::{Action, Actor, Denial};
use crate::focus::{Controls, RosterEntry};
use crate::media::{LayoutKind, ParticipantId, Rect};
use crate::store::HostActionRow;

/// A meeting in progress, as its conference media shows it.
#[derive(Debug, serde::Serialize)]
pub struct LiveView {
    pub meeting_id: String,
    /// The host's settings (lock, self-unmute, mute on entry).
    pub controls: Controls,
    /// When the meeting ends (seconds; `None`: a room, no end) and whether
    /// that is 15 minutes away or less.
    pub ends_at: Option<i64>,
    pub ending_soon: bool,
    /// The site everyone watches full screen, if the host broadcasts one.
    pub broadcast: Option<ParticipantId>,
    /// The host's polling (the interval, when the next site comes).
    pub polling: Option<crate::focus::Polling>,
    /// Callers waiting for the host to let them in.
    pub waiting: Vec<crate::focus::Held>,
    /// Invitees being rung (the host's invite, or the meeting's start).
    pub ringing: Vec<crate::focus::Ringing>,
    pub layout: LayoutKind,
    /// Who is talking (the big picture in the speaker views).
    pub active_speaker: Option<ParticipantId>,
    pub participants: Vec<LiveParticipant>,
}

#[derive(Debug, serde::Serialize)]
pub struct LiveParticipant {
    #[serde(flatten)]
    pub entry: RosterEntry,
    /// Where its picture is on the meeting's canvas (`None`: not shown).
    pub region: Option<Rect>,
    /// The layout it watches (its own choice, or the meeting's; `None`:
    /// audio only).
    pub watching: Option<LayoutKind>,
}

pub(super) fn live_view(state: &AppState, id: &str) -> CloudResult<LiveView> {
    let conference = state.focus.conference(id).ok_or(CloudError::Coded {
        status: 404,
        code: "not_in_progress",
        message: format!("nobody is in meeting {id}"),
    })?;
    let regions = conference.layout();
    let participants = state
        .focus
        .roster(id)
        .into_iter()
        .map(|entry| LiveParticipant {
            region: regions
                .iter()
                .find(|(p, _)| *p == entry.participant)
                .map(|(_, r)| *r),
            watching: conference.watching(entry.participant),
            entry,
        })
        .collect();
    Ok(LiveView {
        meeting_id: id.to_string(),
        controls: state.focus.controls(id).unwrap_or_default(),
        ends_at: state.focus.deadline(id).0,
        ending_soon: state.focus.deadline(id).1,
        broadcast: conference.broadcasting(),
        polling: state.focus.polling(id),
        waiting: state.focus.held(id),
        ringing: state.focus.ringing(id),
        layout: conference.layout_kind(),
        active_speaker: conference.active_speaker(),
        participants,
    })
}

pub async fn live(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
) -> CloudResult<Json<LiveView>> {
    Ok(Json(live_view(&state, &id)?))
}

#[derive(Debug, serde::Deserialize)]
pub struct LayoutBody {
    pub layout: LayoutKind,
}

/// Sets the layout everyone in the meeting sees: `gallery`, `speaker` or
/// `picture_in_picture`.
pub async fn set_layout(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
    ApiJson(body): ApiJson<LayoutBody>,
) -> CloudResult<Json<LiveView>> {
    if !state.focus.set_layout(&id, body.layout) {
        return Err(CloudError::Coded {
            status: 404,
            code: "not_in_progress",
            message: format!("nobody is in meeting {id}"),
        });
    }
    Ok(Json(live_view(&state, &id)?))
}

/// Takes a host action as the enterprise admin; answers the meeting as it
/// is then (`204`-like empty roster after `end_for_all`).
pub async fn act(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
    ApiJson(action): ApiJson<Action>,
) -> CloudResult<Json<Option<LiveView>>> {
    state
        .focus
        .act(&id, Actor::Admin, &action)
        .await
        .map_err(refused)?;
    // After ending for all, nothing is left to show.
    Ok(Json(live_view(&state, &id).ok()))
}

/// The meeting's host actions, taken and refused, oldest first.
pub async fn audit(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
) -> CloudResult<Json<Vec<HostActionRow>>> {
    Ok(Json(state.focus.host_actions(&id).await))
}

/// A refused host action as the API says it.
pub(super) fn refused(denial: Denial) -> CloudError {
    CloudError::Coded {
        status: denial.status(),
        code: denial.code(),
        message: denial.to_string(),
    }
}
