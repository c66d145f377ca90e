//! The enterprise directory: a search box and the table of rooms and SIP
//! endpoints.

use maud::{html, Markup};
use roomterm_proto::DirectoryEntry;

use super::{frame, Section};
use crate::api::console::strings::text;
use crate::api::console::Console;

pub fn page(console: &Console, entries: &[(DirectoryEntry, bool)], query: &str) -> Markup {
    let lang = console.lang;
    let t = |key| text(lang, key);
    frame(
        console,
        Section::Directory,
        None,
        html! {
            form.add method="get" action="/console/directory" role="search" {
                label { (t("search")) input #q name="q" value=(query) autocomplete="off"; }
                button type="submit" { (t("search")) }
            }
            @if entries.is_empty() {
                p.empty { (t("directory_empty")) }
            } @else {
                div.table {
                    table #directory {
                        thead { tr {
                            th { (t("name")) } th { (t("dial")) } th { (t("kind")) } th { (t("sip")) }
                        } }
                        tbody {
                            @for (entry, room) in entries {
                                tr data-number=(entry.number) {
                                    td { (entry.name) }
                                    td { code { (entry.number) } }
                                    td { (t(if *room { "kind_room" } else { "kind_endpoint" })) }
                                    td data-ok=(if entry.online { "yes" } else { "no" }) {
                                        (t(if entry.online { "registered" } else { "not_registered" }))
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
