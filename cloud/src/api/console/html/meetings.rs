//! The meetings page: a meeting just booked (its ID and generated host
//! password, shown once), the schedule form, and the list with each
//! meeting's actions.

use maud::{html, Markup};

use super::{csrf, frame, when, Notice, Section};
use crate::api::console::schedule_form::Fields;
use crate::api::console::strings::text;
use crate::api::console::Console;
use crate::devices::DeviceView;
use crate::meetings::MeetingView;

/// A meeting just scheduled.
pub struct Booked {
    pub meeting_id: String,
    pub subject: String,
    pub sip_uri: String,
    pub host_password: Option<String>,
}

impl From<MeetingView> for Booked {
    fn from(m: MeetingView) -> Self {
        Self {
            meeting_id: m.meeting_id,
            subject: m.subject,
            sip_uri: m.sip_uri,
            host_password: m.host_password,
        }
    }
}

fn booked_panel(console: &Console, booked: &Booked) -> Markup {
    let t = |key| text(console.lang, key);
    html! {
        section.issued aria-labelledby="booked-title" {
            div {
                h2 #booked-title { (booked.subject) }
                dl {
                    dt { (t("meeting_id")) } dd.code #booked-id { (booked.meeting_id) }
                    dt { (t("dial")) } dd { code { (booked.sip_uri) } }
                    @if let Some(password) = &booked.host_password {
                        dt { (t("host_password")) } dd.code #booked-host-password { (password) }
                    }
                }
                @if booked.host_password.is_some() {
                    p.hint { (t("password_once")) }
                }
            }
        }
    }
}

/// The schedule form; `editing`: the meeting it changes (its own wall
/// clock, its offset said beside the start).
fn schedule_form(
    console: &Console,
    rooms: &[DeviceView],
    typed: &Fields,
    editing: Option<&str>,
) -> Markup {
    let t = |key| text(console.lang, key);
    let action = match editing {
        Some(id) => format!("/console/meetings/{id}/edit"),
        None => "/console/meetings".into(),
    };
    let offset = format!(
        "UTC{}{:02}:{:02}",
        if typed.tz < 0 { '-' } else { '+' },
        typed.tz.abs() / 60,
        typed.tz.abs() % 60
    );
    let repeat = |value: &str, key| {
        html! { option value=(value) selected[typed.repeat == value] { (t(key)) } }
    };
    html! {
        details.add open[!typed.subject.is_empty()] {
            summary #schedule-open {
                @if editing.is_some() { (t("edit_meeting")) } @else { (t("schedule_meeting")) }
            }
            form.grid method="post" action=(action) {
                (csrf(console))
                @if editing.is_some() {
                    // The meeting's own wall clock, not the browser's.
                    input type="hidden" name="tz" value=(typed.tz);
                    input type="hidden" name="repeat_was" value=(typed.repeat_was);
                } @else {
                    input type="hidden" name="tz" value=(typed.tz) data-tz;
                }
                label.wide { (t("subject")) input #subject name="subject" value=(typed.subject) required maxlength="128"; }
                label { (t("start"))
                    @if editing.is_some() { " (" (offset) ")" }
                    input #start name="start" type="datetime-local" value=(typed.start) required; }
                label { (t("duration_mins"))
                    input #duration name="duration" type="number" min="5" max="1440" step="5"
                        value=(if typed.duration.is_empty() { "60" } else { &typed.duration }); }
                label { (t("repeat"))
                    select #repeat name="repeat" {
                        (repeat("none", "repeat_none")) (repeat("daily", "repeat_daily"))
                        (repeat("weekly", "repeat_weekly")) (repeat("monthly", "repeat_monthly"))
                    }
                }
                label { (t("party_limit"))
                    input name="party_limit" type="number" min="2" max="1000"
                        value=(if typed.party_limit.is_empty() { "100" } else { &typed.party_limit }); }
                @let unchanged = t("unchanged");
                label { (t("host_password")) input name="host_password" inputmode="numeric" pattern="[0-9]{4,8}"
                    value=(typed.host_password) placeholder=(if editing.is_some() { unchanged } else { t("generated") }) autocomplete="off"; }
                label { (t("guest_password")) input name="guest_password" inputmode="numeric" pattern="[0-9]{4,8}"
                    value=(typed.guest_password) placeholder=(if editing.is_some() { unchanged } else { t("none") }) autocomplete="off"; }
                label.check.wide { input type="checkbox" name="join_before_host" checked[typed.join_before_host]; " " (t("join_before_host")) }
                fieldset.wide {
                    legend { (t("invite_rooms")) }
                    @if rooms.is_empty() { p.hint { (t("no_rooms")) } }
                    @for room in rooms {
                        label.check {
                            input type="checkbox" name="room" value=(room.sn) checked[typed.rooms.contains(&room.sn)];
                            " " (room.name) " " small { (room.number) }
                        }
                    }
                }
                label.wide { (t("invite_sip"))
                    textarea name="sip_uris" rows="2" placeholder="sip:alice@example.com" spellcheck="false" { (typed.sip_uris) } }
                @if editing.is_some() {
                    div.form-actions.wide {
                        button #save-meeting type="submit" { (t("save")) }
                        a href="/console/meetings" { (t("back")) }
                    }
                } @else {
                    button #schedule type="submit" { (t("schedule")) }
                }
            }
        }
    }
}

fn meeting_row(console: &Console, m: &MeetingView) -> Markup {
    let t = |key| text(console.lang, key);
    let state_key = match m.state.as_str() {
        "live" => "state_live",
        "cancelled" => "state_cancelled",
        "ended" => "state_ended",
        _ => "state_scheduled",
    };
    let repeat_key = match m.recurrence.as_ref().map(|r| r.freq.as_str()) {
        Some("daily") => "repeat_daily",
        Some("weekly") => "repeat_weekly",
        Some("monthly") => "repeat_monthly",
        _ => "repeat_none",
    };
    let open = matches!(m.state.as_str(), "scheduled" | "live");
    html! {
        tr data-meeting=(m.meeting_id) {
            td { span.name { (m.subject) } br; small { (m.organiser) } }
            td.code { (m.meeting_id) }
            td {
                @match m.next_start.or(m.start_at) {
                    Some(at) => { (when(at, m.utc_offset_minutes)) }
                    None => { "—" }
                }
            }
            td { (m.duration_mins.map_or("—".into(), |d| t("minutes").replace("{n}", &d.to_string()))) }
            td { (t(repeat_key)) }
            td { (m.invitees.devices.len() + m.invitees.sip_uris.len()) }
            td { span.state data-state=(m.state) { (t(state_key)) } }
            td { div.actions-cell {
                @if m.state == "live" {
                    a.button href=(format!("/control/{}", m.meeting_id)) { (t("control")) }
                }
                @if m.state == "scheduled" {
                    a.button.secondary href=(format!("/console/meetings/{}/edit", m.meeting_id)) { (t("edit")) }
                }
                @if open {
                    form.inline method="post" action=(format!("/console/meetings/{}/cancel", m.meeting_id)) {
                        (csrf(console))
                        button.danger type="submit" { (t("cancel_meeting")) }
                    }
                }
            } }
        }
    }
}

pub fn page(
    console: &Console,
    meetings: &[MeetingView],
    rooms: &[DeviceView],
    notice: Option<Notice>,
    booked: Option<&Booked>,
    typed: &Fields,
    editing: Option<&str>,
) -> Markup {
    let t = |key| text(console.lang, key);
    frame(
        console,
        Section::Meetings,
        notice,
        html! {
            @if let Some(booked) = booked {
                (booked_panel(console, booked))
            }
            (schedule_form(console, rooms, typed, editing))
            @if meetings.is_empty() {
                p.empty { (t("no_meetings")) }
            } @else {
                div.table {
                    table #meetings {
                        thead { tr {
                            th { (t("subject")) } th { (t("meeting_id")) } th { (t("next_start")) }
                            th { (t("duration")) } th { (t("repeat")) } th { (t("invitees")) }
                            th { (t("state")) } th {}
                        } }
                        tbody {
                            @for m in meetings { (meeting_row(console, m)) }
                        }
                    }
                }
            }
        },
    )
}
