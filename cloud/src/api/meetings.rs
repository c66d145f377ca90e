//! Admin API handlers for meetings: thin wrappers over
//! [`Meetings`](crate::meetings::Meetings).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::extract::{Admin, ApiJson, ApiPath, ApiQuery};
use super::AppState;
use crate::error::CloudResult;
use crate::meetings::{
    JoinAnswer, JoinQuery, MeetingFilter, MeetingUpdate, MeetingView, NewMeeting,
};

pub async fn create(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<NewMeeting>,
) -> CloudResult<(StatusCode, Json<MeetingView>)> {
    let created = state.meetings.create(&body).await?;
    scheduled(&state, &created).await;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The rooms of the meeting's enterprise fetch their meetings of the day
/// again (Home shows the change at once).
pub(super) async fn scheduled(state: &AppState, meeting: &MeetingView) {
    state.devices.schedule_changed(meeting.enterprise_id).await;
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
    let edited = state.meetings.edit(&id, &body).await?;
    scheduled(&state, &edited).await;
    Ok(Json(edited))
}

pub async fn cancel(
    _: Admin,
    State(state): State<AppState>,
    ApiPath(id): ApiPath,
) -> CloudResult<Json<MeetingView>> {
    Ok(Json(cancel_meeting(&state, &id).await?))
}

/// Cancels a meeting: one that runs ends for everyone in it, and its
/// rooms hear of the change.
pub(super) async fn cancel_meeting(state: &AppState, id: &str) -> CloudResult<MeetingView> {
    let cancelled = state.meetings.cancel(id).await?;
    let why = crate::focus::reject::Refusal::ending(
        crate::focus::reject::Ending::Cancelled,
        state.focus.host(),
    );
    state.focus.end_meeting(&cancelled.meeting_id, &why);
    scheduled(state, &cancelled).await;
    Ok(cancelled)
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
