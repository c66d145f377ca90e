//! The console's markup (maud): the frame every page shares (title,
//! navigation, who is signed in, the language switch, a notice) and a
//! module per page. Its look is `assets/console/console.css`.

pub mod directory;
pub mod meetings;
pub mod people;
pub mod room;
pub mod rooms;
pub mod sign_in;
pub mod sip;

use maud::{html, Markup, DOCTYPE};

use super::strings::text;
use super::Console;
use crate::api::cast_page::strings::Lang;
use crate::meetings::recurrence::civil_from_days;

/// A line above the page's content: what a form did, or why not.
pub struct Notice {
    pub ok: bool,
    pub text: String,
}

impl Notice {
    pub fn ok(text: &str) -> Self {
        Self {
            ok: true,
            text: text.to_string(),
        }
    }

    pub fn error(text: &str) -> Self {
        Self {
            ok: false,
            text: text.to_string(),
        }
    }
}

/// The console's pages, as the navigation lists them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Rooms,
    Meetings,
    SipAccounts,
    Accounts,
    Directory,
    Password,
}

/// `<head>` and the language switch, for signed-in pages and the sign-in
/// page alike.
fn document(lang: Lang, title: &str, with_script: bool, body: Markup) -> Markup {
    let (css, js) = Console::assets();
    html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · roomcloud" }
                link rel="icon" href="data:,";
                link rel="stylesheet" href=(css);
                @if with_script {
                    script src=(js) defer {}
                }
            }
            body { (body) }
        }
    }
}

fn lang_switch(lang: Lang) -> Markup {
    html! {
        nav.lang aria-label=(text(lang, "language")) {
            a href="?lang=en" hreflang="en" lang="en"
                aria-current=[(lang == Lang::En).then_some("true")] { "English" }
            a href="?lang=zh-CN" hreflang="zh-CN" lang="zh-CN"
                aria-current=[(lang == Lang::ZhCn).then_some("true")] { "中文" }
        }
    }
}

/// A signed-in page: the bar (product, sections, who, sign out), the
/// notice, the content.
pub fn frame(
    console: &Console,
    section: Section,
    notice: Option<Notice>,
    content: Markup,
) -> Markup {
    let lang = console.lang;
    let t = |key| text(lang, key);
    let title = t(match section {
        Section::Rooms => "rooms",
        Section::Meetings => "meetings",
        Section::SipAccounts => "sip_accounts",
        Section::Accounts => "accounts",
        Section::Directory => "directory",
        Section::Password => "password",
    });
    let link = |to: Section, href: &str, key: &'static str| {
        html! {
            a href=(href) aria-current=[(to == section).then_some("page")] { (t(key)) }
        }
    };
    let me = &console.me.account;
    document(
        lang,
        title,
        true,
        html! {
            header.bar {
                span.product { "roomcloud" }
                nav.sections aria-label=(t("sections")) {
                    @if console.is_admin() {
                        (link(Section::Rooms, "/console/rooms", "rooms"))
                    }
                    (link(Section::Meetings, "/console/meetings", "meetings"))
                    (link(Section::Directory, "/console/directory", "directory"))
                    @if console.is_admin() {
                        (link(Section::SipAccounts, "/console/sip-accounts", "sip_accounts"))
                        (link(Section::Accounts, "/console/accounts", "accounts"))
                    }
                }
                div.who {
                    a #me href="/console/password" title=(t("password")) {
                        (me.display_name)
                        " · "
                        (t(if console.is_admin() { "role_admin" } else { "role_user" }))
                    }
                    form method="post" action="/console/sign-out" {
                        input type="hidden" name="csrf" value=(console.me.csrf);
                        button.link #sign-out type="submit" { (t("sign_out")) }
                    }
                    (lang_switch(lang))
                }
            }
            main {
                h1 { (title) }
                @if let Some(notice) = notice {
                    p.notice.ok[notice.ok].error[!notice.ok] role=(if notice.ok { "status" } else { "alert" }) {
                        (notice.text)
                    }
                }
                (content)
            }
        },
    )
}

/// The hidden field every console form carries.
pub fn csrf(console: &Console) -> Markup {
    html! { input type="hidden" name="csrf" value=(console.me.csrf); }
}

/// Unix seconds as `2026-12-05 09:30` at `offset_minutes` from UTC.
pub fn when(secs: i64, offset_minutes: i64) -> String {
    let local = secs + offset_minutes * 60;
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let of_day = local.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}",
        of_day / 3600,
        of_day % 3600 / 60
    )
}

/// How long ago, in words: "now", "5 min", "3 h", "2 d".
pub fn ago(lang: Lang, then: i64, now: i64) -> String {
    let secs = (now - then).max(0);
    let (n, key) = match secs {
        0..60 => return text(lang, "just_now").to_string(),
        60..3600 => (secs / 60, "minutes_ago"),
        3600..86_400 => (secs / 3600, "hours_ago"),
        _ => (secs / 86_400, "days_ago"),
    };
    text(lang, key).replace("{n}", &n.to_string())
}

/// Bytes in GB or MB, one decimal.
pub fn size(bytes: u64) -> String {
    let gb = bytes as f64 / 1e9;
    if gb >= 1.0 {
        format!("{gb:.1} GB")
    } else {
        format!("{:.0} MB", bytes as f64 / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_a_person_writes_them() {
        assert_eq!(when(0, 0), "1970-01-01 00:00");
        assert_eq!(when(1_796_460_000, 480), "2026-12-05 16:40");
        assert_eq!(when(1_796_460_000, -300), "2026-12-05 03:40");
        assert_eq!(ago(Lang::En, 100, 130), "just now");
        assert_eq!(ago(Lang::En, 0, 300), "5 min ago");
        assert_eq!(ago(Lang::ZhCn, 0, 7200), "2 小时前");
        assert_eq!(size(7_400_000_000), "7.4 GB");
        assert_eq!(size(512_000_000), "512 MB");
    }
}
