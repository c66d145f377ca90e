//! The conference-control page's markup (maud): the sign-in form, and the
//! page the script fills from the meeting's live view (its look is
//! `assets/control/control.css`, its behaviour `assets/control/control.js`).

use maud::{html, Markup, PreEscaped, DOCTYPE};

use super::strings::{table, text};
use crate::api::cast_page::strings::Lang;

/// Head and language switch shared by both pages.
fn shell(lang: Lang, meeting: &str, css: &str, js: Option<&str>, body: Markup) -> Markup {
    let t = |key| text(lang, key);
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (t("title")) " · " (meeting) " · roomcloud" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(css);
                @if let Some(js) = js {
                    script type="application/json" #strings { (PreEscaped(strings_json(lang))) }
                    script src=(js) defer {}
                }
            }
            body data-meeting=(meeting) data-state="connecting" {
                main {
                    header {
                        h1 { (t("title")) " · " span.meeting { (t("meeting").replace("{id}", meeting)) } }
                        nav.lang aria-label=(t("language")) {
                            a href="?lang=en" hreflang="en" lang="en"
                                aria-current=[(lang == Lang::En).then_some("true")] { "English" }
                            a href="?lang=zh-CN" hreflang="zh-CN" lang="zh-CN"
                                aria-current=[(lang == Lang::ZhCn).then_some("true")] { "中文" }
                        }
                    }
                    (body)
                }
            }
        }
    }
}

/// The sign-in form (`error`: why the last try failed, in words).
pub fn sign_in(lang: Lang, meeting: &str, error: Option<&str>, css: &str) -> Markup {
    let t = |key| text(lang, key);
    shell(
        lang,
        meeting,
        css,
        None,
        html! {
            form.sign-in method="post" action="/control/sign-in" {
                p { (t("sign_in_lead")) }
                input type="hidden" name="meeting" value=(meeting);
                input type="hidden" name="lang" value=(lang.tag());
                label for="token" { (t("token_label")) }
                input #token name="token" type="password" autocomplete="current-password"
                    required autofocus;
                @if let Some(error) = error {
                    p.error role="alert" { (error) }
                }
                button #sign-in type="submit" { (t("sign_in")) }
            }
        },
    )
}

/// The live page: the meeting's state line, the host's buttons, the
/// participants' table (rows drawn by the script).
pub fn control(lang: Lang, meeting: &str, css: &str, js: &str) -> Markup {
    let t = |key| text(lang, key);
    shell(
        lang,
        meeting,
        css,
        Some(js),
        html! {
            noscript { p.error { (t("noscript")) } }
            p #status role="status" aria-live="polite" { (t("connecting")) }
            section.meeting-controls aria-label=(t("title")) {
                button #mute-all type="button" { (t("mute_all")) }
                label.check { input #allow-self-unmute type="checkbox" checked; (t("allow_self_unmute")) }
                button #unmute-all type="button" { (t("unmute_all")) }
                label.check { input #mute-on-entry type="checkbox"; (t("mute_on_entry")) }
                label.check { input #waiting-room type="checkbox"; (t("waiting_room")) }
                label.check { input #host-only-share type="checkbox"; (t("host_only_share")) }
                button #lock type="button" { (t("lock")) }
                button #poll type="button" { (t("poll")) }
                button #poll-pages type="button" { (t("poll_pages")) }
                button #extend type="button" { (t("extend")) }
                button #end.danger type="button" { (t("end_for_all")) }
            }
            // Ring someone in: a room's number or any SIP URI.
            form #invite-form.invite {
                label for="invite-to" { (t("invite_label")) }
                input #invite-to type="text" autocomplete="off" required
                    placeholder=(t("invite_placeholder"));
                button #invite type="submit" { (t("invite")) }
            }
            // Who is being rung in, each with Stop ringing.
            ul #ringing-list.ringing aria-live="polite" {}
            p #notice.error role="alert" {}
            // Who waits for the host (shown while anyone does).
            section #waiting hidden aria-labelledby="waiting-title" {
                h2 #waiting-title {}
                button #admit-all type="button" { (t("admit_all")) }
                ul #waiting-list {}
            }
            table #roster {
                thead { tr {
                    th scope="col" { (t("col_name")) }
                    th scope="col" { (t("col_role")) }
                    th scope="col" { (t("col_sound")) }
                    th scope="col" { (t("col_picture")) }
                    th scope="col" { (t("col_actions")) }
                } }
                tbody {}
            }
            form.sign-out method="post" action="/control/sign-out" {
                input type="hidden" name="meeting" value=(meeting);
                button.secondary type="submit" { (t("sign_out")) }
            }
        },
    )
}

/// The strings the script uses, as JSON safe inside `<script>`.
fn strings_json(lang: Lang) -> String {
    let map: serde_json::Map<String, serde_json::Value> = table(lang)
        .iter()
        .map(|(k, v)| (k.to_string(), serde_json::Value::from(*v)))
        .collect();
    serde_json::Value::Object(map)
        .to_string()
        .replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_in_page_asks_for_the_token_and_runs_no_script() {
        let html = sign_in(Lang::En, "8100001", Some("wrong"), "/c.css").into_string();
        assert!(html.contains("type=\"password\""));
        assert!(html.contains("value=\"8100001\""));
        assert!(html.contains("role=\"alert\">wrong<"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn the_live_page_carries_its_controls_and_escapes_the_meeting() {
        let html = control(Lang::ZhCn, "8100001", "/c.css", "/c.js").into_string();
        for id in [
            "mute-all",
            "unmute-all",
            "lock",
            "waiting-room",
            "host-only-share",
            "waiting-list",
            "extend",
            "end",
            "invite-to",
            "poll-pages",
            "roster",
            "status",
            "strings",
        ] {
            assert!(html.contains(&format!("id=\"{id}\"")), "#{id}");
        }
        assert!(html.contains("<html lang=\"zh-CN\">"));
        assert_eq!(html.matches("<script").count(), 2);
        assert!(!html.contains("style="));
        let hostile = control(Lang::En, "\"><script>", "/c.css", "/c.js").into_string();
        assert!(!hostile.contains("\"><script>"));
    }
}
