//! Admin API handlers for meetings: thin wrappers over
//! [`Meetings`](crate::meetings::Meetings).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::extract::{Admin, ApiJson, ApiPath, ApiQuery};
use super::AppState;
use crate::error::{CloudError, CloudResult};
use crate::focus::RosterEntry;
use crate::media::{LayoutKind, ParticipantId, Rect};
use crate::meetings::{
    JoinAnswer, JoinQuery, MeetingFilter, MeetingUpdate, MeetingView, NewMeeting,
};

pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewMeeting>,
) -> CloudResult<(StatusCode, Json<MeetingView>)> {
    Ok((
        StatusCode::CREATED,
        Json(state.meetings.create(&body).await?),
    ))
}

pub async fn list(
    _: Admin,
    State(state): State<AppState>,
    ApiQuery(filter): ApiQuery<MeetingFilter>,
) -> CloudResult<Json<Vec<MeetingView>>> {
    Ok(Json(state.meetings.list(&filter).await?))
}

pub async fn show(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
) -> CloudResult<Json<MeetingView>> {
    Ok(Json(state.meetings.show(&id).await?))
}

pub async fn edit(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
    ApiJson(body): ApiJson<MeetingUpdate>,
) -> CloudResult<Json<MeetingView>> {
    Ok(Json(state.meetings.edit(&id, &body).await?))
}

pub async fn cancel(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
) -> CloudResult<Json<MeetingView>> {
    let cancelled = state.meetings.cancel(&id).await?;
    // A meeting cancelled while it runs ends for everyone in it.
    let why = crate::focus::reject::Refusal::plain(410, "Meeting Cancelled");
    state.focus.end_meeting(&cancelled.meeting_id, &why);
    Ok(Json(cancelled))
}

pub async fn join_check(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
    ApiJson(body): ApiJson<JoinQuery>,
) -> CloudResult<Json<JoinAnswer>> {
    Ok(Json(state.meetings.join_decision(&id, &body).await?.into()))
}

pub async fn device_room(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(sn): ApiPath,
) -> CloudResult<Json<MeetingView>> {
    Ok(Json(state.meetings.device_room(&sn).await?))
}

/// A meeting in progress, as its conference media shows it.
#[derive(Debug, serde::Serialize)]
pub struct LiveView {
    pub meeting_id: String,
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

fn live_view(state: &AppState, id: &str) -> CloudResult<LiveView> {
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
