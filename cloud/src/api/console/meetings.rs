//! The meetings page: the meetings to come (an admin's: the enterprise's;
//! a user's: those it booked), scheduling one (subject, start in the
//! browser's time zone, duration, recurrence, invited rooms and SIP URIs,
//! passwords, join before host, party limit), changing one (the same form,
//! filled, on the meeting's own clock), cancelling one, and a live one's
//! link to its conference-control page.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;

use super::html::{self, meetings::Booked, Notice};
use super::schedule_form::Fields;
use super::strings::text;
use super::{form, see_other, Console, CsrfForm, Done};
use crate::api::extract::ApiPath;
use crate::api::meetings::{cancel_meeting, scheduled};
use crate::api::AppState;
use crate::error::CloudError;
use crate::meetings::{MeetingFilter, MeetingView};

/// The meetings the signed-in account may see.
async fn visible(state: &AppState, console: &Console) -> Result<Vec<MeetingView>, CloudError> {
    let filter = MeetingFilter {
        enterprise: Some(console.me.account.enterprise_id.to_string()),
        ..MeetingFilter::default()
    };
    let mut meetings = state.meetings.list(&filter).await?;
    meetings.retain(|m| m.kind == "scheduled" && may_manage(console, m));
    Ok(meetings)
}

/// Admins manage their enterprise's meetings; users those they booked.
fn may_manage(console: &Console, meeting: &MeetingView) -> bool {
    let me = &console.me.account;
    meeting.enterprise_id == me.enterprise_id
        && (console.is_admin() || meeting.organiser_account_id == Some(me.id))
}

pub async fn page(
    State(state): State<AppState>,
    console: Console,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<Response, CloudError> {
    let notice = match done.done.as_deref() {
        Some("cancelled") => Some(Notice::ok(text(console.lang, "meeting_cancelled"))),
        Some("saved") => Some(Notice::ok(text(console.lang, "meeting_saved"))),
        _ => None,
    };
    render(
        &state,
        &console,
        StatusCode::OK,
        notice,
        None,
        &Fields::default(),
    )
    .await
}

async fn render(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    notice: Option<Notice>,
    booked: Option<Booked>,
    typed: &Fields,
) -> Result<Response, CloudError> {
    render_form(state, console, status, notice, booked, typed, None).await
}

async fn render_form(
    state: &AppState,
    console: &Console,
    status: StatusCode,
    notice: Option<Notice>,
    booked: Option<Booked>,
    typed: &Fields,
    editing: Option<&str>,
) -> Result<Response, CloudError> {
    let meetings = visible(state, console).await?;
    let enterprise = console.me.account.enterprise_id.to_string();
    let rooms = state.devices.list_devices(Some(&enterprise)).await?;
    Ok(console.page(
        status,
        html::meetings::page(
            console,
            &meetings,
            &rooms,
            notice,
            booked.as_ref(),
            typed,
            editing,
        ),
    ))
}

pub async fn schedule(
    State(state): State<AppState>,
    console: Console,
    posted: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let fields = Fields::from_pairs(form(posted)?);
    console.check_form(&fields.csrf)?;
    let lang = console.lang;
    let meeting = match fields.meeting(&console) {
        Ok(meeting) => meeting,
        Err(key) => {
            let why = Notice::error(text(lang, key));
            return render(
                &state,
                &console,
                StatusCode::BAD_REQUEST,
                Some(why),
                None,
                &fields,
            )
            .await;
        }
    };
    match state.meetings.create(&meeting).await {
        Ok(created) => {
            scheduled(&state, &created).await;
            let notice = Notice::ok(text(lang, "meeting_scheduled"));
            let booked = Booked::from(created);
            render(
                &state,
                &console,
                StatusCode::CREATED,
                Some(notice),
                Some(booked),
                &Fields::default(),
            )
            .await
        }
        Err(CloudError::Coded {
            status, message, ..
        }) => {
            let why = Notice::error(&format!("{} {message}", text(lang, "not_done")));
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            render(&state, &console, status, Some(why), None, &fields).await
        }
        Err(err @ (CloudError::InvalidInput(_) | CloudError::NotFound(_))) => {
            let why = Notice::error(&format!("{} {err}", text(lang, "not_done")));
            render(
                &state,
                &console,
                StatusCode::BAD_REQUEST,
                Some(why),
                None,
                &fields,
            )
            .await
        }
        Err(err) => Err(err),
    }
}

pub async fn cancel(
    State(state): State<AppState>,
    console: Console,
    ApiPath(id): ApiPath,
    posted: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    console.check_form(&form(posted)?.csrf)?;
    own_meeting(&state, &console, &id).await?;
    cancel_meeting(&state, &id).await?;
    Ok(see_other("/console/meetings?done=cancelled"))
}

/// A meeting the account may change, or not found.
async fn own_meeting(
    state: &AppState,
    console: &Console,
    id: &str,
) -> Result<MeetingView, CloudError> {
    let meeting = state.meetings.show(id).await?;
    if meeting.kind != "scheduled" || !may_manage(console, &meeting) {
        return Err(CloudError::NotFound("meeting"));
    }
    Ok(meeting)
}

/// The meetings page with the form filled from the meeting, to change it.
pub async fn edit_page(
    State(state): State<AppState>,
    console: Console,
    ApiPath(id): ApiPath,
) -> Result<Response, CloudError> {
    let meeting = own_meeting(&state, &console, &id).await?;
    let typed = Fields::from_view(&meeting);
    render_form(
        &state,
        &console,
        StatusCode::OK,
        None,
        None,
        &typed,
        Some(&id),
    )
    .await
}

pub async fn edit(
    State(state): State<AppState>,
    console: Console,
    ApiPath(id): ApiPath,
    posted: Result<Form<Vec<(String, String)>>, axum::extract::rejection::FormRejection>,
) -> Result<Response, CloudError> {
    let fields = Fields::from_pairs(form(posted)?);
    console.check_form(&fields.csrf)?;
    own_meeting(&state, &console, &id).await?;
    let lang = console.lang;
    let refused = |why: String, status| {
        let fields = &fields;
        let state = &state;
        let console = &console;
        let id = id.as_str();
        async move {
            let why = Notice::error(&why);
            render_form(state, console, status, Some(why), None, fields, Some(id)).await
        }
    };
    let update = match fields.update() {
        Ok(update) => update,
        Err(key) => return refused(text(lang, key).into(), StatusCode::BAD_REQUEST).await,
    };
    match state.meetings.edit(&id, &update).await {
        Ok(edited) => {
            scheduled(&state, &edited).await;
            Ok(see_other("/console/meetings?done=saved"))
        }
        Err(CloudError::Coded {
            status, message, ..
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
            refused(format!("{} {message}", text(lang, "not_done")), status).await
        }
        Err(err @ CloudError::InvalidInput(_)) => {
            refused(
                format!("{} {err}", text(lang, "not_done")),
                StatusCode::BAD_REQUEST,
            )
            .await
        }
        Err(err) => Err(err),
    }
}
