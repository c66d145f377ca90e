//! The sign-in page and the change-password page.

use maud::{html, Markup};

use super::{csrf, document, frame, lang_switch, Notice, Section};
use crate::api::cast_page::strings::Lang;
use crate::api::console::strings::text;
use crate::api::console::Console;

/// The sign-in form; `username` as typed last; `notice`: why the last try
/// failed.
pub fn page(lang: Lang, username: &str, notice: Option<Notice>) -> Markup {
    let t = |key| text(lang, key);
    document(
        lang,
        t("sign_in_title"),
        false,
        html! {
            main.narrow {
                header.sign-in-head {
                    span.product { "roomcloud" }
                    (lang_switch(lang))
                }
                h1 { (t("sign_in_title")) }
                p.lead { (t("sign_in_lead")) }
                form.stack method="post" action=(format!("/console/sign-in?lang={}", lang.tag())) {
                    label for="username" { (t("username")) }
                    input #username name="username" value=(username) autocomplete="username"
                        required autofocus autocapitalize="none" spellcheck="false";
                    label for="password" { (t("password_label")) }
                    input #password name="password" type="password"
                        autocomplete="current-password" required;
                    @if let Some(notice) = notice {
                        p.notice.error role="alert" { (notice.text) }
                    }
                    button #sign-in type="submit" { (t("sign_in")) }
                }
            }
        },
    )
}

/// The change-password form (the rule said beside it).
pub fn password(console: &Console, notice: Option<Notice>) -> Markup {
    let t = |key| text(console.lang, key);
    frame(
        console,
        Section::Password,
        notice,
        html! {
            form.stack.narrow method="post" action="/console/password" {
                (csrf(console))
                label for="current" { (t("current_password")) }
                input #current name="current" type="password" autocomplete="current-password" required;
                label for="new" { (t("new_password")) }
                input #new name="new" type="password" autocomplete="new-password" required
                    minlength="8" aria-describedby="rule";
                p.hint #rule { (t("password_rule")) }
                label for="repeat" { (t("repeat_password")) }
                input #repeat name="repeat" type="password" autocomplete="new-password" required;
                button #change type="submit" { (t("change_password")) }
            }
        },
    )
}
