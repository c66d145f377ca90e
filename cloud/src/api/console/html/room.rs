//! One room's page: its details, its live state (the rooms list's cells)
//! and its recent events, newest first.

use maud::{html, Markup};

use super::rooms::{live_cells, RoomRow};
use super::{ago, frame, Section};
use crate::api::cast_page::strings::Lang;
use crate::api::console::strings::text;
use crate::api::console::Console;
use crate::store::DeviceEventRow;

/// An event's kind in words (an unknown one as it is).
fn kind(lang: Lang, kind: &str) -> String {
    let key = match kind {
        "added" => "event_added",
        "code_reset" => "event_code_reset",
        "activated" => "event_activated",
        "online" => "event_online",
        "offline" => "event_offline",
        "renamed" => "event_renamed",
        "update_offered" => "event_update_offered",
        "update_withdrawn" => "event_update_withdrawn",
        "update_downloading" => "event_update_downloading",
        "update_installing" => "event_update_installing",
        "update_installed" => "event_update_installed",
        "update_failed" => "event_update_failed",
        "update_rolled_back" => "event_update_rolled_back",
        other => return other.to_string(),
    };
    text(lang, key).to_string()
}

pub fn page(console: &Console, room: &RoomRow, events: &[DeviceEventRow], now: i64) -> Markup {
    let lang = console.lang;
    let t = |key| text(lang, key);
    let d = &room.device;
    let labels = [
        ("channel", t("channel")),
        ("sip", t("sip")),
        ("activity", t("activity")),
        ("update", t("update")),
        ("seen", t("last_seen")),
        ("free", t("data_free")),
    ];
    frame(
        console,
        Section::Rooms,
        None,
        html! {
            p { a href="/console/rooms" { "← " (t("rooms")) } }
            section.card #room data-sn=(d.sn) {
                h2 { (d.name) " " small.sn { (d.sn) } }
                dl {
                    dt { (t("number")) } dd { (d.number) }
                    dt { (t("activation")) }
                    dd { @if d.state == "active" { (t("active")) } @else { (t("pending")) } }
                    dt { (t("version")) } dd { (d.software_version.as_deref().unwrap_or("—")) }
                    @for cell in live_cells(lang, room, now) {
                        @let label = labels.iter().find(|(k, _)| *k == cell.key).map_or("", |(_, l)| l);
                        dt { (label) }
                        dd data-ok=[cell.ok.map(|ok| if ok { "yes" } else { "no" })] { (cell.text) }
                    }
                }
            }
            section.card {
                h2 { (t("recent_events")) }
                @if events.is_empty() {
                    p.empty { (t("no_events")) }
                } @else {
                    div.table {
                        table #events {
                            thead { tr { th { (t("when")) } th { (t("event")) } th {} } }
                            tbody {
                                @for e in events {
                                    tr data-kind=(e.kind) {
                                        td title=(super::when(e.at_ms / 1000, 0)) { (ago(lang, e.at_ms / 1000, now)) }
                                        td { (kind(lang, &e.kind)) }
                                        td { (e.detail) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}
