//! The rooms page: the add form, a code just issued (with its QR code),
//! and the table of rooms with their live columns (`live_cells`, which
//! `console.js` refreshes) and each room's actions.

use maud::{html, Markup, PreEscaped};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::Serialize;

use super::{ago, csrf, frame, size, when, Notice, Section};
use crate::api::cast_page::strings::Lang;
use crate::api::console::strings::text;
use crate::api::console::Console;
use crate::devices::{DeviceView, IssuedCode};

/// A room as the page lists it: the device and what it is doing.
pub struct RoomRow {
    pub device: DeviceView,
    /// The meeting it is in.
    pub meeting: Option<String>,
    /// Who casts to it.
    pub caster: Option<String>,
}

/// An activation code just issued: shown this once.
pub struct Issued {
    pub sn: String,
    pub name: String,
    pub code: String,
    pub expires_at: Option<i64>,
}

impl From<IssuedCode> for Issued {
    fn from(issued: IssuedCode) -> Self {
        Self {
            sn: issued.device.sn,
            name: issued.device.name,
            code: issued.activation_code,
            expires_at: issued.device.activation_code_expires_at,
        }
    }
}

/// One live column of a room: its words and whether that is good news
/// (`None`: neither).
#[derive(Serialize)]
pub struct Cell {
    pub key: &'static str,
    pub text: String,
    pub ok: Option<bool>,
}

/// The code in groups of four, as a person reads it out.
fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What the QR code holds: plain text any phone's camera shows, so an
/// installer carries the code to the room without writing it down.
fn qr_text(issued: &Issued) -> String {
    format!(
        "roomterm activation\nroom: {}\nSN: {}\ncode: {}",
        issued.name,
        issued.sn,
        grouped(&issued.code)
    )
}

/// The QR code as inline SVG (no image request; the CSP allows it).
fn qr_svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    Some(
        code.render::<svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

pub fn live_cells(lang: Lang, room: &RoomRow, now: i64) -> Vec<Cell> {
    let t = |key| text(lang, key);
    let d = &room.device;
    let cell = |key, text: String, ok| Cell { key, text, ok };
    let activity = match (&room.meeting, &room.caster) {
        (Some(meeting), _) => cell(
            "activity",
            t("in_meeting").replace("{id}", meeting),
            Some(true),
        ),
        (None, Some(caster)) => cell(
            "activity",
            t("casting").replace("{name}", caster),
            Some(true),
        ),
        (None, None) => cell("activity", t("idle").into(), None),
    };
    let update = match &d.update {
        Some(u) => {
            let state = u.state.as_deref().unwrap_or("offered");
            let progress = u.progress.map(|p| format!(" {p}%")).unwrap_or_default();
            let failed = matches!(state, "failed" | "rolled_back");
            cell(
                "update",
                format!("{} {state}{progress}", u.version),
                Some(!failed),
            )
        }
        None => cell("update", "—".into(), None),
    };
    vec![
        cell(
            "channel",
            t(if d.provisioning_connected {
                "online"
            } else {
                "offline"
            })
            .into(),
            Some(d.provisioning_connected),
        ),
        cell(
            "sip",
            t(if d.sip_registered {
                "registered"
            } else {
                "not_registered"
            })
            .into(),
            Some(d.sip_registered),
        ),
        activity,
        update,
        cell(
            "seen",
            d.last_seen_at.map_or("—".into(), |at| ago(lang, at, now)),
            None,
        ),
        cell(
            "free",
            d.storage.as_ref().map_or("—".into(), |s| {
                format!("{} / {}", size(s.free_bytes), size(s.total_bytes))
            }),
            d.storage
                .as_ref()
                .map(|s| s.free_bytes.saturating_mul(10) >= s.total_bytes),
        ),
    ]
}

fn issued_panel(lang: Lang, issued: &Issued) -> Markup {
    let t = |key| text(lang, key);
    html! {
        section.issued aria-labelledby="issued-title" {
            div {
                h2 #issued-title { (t("activation_code_for").replace("{name}", &issued.name)) }
                p.code #activation-code { (grouped(&issued.code)) }
                p.hint {
                    (t("code_once"))
                    @if let Some(at) = issued.expires_at {
                        " " (t("code_valid_until").replace("{when}", &when(at, 0))) " UTC"
                    }
                }
            }
            @if let Some(svg) = qr_svg(&qr_text(issued)) {
                figure.qr {
                    (PreEscaped(svg))
                    figcaption { (t("qr_caption")) }
                }
            }
        }
    }
}

fn room_actions(console: &Console, room: &RoomRow, bundles: &[String]) -> Markup {
    let t = |key| text(console.lang, key);
    let sn = &room.device.sn;
    html! {
        details.actions {
            summary { (t("manage")) }
            form.inline method="post" action=(format!("/console/rooms/{sn}/rename")) {
                (csrf(console))
                label { (t("new_name")) " " input name="name" value=(room.device.name) required maxlength="64"; }
                button type="submit" { (t("rename")) }
            }
            form.inline method="post" action=(format!("/console/rooms/{sn}/reset-code")) {
                (csrf(console))
                button.secondary type="submit" { (t("new_code")) }
            }
            @if room.device.update.is_some() {
                form.inline method="post" action=(format!("/console/rooms/{sn}/update/withdraw")) {
                    (csrf(console))
                    button.secondary type="submit" { (t("withdraw_update")) }
                }
            } @else if bundles.is_empty() {
                p.hint { (t("no_bundles")) }
            } @else {
                form.inline method="post" action=(format!("/console/rooms/{sn}/update")) {
                    (csrf(console))
                    label { (t("bundle")) " "
                        select name="bundle" { @for b in bundles { option value=(b) { (b) } } } }
                    label { (t("bundle_version")) " "
                        input name="version" required maxlength="64" size="12" spellcheck="false"; }
                    button.secondary type="submit" { (t("offer_update")) }
                }
            }
            form.inline method="post" action=(format!("/console/rooms/{sn}/remove")) {
                (csrf(console))
                label { input type="checkbox" required; " " (t("remove_confirm")) }
                button.danger type="submit" { (t("remove")) }
            }
        }
    }
}

pub fn page(
    console: &Console,
    rooms: &[RoomRow],
    bundles: &[String],
    now: i64,
    notice: Option<Notice>,
    issued: Option<&Issued>,
) -> Markup {
    let lang = console.lang;
    let t = |key| text(lang, key);
    frame(
        console,
        Section::Rooms,
        notice,
        html! {
            @if let Some(issued) = issued {
                (issued_panel(lang, issued))
            }
            form.add method="post" action="/console/rooms" {
                (csrf(console))
                h2 { (t("add_room")) }
                label { (t("sn")) input #sn name="sn" required maxlength="64" autocomplete="off" spellcheck="false"; }
                label { (t("room_name")) input #room-name name="name" maxlength="64" placeholder=(t("room_name_hint")); }
                button #add-room type="submit" { (t("add")) }
            }
            @if rooms.is_empty() {
                p.empty { (t("no_rooms")) }
            } @else {
                div.table {
                    table #rooms data-live="/console/rooms/live" {
                        thead { tr {
                            th { (t("room")) } th { (t("number")) } th { (t("activation")) }
                            th { (t("channel")) } th { (t("sip")) } th { (t("activity")) }
                            th { (t("update")) } th { (t("last_seen")) } th { (t("data_free")) }
                            th { (t("version")) } th {}
                        } }
                        tbody {
                            @for room in rooms {
                                @let d = &room.device;
                                tr data-sn=(d.sn) {
                                    td { a.name href={ "/console/rooms/" (d.sn) } { (d.name) } br; small.sn { (d.sn) } }
                                    td { (d.number) }
                                    td {
                                        @if d.state == "active" { (t("active")) }
                                        @else { span.pending { (t("pending")) } }
                                    }
                                    @for cell in live_cells(lang, room, now) {
                                        td data-live=(cell.key)
                                            data-ok=[cell.ok.map(|ok| if ok { "yes" } else { "no" })] {
                                            (cell.text)
                                        }
                                    }
                                    td { (d.software_version.as_deref().unwrap_or("—")) }
                                    td { (room_actions(console, room, bundles)) }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
